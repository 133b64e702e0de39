"""A points factor as a lookup table: Express Entry's CRS grids, one gather per factor.

A grid such as "18 years old and single: 99 points" is a list of rules whose conditions only
compare a few inputs (a fact, or age(a date)) with constants; a formula such as
"6 if CLB >= 9 else 3 if CLB >= 7 else ...", summed over four abilities, is one too. Those
constants cut each input into classes: below the first, each constant itself, between two,
above the last; and, for a text input, each constant and "any other value"; unknown is a
class of its own. Every value
in a class answers every comparison alike, so the scalar evaluator, run once per class with
a representative value, gives the factor's points bounds for the whole class, unknowns
included. The batch path then computes each input's class and reads the bounds from the
table, instead of evaluating some forty rules over the whole population.

A table depends on the parameter values its factor reads, not on the date (an age is a class
like any number), so tables are kept across dates and built with the compiled closures.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import polars as pl

from talentvisa.rules.closures import compile_expression
from talentvisa.rules.engine import band_points, clip
from talentvisa.rules.expr import (
    Arith,
    BoolOp,
    Call,
    Compare,
    Const,
    IfElse,
    ListLit,
    Name,
    Neg,
    Node,
    Not,
    names,
)
from talentvisa.rules.facts import FACTS
from talentvisa.rules.model import Factor
from talentvisa.rules.scalar import Interval, evaluate

#: Cells a table may have; a grid of more inputs is evaluated rule by rule.
MAX_CELLS = 1 << 16
#: Fewer rules than this cost less evaluated one by one than their table.
MIN_RULES = 4
#: A formula of fewer nodes costs less computed than looked up.
MIN_FORMULA_NODES = 20
TABLES_KEPT = 512
_TABLES: OrderedDict[tuple[Any, ...], Grid | None] = OrderedDict()
_LOCK = threading.Lock()
AxisKind = Literal["number", "text", "bool"]
_FIXED = ("parameter", "constant", "date")


@dataclass
class Axis:
    """One input of a grid: the expression read, and the constants it is compared with."""

    node: Node
    kind: AxisKind
    constants: set[Any] = field(default_factory=set)
    #: Only ever compared as ``x >= c`` or ``x < c``: each constant starts a class that runs
    #: to the next, half as many classes as when equality counts too.
    thresholds: bool = True

    def values(self) -> list[Any]:
        return sorted(self.constants)

    def representatives(self) -> list[Any]:
        """One value of each class, in class order; the last is unknown."""
        if self.kind == "bool":
            return [False, True, None]
        cs = self.values()
        if self.kind == "text":
            other = "\x00" + "".join(cs)  # no constant is this text
            return [*cs, other, None]
        if not cs:
            return [0.0, None]
        if self.thresholds:  # below c0, then [c_i, c_i+1)
            return [cs[0] - 1, *cs, None]
        reps: list[Any] = [cs[0] - 1]
        for i, c in enumerate(cs):
            reps.append(c)
            reps.append((c + cs[i + 1]) / 2 if i + 1 < len(cs) else c + 1)
        return [*reps, None]

    def classes(self, x: pl.Expr) -> pl.Expr:
        """Each row's class, as representatives() numbers them."""
        size = len(self.representatives())
        if self.kind == "bool":
            known = x.cast(pl.Int64)
        elif self.kind == "text":
            cs = self.values()
            known = x.replace_strict(
                cs, list(range(len(cs))), default=len(cs), return_dtype=pl.Int64
            )
        elif not self.constants:
            known = pl.lit(0, dtype=pl.Int64)
        else:
            cuts = pl.lit(pl.Series(self.values(), dtype=pl.Float64))
            xf = x.cast(pl.Float64)
            right = cuts.search_sorted(xf, side="right").cast(pl.Int64)
            if self.thresholds:  # below c0: 0; from c_i until c_i+1: i + 1
                known = right
            else:  # below c0: 0; equal to c_i: 2i + 1; between c_i and c_i+1: 2i + 2
                known = cuts.search_sorted(xf, side="left").cast(pl.Int64) + right
        return pl.when(x.is_null()).then(pl.lit(size - 1, dtype=pl.Int64)).otherwise(known)


