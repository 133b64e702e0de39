"""Cap seasons and registrations: window, commitment, dedupe, draw, results, petition fees.

Each use case takes an `H1bContext` (h1b/context.py) and runs inside its one transaction; the
steps a season and a registration may take are declared in h1b/workflow.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from talentvisa.audit import service as audit
from talentvisa.auth.models import Role, User
from talentvisa.db.base import new_id
from talentvisa.h1b import bulk, upload, workflow
from talentvisa.h1b import bulletin as bulletins
from talentvisa.h1b.context import H1bContext
from talentvisa.h1b.models import CapSeason, Registration, SeasonBulletin
from talentvisa.h1b.schemas import PAGE_MAX, DrandIn, PetitionIn, RegistrationIn, RoundIn, SeasonIn
from talentvisa.h1b.workflow import RegistrationStatus, SeasonState, Step
from talentvisa.lottery import run as lottery
from talentvisa.lottery.registrations import (
    COLUMNS,
    RegistrationError,
    canonical_bytes,
    identity_conflicts,
    normalize,
    resolve,
)
from talentvisa.lottery.rules import SeasonError, parse_season, rule_for
from talentvisa.lottery.select import ALGORITHM
from talentvisa.rules.engine import assess
from talentvisa.rules.params import resolve as resolve_param
from talentvisa.rules.profile import Profile
from talentvisa.service_errors import Conflict, Forbidden, Invalid, NotFound

PROGRAM = "us-h1b"
#: Who may read every employer's registrations (the canonical list, identity conflicts).
READERS = (Role.admin, Role.supervisor, Role.officer)
#: The moment each state is entered is kept on the season.
STAMP = {
    SeasonState.open: "opened_at",
    SeasonState.closed: "closed_at",
    SeasonState.drawn: "drawn_at",
}


# --- finding and locking ------------------------------------------------------------------


def _season(session: Session, name: str, lock: bool = False) -> CapSeason:
    q = select(CapSeason).where(CapSeason.season == name.upper())
    season = session.scalar(q.with_for_update() if lock else q)
    if season is None:
        raise NotFound(f"season {name} not found")
    return season


def _require(user: User, *roles: Role) -> None:
    if user.role not in {r.value for r in roles}:
        raise Forbidden(f"this needs the role {' or '.join(r.value for r in roles)}")


def _locked(
    ctx: H1bContext, name: str, role: Role, step: Step[SeasonState] | None = None
) -> CapSeason:
    """The season, for `role` only, locked, and (given a step) in a state the step is taken from.

    Registering, closing and drawing all take this lock: a registration either commits before
    the window closes and is in the draw, or sees the closed state. (SQLite: the writer lock.)
    """
    _require(ctx.user, role)
    season = _season(ctx.session, name, lock=True)
    if step is not None:
        workflow.check(step, season.season, season.state)
    return season


def _record(ctx: H1bContext, entity_type: str, entity_id: str, action: str, data: Any) -> None:
    audit.append(
        ctx.session,
        actor_id=ctx.user.id,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        data=data,
    )


def _take(
    ctx: H1bContext, season: CapSeason, step: Step[SeasonState], at: dt.datetime | None = None
) -> CapSeason:
    """Move a season checked for `step` to its target state, stamped (`at`, or the context's
    clock now) and in the audit trail."""
    season.state = step.target.value
    setattr(season, STAMP[step.target], at or ctx.clock())
    _record(ctx, "season", season.season, step.target.value, {"commitment": season.commitment})
    return season


def seasons(session: Session) -> list[CapSeason]:
    """Every cap season, newest first."""
    return list(session.scalars(select(CapSeason).order_by(CapSeason.season.desc())))


def season_named(session: Session, name: str) -> CapSeason:
    """One season by its name (e.g. FY2027); 404 if there is none."""
    return _season(session, name)


def season_of(session: Session, reg: Registration) -> CapSeason:
    season = session.get(CapSeason, reg.season_id)
    if season is None:  # the foreign key rules it out
        raise NotFound(f"registration {reg.id} has no season")
    return season


# --- the season's steps -------------------------------------------------------------------


def create_season(ctx: H1bContext, body: SeasonIn) -> CapSeason:
    _require(ctx.user, Role.admin)
    try:
        rule_for(parse_season(body.season))
    except SeasonError as exc:
        raise Invalid(f"season: {exc}", "season") from None
    if ctx.session.scalar(select(CapSeason).where(CapSeason.season == body.season)) is not None:
        raise Conflict(f"season: {body.season} already exists", "season")
    seed = lottery.new_seed()
    season = CapSeason(
        season=body.season,
        state=SeasonState.draft.value,
        regular_target=body.regular_target,
        advanced_target=body.advanced_target,
        seed_hex=seed.hex(),
        commitment=lottery.commitment(seed),
    )
    if body.beacon is not None:
        bulletins.name_beacon(season, body.beacon)
    ctx.session.add(season)
    ctx.session.flush()
    _record(
        ctx,
        "season",
        season.season,
        "create",
        {
            "commitment": season.commitment,
            "targets": [body.regular_target, body.advanced_target],
        }
        | _beacon_named(season),
    )
    return season


def open_season(ctx: H1bContext, name: str) -> CapSeason:
    return _take(ctx, _locked(ctx, name, Role.admin, workflow.OPEN), workflow.OPEN)


def _beacon_named(season: CapSeason) -> dict[str, Any]:
    if season.beacon_round is None:
        return {}
    return {"beacon": {"chain": season.beacon_chain, "round": season.beacon_round}}


def close_season(ctx: H1bContext, name: str) -> CapSeason:
    """Close the window; a beacon season publishes its bulletin in the same transaction."""
    season = _take(ctx, _locked(ctx, name, Role.admin, workflow.CLOSE), workflow.CLOSE)
    if season.beacon_round is None:
        return season
    assert season.closed_at is not None
    record = bulletins.publish(
        ctx.session, season, season_frame(ctx.session, season), season.closed_at
    )
    _record(
        ctx,
        "season",
        season.season,
        "bulletin_published",
        {
            k: record.manifest[k]
            for k in ("root", "commitment", "sha256", "rows", "registrations", "closed_at")
        }
        | _beacon_named(season),
    )
    return season


def store_beacon(ctx: H1bContext, name: str, doc: DrandIn) -> CapSeason:
    """Keep the named drand round's value (its signature checked) for the draw."""
    season = _locked(ctx, name, Role.admin)
    bulletins.store_beacon(season, doc, ctx.clock())
    _record(ctx, "season", season.season, "beacon_value", {"beacon": season.beacon_value})
    return season


