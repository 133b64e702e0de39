"""The public bulletin: the season's draw units without personal data, its root, the draw from it.

Canonical encoding ``talentvisa-bulletin/1`` (docs/bulletin.md has the whole flow):

* one row per draw unit (a beneficiary, or a valid registration in registration-based seasons),
  UTF-8, fields ``unit,entries,advanced,registrations`` separated by ``,``, no quoting;
* ``unit``: 32 lowercase hex digits from ``secrets.token_hex(16)``, random and not derived from
  the passport; the agency keeps the unit -> beneficiary mapping to itself;
* ``entries``: the unit's weight under the season's rule (1-4), ``advanced``: ``true``/``false``,
  ``registrations``: the valid registration ids the unit covers, sorted (UTF-8 byte order) and
  joined by one space (ids must hold no space, comma, quote or control character);
* rows sorted by ``unit``; the file is the header line then each row, every line ending ``\\n``.

The Merkle leaves are the rows' bytes without the ``\\n`` (the header is not a leaf), in file
order. The draw numbers units by their row (0 = first row) and runs ``talentvisa-select/1``
(lottery/select.py) with ``entries`` as the weights; so the order is random too, and a row's
position tells nothing about the passport.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np
import polars as pl

from talentvisa.lottery import beacon as bc
from talentvisa.lottery.merkle import MerkleTree, verify_inclusion
from talentvisa.lottery.registrations import normalize, resolve
from talentvisa.lottery.rules import SelectionRule, rule_for
from talentvisa.lottery.run import RoundSpec, commitment, first_difference
from talentvisa.lottery.select import ALGORITHM, raw_stream, select, unit_keys

SCHEME = "talentvisa-bulletin/1"
HEADER = "unit,entries,advanced,registrations"
SELECTED_HEADER = "round,cap,order,unit,registration_id"
UNIT = re.compile(r"[0-9a-f]{32}")
REGISTRATION_ID = re.compile(r"[^\s,\"\x00-\x1f\x7f]+")
# One match per row instead of one per field: parsing a national bulletin stays in seconds.
CANONICAL_ROW = re.compile(
    r"[0-9a-f]{32},[1-4],(?:true|false),[^\s,\"\x00-\x1f\x7f]+(?: [^\s,\"\x00-\x1f\x7f]+)*"
)


class BulletinError(ValueError):
    """A bulletin, proof or draw that cannot be accepted; the message names line or field."""


class Row(NamedTuple):  # a tuple: half a million of them are built at the close
    unit: str
    entries: int
    advanced: bool
    registrations: tuple[str, ...]

    def encode(self) -> bytes:
        flag = "true" if self.advanced else "false"
        return f"{self.unit},{self.entries},{flag},{' '.join(self.registrations)}".encode()


#: The columns of a bulletin's table, one row per unit in file order (``ids`` space-joined).
TABLE_SCHEMA = {"unit": pl.Utf8, "entries": pl.Int64, "advanced": pl.Boolean, "ids": pl.Utf8}


def _lines(table: pl.DataFrame) -> pl.Series:
    return table.select(
        pl.concat_str(
            "unit",
            pl.col("entries").cast(pl.Utf8),
            pl.when("advanced").then(pl.lit("true")).otherwise(pl.lit("false")),
            "ids",
            separator=",",
        ).alias("line")
    ).to_series()


class Bulletin:
    """The bulletin's units, held as one Polars table.

    At national size (500,000 registrations) the close, the draw and the service's statuses
    all read it column-wise; the per-row :class:`Row` tuples are built only when asked for.
    """

    def __init__(self, rows: Sequence[Row]) -> None:
        self.table = pl.DataFrame(
            {
                "unit": [r.unit for r in rows],
                "entries": [r.entries for r in rows],
                "advanced": [r.advanced for r in rows],
                "ids": [" ".join(r.registrations) for r in rows],
            },
            schema=TABLE_SCHEMA,
        )
        self.__dict__["rows"] = tuple(rows)

    @classmethod
    def of_table(cls, table: pl.DataFrame) -> Bulletin:
        bulletin = cls.__new__(cls)
        bulletin.table = table.select(list(TABLE_SCHEMA)).cast(TABLE_SCHEMA)  # type: ignore[arg-type]
        return bulletin

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Bulletin) and self.table.equals(other.table)

    __hash__ = None  # type: ignore[assignment]  # mutable caches: not a dict key

    @property
    def size(self) -> int:
        return self.table.height

    @cached_property
    def rows(self) -> tuple[Row, ...]:
        t = self.table
        return tuple(
            Row(u, e, a, tuple(i.split(" ")))
            for u, e, a, i in zip(
                t["unit"].to_list(),
                t["entries"].to_list(),
                t["advanced"].to_list(),
                t["ids"].to_list(),
                strict=True,
            )
        )

    @cached_property
    def lines(self) -> pl.Series:
        return _lines(self.table)

    @cached_property
    def leaves(self) -> list[bytes]:
        return [line.encode() for line in self.lines.to_list()]

    @cached_property
    def tree(self) -> MerkleTree:
        return MerkleTree(self.leaves)

    @property
    def root(self) -> str:
        return self.tree.root.hex()

    @cached_property
    def entries(self) -> np.ndarray:
        return self.table["entries"].to_numpy()

    @cached_property
    def advanced(self) -> np.ndarray:
        return self.table["advanced"].to_numpy()

    @cached_property
    def registrations(self) -> pl.DataFrame:
        """``leaf_index`` and ``registration_id``: each registration and the row it is on."""
        return self.table.select(
            pl.int_range(pl.len(), dtype=pl.Int64).alias("leaf_index"),
            pl.col("ids").str.split(" ").alias("registration_id"),
        ).explode("registration_id")

    @cached_property
    def index_of(self) -> dict[str, int]:
        regs = self.registrations
        return dict(
            zip(regs["registration_id"].to_list(), regs["leaf_index"].to_list(), strict=True)
        )

    @property
    def count(self) -> int:
        """How many registrations the bulletin covers."""
        return self.registrations.height

    @cached_property
    def _bytes(self) -> bytes:
        if not self.size:
            return (HEADER + "\n").encode()
        return (HEADER + "\n" + "\n".join(self.lines.to_list()) + "\n").encode()

    def to_bytes(self) -> bytes:
        return self._bytes

    @cached_property
    def _sha256(self) -> str:
        return hashlib.sha256(self._bytes).hexdigest()

    def sha256(self) -> str:
        return self._sha256

    def proof(self, registration_id: str) -> dict[str, Any]:
        i = self.index_of.get(registration_id)
        if i is None:
            raise BulletinError(f"registration {registration_id!r} is not on the bulletin")
        return {
            "scheme": SCHEME,
            "registration_id": registration_id,
            "root": self.root,
            "tree_size": self.size,
            "index": i,
            "row": self.leaves[i].decode(),
            "path": [h.hex() for h in self.tree.proof(i)],
        }

    def proofs(self) -> Iterable[dict[str, Any]]:
        for rid in sorted(self.index_of):
            yield self.proof(rid)


def build(
    registrations: pl.DataFrame,
    season: int,
    pseudonyms: Mapping[str, str] | pl.DataFrame | None = None,
) -> tuple[Bulletin, pl.DataFrame]:
    """The bulletin of a season's valid registrations, and the agency's private unit mapping.

    ``pseudonyms`` (unit key -> unit id, or a frame of ``unit`` and ``key`` as returned here)
    reuses a kept mapping; otherwise every unit gets a fresh random id. The mapping returned has
    columns ``unit`` and ``key`` (``COUNTRY:PASSPORT`` or the registration id) and must never be
    published.

    The rows are assembled in Polars, not row by row in Python: at national size (500,000
    registrations) the close and the draw's check that the list is unchanged both rebuild it.
    """
    regs = registrations if "beneficiary" in registrations.columns else normalize(registrations)
    rule = rule_for(season)
    pool = resolve(regs)
    key = "beneficiary" if rule.beneficiary_centric else "registration_id"
    bad = pool.valid.filter(~pl.col("registration_id").str.contains(r"^[^\s,\"\x00-\x1f\x7f]+$"))
    if bad.height:
        line, rid = bad.select("line", "registration_id").row(0)
        raise BulletinError(
            f"registrations:{line}: registration_id {rid!r} holds a space, comma, quote or "
            "control character, which the bulletin's encoding does not allow"
        )
    weights = pl.DataFrame(
        {"level": list(rule.weights), "entries": list(rule.weights.values())},
        schema={"level": pl.Int8, "entries": pl.Int64},
    )
    units = (
        pool.valid.group_by(key)
        .agg(
            pl.col("wage_level").min().cast(pl.Int8).alias("level"),
            # Advanced only if every registration says so (docs/h1b.md), as the library
            # draw counts it; "first" was arbitrary under a parallel group_by.
            pl.col("us_advanced_degree").all().alias("advanced"),
            # Polars orders strings by their UTF-8 bytes, the encoding's order.
            pl.col("registration_id").sort().str.join(" ").alias("ids"),
        )
        .rename({key: "key"})
        .join(weights, on="level", how="left")
    )
    units = _with_pseudonyms(units, pseudonyms).sort("unit")
    return Bulletin.of_table(units), units.select("unit", "key")


def _with_pseudonyms(
    units: pl.DataFrame, kept: Mapping[str, str] | pl.DataFrame | None
) -> pl.DataFrame:
    """Each unit's random id: the kept one if its key has one, else 16 fresh random bytes."""
    if kept is None or isinstance(kept, pl.DataFrame):
        known = kept if kept is not None else pl.DataFrame(schema={"unit": pl.Utf8, "key": pl.Utf8})
    else:
        known = pl.DataFrame(
            {"unit": list(kept.values()), "key": list(kept)},
            schema={"unit": pl.Utf8, "key": pl.Utf8},
        )
    joined = units.join(known.select("key", "unit"), on="key", how="left")
    unit = joined["unit"]
    missing = unit.is_null().arg_true()
    if missing.is_empty():
        return joined
    fresh = _fresh_ids(missing.len(), set(known["unit"].to_list()))
    return joined.with_columns(unit.scatter(missing, fresh))