@dataclass
class Grid:
    """A factor's bounds for each combination of its inputs' classes."""

    axes: list[Axis]
    lo: np.ndarray
    hi: np.ndarray

    def index(self, inputs: list[pl.Expr]) -> pl.Expr:
        """Each row's cell, from the expression of each axis (row-major, as NumPy ravels)."""
        flat: pl.Expr = pl.lit(0, dtype=pl.Int64)
        for axis, x in zip(self.axes, inputs, strict=True):
            flat = flat * len(axis.representatives()) + axis.classes(x)
        return flat

    def bounds(self, index: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
        lo = pl.lit(pl.Series(self.lo.ravel(), dtype=pl.Float64)).gather(index)
        hi = pl.lit(pl.Series(self.hi.ravel(), dtype=pl.Float64)).gather(index)
        return lo, hi


def grid(
    f: Factor,
    nodes: list[Node],
    kinds: Mapping[str, str],
    fixed: Callable[[str], Any],
    on: dt.date,
) -> Grid | None:
    """The factor's table, or None when it is not a grid (or too small to gain, or too big).

    ``nodes`` are its rules' conditions or its formula; ``fixed`` gives the value of a
    parameter, constant or the date.
    """
    if f.rules is not None:
        if len(f.rules) < MIN_RULES:
            return None
    elif f.formula is None or _size(nodes[0]) < MIN_FORMULA_NODES:
        return None
    read = sorted({n for node in nodes for n in names(node) if kinds[n] in _FIXED})
    key = (f.model_dump_json(), tuple(nodes), repr([(n, fixed(n)) for n in read]))
    with _LOCK:
        if key in _TABLES:
            _TABLES.move_to_end(key)
            return _TABLES[key]
    made = _build(f, nodes, kinds, fixed, on)
    with _LOCK:
        _TABLES[key] = made
        if len(_TABLES) > TABLES_KEPT:
            _TABLES.popitem(last=False)
    return made


def band_grid(f: Factor, value: Node) -> Grid:
    """A bands factor's table: the bands' edges cut its input into classes.

    A band holds ``at_least <= x < below``, so every value from one edge to the next is in
    the same bands: the ``thresholds`` classes.
    """
    assert f.bands is not None
    edges = {e for b in f.bands for e in (b.at_least, b.below) if e is not None}
    axis = Axis(value, "number", edges)
    reps = axis.representatives()
    lo_b, hi_b = f.bounds()
    lo = [lo_b if r is None else min(band_points(f.bands, r), f.cap) for r in reps]
    hi = [hi_b if r is None else min(band_points(f.bands, r), f.cap) for r in reps]
    return Grid([axis], np.array(lo, dtype=float), np.array(hi, dtype=float))


def _build(
    f: Factor,
    nodes: list[Node],
    kinds: Mapping[str, str],
    fixed: Callable[[str], Any],
    on: dt.date,
) -> Grid | None:
    axes: dict[Node, Axis] = {}
    for node in nodes:
        if not _collect(node, kinds, fixed, on, axes):
            return None
    order = list(axes.values())
    shape = tuple(len(a.representatives()) for a in order)
    if not order or int(np.prod(shape)) > MAX_CELLS:
        return None
    try:
        cells = [_cells(node, order, shape, kinds, fixed, on) for node in nodes]
    except Exception:  # a type error in some class: computed as before, which reports it
        return None
    if f.rules is None:
        return _formula_grid(f, order, cells[0])
    if any(not (v is None or isinstance(v, bool)) for c in cells for v in c.flat):
        return None  # a condition that is not true/false: computed as before, which says so
    codes = [  # 1 true, 0 false, 2 unknown
        np.vectorize(lambda v: 2 if v is None else int(v), otypes=[np.int8])(c) for c in cells
    ]
    points = [r.points for r in f.rules]
    # engine.rule_points: agg([points of rules that hold] + [0.0]), then the cap
    lo = np.zeros(shape)
    hi = np.zeros(shape)
    for p, code in zip(points, codes, strict=True):  # left to right, as the scalar path adds
        if f.combine == "max":
            lo = np.maximum(lo, np.where(code == 1, p, 0.0))
            hi = np.maximum(hi, np.where(code != 0, p, 0.0))
        else:
            lo = lo + np.where(code == 1, p, 0.0)
            hi = hi + np.where(code != 0, p, 0.0)
    if f.combine != "max":
        lo, hi = lo + 0.0, hi + 0.0
    return Grid(order, np.minimum(lo, f.cap), np.minimum(hi, f.cap))


def _formula_grid(f: Factor, order: list[Axis], values: np.ndarray) -> Grid:
    """engine._score_table's formula factor: the value clipped, or its bounds if unknown."""
    lo_b, hi_b = f.bounds()
    flat = values.ravel()
    lo = np.array([lo_b if v is None else clip(v, f.cap) for v in flat], dtype=float)
    hi = np.array([hi_b if v is None else clip(v, f.cap) for v in flat], dtype=float)
    return Grid(order, lo.reshape(values.shape), hi.reshape(values.shape))


def _size(n: Node) -> int:
    return 1 + sum(_size(c) for c in _children(n))


def _is_fixed(n: Node, kinds: Mapping[str, str]) -> bool:
    return all(kinds[x] in _FIXED for x in names(n))


def _variable(n: Node, kinds: Mapping[str, str]) -> AxisKind | None:
    """What an input of a grid reads: a fact, or a date fact's age."""
    if isinstance(n, Call) and n.func == "age" and len(n.args) == 1:
        inner = n.args[0]
        if isinstance(inner, Name) and kinds[inner.id] == "fact":
            return "number" if FACTS[inner.id].kind == "date" else None
        return None
    if isinstance(n, Name) and kinds[n.id] == "fact":
        kind = FACTS[n.id].kind
        return {"int": "number", "float": "number", "str": "text", "bool": "bool"}.get(kind)  # type: ignore[return-value]
    return None


def _fits(kind: AxisKind, value: Any) -> bool:
    if value is None:
        return True  # an unknown constant: the comparison is unknown for every class
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "text":
        return isinstance(value, str)
    return isinstance(value, bool)


def _collect(
    n: Node,
    kinds: Mapping[str, str],
    fixed: Callable[[str], Any],
    on: dt.date,
    axes: dict[Node, Axis],
) -> bool:
    """Add the inputs ``n`` compares to ``axes``; False if ``n`` is not a grid condition."""
    if isinstance(n, Const) or (not isinstance(n, ListLit) and _is_fixed(n, kinds)):
        return True
    kind = _variable(n, kinds)
    if kind == "bool":  # a true/false fact used as a condition
        axes.setdefault(n, Axis(n, "bool"))
        return True
    if kind is not None:  # a number or text read outside a comparison varies within a class
        return False
    if isinstance(n, BoolOp | Not | IfElse | Arith | Neg) or (
        isinstance(n, Call) and n.func in ("min", "max", "floor", "abs")
    ):
        return all(_collect(c, kinds, fixed, on, axes) for c in _children(n))
    if not isinstance(n, Compare):
        return False
    var, const = (n.left, n.right) if _variable(n.left, kinds) else (n.right, n.left)
    kind = _variable(var, kinds)
    if kind is None or not _is_fixed(const, kinds):
        return False
    if kind == "text" and n.op not in ("==", "!=", "in", "notin"):
        return False  # text classes keep equality only, not order
    value = evaluate(const, fixed, on)
    values = value if n.op in ("in", "notin") and isinstance(value, list) else [value]
    if n.op in ("in", "notin") and (var is not n.left or not isinstance(value, list | type(None))):
        return False
    if not all(_fits(kind, v) for v in values):
        return False
    axis = axes.setdefault(var, Axis(var, kind))
    if axis.kind != kind:
        return False
    on_left = var is n.left
    axis.thresholds &= n.op in ((">=", "<") if on_left else ("<=", ">"))
    axis.constants |= {v for v in values if v is not None and kind != "bool"}
    return True


def _cells(
    node: Node,
    order: list[Axis],
    shape: tuple[int, ...],
    kinds: Mapping[str, str],
    fixed: Callable[[str], Any],
    on: dt.date,
) -> np.ndarray:
    """``node``'s value in every class it reads, broadcast to the grid's shape: evaluated
    over the classes of its own inputs only, with the compiled closures."""
    mine = [i for i, a in enumerate(order) if _reads(node, a.node)]
    slots = {order[i].node: f"\x00axis{i}" for i in mine}
    own_kinds = {**kinds, **dict.fromkeys(slots.values(), "fact")}
    params = {n: fixed(n) for n in names(node) if kinds.get(n) == "parameter"}
    run = compile_expression(_substitute(node, slots), own_kinds, params, on)
    out = np.empty([shape[i] if i in mine else 1 for i in range(len(order))], dtype=object)
    reps = [order[i].representatives() for i in mine]
    values = _Cell()
    for cell in itertools.product(*(range(len(r)) for r in reps)):
        values.facts = {
            slots[order[i].node]: reps[j][k]
            for j, (i, k) in enumerate(zip(mine, cell, strict=True))
        }
        where = [0] * len(order)
        for i, k in zip(mine, cell, strict=True):
            where[i] = k
        v = run(values)
        if isinstance(v, Interval | list | str | dt.date):
            raise TypeError(f"a grid cell gave {v!r}")
        out[tuple(where)] = v
    return np.broadcast_to(out, shape)


class _Cell:
    """One cell's input values, as the compiled closures read them."""

    def __init__(self) -> None:
        self.facts: Mapping[str, Any] = {}
        self.criteria: dict[str, bool | None] = {}
        self.points: dict[str, Interval] = {}
        self.read: dict[str, Any] = {}


def _reads(n: Node, target: Node) -> bool:
    if n == target:
        return True
    return any(_reads(c, target) for c in _children(n))


def _children(n: Node) -> list[Node]:
    match n:
        case BoolOp(items=items) | Call(args=items) | ListLit(items=items):
            return list(items)
        case Not(item=i) | Neg(item=i):
            return [i]
        case Compare(left=a, right=b) | Arith(left=a, right=b):
            return [a, b]
        case IfElse(cond=x, then=y, otherwise=z):
            return [x, y, z]
    return []


def _substitute(n: Node, slots: dict[Node, str]) -> Node:
    """``n`` with each input replaced by a name bound to its class's representative."""
    if n in slots:
        return Name(slots[n])
    match n:
        case BoolOp(items=items):
            return replace(n, items=tuple(_substitute(i, slots) for i in items))
        case Call(args=items):
            return replace(n, args=tuple(_substitute(i, slots) for i in items))
        case Not(item=i) | Neg(item=i):
            return replace(n, item=_substitute(i, slots))
        case Compare(left=a, right=b) | Arith(left=a, right=b):
            return replace(n, left=_substitute(a, slots), right=_substitute(b, slots))
        case IfElse(cond=x, then=y, otherwise=z):
            return IfElse(_substitute(x, slots), _substitute(y, slots), _substitute(z, slots))
    return n
