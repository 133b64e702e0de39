"""A beacon season's public bulletin: fixed at the close, drawn with the beacon-mixed seed.

The library (lottery/bulletin.py, lottery/beacon.py) does the work; this module keeps what it
builds in the database and turns its refusals into the service's errors. docs/bulletin.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any

import polars as pl
from sqlalchemy import case, func, insert, select
from sqlalchemy.orm import Session

from talentvisa.h1b import bulk, workflow
from talentvisa.h1b.models import BulletinLeaf, BulletinLevel, CapSeason, SeasonBulletin
from talentvisa.h1b.schemas import BeaconIn, DrandIn
from talentvisa.lottery import beacon as bc
from talentvisa.lottery import bulletin as bl
from talentvisa.lottery.run import RoundSpec
from talentvisa.service_errors import Conflict, Invalid, NotFound


def name_beacon(season: CapSeason, body: BeaconIn) -> None:
    """Record the named round, refusing one whose value may be known by the planned close."""
    if body.planned_close.tzinfo is None:
        raise Invalid("beacon.planned_close: must say its time zone (e.g. end in Z)", "beacon")
    try:
        chain = bc.chain(body.chain)
        bl.name_beacon_round(chain, body.planned_close, body.round)
    except (bc.BeaconError, bl.BulletinError) as exc:
        raise Invalid(f"beacon: {exc}", "beacon") from None
    except OverflowError:  # a planned close near year 1 or 9999 has no UTC time to compare
        raise Invalid("beacon.planned_close: out of the range of times", "beacon") from None
    season.beacon_chain = chain.name
    season.beacon_round = body.round
    season.planned_close = body.planned_close


def _chain(season: CapSeason) -> bc.Chain:
    assert season.beacon_chain is not None
    return bc.chain(season.beacon_chain)


def publish(
    session: Session, season: CapSeason, frame: pl.DataFrame, closed_at: dt.datetime
) -> SeasonBulletin:
    """Build and store the bulletin of the valid registrations at the close."""
    assert season.beacon_round is not None
    year = int(season.season.removeprefix("FY"))
    try:
        bulletin, mapping = bl.build(frame, year)
        public = bl.manifest(
            bulletin, year, season.commitment, _chain(season), season.beacon_round, closed_at
        )
    except bl.BulletinError as exc:
        raise Conflict(f"season {season.season} cannot publish its bulletin: {exc}") from None
    buf = io.BytesIO()
    mapping.write_csv(buf)
    record = SeasonBulletin(
        season_id=season.id,
        root=bulletin.root,
        rows=bulletin.to_bytes().decode(),
        manifest=public,
        mapping=buf.getvalue().decode(),
        published_at=closed_at,
        list_sha256=list_digest(frame),
    )
    session.add(record)
    session.flush()
    _store_proofs(session, season, bulletin)
    return record


def _store_proofs(session: Session, season: CapSeason, bulletin: bl.Bulletin) -> None:
    """Every registration's row and the tree's levels, so each proof is two indexed reads."""
    lines = bulletin.lines.rename("row").to_frame().with_row_index("leaf_index")
    leaves = (
        bulletin.registrations.join(
            lines.with_columns(pl.col("leaf_index").cast(pl.Int64)), on="leaf_index", how="left"
        )
        .with_columns(pl.lit(season.id).alias("season_id"))
        .select("season_id", "registration_id", "leaf_index", "row")
    )
    bulk.insert(session, BulletinLeaf.__table__, leaves)  # type: ignore[arg-type]
    session.execute(
        insert(BulletinLevel),
        [
            {"season_id": season.id, "level": n, "hashes": b"".join(level)}
            for n, level in enumerate(bulletin.tree.levels)
        ],
    )


def published(session: Session, season: CapSeason) -> SeasonBulletin:
    record = session.get(SeasonBulletin, season.id)
    if record is None:
        raise NotFound(f"season {season.season} has no published bulletin")
    return record


def published_or_none(session: Session, season: CapSeason) -> SeasonBulletin | None:
    return session.get(SeasonBulletin, season.id)


def store_beacon(season: CapSeason, body: DrandIn, now: dt.datetime) -> None:
    """Keep the named round's value once its signature verifies under the pinned key."""
    if season.beacon_round is None:
        raise Conflict(f"season {season.season} names no beacon")
    workflow.check(workflow.BEACON, season.season, season.state)
    try:
        value = bc.BeaconValue.from_json(body.model_dump(exclude_none=True))
    except bc.BeaconError as exc:
        raise Invalid(str(exc), "beacon") from None
    if value.round != season.beacon_round:
        raise Invalid(
            f"beacon: round {value.round} is not the round {season.beacon_round} the season named",
            "beacon",
        )
    problems = bc.verify(_chain(season), value, season.beacon_round)
    if problems:
        raise Invalid(f"beacon: {problems[0]}", "beacon")
    season.beacon_value = value.to_json()