def register(ctx: H1bContext, name: str, body: RegistrationIn) -> Registration:
    season = _locked(ctx, name, Role.employer, workflow.REGISTER)
    employer = ctx.user
    clash = ctx.session.scalar(
        select(Registration).where(
            Registration.season_id == season.id,
            Registration.employer_id == employer.id,
            Registration.passport_country == body.passport_country,
            Registration.passport_number == body.passport_number,
        )
    )
    if clash is not None:
        raise _already_registered()
    programs = ctx.programs
    fee = resolve_param(
        programs.catalog[PROGRAM].program, "registration_fee", ctx.today(), programs.settings
    )
    reg = Registration(
        season_id=season.id,
        employer_id=employer.id,
        fee_amount=float(fee.value),
        fee_currency="USD",
        **body.model_dump(),
    )
    ctx.session.add(reg)
    try:
        ctx.session.flush()
    except IntegrityError:
        # The unique index's answer when the check above was passed by a concurrent twin.
        raise _already_registered() from None
    # Passport data stays out of the audit trail and logs; the id identifies the registration.
    _record(
        ctx, "registration", reg.id, "register", {"season": season.season, "fee": reg.fee_amount}
    )
    return reg


def register_many(ctx: H1bContext, name: str, data: bytes) -> list[tuple[int, str]]:
    """Register every row of an employer's CSV, or none (h1b/upload.py has the format).

    The checks are the single registration's: each row as ``RegistrationIn``, and one
    beneficiary once per registrant per season, against the file's other rows and the
    employer's earlier registrations. Returns each row's line and registration id.
    """
    season = _locked(ctx, name, Role.employer, workflow.REGISTER)
    try:
        rows = upload.read(data)
    except upload.UploadError as exc:
        raise Invalid(str(exc), "file") from None
    earlier = {
        (country, number)
        for country, number in ctx.session.execute(
            select(Registration.passport_country, Registration.passport_number).where(
                Registration.season_id == season.id,
                Registration.employer_id == ctx.user.id,
                Registration.duplicate_of.is_(None),
            )
        )
    }
    seen: dict[tuple[str, str], int] = {}
    problems: list[tuple[int, str]] = []
    for row in rows:
        key = (row.registration.passport_country, row.registration.passport_number)
        where = f"registrations.csv:{row.line}: passport_number:"
        if key in earlier:
            problems.append((row.line, f"{where} you already registered this beneficiary"))
        elif key in seen:
            problems.append((row.line, f"{where} the same beneficiary as line {seen[key]}"))
        seen.setdefault(key, row.line)
    if problems:
        raise Invalid(
            str(upload.refuse(problems))
            + "\na second registration of one beneficiary would make both invalid "
            "(8 CFR 214.2(h)(8)(iii)(A)(2))",
            "file",
        )
    programs = ctx.programs
    fee = float(
        resolve_param(
            programs.catalog[PROGRAM].program, "registration_fee", ctx.today(), programs.settings
        ).value
    )
    at = ctx.clock()
    ids = [new_id() for _ in rows]
    frame = pl.DataFrame(
        [
            {
                "id": rid,
                "season_id": season.id,
                "employer_id": ctx.user.id,
                **row.registration.model_dump(),
                "fee_amount": fee,
                "fee_currency": "USD",
                "status": RegistrationStatus.submitted.value,
                "created_at": at,
            }
            for rid, row in zip(ids, rows, strict=True)
        ]
    )
    try:
        bulk.insert(ctx.session, Registration.__table__, frame)  # type: ignore[arg-type]
    except IntegrityError:
        # A concurrent single registration of one of the rows' beneficiaries won the race.
        raise _already_registered() from None
    # One event for the upload; it lists the ids, never the passport data.
    _record(
        ctx,
        "season",
        season.season,
        "register_many",
        {"employer_id": ctx.user.id, "count": len(ids), "fee": fee, "registrations": ids},
    )
    return [(row.line, rid) for row, rid in zip(rows, ids, strict=True)]


