"""The function table (rules/functions.py): each function's scalar and Polars implementations
agree on generated inputs, unknowns included, and the table is the only place a function is
declared: the checker, the scalar evaluator and the batch compiler all read it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talentvisa.rules import builtin_catalog
from talentvisa.rules.expr import ExpressionError, parse
from talentvisa.rules.functions import FUNCTIONS, ArgType, Function, _table
from talentvisa.rules.loader import ProgramFileError, load_program
from talentvisa.rules.params import NO_SETTINGS, resolve_all
from talentvisa.rules.scalar import evaluate
from talentvisa.rules.vector import ProgramCompiler, _e
from tests.conftest import program_file

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

DAYS = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))
CODES = st.sampled_from(["US", "CA", "DE", "IN", "CN", "NO"])
# A constant list may hold what YAML 1.1 reads from [US, NO, ~, 3].
MEMBERS = st.one_of(CODES, st.sampled_from([False, True, None, 3]))
NUMBERS = {
    "int": (st.integers(-(10**6), 10**6), pl.Int64),
    "float": (st.floats(-1e6, 1e6, allow_nan=False), pl.Float64),
}
VALUES: dict[str, tuple[st.SearchStrategy[Any], Any]] = {
    **NUMBERS,
    "date": (DAYS, pl.Date),
    "list": (st.lists(CODES, max_size=4), pl.List(pl.Utf8)),
    "str": (CODES, pl.Utf8),
}
CONCRETE: dict[ArgType, list[str]] = {
    "number": ["int", "float"],
    "date": ["date"],
    "list": ["list"],
    "any": ["int", "float", "date", "list", "str"],
}


def _maybe(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), values, values)


@st.composite
def call(draw: st.DrawFn, fn: Function) -> tuple[list[Any], pl.DataFrame, list[Any], dt.date]:
    """Arguments for `fn` over a few rows: per row (scalar side), as a frame and the
    expressions over it (Polars side), and the evaluation date.

    A non-constant argument is a column, or for calls of several arguments a literal (a
    parameter's value) as long as one argument stays a column.
    """
    arity = draw(st.sampled_from(fn.arity))
    rows = draw(st.integers(1, 6))
    on = draw(DAYS)
    per_row: list[list[Any]] = [[] for _ in range(rows)]
    columns: dict[str, pl.Series] = {}
    exprs: list[Any] = []
    positions = [i for i in range(arity) if i not in fn.constant]
    as_column = set(positions) if arity == 1 else {draw(st.sampled_from(positions))}
    for i in range(arity):
        kind = draw(st.sampled_from(CONCRETE[fn.type_of(i)]))
        strategy, dtype = VALUES[kind]
        if i in fn.constant:
            value = draw(_maybe(st.lists(MEMBERS, max_size=5) if kind == "list" else strategy))
            exprs.append(value)
            for r in per_row:
                r.append(value)
        elif i in as_column or draw(st.booleans()):
            cells = draw(st.lists(_maybe(strategy), min_size=rows, max_size=rows))
            columns[f"a{i}"] = pl.Series(f"a{i}", cells, dtype=dtype)
            exprs.append(pl.col(f"a{i}"))
            for r, cell in zip(per_row, cells, strict=True):
                r.append(cell)
        else:
            value = draw(_maybe(strategy))
            exprs.append(pl.lit(value))
            for r in per_row:
                r.append(value)
    return per_row, pl.DataFrame(columns), exprs, on


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@PROPERTY
@given(data=st.data())
def test_scalar_and_polars_implementations_agree(name: str, data: st.DataObject) -> None:
    fn = FUNCTIONS[name]
    per_row, frame, exprs, on = data.draw(call(fn))
    scalar = [fn.call_scalar(args, on) for args in per_row]
    vector = frame.select(fn.call_polars(exprs, on).alias("v"))["v"].to_list()
    if len(vector) == 1 < len(scalar):  # a constant result is one literal row
        vector = vector * len(scalar)
    for args, s, v in zip(per_row, scalar, vector, strict=True):
        assert (s is None) == (v is None), f"{name}{tuple(args)} on {on}: {s!r} vs {v!r}"
        assert s == v, f"{name}{tuple(args)} on {on}: {s!r} vs {v!r}"
    if fn.unknown == "propagate":
        for args, s in zip(per_row, scalar, strict=True):
            assert (s is None) == any(a is None for a in args)
    else:
        assert None not in scalar


def test_a_function_without_both_implementations_is_refused() -> None:
    with pytest.raises(TypeError, match="has no polars implementation"):
        Function("half", (1,), ("number",), "float", lambda a, on: a[0] / 2, None, "half")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="has no scalar implementation"):
        Function("half", (1,), ("number",), "float", None, lambda a, on: a[0] / 2, "half")  # type: ignore[arg-type]


def test_a_function_declared_twice_is_refused() -> None:
    with pytest.raises(TypeError, match="declared twice"):
        _table(FUNCTIONS["min"], FUNCTIONS["min"])


def test_a_new_function_is_declared_in_one_place(monkeypatch: pytest.MonkeyPatch) -> None:
    """Added to the table alone, a function parses, checks its arity and runs both ways."""
    source = "iso_weekday(date_of_birth) == 7"
    with pytest.raises(ExpressionError, match="unknown function 'iso_weekday'"):
        parse(source)
    weekday = Function(
        "iso_weekday",
        (1,),
        ("date",),
        "int",
        scalar=lambda a, on: a[0].isoweekday(),
        polars=lambda a, on: a[0].dt.weekday(),
        doc="the day of the week, Monday 1 to Sunday 7",
    )
    monkeypatch.setitem(FUNCTIONS, "iso_weekday", weekday)
    parse.cache_clear()
    with pytest.raises(ExpressionError, match=r"iso_weekday\(\) takes \(1,\) arguments"):
        parse("iso_weekday(date_of_birth, date_of_birth)")
    node = parse(source)
    cp = builtin_catalog()["cn-k"]
    on = dt.date(2026, 6, 15)
    params = resolve_all(cp.program, on, NO_SETTINGS)
    expr = _e(ProgramCompiler(cp, params, on).compile(node))
    births = [dt.date(2000, 1, 2), dt.date(2000, 1, 3), None]  # a Sunday, a Monday, unknown
    frame = pl.DataFrame({"date_of_birth": pl.Series(births, dtype=pl.Date)})
    vector = frame.select(expr.alias("v"))["v"].to_list()
    scalar = [evaluate(node, {"date_of_birth": d}.get, on) for d in births]
    assert scalar == vector == [True, False, None]
    parse.cache_clear()


def test_a_program_file_calling_an_undeclared_function_names_file_line_and_the_table(
    tmp_path: Path,
) -> None:
    text = program_file("cn-k").read_text("utf-8")
    line = "expr: age(date_of_birth) <= max_age"
    assert text.count(line) == 1
    path = tmp_path / "cn-k.yaml"
    path.write_text(text.replace(line, "expr: median(date_of_birth) <= max_age"), "utf-8")
    at = text[: text.index(line)].count("\n") + 1
    with pytest.raises(ProgramFileError) as exc:
        load_program(path)
    assert str(exc.value) == (
        f"{path}:{at}: criteria.age_requirement.expr: unknown function 'median' in "
        f"'median(date_of_birth) <= max_age' (allowed: {', '.join(sorted(FUNCTIONS))})"
    )
