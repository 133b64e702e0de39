"""Scalar evaluation of rule expressions with Kleene three-valued logic.

``None`` is *unknown*. Every operator propagates it except ``and``/``or`` (which short-circuit
on a decisive False/True), ``is_known`` (which tests for it), and ``x if c else y`` when both
branches agree. The vectorized evaluator (vector.py) implements the same table over columns;
the functions, with both their implementations, are declared once in functions.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
from talentvisa.rules.functions import FUNCTIONS


class RuleTypeError(TypeError):
    """An expression applied to values of the wrong type: a bug in the program file."""


@dataclass(frozen=True)
class Interval:
    """A points total known only within bounds, because some factors are unknown."""

    lo: float
    hi: float


def truth(v: Any, what: str) -> bool | None:
    if v is None or isinstance(v, bool):
        return v
    raise RuleTypeError(f"{what} needs true/false, got {v!r}")


def kleene_if(c: bool | None, a: Any, b: Any) -> Any:
    if c is None:
        return a if a == b else None
    return a if c else b


def compare_interval(op: str, iv: Interval, c: float) -> bool | None:
    if op == ">=":
        return True if iv.lo >= c else False if iv.hi < c else None
    if op == ">":
        return True if iv.lo > c else False if iv.hi <= c else None
    if op == "<":
        r = compare_interval(">=", iv, c)
        return None if r is None else not r
    if op == "<=":
        r = compare_interval(">", iv, c)
        return None if r is None else not r
    raise RuleTypeError(f"points totals support >= > < <=, not {op}")


COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: bool(a == b),
    "!=": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b),
    "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b),
    ">=": lambda a, b: bool(a >= b),
    "in": lambda a, b: a in b,
    "notin": lambda a, b: a not in b,
}


def evaluate(node: Node, lookup: Callable[[str], Any], on: dt.date) -> Any:
    """Evaluate ``node``; ``lookup`` resolves names (and may record what was read)."""

    def ev(n: Node) -> Any:
        match n:
            case Const(value=v):
                return v
            case Name(id=i):
                return lookup(i)
            case BoolOp(op="and", items=items):
                unknown = False
                for item in items:
                    v = truth(ev(item), "and")
                    if v is False:
                        return False
                    unknown |= v is None
                return None if unknown else True
            case BoolOp(items=items):
                unknown = False
                for item in items:
                    v = truth(ev(item), "or")
                    if v is True:
                        return True
                    unknown |= v is None
                return None if unknown else False
            case Not(item=i):
                v = truth(ev(i), "not")
                return None if v is None else not v
            case Compare(op=op, left=lhs, right=rhs):
                a, b = ev(lhs), ev(rhs)
                if a is None or b is None:
                    return None
                if isinstance(a, Interval):
                    return compare_interval(op, a, b)
                try:
                    return COMPARISONS[op](a, b)
                except TypeError as exc:
                    raise RuleTypeError(f"cannot compare {a!r} {op} {b!r}") from exc
            case Arith(op=op, left=lhs, right=rhs):
                a, b = ev(lhs), ev(rhs)
                if a is None or b is None:
                    return None
                if op == "+":
                    return a + b
                if op == "-":
                    return a - b
                if op == "*":
                    return a * b
                return None if b == 0 else a / b
            case Neg(item=i):
                v = ev(i)
                return None if v is None else -v
            case IfElse(cond=c, then=t, otherwise=o):
                return kleene_if(truth(ev(c), "if"), ev(t), ev(o))
            case ListLit(items=items):
                return [ev(i) for i in items]
            case Call(func=f, args=args):
                return _call(f, [ev(a) for a in args], on)
        raise RuleTypeError(f"unsupported node {n!r}")

    return ev(node)


def _call(f: str, args: list[Any], on: dt.date) -> Any:
    fn = FUNCTIONS.get(f)
    if fn is None:
        raise RuleTypeError(f"unknown function {f}")
    return fn.call_scalar(args, on)