def _already_registered() -> Conflict:
    # Only the employer's own registrations are compared: another employer's is never hinted.
    return Conflict(
        "passport_number: you already registered this beneficiary this season; a second "
        "registration would make both invalid (8 CFR 214.2(h)(8)(iii)(A)(2))",
        "passport_number",
    )


# --- the draw -----------------------------------------------------------------------------


#: The registration file's columns, in its order: the library reads the frame as it reads a file.
FRAME_COLUMNS = tuple(COLUMNS)
#: Booleans as each database's text gives them (PostgreSQL: t/f, true/false), as the library
#: reads them.
FLAGS = {
    **{"t": "true", "f": "false", "true": "true", "false": "false"},
    **{"True": "true", "False": "false", "1": "true", "0": "false"},
}


def _in_draw(season: CapSeason) -> list[Any]:
    return [
        Registration.season_id == season.id,
        Registration.status != RegistrationStatus.withdrawn_duplicate.value,
    ]


def season_frame(session: Session, season: CapSeason) -> pl.DataFrame:
    """The season's registrations in the draw, by id, as the library's text columns.

    Read in one stream (COPY on PostgreSQL), not as ORM objects: at 500,000 rows this is the
    difference between about one second and most of a minute.
    """
    query = (
        select(
            *(
                Registration.id if c == "registration_id" else getattr(Registration, c)
                for c in FRAME_COLUMNS
            )
        )
        .where(*_in_draw(season))
        .order_by(Registration.id)
    )
    frame = bulk.read(session, query, FRAME_COLUMNS)
    return frame.with_columns(
        pl.col("us_advanced_degree").replace_strict(FLAGS, return_dtype=pl.Utf8),
        pl.col("given_name").fill_null(""),
    )


