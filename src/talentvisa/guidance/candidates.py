"""The values a fact would have to take to turn one of a program's rules, read from the rules.

A person asks "what would I need?": the answer is in the comparisons the program makes with
the fact (``job_offer_salary >= general_threshold``, ``job_offer_country == 'DE'``, a points
band's ``at_least``). Each comparison gives one candidate value, with the dated parameter it
came from, so the gap can be said ("EUR 50,700 from 2026-01-01, you have 45,000"). A
candidate is only a guess until the engine is run again with it (guidance/path.py does).

A fact inside arithmetic (``salary * 12 >= x``) gives no candidate: the rule would have to be
solved for it, which the language does not promise to allow.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from talentvisa.rules.compiled import CompiledProgram
from talentvisa.rules.declarations import FactDecl
from talentvisa.rules.expr import Compare, Const, ListLit, Name, Node, names
from talentvisa.rules.facts import CONSTANTS
from talentvisa.rules.params import Resolved
from talentvisa.rules.scalar import evaluate

#: The comparison read from the other side: ``x < fact`` is ``fact > x``.
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


@dataclass(frozen=True)
class Threshold:
    """One value that would satisfy ``fact <op> value``, and where that value comes from."""

    fact: str
    op: str
    value: Any
    parameter: str | None = None  # the dated parameter it is read from, if any
    valid_from: dt.date | None = None
    valid_before: dt.date | None = None
    unit: str | None = None  # the parameter's, e.g. EUR/year

    def as_json(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "value": self.value,
            "parameter": self.parameter,
            "valid_from": None if self.valid_from is None else self.valid_from.isoformat(),
            "valid_before": None if self.valid_before is None else self.valid_before.isoformat(),
            "unit": self.unit,
        }


def program_nodes(cp: CompiledProgram) -> Iterator[Node]:
    """Every expression of the program that can decide its outcome."""
    yield from cp.criteria.values()
    for exceptions in cp.exceptions.values():
        for _, node, _ in exceptions:
            yield node
    for factors in cp.factor_nodes.values():
        for nodes in factors.values():
            yield from nodes


def compares(node: Node) -> Iterator[Compare]:
    if isinstance(node, Compare):
        yield node
    for child in getattr(node, "items", ()) or ():
        yield from compares(child)
    for attr in ("item", "left", "right", "cond", "then", "otherwise"):
        child = getattr(node, attr, None)
        if child is not None:
            yield from compares(child)
    for child in getattr(node, "args", ()) or ():
        yield from compares(child)


def _value_of(
    cp: CompiledProgram, node: Node, facts: Mapping[str, Any], params: Mapping[str, Resolved]
) -> tuple[Any, Resolved | None]:
    """The other side of a comparison, and the one parameter it reads, if it reads one."""
    read = [n for n in names(node) if cp.kinds.get(n) == "parameter"]

    def lookup(name: str) -> Any:
        kind = cp.kinds.get(name)
        if kind == "fact":
            return facts.get(name)
        if kind == "parameter":
            return params[name].value
        if kind == "constant":
            return CONSTANTS[name]
        return None  # a criterion or points: not a threshold

    try:
        value = evaluate(node, lookup, dt.date.min)
    except (TypeError, ValueError, ZeroDivisionError, KeyError):
        return None, None
    return value, params[read[0]] if len(read) == 1 else None


def _step(decl: FactDecl, value: float) -> float:
    """The least move past a strict bound: one for counts, a unit of money, a tenth of a year."""
    return 1.0 if decl.type == "int" or abs(value) >= 100 else 0.1


def _satisfying(decl: FactDecl, op: str, bound: Any) -> list[Any]:
    """Values of the fact that satisfy ``fact <op> bound``, nearest the bound."""
    if op == "in":
        return list(bound) if isinstance(bound, list | tuple | set | frozenset) else []
    if op == "==":
        return [bound]
    if decl.type not in ("int", "float") or not isinstance(bound, int | float):
        return []
    b = float(bound)
    out = {">=": b, ">": b + _step(decl, b), "<=": b, "<": b - _step(decl, b)}.get(op)
    if out is None:
        return []
    if decl.type == "int":
        return [int(math.ceil(out) if op in (">=", ">") else math.floor(out))]
    return [round(out, 2)]


def thresholds(
    cp: CompiledProgram,
    decl: FactDecl,
    facts: Mapping[str, Any],
    params: Mapping[str, Resolved],
) -> list[Threshold]:
    """Candidate values of ``decl``'s fact from every rule of the program that compares it."""
    out: list[Threshold] = []
    for op, other in comparisons(cp).get(decl.name, ()):
        bound, param = bound_of(cp, other, facts, params)
        for v in _satisfying(decl, op, bound):
            out.append(threshold(cp, decl.name, op, v, param))
    out.extend(_bands(cp, decl, params))
    out.extend(_choices(decl, facts.get(decl.name)))
    return list(dict.fromkeys(out))