def _fresh_ids(n: int, taken: set[str]) -> list[str]:
    """``n`` ids of 16 fresh random bytes (hex), none repeated and none already taken."""
    fresh = secrets.token_hex(16 * n)
    ids = [fresh[i : i + 32] for i in range(0, 32 * n, 32)]
    if len(set(ids)) == n and taken.isdisjoint(ids):
        return ids
    # 128 random bits: never in practice, but a repeat must not pass.
    seen = set(taken)
    for i, new in enumerate(ids):
        while new in seen:
            new = secrets.token_hex(16)
        ids[i] = new
        seen.add(new)
    return ids


def load(data: bytes) -> Bulletin:
    """A bulletin this service wrote itself, read in one Polars pass (no per-line checks).

    For a file from outside use :func:`parse`, which refuses anything not canonical; a stored
    bulletin is checked as a whole instead, by its SHA-256 against the manifest (:func:`draw`).
    """
    if data.count(b"\n") <= 1:
        return Bulletin.of_table(pl.DataFrame(schema=TABLE_SCHEMA))
    table = pl.read_csv(
        io.BytesIO(data), schema=TABLE_SCHEMA, quote_char=None, new_columns=list(TABLE_SCHEMA)
    )
    return Bulletin.of_table(table)


def parse(data: bytes, source: str = "bulletin") -> Bulletin:
    """Read a bulletin file, refusing anything that is not exactly its canonical encoding."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BulletinError(f"{source}: not UTF-8 (byte {exc.start})") from None
    if not text.endswith("\n"):
        raise BulletinError(f"{source}: the last line must end with a newline")
    lines = text[:-1].split("\n")
    if lines[0] != HEADER:
        raise BulletinError(f"{source}:1: header must be {HEADER!r}, found {lines[0]!r}")
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for n, line in enumerate(lines[1:], start=2):
        if not CANONICAL_ROW.fullmatch(line):
            _explain(line, f"{source}:{n}")
        unit, entries, advanced, regs = line.split(",")
        ids = tuple(regs.split(" "))
        if len(ids) > 1 and (list(ids) != sorted(ids, key=str.encode) or len(set(ids)) != len(ids)):
            raise BulletinError(f"{source}:{n}: registrations must be sorted and distinct")
        if rows and unit <= rows[-1].unit:
            raise BulletinError(f"{source}:{n}: rows must be sorted by unit, without repeats")
        for i in ids:
            if i in seen:
                raise BulletinError(f"{source}:{n}: registration {i!r} repeats line {seen[i]}")
            seen[i] = n
        rows.append(Row(unit, int(entries), advanced == "true", ids))
    return Bulletin(tuple(rows))


def _explain(line: str, where: str) -> None:
    """Name the field of a row that is not canonical."""
    parts = line.split(",")
    if len(parts) != 4:
        raise BulletinError(f"{where}: expected 4 fields, found {len(parts)}")
    unit, entries, advanced, regs = parts
    if not UNIT.fullmatch(unit):
        raise BulletinError(f"{where}: unit {unit!r} is not 32 lowercase hex digits")
    if entries not in ("1", "2", "3", "4"):
        raise BulletinError(f"{where}: entries {entries!r} is not 1-4")
    if advanced not in ("true", "false"):
        raise BulletinError(f"{where}: advanced {advanced!r} is not true or false")
    raise BulletinError(f"{where}: registrations {regs!r} is not ids joined by one space")


# --- the season's public record, fixed at the close ------------------------------------------


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        raise BulletinError(f"{name} {text!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise BulletinError(f"{name} {text!r} must say its time zone (e.g. end in Z)")
    return moment.astimezone(UTC)


def name_beacon_round(chain: bc.Chain, planned_close: datetime, round_no: int) -> int:
    """Refuse a round that is not published after the planned close: its value may be known."""
    at = chain.round_time(round_no)
    if at <= planned_close:
        raise BulletinError(
            f"beacon round {round_no} of {chain.name} is published at {iso(at)}, not after the "
            f"planned close {iso(planned_close)}; name round "
            f"{chain.first_round_after(planned_close)} or later"
        )
    return round_no


def manifest(
    bulletin: Bulletin,
    season: int,
    secret_commitment: str,
    chain: bc.Chain,
    beacon_round: int,
    closed_at: datetime,
) -> dict[str, Any]:
    """What is published at the close next to the bulletin (and fixed on the audit trail)."""
    name_beacon_round(chain, closed_at, beacon_round)
    rule = rule_for(season)
    return {
        "scheme": SCHEME,
        "season": f"FY{season}",
        "variant": rule.variant.value,
        "weights": {str(k): v for k, v in sorted(rule.weights.items())},
        "closed_at": iso(closed_at),
        "commitment": secret_commitment,
        "beacon": chain.describe() | {"round": beacon_round},
        "root": bulletin.root,
        "rows": bulletin.size,
        "registrations": bulletin.count,
        "sha256": bulletin.sha256(),
    }


# --- the draw -----------------------------------------------------------------------------------


@dataclass
class BulletinDraw:
    """The selection over a bulletin's rows, round by round, from one (beacon-mixed) seed."""

    bulletin: Bulletin
    seed: bytes
    rounds: list[dict[str, Any]] = field(default_factory=list)
    chosen: list[np.ndarray] = field(default_factory=list)
    csv: bytes | None = field(default=None, init=False, repr=False)

    def run_round(self, spec: RoundSpec) -> None:
        n = self.bulletin.size
        eligible = np.ones(n, dtype=bool)
        for c in self.chosen:
            eligible[c] = False
        if spec.cap == "advanced":
            eligible &= self.bulletin.advanced
        pool = np.flatnonzero(eligible)
        keys = unit_keys(raw_stream(self.seed, len(self.rounds) + 1, n), self.bulletin.entries)
        number = len(self.rounds) + 1
        chosen = select(keys, pool, spec.target)
        self.chosen.append(chosen)
        self.csv = None
        self.rounds.append(
            {
                "round": number,
                "cap": spec.cap,
                "target": spec.target,
                "pool": int(pool.size),
                "selected": int(chosen.size),
            }
        )

    def selected(self) -> pl.DataFrame:
        """``round, cap, order, unit, leaf_index, registration_id``: the chosen units'
        registrations, by round and order (a unit's registrations in the row's order)."""
        table = self.bulletin.table
        frames = [
            table[chosen]
            .select(
                pl.lit(info["round"], dtype=pl.Int64).alias("round"),
                pl.lit(info["cap"], dtype=pl.Utf8).alias("cap"),
                pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("order"),
                "unit",
                pl.Series("leaf_index", chosen, dtype=pl.Int64),
                pl.col("ids").str.split(" ").alias("registration_id"),
            )
            .explode("registration_id")
            for info, chosen in zip(self.rounds, self.chosen, strict=True)
        ]
        schema = {"round": pl.Int64, "cap": pl.Utf8, "order": pl.Int64, "unit": pl.Utf8,
                  "leaf_index": pl.Int64, "registration_id": pl.Utf8}  # fmt: skip
        return pl.concat(frames) if frames else pl.DataFrame(schema=schema)

    def selected_csv(self) -> bytes:
        """``round,cap,order,unit,registration_id``: each chosen unit's registrations, in order.

        Kept until the next round: the reveal hashes it and the service stores it.
        """
        if self.csv is None:
            lines = (
                self.selected()
                .select(
                    pl.concat_str(
                        pl.col("round").cast(pl.Utf8),
                        "cap",
                        pl.col("order").cast(pl.Utf8),
                        "unit",
                        "registration_id",
                        separator=",",
                    )
                )
                .to_series()
            )
            body = "".join(line + "\n" for line in lines.to_list())
            self.csv = (SELECTED_HEADER + "\n" + body).encode()
        return self.csv


