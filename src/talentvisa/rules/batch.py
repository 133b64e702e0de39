"""Assess a whole population against every program in one vectorized pass."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

import polars as pl
from pydantic import ValidationError

from talentvisa.rules.columns import refuse_renamed
from talentvisa.rules.compiled import CompiledProgram
from talentvisa.rules.conventions import (
    BOOL_WORDS,
    DATE_WORDS,
    LIST_SEPARATOR,
    bool_expr,
    date_expr,
)
from talentvisa.rules.declarations import Declarations, declarations
from talentvisa.rules.engine import settings_hash
from talentvisa.rules.errors import PopulationError
from talentvisa.rules.facts import FACTS, facts_of
from talentvisa.rules.params import NO_SETTINGS, Settings, resolve_all
from talentvisa.rules.profile import Profile
from talentvisa.rules.vector import DTYPES, col_name, constant_outcome, program_stages


def schema() -> dict[str, pl.DataType]:
    return dict(_schema())


@functools.cache
def _schema() -> dict[str, pl.DataType]:
    return {name: DTYPES[spec.kind] for name, spec in FACTS.items()}


def normalize(df: pl.DataFrame, declared: Declarations | None = None) -> pl.DataFrame:
    """Give every fact its column with the right type; absent facts become all-unknown.

    A column under a fact's former name is refused with the new name (see docs/facts.md).
    """
    refuse_renamed(df.columns, declared or declarations())
    cols = []
    given = df.schema  # built anew on each access, for every column: read once
    for name, dtype in _schema().items():
        have = given.get(name)
        if have is None:
            cols.append(pl.lit(None, dtype=dtype).alias(name))
            continue
        if have == dtype:
            continue
        if dtype == pl.List(pl.Utf8) and have == pl.Utf8:
            cols.append(pl.col(name).str.split(LIST_SEPARATOR).alias(name))
        elif dtype in (pl.Date, pl.Boolean) and have == pl.Utf8:  # rules/conventions.py
            read, words = (date_expr, DATE_WORDS) if dtype == pl.Date else (bool_expr, BOOL_WORDS)
            cols.append(read(name).alias(name))
            blank = pl.col(name).str.strip_chars() == ""
            bad = df.filter(pl.col(name).is_not_null() & ~blank & read(name).is_null())
            if bad.height:
                raise PopulationError(f"column {name!r}: {bad[name][0]!r} is not {words}")
        else:
            cols.append(pl.col(name).cast(dtype, strict=True).alias(name))
    try:
        return df.with_columns(cols) if cols else df
    except pl.exceptions.PolarsError as exc:
        raise PopulationError(f"a column does not have its fact's type: {exc}") from None


def from_profiles(profiles: Iterable[Profile]) -> pl.DataFrame:
    rows = [facts_of(p) for p in profiles]
    return pl.DataFrame(rows, schema=schema(), orient="row") if rows else empty()


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=schema())


def read_population(path: Path, declared: Declarations | None = None) -> pl.DataFrame:
    """Parquet or CSV holding fact columns; JSONL holding one Profile (nested) per line."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise PopulationError(f"{path}: no such file")
    try:
        if suffix == ".parquet":
            return normalize(pl.read_parquet(path), declared)
        if suffix == ".csv":
            return normalize(pl.read_csv(path, infer_schema_length=0), declared)
    except pl.exceptions.PolarsError as exc:
        raise PopulationError(f"{path}: {exc}") from None
    if suffix in (".jsonl", ".ndjson"):
        return _read_profiles_jsonl(path)
    raise PopulationError(f"{path}: unsupported format {suffix!r} (use .parquet, .csv or .jsonl)")


def _read_profiles_jsonl(path: Path) -> pl.DataFrame:
    profiles = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                profiles.append(Profile.model_validate(json.loads(line)))
            except json.JSONDecodeError as exc:
                raise PopulationError(f"{path}:{lineno}: invalid JSON: {exc.msg}") from None
            except ValidationError as exc:
                err = exc.errors()[0]
                where = ".".join(map(str, err["loc"]))
                raise PopulationError(f"{path}:{lineno}: {where}: {err['msg']}") from None
    return from_profiles(profiles)


#: Plans built lately, by program and settings hash and date: a batch call on a small
#: population would otherwise spend more building its expressions than computing them.
_PLANS: OrderedDict[tuple[str, str, dt.date], list[list[pl.Expr]]] = OrderedDict()
PLANS_KEPT = 256


def stages_for(
    cp: CompiledProgram, on: dt.date, settings: Settings = NO_SETTINGS
) -> list[list[pl.Expr]]:
    """The program's column stages on ``on``, built once per program, settings and date.

    The settings hash covers the program text, deployer values and reform overrides, so a
    reused plan reads the same parameter values a new one would.
    """
    key = (cp.id, settings_hash(cp, settings), on)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = merged(_build_stages(cp, on, settings))
        if len(_PLANS) > PLANS_KEPT:
            _PLANS.popitem(last=False)
    else:
        _PLANS.move_to_end(key)
    return plan


def _build_stages(cp: CompiledProgram, on: dt.date, settings: Settings) -> list[list[pl.Expr]]:
    if not cp.program.in_force_on(on):
        return constant_outcome(cp, "ineligible")
    if not cp.program.encoded_on(on):
        return constant_outcome(cp, "unknown")
    return program_stages(cp, resolve_all(cp.program, on, settings), on)


def merged(stages: list[list[pl.Expr]]) -> list[list[pl.Expr]]:
    """Consecutive stages joined while none reads a column another of them makes: each
    stage is one node of the Polars plan, and each node costs the query its setup."""
    out: list[list[pl.Expr]] = []
    current: list[pl.Expr] = []
    made: set[str] = set()
    for stage in stages:
        reads = {r for e in stage for r in e.meta.root_names()}
        if reads & made:
            out.append(current)
            current, made = [], set()
        current = [*current, *stage]
        made |= {e.meta.output_name() for e in stage}
    if current:
        out.append(current)
    return out


def assess_population(
    programs: Iterable[CompiledProgram],
    population: pl.DataFrame,
    on: dt.date,
    settings: Settings = NO_SETTINGS,
    keep: Iterable[str] = (),
) -> pl.DataFrame:
    """One row per person, with outcome, criterion, points, tier and fee columns per program.

    Column names are ``program:outcome``, ``program:criterion``, ``program:points:table:min``,
    ``program:tier:id`` and ``program:fee:id``. Columns named in ``keep`` are carried over.
    """
    frame = normalize(population).lazy()
    produced: list[str] = []
    for cp in programs:
        for stage in stages_for(cp, on, settings):
            frame = frame.with_columns(stage)
            produced += [
                name
                for e in stage
                if not (name := e.meta.output_name()).endswith(":input")  # working columns
            ]
    carried = [c for c in keep if c in population.columns]
    return frame.select([*carried, *produced]).collect()


def outcome_columns(result: pl.DataFrame) -> list[str]:
    return [c for c in result.columns if c.endswith(":outcome")]


__all__ = ["assess_population", "col_name", "from_profiles", "normalize", "read_population"]