def comparisons(cp: CompiledProgram) -> dict[str, list[tuple[str, Node]]]:
    """fact -> (op, other side) of each comparison of the fact alone with what does not read
    it, as ``fact <op> other``; built once per program."""

    def build() -> dict[str, list[tuple[str, Node]]]:
        out: dict[str, list[tuple[str, Node]]] = {}
        for node in program_nodes(cp):
            for c in compares(node):
                for side, other, op in (
                    (c.left, c.right, c.op),
                    (c.right, c.left, _FLIP.get(c.op)),
                ):
                    if (
                        isinstance(side, Name)
                        and op is not None
                        and cp.kinds.get(side.id) == "fact"
                        and side.id not in names(other)
                    ):
                        out.setdefault(side.id, []).append((op, other))
        return out

    return cp.memo("guidance.comparisons", build)


def bound_of(
    cp: CompiledProgram,
    other: Node,
    facts: Mapping[str, Any],
    params: Mapping[str, Resolved],
) -> tuple[Any, Resolved | None]:
    if isinstance(other, ListLit):
        items = [_value_of(cp, i, facts, params)[0] for i in other.items]
        return [i for i in items if i is not None], None
    if isinstance(other, Const):
        return other.value, None
    return _value_of(cp, other, facts, params)


def threshold(
    cp: CompiledProgram, fact: str, op: str, value: Any, param: Resolved | None
) -> Threshold:
    if param is None:
        return Threshold(fact, op, value)
    unit = cp.program.parameters[param.name].unit
    return Threshold(fact, op, value, param.name, param.start, param.before, unit)


def _bands(
    cp: CompiledProgram, decl: FactDecl, params: Mapping[str, Resolved]
) -> Iterator[Threshold]:
    """A points band's lower edge, where the band's input is the fact itself."""
    for tid, factors in cp.factor_nodes.items():
        for fid, nodes in factors.items():
            factor = cp.program.points[tid].factors[fid]
            if factor.bands is None or nodes != [Name(decl.name)]:
                continue
            for b in factor.bands:
                if b.at_least is not None:
                    value = int(b.at_least) if decl.type == "int" else b.at_least
                    yield Threshold(decl.name, ">=", value)


def _choices(decl: FactDecl, current: Any) -> Iterator[Threshold]:
    """A yes/no answer, or one of an enum's values, other than the one given."""
    if decl.type == "bool":
        yield from (Threshold(decl.name, "==", v) for v in (True, False) if v != current)
    elif decl.type == "enum":
        yield from (Threshold(decl.name, "==", v) for v in decl.values if v != current)


def nearest_first(candidates: list[Threshold], current: Any) -> list[Threshold]:
    """Numbers by distance from the current value (the smallest change first)."""

    def distance(t: Threshold) -> float:
        if isinstance(t.value, int | float) and isinstance(current, int | float):
            return abs(float(t.value) - float(current))
        return 0.0

    return sorted((t for t in candidates if t.value != current), key=distance)