def draw(
    bulletin: Bulletin,
    public: Mapping[str, Any],
    secret: bytes,
    value: bc.BeaconValue,
    rounds: Sequence[RoundSpec],
    now: datetime | None = None,
) -> tuple[BulletinDraw, dict[str, Any]]:
    """The agency's draw, refused unless the list, the secret and the beacon all hold.

    Returns the draw and its reveal (the public record a verifier needs besides the bulletin).
    """
    now = now or datetime.now(UTC)
    # The same bytes as at the close have the same root: hash the file once, not the tree.
    if bulletin.sha256() != public.get("sha256") and bulletin.root != public["root"]:
        raise BulletinError(
            f"the bulletin's root {bulletin.root} is not the root fixed at the close "
            f"{public['root']}: the list changed after the root"
        )
    if commitment(secret) != public["commitment"]:
        raise BulletinError("the secret does not match the commitment published for the season")
    chain = bc.chain(public["beacon"]["chain_hash"])
    named = int(public["beacon"]["round"])
    at = chain.round_time(named)
    if now < at:
        raise BulletinError(
            f"beacon round {named} is published at {iso(at)}; it is {iso(now)}: "
            "no draw before the beacon round"
        )
    problems = bc.verify(chain, value, named)
    if problems:
        raise BulletinError("; ".join(problems))
    seed = bc.derive_seed(secret, value)
    run = BulletinDraw(bulletin, seed)
    for spec in rounds:
        run.run_round(spec)
    reveal = {
        "algorithm": ALGORITHM,
        "bulletin": dict(public),
        "secret": secret.hex(),
        "beacon_value": value.to_json(),
        "seed_derivation": bc.SEED_DERIVATION,
        "seed": seed.hex(),
        "drawn_at": iso(now),
        "rounds": run.rounds,
        "selected_sha256": hashlib.sha256(run.selected_csv()).hexdigest(),
    }
    return run, reveal


