"""The scalar evaluator compiled: each expression turned once into nested Python closures.

scalar.evaluate walks the tree and matches every node's type on every call; for one person
that walk was a third of assess(). A closure tree built once per program, settings and date
does the same work with the matching done ahead: parameters, constants and the date are
bound as values, and the three-valued table is scalar.py's own (its helpers are called, not
copied). Each closure records what it reads in ``Reads.read``, in the order the tree-walker
would, so an assessment's explanation is unchanged; the property tests in
tests/rules/test_closures.py hold the two evaluators to the same values, reads and errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, Protocol

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
from talentvisa.rules.functions import FUNCTIONS
from talentvisa.rules.scalar import (
    COMPARISONS,
    Interval,
    RuleTypeError,
    compare_interval,
    kleene_if,
    truth,
)


class Reads(Protocol):
    """What a compiled expression reads from: one evaluation's values, and its record."""

    facts: Mapping[str, Any]
    criteria: dict[str, bool | None]
    points: dict[str, Interval]
    read: dict[str, Any]


Closure = Callable[[Reads], Any]


def compile_expression(
    node: Node, kinds: Mapping[str, str], params: Mapping[str, Any], on: dt.date
) -> Closure:
    """``node`` as a closure; ``kinds`` says what each name is, ``params`` their values."""

    def c(n: Node) -> Closure:
        match n:
            case Const(value=v):
                return lambda s: v
            case Name(id=i):
                return _name(i, kinds[i], params, on)
            case BoolOp(op=op, items=items):
                return _bool_op(op, [c(i) for i in items])
            case Not(item=i):
                item = c(i)

                def not_(s: Reads) -> Any:
                    v = truth(item(s), "not")
                    return None if v is None else not v

                return not_
            case Compare(op=op, left=lhs, right=rhs):
                return _compare(op, c(lhs), c(rhs))
            case Arith(op=op, left=lhs, right=rhs):
                return _arith(op, c(lhs), c(rhs))
            case Neg(item=i):
                item = c(i)

                def neg(s: Reads) -> Any:
                    v = item(s)
                    return None if v is None else -v

                return neg
            case IfElse(cond=cn, then=t, otherwise=o):
                cond, then, other = c(cn), c(t), c(o)
                return lambda s: kleene_if(truth(cond(s), "if"), then(s), other(s))
            case ListLit(items=items):
                parts = [c(i) for i in items]
                return lambda s: [p(s) for p in parts]
            case Call(func=f, args=args):
                return _call(f, [c(a) for a in args], on)
        raise RuleTypeError(f"unsupported node {n!r}")

    return c(node)


def _name(i: str, kind: str, params: Mapping[str, Any], on: dt.date) -> Closure:
    if kind == "constant":
        value = CONSTANTS[i]
        return lambda s: value
    if kind == "date":
        return lambda s: on
    if kind == "parameter":
        value = params[i]

        def parameter(s: Reads) -> Any:
            s.read[i] = value
            return value

        return parameter
    if kind == "fact":

        def fact(s: Reads) -> Any:
            s.read[i] = v = s.facts.get(i)
            return v

        return fact
    if kind == "criterion":

        def criterion(s: Reads) -> Any:
            s.read[i] = v = s.criteria[i]
            return v

        return criterion

    def points(s: Reads) -> Any:
        s.read[i] = v = s.points[i]
        return v

    return points


def _bool_op(op: str, items: list[Closure]) -> Closure:
    decisive = op != "and"  # `and` stops at False, `or` at True

    def bool_op(s: Reads) -> Any:
        unknown = False
        for item in items:
            v = truth(item(s), op)
            if v is decisive:
                return decisive
            unknown |= v is None
        return None if unknown else not decisive

    return bool_op


def _compare(op: str, left: Closure, right: Closure) -> Closure:
    cmp = COMPARISONS[op]

    def compare(s: Reads) -> Any:
        a, b = left(s), right(s)
        if a is None or b is None:
            return None
        if isinstance(a, Interval):
            return compare_interval(op, a, b)
        try:
            return cmp(a, b)
        except TypeError as exc:
            raise RuleTypeError(f"cannot compare {a!r} {op} {b!r}") from exc

    return compare


def _arith(op: str, left: Closure, right: Closure) -> Closure:
    def arith(s: Reads) -> Any:
        a, b = left(s), right(s)
        if a is None or b is None:
            return None
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        return None if b == 0 else a / b

    return arith


def _call(f: str, args: list[Closure], on: dt.date) -> Closure:
    fn = FUNCTIONS.get(f)

    def call(s: Reads) -> Any:
        values = [a(s) for a in args]
        if fn is None:  # raised when evaluated, as the tree-walker does
            raise RuleTypeError(f"unknown function {f}")
        return fn.call_scalar(values, on)

    return call
