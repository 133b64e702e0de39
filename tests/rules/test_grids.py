"""Points factors read from lookup tables (rules/grids.py) against the same factors evaluated
rule by rule, on generated people with unknown facts, dates and deployer settings."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talentvisa.rules.batch import from_profiles, merged, normalize
from talentvisa.rules.compiled import CompiledProgram
from talentvisa.rules.expr import parse
from talentvisa.rules.grids import Axis, grid
from talentvisa.rules.params import Settings, resolve_all
from talentvisa.rules.profile import Profile
from talentvisa.rules.vector import ProgramCompiler, program_stages

from .test_scalar_batch_agree import CATALOG, PROGRAMS, PROPERTY, dates, deployer_settings, profiles

EE = CATALOG["ca-express-entry"]


def _gridded(cp: CompiledProgram, on: dt.date, chosen: Settings) -> list[str]:
    comp = ProgramCompiler(cp, resolve_all(cp.program, on, chosen), on)
    return [
        fid
        for tid, table in cp.program.points.items()
        for fid, f in table.factors.items()
        if f.bands is None and grid(f, cp.factor_nodes[tid][fid], cp.kinds, comp.fixed, on)
    ]


def test_the_crs_grids_are_tables() -> None:
    on = dt.date(2026, 6, 15)
    found = _gridded(EE, on, Settings())
    assert {"age", "education", "spouse_language", "second_language"} <= set(found)
    assert "certificate_transferability" not in found  # two rules: cheaper rule by rule


def _run(
    cp: CompiledProgram, frame: pl.DataFrame, on: dt.date, s: Settings, g: bool
) -> pl.DataFrame:
    lazy = frame.lazy()
    for stage in merged(program_stages(cp, resolve_all(cp.program, on, s), on, grids=g)):
        lazy = lazy.with_columns(stage)
    out = lazy.collect()
    return out.select(
        c for c in out.columns if c.startswith(cp.id + ":") and not c.endswith(":input")
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[dt.date, list[Profile], Settings]:
    on = draw(dates)
    return on, draw(st.lists(profiles(on), min_size=1, max_size=25)), draw(deployer_settings())


@settings(PROPERTY, max_examples=40)
@given(cases())
def test_tables_and_rules_agree(case: tuple[dt.date, list[Profile], Settings]) -> None:
    on, people, chosen = case
    frame = normalize(from_profiles(people))
    for cp in PROGRAMS:
        try:
            resolve_all(cp.program, on, chosen)
        except LookupError:
            continue
        if not (cp.program.in_force_on(on) and cp.program.encoded_on(on)):
            continue
        tables, rules = _run(cp, frame, on, chosen, True), _run(cp, frame, on, chosen, False)
        assert tables.equals(rules), (cp.id, on)


@pytest.mark.parametrize(
    ("values", "x", "cls"),
    [
        ([18, 20], 17, 0),
        ([18, 20], 18, 1),
        ([18, 20], 19, 2),
        ([18, 20], 20, 3),
        ([18, 20], 21, 4),
        ([18, 20], None, 5),
    ],
)
def test_number_classes(values: list[int], x: int | None, cls: int) -> None:
    axis = Axis(parse("hsk_level"), "number", set(values), thresholds=False)
    got = pl.select(axis.classes(pl.lit(x, dtype=pl.Int64)).alias("c"))["c"][0]
    assert got == cls
    rep = axis.representatives()[cls]
    assert (rep is None) == (x is None)
    if x is not None:  # the representative compares with every constant as x does
        assert [(rep < c, rep == c) for c in values] == [(x < c, x == c) for c in values]


@pytest.mark.parametrize(("x", "cls"), [(3, 0), (5, 1), (6, 1), (7, 2), (9, 3), (12, 3), (None, 4)])
def test_threshold_classes(x: int | None, cls: int) -> None:
    """An input only compared as `x >= c` or `x < c` has a class from each constant on."""
    node = parse("ca_second_language_reading")
    axis = Axis(node, "number", {5, 7, 9})
    got = pl.select(axis.classes(pl.lit(x, dtype=pl.Int64)).alias("c"))["c"][0]
    assert got == cls
    rep = axis.representatives()[cls]
    if x is not None:
        assert [rep >= c for c in (5, 7, 9)] == [x >= c for c in (5, 7, 9)]