def _rule_problems(rule: SelectionRule, public: Mapping[str, Any], bulletin: Bulletin) -> list[str]:
    problems = []
    if public.get("variant") != rule.variant.value:
        problems.append(f"variant {public.get('variant')!r} is not the rule for the season")
    allowed = set(rule.weights.values())
    for n, row in enumerate(bulletin.rows, start=2):
        if row.entries not in allowed:
            problems.append(
                f"bulletin:{n}: {row.entries} entries, but the season's rule gives "
                f"{', '.join(map(str, sorted(allowed)))}"
            )
            break
    return problems


def verify(
    bulletin_bytes: bytes,
    reveal: Mapping[str, Any],
    selected_csv: bytes,
    published_commitment: str | None = None,
    published_root: str | None = None,
    published_round: int | None = None,
) -> list[str]:
    """Re-run the draw from the public files; every difference, the first one first.

    ``published_*`` are what the season announced beforehand (the commitment and beacon round
    at creation, the root at the close); without them the reveal's copies are checked.
    """
    try:
        bulletin = parse(bulletin_bytes)
        public = reveal["bulletin"]
        secret = bytes.fromhex(reveal["secret"])
        value = bc.BeaconValue.from_json(reveal["beacon_value"])
        chain = bc.chain(public["beacon"]["chain_hash"])
        named = int(public["beacon"]["round"])
        closed_at = parse_time(public["closed_at"], "closed_at")
        drawn_at = parse_time(reveal["drawn_at"], "drawn_at")
        season = int(str(public["season"]).removeprefix("FY"))
        rule = rule_for(season)
        specs = [RoundSpec(r["cap"], int(r["target"])) for r in reveal["rounds"]]
    except (BulletinError, bc.BeaconError) as exc:
        return [str(exc)]
    except (KeyError, TypeError, ValueError) as exc:
        return [f"reveal is not a bulletin reveal: {exc!r}"]
    if reveal.get("algorithm") != ALGORITHM:
        return [f"unknown algorithm {reveal.get('algorithm')!r}"]
    problems = []
    for name, expected in (("the reveal", public.get("root")), ("published", published_root)):
        if expected is not None and bulletin.root != str(expected).lower():
            problems.append(
                f"bulletin root {bulletin.root} differs from the root {name} {expected}: "
                "the list changed after the root"
            )
    sha = commitment(secret)
    for name, expected in (
        ("the reveal", public.get("commitment")),
        ("published", published_commitment),
    ):
        if expected is not None and sha != str(expected).lower():
            problems.append(f"secret does not match the commitment {name}: sha256 = {sha}")
    if published_round is not None and named != published_round:
        problems.append(f"beacon round {named} is not the round {published_round} announced")
    at = chain.round_time(named)
    if at <= closed_at:
        problems.append(
            f"beacon round {named} was published at {iso(at)}, not after the close "
            f"{iso(closed_at)}: its value was known when the list was fixed"
        )
    if drawn_at < at:
        problems.append(
            f"drawn at {iso(drawn_at)}, before beacon round {named} was published at {iso(at)}"
        )
    problems += bc.verify(chain, value, named)
    seed = bc.derive_seed(secret, value)
    if reveal.get("seed") != seed.hex():
        problems.append(f"seed {reveal.get('seed')} is not {bc.SEED_DERIVATION} = {seed.hex()}")
    problems += _rule_problems(rule, public, bulletin)
    rerun = BulletinDraw(bulletin, seed)
    for spec in specs:
        rerun.run_round(spec)
    expected_csv = rerun.selected_csv()
    if expected_csv != selected_csv:
        problems.append(first_difference(expected_csv, selected_csv))
    return problems