def _frame(regs: list[Registration]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            (
                r.id,
                str(r.employer_id),
                r.passport_country,
                r.passport_number,
                r.family_name,
                r.given_name,
                r.date_of_birth.isoformat(),
                str(r.wage_level),
                r.soc_code,
                r.worksite,
                "true" if r.us_advanced_degree else "false",
            )
            for r in regs
        ],
        schema=dict.fromkeys(FRAME_COLUMNS, pl.Utf8),
        orient="row",
    )


def _set_statuses(session: Session, season: CapSeason, outcome: pl.DataFrame) -> None:
    """Each registration's status after a selection run (``outcome``: ``id``, ``status``), in
    one UPDATE from a staged copy of the outcome.

    A status the selection keeps (a filed petition) is left as it is (workflow.after_selection).
    """
    kept = [s.value for s in workflow.KEPT_BY_SELECTION]
    bulk.set_from(
        session,
        Registration.__table__,  # type: ignore[arg-type]
        "id",
        outcome,
        Registration.season_id == season.id,
        Registration.status.not_in(kept),
    )
    # The UPDATE bypasses the session: registrations it already holds must reload their status.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Registration) and obj.season_id == season.id:
            session.expire(obj, ["status"])


def algorithm_of(season: CapSeason) -> str:
    """The unit definition a season was drawn with (published in its reveal), or the current."""
    return str(season.reveal["algorithm"]) if season.reveal else ALGORITHM


def registrations_of(session: Session, season: CapSeason) -> list[Registration]:
    """The season's registrations in the draw, by id."""
    return list(
        session.scalars(
            select(Registration)
            .where(
                Registration.season_id == season.id,
                Registration.status != RegistrationStatus.withdrawn_duplicate.value,
            )
            .order_by(Registration.id)
        )
    )


def _rounds(season: CapSeason) -> list[lottery.RoundSpec]:
    """The rounds drawn so far: the initial two, then any further rounds, as published."""
    if season.reveal is None:
        return [
            lottery.RoundSpec("regular", season.regular_target),
            lottery.RoundSpec("advanced", season.advanced_target),
        ]
    return [lottery.RoundSpec(r["cap"], int(r["target"])) for r in season.reveal["rounds"]]


def _select(
    session: Session, season: CapSeason, rounds: list[lottery.RoundSpec]
) -> lottery.SelectionRun:
    """Run every round from the season's seed and store statuses, reveal and selection.

    Each round draws from its own stream of the committed seed, so re-running the earlier
    rounds reproduces them exactly: a further round only adds selections.
    """
    frame = season_frame(session, season)
    if frame.is_empty():
        raise Conflict(f"season {season.season} has no registrations to draw from")
    try:
        run = lottery.draw(
            frame,
            parse_season(season.season),
            bytes.fromhex(season.seed_hex),
            rounds,
            algorithm=algorithm_of(season),
        )
    except RegistrationError as exc:  # only rows stored before today's validation
        raise Conflict(
            f"season {season.season} holds registrations the draw refuses: {exc}"
        ) from None
    status_of = run.status_of()
    outcome = pl.DataFrame(
        {
            "id": list(status_of),
            "status": [RegistrationStatus(s).value for s in status_of.values()],
        },
        schema={"id": pl.Utf8, "status": pl.Utf8},
    )
    _set_statuses(session, season, outcome)
    season.reveal = run.reveal()
    season.selected_csv = run.selected_csv().decode("utf-8")
    return run


