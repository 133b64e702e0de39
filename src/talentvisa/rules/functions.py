"""The functions of the rule expression language, each declared once.

A :class:`Function` names its arity and argument types, how an unknown argument propagates,
and both implementations: the scalar one (rules/scalar.py) over Python values and the Polars
one (rules/vector.py) over columns. The expression checker (rules/expr.py) reads names and
arities from the same table, so a new function is written here and nowhere else;
tests/rules/test_functions.py checks that both implementations agree on generated inputs.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import polars as pl
else:
    from talentvisa.rules.lazy import LazyModule

    pl = LazyModule("polars")  # the scalar path never needs it

#: What an argument holds: a number, a date, a list of strings, or any value.
ArgType = Literal["number", "date", "list", "any"]
#: What a call returns; the batch path types a constant unknown result with it.
Returns = Literal["number", "int", "float", "bool"]
RETURN_DTYPES: dict[str, str] = {  # Polars dtype names
    "number": "Float64",
    "int": "Int64",
    "float": "Float64",
    "bool": "Boolean",
}

ScalarImpl = Callable[[Sequence[Any], dt.date], Any]
#: Receives a column expression for each argument, and the Python value of each constant one.
PolarsImpl = Callable[[Sequence[Any], dt.date], "pl.Expr"]


@dataclass(frozen=True)
class Function:
    """One function of the language.

    ``unknown``: "propagate" means any unknown argument makes the result unknown, and the
    implementations only ever see known values (the scalar side) or get their nulls masked
    when ``mask_nulls`` says Polars would skip them (``min_horizontal`` ignores a null);
    "never" means the function tests for unknown itself and is never unknown.
    ``constant``: argument positions the batch path needs as constants, not columns.
    """

    name: str
    arity: tuple[int, ...]
    types: tuple[ArgType, ...]  # one per position; the last repeats for variadic calls
    returns: Returns
    scalar: ScalarImpl
    polars: PolarsImpl
    doc: str
    unknown: Literal["propagate", "never"] = "propagate"
    mask_nulls: bool = False
    constant: tuple[int, ...] = ()
    form: str | None = None  # the supported form, named when a batch call has another

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise TypeError(f"function name {self.name!r} is not an identifier")
        for side in ("scalar", "polars"):
            if not callable(getattr(self, side)):
                raise TypeError(f"function {self.name!r} has no {side} implementation")
        if not self.arity or min(self.arity) < 1 or not self.types:
            raise TypeError(f"function {self.name!r} needs an arity and argument types")
        if any(i >= min(self.arity) for i in self.constant):
            raise TypeError(f"function {self.name!r}: a constant position beyond its arity")

    def type_of(self, position: int) -> ArgType:
        return self.types[min(position, len(self.types) - 1)]

    def call_scalar(self, args: Sequence[Any], on: dt.date) -> Any:
        if self.unknown == "propagate" and any(a is None for a in args):
            return None
        return self.scalar(args, on)

    def call_polars(self, args: Sequence[Any], on: dt.date) -> pl.Expr:
        """``args``: column expressions, and Python values at the ``constant`` positions."""
        if self.unknown == "propagate" and any(args[i] is None for i in self.constant):
            return pl.lit(None, dtype=getattr(pl, RETURN_DTYPES[self.returns]))
        value = self.polars(args, on)
        if not self.mask_nulls:
            return value
        columns = [a for i, a in enumerate(args) if i not in self.constant]
        cond = columns[0].is_null()
        for a in columns[1:]:
            cond = cond | a.is_null()
        return pl.when(cond).then(pl.lit(None)).otherwise(value)


def completed_years(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def fractional_years(since: dt.date, on: dt.date) -> float:
    return (on - since).days / 365.25


def _age_column(d: pl.Expr, on: dt.date) -> pl.Expr:
    later = (d.dt.month().cast(pl.Int32) * 100 + d.dt.day().cast(pl.Int32)) > (
        on.month * 100 + on.day
    )
    return on.year - d.dt.year().cast(pl.Int64) - later.cast(pl.Int64)


def _years_since_column(args: Sequence[Any], on: dt.date) -> pl.Expr:
    days = (pl.lit(on) - args[0]).dt.total_days()
    # Polars divides by a constant as a product with its reciprocal, which differs from
    # Python's days / 365.25 in the last bit for about one value in ten; divide by a column.
    return days / (days * 0 + 365.25)


def _overlaps_column(args: Sequence[Any], on: dt.date) -> pl.Expr:
    lst, members = args
    # List facts hold strings, and a string never equals a non-string in the scalar set
    # intersection, so other members (e.g. YAML 1.1 reading NO as false) can't match.
    strings = [v for v in members if isinstance(v, str)]
    hit = lst.list.eval(pl.element().is_in(strings)).list.any()
    return pl.when(lst.is_null()).then(pl.lit(None)).otherwise(hit)


def _table(*functions: Function) -> dict[str, Function]:
    table: dict[str, Function] = {}
    for f in functions:
        if f.name in table:
            raise TypeError(f"function {f.name!r} is declared twice")
        table[f.name] = f
    return table


FUNCTIONS: dict[str, Function] = _table(
    Function(
        "min",
        (2, 3, 4),
        ("number",),
        "number",
        scalar=lambda a, on: min(a),
        polars=lambda a, on: pl.min_horizontal(*a),
        doc="the smallest argument",
        mask_nulls=True,
    ),
    Function(
        "max",
        (2, 3, 4),
        ("number",),
        "number",
        scalar=lambda a, on: max(a),
        polars=lambda a, on: pl.max_horizontal(*a),
        doc="the largest argument",
        mask_nulls=True,
    ),
    Function(
        "floor",
        (1,),
        ("number",),
        "int",
        scalar=lambda a, on: math.floor(a[0]),
        polars=lambda a, on: a[0].cast(pl.Float64).floor(),
        doc="the largest whole number not above the argument",
    ),
    Function(
        "abs",
        (1,),
        ("number",),
        "number",
        scalar=lambda a, on: abs(a[0]),
        polars=lambda a, on: a[0].abs(),
        doc="the argument without its sign",
    ),
    Function(
        "age",
        (1,),
        ("date",),
        "int",
        scalar=lambda a, on: completed_years(a[0], on),
        polars=lambda a, on: _age_column(a[0], on),
        doc="completed years between a date and the evaluation date",
    ),
    Function(
        "years_since",
        (1,),
        ("date",),
        "float",
        scalar=lambda a, on: fractional_years(a[0], on),
        polars=_years_since_column,
        doc="fractional years (365.25 days) from a date to the evaluation date",
    ),
    Function(
        "is_known",
        (1,),
        ("any",),
        "bool",
        scalar=lambda a, on: a[0] is not None,
        polars=lambda a, on: a[0].is_not_null(),
        doc="whether the argument is known: the only function that is never unknown",
        unknown="never",
    ),
    Function(
        "overlaps",
        (2,),
        ("list", "list"),
        "bool",
        scalar=lambda a, on: bool(set(a[0]) & set(a[1])),
        polars=_overlaps_column,
        doc="two lists share at least one element",
        constant=(1,),
        form="overlaps(list fact, constant list)",
    ),
)
