"""Vectorized evaluation: compile a program's expressions to Polars over a population.

Semantics mirror scalar.py exactly; a null cell is *unknown*. Polars' ``&``/``|`` already use
Kleene logic on nulls, comparisons and arithmetic propagate nulls, and everything else that
could hide a null (``when/then``, ``min_horizontal``, ``is_in``) is wrapped so it propagates.
Sub-expressions over parameters only are folded with the scalar evaluator itself, so the two
paths share one semantics for constants.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import polars as pl

from talentvisa.rules.compiled import CompiledProgram
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
)
from talentvisa.rules.facts import CONSTANTS
from talentvisa.rules.functions import FUNCTIONS, completed_years
from talentvisa.rules.grids import Grid, band_grid, grid
from talentvisa.rules.model import Factor, PointsTable
from talentvisa.rules.params import Resolved
from talentvisa.rules.scalar import RuleTypeError, evaluate

DTYPES: dict[str, Any] = {
    "date": pl.Date,
    "str": pl.Utf8,
    "list": pl.List(pl.Utf8),
    "bool": pl.Boolean,
    "int": pl.Int64,
    "float": pl.Float64,
}
NULL = pl.lit(None)


@dataclass(frozen=True)
class Lit:
    """A value known at compile time (constants and parameters)."""

    value: Any


@dataclass(frozen=True)
class Bounds:
    lo: pl.Expr
    hi: pl.Expr


Compiled = pl.Expr | Lit | Bounds


def col_name(program: str, *parts: str) -> str:
    return ":".join((program, *parts))


def _e(v: Compiled) -> pl.Expr:
    if isinstance(v, Bounds):
        raise RuleTypeError("a points total can only be compared with a number")
    if isinstance(v, Lit):
        if isinstance(v.value, list):
            raise RuleTypeError("a list can only be used with `in` or overlaps()")
        return pl.lit(v.value)
    return v


def kleene_if(c: pl.Expr, a: pl.Expr, b: pl.Expr) -> pl.Expr:
    return (
        pl.when(c.is_null())
        .then(pl.when(a == b).then(a).otherwise(NULL))
        .when(c)
        .then(a)
        .otherwise(b)
    )


def add_in_order(terms: list[pl.Expr]) -> pl.Expr:
    """0.0 + terms[0] + terms[1] + ..., left to right, as the scalar path's sum() adds.

    pl.sum_horizontal adds in another order, which can change the last bit of a total.
    """
    total = pl.lit(0.0)
    for t in terms:
        total = total + t
    return total


class ProgramCompiler:
    def __init__(self, cp: CompiledProgram, params: dict[str, Resolved], on: dt.date) -> None:
        self.cp, self.params, self.on = cp, params, on

    def name(self, i: str) -> Compiled:
        kind = self.cp.kinds[i]
        if kind == "fact":
            return pl.col(i)
        if kind == "parameter":
            return Lit(self.params[i].value)
        if kind == "constant":
            return Lit(CONSTANTS[i])
        if kind == "date":
            return Lit(self.on)
        if kind == "criterion":
            return pl.col(col_name(self.cp.id, i))
        return Bounds(
            pl.col(col_name(self.cp.id, "points", i, "min")),
            pl.col(col_name(self.cp.id, "points", i, "max")),
        )

    def fixed(self, name: str) -> Any:
        """The value of a parameter, constant or the date."""
        return self.name(name).value  # type: ignore[union-attr]

    def fold(self, node: Node) -> Any:
        return evaluate(node, lambda i: self.name(i).value, self.on)  # type: ignore[union-attr]

    def compile(self, node: Node) -> Compiled:
        c = self.compile
        match node:
            case Const(value=v):
                return Lit(v)
            case Name(id=i):
                return self.name(i)
            case ListLit(items=items):
                vals = [c(i) for i in items]
                if all(isinstance(v, Lit) for v in vals):
                    return Lit([v.value for v in vals])  # type: ignore[union-attr]
                raise RuleTypeError("list literals may only hold constants")
        fast = self._age_cutoff(node)
        if fast is not None:
            return fast
        parts = self._children(node)
        if all(isinstance(p, Lit) for p in parts):
            return Lit(self.fold(node))
        match node:
            case BoolOp(op=op, items=_):
                exprs = [_e(p) for p in parts]
                out = exprs[0]
                for e in exprs[1:]:
                    out = (out & e) if op == "and" else (out | e)
                return out
            case Not():
                return ~_e(parts[0])
            case Compare(op=op):
                return self._compare(op, parts[0], parts[1])
            case Arith(op=op):
                a, b = _e(parts[0]), _e(parts[1])
                if op == "+":
                    return a + b
                if op == "-":
                    return a - b
                if op == "*":
                    return a * b
                if isinstance(parts[1], Lit):
                    # Polars divides by a constant as a product with its reciprocal, which
                    # can differ from Python's a / b in the last bit; divide by a column.
                    b = a * 0 + b
                return pl.when(b == 0).then(NULL).otherwise(a / b)
            case Neg():
                return -_e(parts[0])
            case IfElse():
                return kleene_if(_e(parts[0]), _e(parts[1]), _e(parts[2]))
            case Call(func=f):
                return self._call(f, parts)
        raise RuleTypeError(f"unsupported node {node!r}")

    def _age_cutoff(self, node: Node) -> pl.Expr | None:
        """`age(d) OP n` as one date comparison against a cutoff computed once.

        Extracting year, month and day for a million dates dominates the batch path; the
        cutoff gives the same three-valued answer (a null date stays null).
        """
        if not (
            isinstance(node, Compare)
            and node.op in (">=", ">", "<=", "<", "==", "!=")
            and isinstance(node.left, Call)
            and node.left.func == "age"
        ):
            return None
        bound, arg = self.compile(node.right), self.compile(node.left.args[0])
        if not isinstance(bound, Lit) or isinstance(arg, Lit | Bounds):
            return None
        if bound.value is None:
            return pl.lit(None, dtype=pl.Boolean)
        n = float(bound.value)
        if node.op in ("==", "!="):
            # age(d) == k  <=>  age(d) >= k and not age(d) >= k + 1, for a whole k >= 1
            if n != math.floor(n) or n < 1:
                return None
            k = int(n)
            born_k = arg <= pl.lit(latest_birth(self.on, k))
            born_k1 = arg <= pl.lit(latest_birth(self.on, k + 1))
            exact = born_k & ~born_k1
            return exact if node.op == "==" else ~exact
        at_least = {
            ">=": math.ceil(n),
            ">": math.floor(n) + 1,
            "<=": math.floor(n) + 1,
            "<": math.ceil(n),
        }[node.op]
        born_by = latest_birth(self.on, at_least)
        older = arg <= pl.lit(born_by)  # age(d) >= at_least
        return older if node.op in (">=", ">") else ~older

    def _children(self, node: Node) -> list[Compiled]:
        match node:
            case BoolOp(items=items) | Call(args=items):
                return [self.compile(i) for i in items]
            case Not(item=i) | Neg(item=i):
                return [self.compile(i)]
            case Compare(left=a, right=b) | Arith(left=a, right=b):
                return [self.compile(a), self.compile(b)]
            case IfElse(cond=x, then=y, otherwise=z):
                return [self.compile(x), self.compile(y), self.compile(z)]
        raise RuleTypeError(f"unsupported node {node!r}")

    def _compare(self, op: str, left: Compiled, right: Compiled) -> pl.Expr:
        if any(isinstance(x, Lit) and x.value is None for x in (left, right)):
            return pl.lit(None, dtype=pl.Boolean)  # unknown whatever the other side is
        if isinstance(left, Bounds):
            if not isinstance(right, Lit):
                raise RuleTypeError("a points total can only be compared with a constant")
            if right.value is None:
                return pl.lit(None, dtype=pl.Boolean)
            lo, hi, x = left.lo, left.hi, right.value
            if op in (">=", "<"):
                ge = pl.when(lo >= x).then(True).when(hi < x).then(False).otherwise(NULL)
                return ge if op == ">=" else ~ge
            if op in (">", "<="):
                gt = pl.when(lo > x).then(True).when(hi <= x).then(False).otherwise(NULL)
                return gt if op == ">" else ~gt
            raise RuleTypeError(f"points totals support >= > < <=, not {op}")
        if op in ("in", "notin"):
            if not isinstance(right, Lit):
                raise RuleTypeError("the right side of `in` must be a constant list")
            if right.value is None:
                return pl.lit(None, dtype=pl.Boolean)
            a = _e(left)
            hit = pl.when(a.is_null()).then(NULL).otherwise(a.is_in(list(right.value)))
            return hit if op == "in" else ~hit
        a, b = _e(left), _e(right)
        return {
            "==": lambda: a == b,
            "!=": lambda: a != b,
            "<": lambda: a < b,
            "<=": lambda: a <= b,
            ">": lambda: a > b,
            ">=": lambda: a >= b,
        }[op]()

    def _call(self, f: str, parts: list[Compiled]) -> pl.Expr:
        fn = FUNCTIONS.get(f)
        if fn is None:
            raise RuleTypeError(f"unknown function {f}")
        if not fn.constant:
            return fn.call_polars([_e(p) for p in parts], self.on)
        args: list[Any] = []
        for i, p in enumerate(parts):
            wanted = i in fn.constant
            if wanted != isinstance(p, Lit) or isinstance(p, Bounds):
                raise RuleTypeError(f"{fn.form} is the supported form")
            args.append(p.value if isinstance(p, Lit) else p)
        return fn.call_polars(args, self.on)

    # --- program parts -------------------------------------------------------------

    def factor(
        self,
        f: Factor,
        nodes: list[Node],
        given_value: Compiled | None = None,
        rule_conds: list[pl.Expr] | None = None,
    ) -> tuple[pl.Expr, pl.Expr]:
        lo_b, hi_b = f.bounds()
        if f.bands is not None:
            v = given_value if given_value is not None else self.compile(nodes[0])
            if isinstance(v, Lit):
                pts = None if v.value is None else min(band_points(f.bands, v.value), f.cap)
                return (pl.lit(lo_b if pts is None else pts), pl.lit(hi_b if pts is None else pts))
            x = _e(v)
            chain: Any = pl
            for b in f.bands:
                cond = pl.lit(True)
                if b.at_least is not None:
                    cond = cond & (x >= b.at_least)
                if b.below is not None:
                    cond = cond & (x < b.below)
                chain = chain.when(cond).then(pl.lit(min(b.points, f.cap)))
            pts_e = chain.otherwise(pl.lit(0.0)) if f.bands else pl.lit(0.0)
            pts_e = pl.when(x.is_null()).then(NULL).otherwise(pts_e)
            return pts_e.fill_null(lo_b), pts_e.fill_null(hi_b)
        if f.rules is not None:
            conds = rule_conds if rule_conds is not None else [_e(self.compile(n)) for n in nodes]
            lo_terms = [
                pl.when(c.fill_null(False)).then(pl.lit(r.points)).otherwise(0.0)
                for r, c in zip(f.rules, conds, strict=True)
            ]
            hi_terms = [
                pl.when(c.fill_null(True)).then(pl.lit(r.points)).otherwise(0.0)
                for r, c in zip(f.rules, conds, strict=True)
            ]

            def agg(terms: list[pl.Expr]) -> pl.Expr:  # engine.rule_points: agg([...] + [0.0])
                if f.combine == "max":
                    return pl.max_horizontal(*terms, pl.lit(0.0))
                return add_in_order(terms)

            return (
                pl.min_horizontal(agg(lo_terms), pl.lit(f.cap)),
                pl.min_horizontal(agg(hi_terms), pl.lit(f.cap)),
            )
        v = given_value if given_value is not None else self.compile(nodes[0])
        if isinstance(v, Lit):
            pts = None if v.value is None else clip(v.value, f.cap)
            return (pl.lit(lo_b if pts is None else pts), pl.lit(hi_b if pts is None else pts))
        x = _e(v).cast(pl.Float64).clip(0.0, f.cap)
        return x.fill_null(lo_b), x.fill_null(hi_b)


def table_total(table: PointsTable, ends: dict[str, pl.Expr]) -> pl.Expr:
    """engine._score_table's total: ungrouped factors in order, then each capped group."""
    terms = [ends[fid] for fid in table.ungrouped()] + [
        pl.min_horizontal(add_in_order([ends[f] for f in g.factors]), pl.lit(g.cap))
        for g in table.groups.values()
    ]
    return add_in_order(terms).cast(pl.Float64)