def _select_from_bulletin(
    session: Session, season: CapSeason, rounds: list[lottery.RoundSpec], at: dt.datetime
) -> None:
    """A beacon season's rounds over its bulletin, refused if the list changed since."""
    frame = season_frame(session, season)
    record = bulletins.published(session, season)
    run, reveal = bulletins.draw(season, record, frame, rounds, at)
    chosen = run.selected()["registration_id"].implode()
    on_bulletin = run.bulletin.registrations["registration_id"].implode()
    outcome = frame.select(
        pl.col("registration_id").alias("id"),
        pl.when(pl.col("registration_id").is_in(chosen))
        .then(pl.lit(RegistrationStatus.selected.value))
        .when(pl.col("registration_id").is_in(on_bulletin))
        .then(pl.lit(RegistrationStatus.not_selected.value))
        # Valid registrations are all on the bulletin: the rest are the invalid duplicates.
        .otherwise(pl.lit(RegistrationStatus.invalid_duplicate.value))
        .alias("status"),
    )
    _set_statuses(session, season, outcome)
    season.reveal = reveal
    season.selected_csv = run.selected_csv().decode("utf-8")


def _record_run(ctx: H1bContext, season: CapSeason, action: str) -> None:
    assert season.reveal is not None
    if season.beacon_round is None:
        keys = ("seed", "registrations_sha256", "selected_sha256", "rounds", "variant")
        data = {k: season.reveal[k] for k in keys}
    else:
        data = {k: season.reveal[k] for k in ("seed", "selected_sha256", "rounds")}
        data["root"] = season.reveal["bulletin"]["root"]
        data["beacon_round"] = season.beacon_round
    _record(ctx, "season", season.season, action, data)


def _run_rounds(
    session: Session, season: CapSeason, rounds: list[lottery.RoundSpec], at: dt.datetime
) -> None:
    if season.beacon_round is None:
        _select(session, season, rounds)
    else:
        _select_from_bulletin(session, season, rounds, at)


def draw(ctx: H1bContext, name: str) -> CapSeason:
    season = _locked(ctx, name, Role.admin, workflow.DRAW)
    at = ctx.clock()
    _run_rounds(ctx.session, season, _rounds(season), at)
    _take(ctx, season, workflow.DRAW, at)
    _record_run(ctx, season, "selection_run")
    return season


def _selected_ids(session: Session, season: CapSeason) -> set[str]:
    # Column reads, not ORM objects: the statuses were set by UPDATEs the session did not see.
    return set(
        session.scalars(
            select(Registration.id).where(
                Registration.season_id == season.id,
                Registration.status == RegistrationStatus.selected.value,
            )
        )
    )


def further_round(ctx: H1bContext, name: str, body: RoundIn) -> CapSeason:
    """Select more units after the draw, e.g. when too few selected petitions were filed.

    The published order of selection is fixed by the committed seed; the round's target is
    recorded in the reveal and the audit trail, and the whole run re-verifies as before.
    """
    season = _locked(ctx, name, Role.admin, workflow.FURTHER_ROUND)
    before = _selected_ids(ctx.session, season)
    rounds = [*_rounds(season), lottery.RoundSpec(body.cap, body.target)]
    _run_rounds(ctx.session, season, rounds, ctx.clock())
    _record_run(ctx, season, "selection_round")
    lost = before - _selected_ids(ctx.session, season)
    if lost:  # the rounds are nested by construction; this guards the invariant
        raise RuntimeError(f"a further round unselected {len(lost)} registrations")
    return season


# --- what is published and who may read it ------------------------------------------------


def _readable(ctx: H1bContext, name: str) -> CapSeason:
    """A season whose every registration the caller may read (officers, supervisors, admins)."""
    _require(ctx.user, *READERS)
    return _season(ctx.session, name)


def canonical_registrations(ctx: H1bContext, name: str) -> bytes:
    season = _readable(ctx, name)
    frame = _frame(registrations_of(ctx.session, season))
    return canonical_bytes(normalize(frame, algorithm=algorithm_of(season)))