def draw(
    season: CapSeason,
    record: SeasonBulletin,
    frame: pl.DataFrame,
    rounds: list[RoundSpec],
    now: dt.datetime,
) -> tuple[bl.BulletinDraw, dict[str, Any]]:
    """The draw over the bulletin rebuilt from today's list; refused if the list changed."""
    if season.beacon_value is None:
        raise Conflict(
            f"season {season.season} draws with drand round {season.beacon_round}; "
            "enter its value first (POST /seasons/{season}/beacon)"
        )
    try:
        return bl.draw(
            _bulletin_at_close(season, record, frame),
            record.manifest,
            bytes.fromhex(season.seed_hex),
            bc.BeaconValue.from_json(season.beacon_value),
            rounds,
            now=now,
        )
    except bl.BulletinError as exc:
        raise Conflict(f"season {season.season}: {exc}") from None


def list_digest(frame: pl.DataFrame) -> str:
    """SHA-256 of the registrations in the draw, every column, as the service reads them."""
    buf = io.BytesIO()
    frame.write_csv(buf)
    return hashlib.sha256(buf.getvalue()).hexdigest()


def _bulletin_at_close(
    season: CapSeason, record: SeasonBulletin, frame: pl.DataFrame
) -> bl.Bulletin:
    """The bulletin of today's list, refused if that list is not the one of the close.

    The same registrations, column for column, build the same bulletin: so the stored one is
    read back (its bytes are then checked against the manifest) instead of being rebuilt, which
    at 500,000 registrations cost as much as the library's whole draw. A season closed before
    the digest was kept is rebuilt with its kept pseudonyms, and its root compared.
    """
    if record.list_sha256 is None:
        kept = pl.read_csv(io.StringIO(record.mapping), schema={"unit": pl.Utf8, "key": pl.Utf8})
        return bl.build(frame, int(season.season.removeprefix("FY")), kept)[0]
    if list_digest(frame) != record.list_sha256:
        raise bl.BulletinError(
            "the registrations differ from those the bulletin was built from at the close: "
            "the list changed after the root"
        )
    return bl.load(record.rows.encode())


def proof(session: Session, record: SeasonBulletin, registration_id: str) -> dict[str, Any]:
    """The registration's inclusion proof, from the stored leaves and levels."""
    leaf = session.get(BulletinLeaf, (record.season_id, registration_id))
    if leaf is not None:
        return _stored_proof(session, record, leaf)
    stored = session.scalar(
        select(BulletinLevel.level).where(BulletinLevel.season_id == record.season_id).limit(1)
    )
    if stored is not None:  # proofs are stored and this registration has none
        raise NotFound(f"registration {registration_id} is not on the bulletin")
    return _computed_proof(record, registration_id)


def _stored_proof(session: Session, record: SeasonBulletin, leaf: BulletinLeaf) -> dict[str, Any]:
    # The sibling of node i on level L is node (i >> L) ^ 1; an unpaired last node has none
    # (it is carried up), and its slice past the level's end comes back empty.
    levels = session.scalar(select(func.count()).where(BulletinLevel.season_id == record.season_id))
    assert levels is not None
    offsets = {n: 32 * ((leaf.leaf_index >> n) ^ 1) + 1 for n in range(levels - 1)}
    if not offsets:
        path: list[str] = []
    else:
        slices = session.execute(
            select(
                BulletinLevel.level,
                func.substr(BulletinLevel.hashes, case(offsets, value=BulletinLevel.level), 32),
            )
            .where(BulletinLevel.season_id == record.season_id, BulletinLevel.level < levels - 1)
            .order_by(BulletinLevel.level)
        ).all()
        path = [bytes(h).hex() for _, h in slices if h]
    return {
        "scheme": bl.SCHEME,
        "registration_id": leaf.registration_id,
        "root": record.root,
        "tree_size": int(record.manifest["rows"]),
        "index": leaf.leaf_index,
        "row": leaf.row,
        "path": path,
    }


def _computed_proof(record: SeasonBulletin, registration_id: str) -> dict[str, Any]:
    """A season closed before proofs were stored: parse and hash its bulletin."""
    try:
        return bl.parse(record.rows.encode()).proof(registration_id)
    except bl.BulletinError:
        # Not on the bulletin (e.g. a duplicate the draw does not count): no proof to give.
        raise NotFound(f"registration {registration_id} is not on the bulletin") from None