def check_proof(bulletin: Bulletin, registration_id: str, proof: Mapping[str, Any]) -> list[str]:
    """Does ``proof`` show ``registration_id`` on ``bulletin``, with its row's weight?"""
    try:
        index, size = int(proof["index"]), int(proof["tree_size"])
        row = str(proof["row"]).encode()
        path = [bytes.fromhex(h) for h in proof["path"]]
    except (KeyError, TypeError, ValueError) as exc:
        return [f"proof is not an inclusion proof: {exc!r}"]
    problems = []
    if registration_id not in row.decode().rsplit(",", 1)[-1].split(" "):
        problems.append(f"the proof's row does not cover registration {registration_id!r}")
    if proof.get("root") != bulletin.root:
        problems.append(
            f"the proof's root {proof.get('root')} is not the bulletin's {bulletin.root}"
        )
    if not verify_inclusion(row, index, size, path, bulletin.tree.root):
        problems.append(
            f"the path does not lead from row {index} to the bulletin's root {bulletin.root}"
        )
    elif size == bulletin.size and bulletin.leaves[index] != row:
        problems.append(f"row {index} differs from the bulletin's line {index + 2}")
    return problems


def read_proof(data: bytes, registration_id: str, source: str = "proof") -> dict[str, Any]:
    """One proof: a JSON object, or the registration's line of a proofs.jsonl file."""
    try:
        text = data.decode("utf-8")
        stripped = text.strip()
        if stripped.startswith("{") and "\n{" not in stripped:
            doc = json.loads(stripped)
            if isinstance(doc, dict):
                return doc
        for line in text.splitlines():
            doc = json.loads(line)
            if isinstance(doc, dict) and doc.get("registration_id") == registration_id:
                return doc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BulletinError(f"{source}: not a JSON proof ({exc})") from None
    raise BulletinError(f"{source}: holds no proof for registration {registration_id!r}")