def conflicts(ctx: H1bContext, name: str) -> dict[str, Any]:
    """Passports whose registrations disagree on identity, for officers' review.

    The rule (docs/h1b.md): such a beneficiary is one unit, at the lowest wage level among
    its valid registrations, advanced only if all of them say so. Nothing here reaches an
    employer: each of them sees only its own registrations.
    """
    season = _readable(ctx, name)
    regs = registrations_of(ctx.session, season)
    frame = normalize(_frame(regs), algorithm=algorithm_of(season))
    found = identity_conflicts(frame)
    counted = {
        b["beneficiary"]: b
        for b in resolve(
            frame.filter(frame["beneficiary"].is_in(list(found)))
        ).beneficiaries.iter_rows(named=True)
    }
    by_key: dict[str, list[Registration]] = {}
    for key, reg in zip(frame["beneficiary"], regs, strict=True):
        by_key.setdefault(key, []).append(reg)
    items = []
    for key, fields in found.items():
        unit = counted.get(key)
        items.append(
            {
                "beneficiary": key,
                "fields": fields,
                "counted_as": None
                if unit is None
                else {"wage_level": unit["level"], "us_advanced_degree": unit["advanced"]},
                "registrations": [
                    {
                        "id": r.id,
                        "employer_id": r.employer_id,
                        "family_name": r.family_name,
                        "given_name": r.given_name,
                        "date_of_birth": r.date_of_birth.isoformat(),
                        "wage_level": r.wage_level,
                        "us_advanced_degree": r.us_advanced_degree,
                        "status": r.status,
                    }
                    for r in by_key[key]
                ],
            }
        )
    return {"season": season.season, "algorithm": algorithm_of(season), "conflicts": items}


def public_view(season: CapSeason) -> dict[str, Any]:
    out: dict[str, Any] = {
        "season": season.season,
        "state": season.state,
        "commitment": season.commitment,
        "variant": rule_for(parse_season(season.season)).variant.value,
        "regular_target": season.regular_target,
        "advanced_target": season.advanced_target,
        "opened_at": season.opened_at,
        "closed_at": season.closed_at,
        "drawn_at": season.drawn_at,
    }
    if season.beacon_round is not None:
        out["beacon"] = {
            "chain": season.beacon_chain,
            "round": season.beacon_round,
            "planned_close": season.planned_close,
            "value": season.beacon_value,
        }
    if season.state == "drawn" and season.reveal is not None:
        out["reveal"] = season.reveal
        out["verify_command"] = (
            f"talentvisa lottery verify registrations.csv --reveal reveal.json "
            f"--selected selected.csv --commitment {season.commitment}"
            if season.beacon_round is None
            else "talentvisa lottery verify --bulletin bulletin.csv --reveal reveal.json "
            f"--selected selected.csv --commitment {season.commitment} "
            f"--root {season.reveal['bulletin']['root']} --beacon-round {season.beacon_round}"
        )
    return out


def _drawn(season: CapSeason) -> CapSeason:
    if season.reveal is None or season.selected_csv is None:
        raise Conflict(f"season {season.season} has not been drawn yet")
    return season


def selected_csv(session: Session, name: str) -> str:
    """The published selection, once the season is drawn (409 before)."""
    selected = _drawn(_season(session, name)).selected_csv
    assert selected is not None
    return selected


def bulletin_of(session: Session, name: str) -> SeasonBulletin:
    """The bulletin a beacon season published at its close (404 for any other season)."""
    return bulletins.published(session, _season(session, name))


def bulletin_root(session: Session, season: CapSeason) -> str | None:
    """The root of the bulletin the season published at its close, if it did."""
    record = bulletins.published_or_none(session, season)
    return record.root if record else None


def drawn_from_bulletin(session: Session, name: str) -> CapSeason:
    """A beacon season that published its bulletin and was drawn over it."""
    season = _season(session, name)
    bulletins.published(session, season)
    return _drawn(season)


# --- an employer's registrations ----------------------------------------------------------


def employer_registration(ctx: H1bContext, reg_id: str) -> Registration:
    reg = ctx.session.get(Registration, reg_id)
    if reg is None or reg.employer_id != ctx.user.id:
        raise NotFound(f"registration {reg_id} not found")
    return reg


def employer_registrations(ctx: H1bContext, season: CapSeason | None = None) -> list[Registration]:
    """An employer's own registrations, optionally in one season, oldest first."""
    q = select(Registration).where(Registration.employer_id == ctx.user.id)
    if season is not None:
        q = q.where(Registration.season_id == season.id)
    return list(ctx.session.scalars(q.order_by(Registration.created_at, Registration.id)))