def latest_birth(on: dt.date, years: int) -> dt.date:
    """The latest birth date that is at least ``years`` old on ``on`` (completed_years)."""
    if years <= 0:
        return dt.date.max
    try:
        guess = on.replace(year=on.year - years)
    except ValueError:  # 29 February in a common year
        guess = dt.date(on.year - years, 2, 28)
    while completed_years(guess, on) < years:
        guess -= dt.timedelta(days=1)
    while completed_years(guess + dt.timedelta(days=1), on) >= years:
        guess += dt.timedelta(days=1)
    return guess


def outcome_expr(e: pl.Expr) -> pl.Expr:
    return (
        pl.when(e.is_null())
        .then(pl.lit("unknown"))
        .when(e)
        .then(pl.lit("eligible"))
        .otherwise(pl.lit("ineligible"))
    )


def program_stages(
    cp: CompiledProgram, params: dict[str, Resolved], on: dt.date, grids: bool = True
) -> list[list[pl.Expr]]:
    """Column stages that assess every row for one program on one date.

    Each stage may read the columns of earlier stages (criteria reading other criteria).
    ``grids``: a rules factor that is a grid is read from its table (rules/grids.py); the
    tests compare that with the same factor evaluated rule by rule.
    """
    comp = ProgramCompiler(cp, params, on)
    pid = cp.id
    prog = cp.program
    stages: list[list[pl.Expr]] = []
    for tid, table in prog.points.items():
        # A band input (e.g. an age), a rule's condition and a formula's value are computed
        # once, in their own working columns: inlined, each would appear in both the min and
        # the max total, and Polars spends more finding the shared parts of those trees than
        # computing them (a formula's `x if c else y` reads x and y twice, so nested ones grow
        # exponentially).
        inputs: dict[str, Compiled] = {}
        tables: dict[str, Grid] = {}
        for fid, f in table.factors.items():
            nodes = cp.factor_nodes[tid][fid]
            g: Grid | None = None
            if grids and f.bands is not None:
                value = comp.compile(nodes[0])
                g = None if isinstance(value, Lit) else band_grid(f, nodes[0])
            elif grids:
                g = grid(f, nodes, cp.kinds, comp.fixed, on)
            if g is not None:
                tables[fid] = g
                inputs[f"{fid}:grid"] = g.index([_e(comp.compile(a.node)) for a in g.axes])
            elif f.bands is not None or f.formula is not None:
                inputs[fid] = comp.compile(nodes[0])
            elif f.rules is not None:
                for i, node in enumerate(nodes):
                    inputs[f"{fid}:{i}"] = comp.compile(node)
        columns = {
            key: col_name(pid, "points", tid, key, "input")
            for key, v in inputs.items()
            if not isinstance(v, Lit)
        }
        if columns:
            stages.append([_e(inputs[key]).alias(name) for key, name in columns.items()])

        given = {key: pl.col(columns[key]) if key in columns else v for key, v in inputs.items()}
        los: dict[str, pl.Expr] = {}
        his: dict[str, pl.Expr] = {}
        for fid, f in table.factors.items():
            if fid in tables:
                los[fid], his[fid] = tables[fid].bounds(pl.col(columns[f"{fid}:grid"]))
                continue
            nodes = cp.factor_nodes[tid][fid]
            conds = None
            if f.rules is not None:
                conds = [_e(given[f"{fid}:{i}"]) for i in range(len(nodes))]
            los[fid], his[fid] = comp.factor(f, nodes, given.get(fid), conds)

        stages.append(
            [
                table_total(table, los).alias(col_name(pid, "points", tid, "min")),
                table_total(table, his).alias(col_name(pid, "points", tid, "max")),
            ]
        )
    for cid in cp.order:
        value = _e(comp.compile(cp.criteria[cid]))
        for _, enode, then in reversed(cp.exceptions[cid]):
            value = kleene_if(_e(comp.compile(enode)), pl.lit(then), value)
        stages.append([value.cast(pl.Boolean).alias(col_name(pid, cid))])
    final: list[pl.Expr] = [
        outcome_expr(_e(comp.compile(cp.eligibility))).alias(col_name(pid, "outcome"))
    ]
    for tid, node in cp.tier_nodes:
        final.append(outcome_expr(_e(comp.compile(node))).alias(col_name(pid, "tier", tid)))
    for fid, (amount_node, when_node) in cp.fee_nodes.items():
        amount, applies = _e(comp.compile(amount_node)), _e(comp.compile(when_node))
        not_due = (applies == False).fill_null(False) | (amount == 0).fill_null(False)  # noqa: E712
        final.append(
            pl.when(not_due)
            .then(pl.lit("not_due"))
            .when(applies.is_null())
            .then(pl.lit("unknown"))
            .otherwise(pl.lit("due"))
            .alias(col_name(pid, "fee", fid))
        )
        # the amount as the scalar engine states it, in the currency the column is named for
        currency = cp.program.fees[fid].currency
        final.append(amount.cast(pl.Float64).alias(col_name(pid, "fee", fid, currency)))
    stages.append(final)
    return stages


def constant_outcome(cp: CompiledProgram, outcome: str) -> list[list[pl.Expr]]:
    return [[pl.lit(outcome).alias(col_name(cp.id, "outcome"))]]