def employer_page(
    ctx: H1bContext, season: CapSeason, after: str | None = None, limit: int = 100
) -> tuple[list[Registration], str | None]:
    """One page of an employer's registrations in a season, by id, after the id ``after``.

    Keyset paging (``id > after``, on the employer-season-id index) costs the same on the
    last page as on the first, however many registrations the employer has. Returns the page
    and the ``after`` of the next page (None on the last).
    """
    limit = max(1, min(limit, PAGE_MAX))
    q = select(Registration).where(
        Registration.employer_id == ctx.user.id, Registration.season_id == season.id
    )
    if after:
        q = q.where(Registration.id > after)
    regs = list(ctx.session.scalars(q.order_by(Registration.id).limit(limit + 1)))
    more = len(regs) > limit
    regs = regs[:limit]
    return regs, (regs[-1].id if more else None)


def employer_previous(
    ctx: H1bContext, season: CapSeason, first: str, limit: int = 100
) -> str | None:
    """The ``after`` of the page before the one starting at ``first``: "" for the first page,
    None when ``first`` already opens the first page. Keyset paging backwards, on the same index.
    """
    limit = max(1, min(limit, PAGE_MAX))
    ids = list(
        ctx.session.scalars(
            select(Registration.id)
            .where(
                Registration.employer_id == ctx.user.id,
                Registration.season_id == season.id,
                Registration.id < first,
            )
            .order_by(Registration.id.desc())
            .limit(limit + 1)
        )
    )
    if not ids:
        return None
    return ids[limit] if len(ids) > limit else ""


def employer_counts(ctx: H1bContext, season: CapSeason) -> dict[str, int]:
    """How many of the employer's registrations in the season are in each status."""
    rows = ctx.session.execute(
        select(Registration.status, func.count())
        .where(Registration.employer_id == ctx.user.id, Registration.season_id == season.id)
        .group_by(Registration.status)
    )
    return {status: n for status, n in rows}


def registration_proof(ctx: H1bContext, reg_id: str) -> dict[str, Any]:
    """The inclusion proof of one's own registration on its season's bulletin."""
    reg = employer_registration(ctx, reg_id)
    record = bulletins.published(ctx.session, season_of(ctx.session, reg))
    return bulletins.proof(ctx.session, record, reg.id)


def file_petition(ctx: H1bContext, reg_id: str, body: PetitionIn) -> Registration:
    reg = employer_registration(ctx, reg_id)
    workflow.check(workflow.FILE_PETITION, reg.id, reg.status)
    if reg.petition is not None:
        raise Conflict("a petition was already filed for this registration")
    profile = Profile.model_validate(
        {
            "current_country": body.beneficiary_location,
            "immigration_status": body.immigration_status,
            "degrees": [
                {
                    "level": body.highest_degree,
                    "institution_country": "US" if reg.us_advanced_degree else None,
                }
            ],
            "job_offer": {
                "country": "US",
                "occupation_code": reg.soc_code,
                "wage_level": reg.wage_level,
                "specialty_occupation": True,
                "employer": {**body.employer.model_dump(), "cap_exempt": False},
                "petition": {
                    "type": body.petition_type,
                    "consular_notification": body.consular_notification,
                    "exception_granted": body.exception_granted,
                },
            },
        }
    )
    today = ctx.today()
    a = assess(ctx.programs.catalog[PROGRAM], profile, today, ctx.programs.settings)
    reg.petition = {
        "filed_on": today.isoformat(),
        "program_hash": a.program_hash,
        "outcome": a.outcome.value,
        "fees": [f.model_dump(mode="json") for f in a.fees],
        "totals": [t.model_dump(mode="json") for t in a.totals],
        "trace": [c.model_dump(mode="json") for c in a.criteria],
    }
    reg.status = workflow.FILE_PETITION.target.value
    proclamation = next(f for f in a.fees if f.id == "proclamation")
    _record(
        ctx,
        "registration",
        reg.id,
        "petition_filed",
        {
            "proclamation": proclamation.status.value,
            "amount": proclamation.amount,
            "program_hash": a.program_hash,
        },
    )
    return reg
