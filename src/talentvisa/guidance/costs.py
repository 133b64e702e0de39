"""Costs that hinge on answers not given: which answers, and the range they leave open.

The H-1B's ACWIA fee is 750 or 1,500 USD by the employer's size; the $100,000 payment is due
or not by whether the worker is abroad. Unanswered, such a fee is "unknown", which tells a
person nothing. Here each unknown fee names the unanswered facts it rests on (those its own
expressions read, and those of the criteria it depends on), and the engine is run again for
every value those facts can take that the rules tell apart, so the range is the engine's,
not a guess. A value the law leaves open (a contested amount) stays unknown in the range.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from talentvisa.guidance.candidates import compares
from talentvisa.rules.assessment import Assessment, FeeLine, FeeStatus, PayerTotal
from talentvisa.rules.compiled import CompiledProgram
from talentvisa.rules.declarations import Declarations, FactDecl
from talentvisa.rules.engine import assess
from talentvisa.rules.expr import Const, Name, Node
from talentvisa.rules.params import NO_SETTINGS, Settings

#: Engine runs allowed for one fee's range; beyond this the range is not computed.
MAX_RUNS = 64
#: A value no rule names, standing for "any other" in a text comparison (``country != 'US'``).
OTHER = "\x00other"


@dataclass(frozen=True)
class Hinge:
    """An unknown fee, the unanswered facts it rests on, and its range over their values.

    ``low``/``high`` are None when no range was computed; ``open`` when some answers still
    leave the amount unknown (the law's value is missing there).
    """

    fee: FeeLine
    facts: tuple[str, ...]
    low: float | None
    high: float | None
    open: bool


def _rested_on(a: Assessment, fee: FeeLine, cp: CompiledProgram) -> list[str]:
    """The facts behind a fee's missing names, through the criteria it reads."""
    traces = {c.id: c for c in a.criteria}
    out: list[str] = []
    todo, seen = list(fee.missing), set()
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        seen.add(name)
        if cp.kinds.get(name) == "fact":
            out.append(name)
        elif name in traces:
            todo.extend(traces[name].missing)
    return out


def _nodes(cp: CompiledProgram, fee: str, a: Assessment) -> Iterator[Node]:
    yield from cp.fee_nodes.get(fee, ())
    for c in a.criteria:
        if c.id in cp.criteria:
            yield cp.criteria[c.id]


def _values(decl: FactDecl, nodes: list[Node]) -> list[Any]:
    """The values of a fact that the rules tell apart: each side of every comparison."""
    if decl.type == "bool":
        return [True, False]
    if decl.type == "enum":
        return list(decl.values)
    out: list[Any] = []
    for node in nodes:
        for c in compares(node):
            for side, other in ((c.left, c.right), (c.right, c.left)):
                if not (isinstance(side, Name) and side.id == decl.name):
                    continue
                if isinstance(other, Const) and isinstance(other.value, int | float):
                    b = other.value
                    out += [b, b + 1] if decl.type == "int" else [b, b + 0.01]
                elif isinstance(other, Const) and isinstance(other.value, str):
                    out += [other.value, OTHER]
    return list(dict.fromkeys(out))


def _amount(fee: FeeLine | None) -> float | None:
    if fee is None or fee.status == FeeStatus.unknown:
        return None
    return 0.0 if fee.status == FeeStatus.not_due else fee.amount


def hinges(
    cp: CompiledProgram,
    a: Assessment,
    facts: Mapping[str, Any],
    decls: Declarations,
    on: dt.date,
    settings: Settings = NO_SETTINGS,
) -> list[Hinge]:
    """Each unknown fee of ``a`` that unanswered facts decide, with its range."""
    runs: dict[tuple[Any, ...], Assessment] = {}
    out = []
    for fee in a.fees:
        if fee.optional or (fee.status != FeeStatus.unknown and fee.amount is not None):
            continue
        rested = [f for f in _rested_on(a, fee, cp) if f in decls.facts]
        if not rested:
            continue
        nodes = list(_nodes(cp, fee.id, a))
        choices = [_values(decls.facts[f], nodes) for f in rested]
        count = 1
        for c in choices:
            count *= max(len(c), 1)
        if not all(choices) or count > MAX_RUNS:
            out.append(Hinge(fee, tuple(rested), None, None, True))
            continue
        amounts = []
        for combo in itertools.product(*choices):
            key = (*rested, *combo)
            if key not in runs:
                runs[key] = assess(
                    cp, {**facts, **dict(zip(rested, combo, strict=True))}, on, settings
                )
            again = next((f for f in runs[key].fees if f.id == fee.id), None)
            amounts.append(_amount(again))
        known = [x for x in amounts if x is not None]
        low, high = (min(known), max(known)) if known else (None, None)
        out.append(Hinge(fee, tuple(rested), low, high, len(known) < len(amounts)))
    return out


@dataclass(frozen=True)
class PayerRange:
    """What one payer owes in one currency, from the fees due and the ranges of those that
    hinge on answers; ``unknown`` when some fee has no range (or an open one)."""

    currency: str
    low: float
    high: float
    unknown: bool


def payer_ranges(totals: list[PayerTotal], found: list[Hinge]) -> list[PayerRange]:
    by_fee = {h.fee.id: h for h in found}
    out = []
    for t in totals:
        low = high = t.due
        unknown = False
        for fid in t.unknown_fees:
            h = by_fee.get(fid)
            if h is None or h.low is None or h.high is None:
                unknown = True
                continue
            low, high, unknown = low + h.low, high + h.high, unknown or h.open
        out.append(PayerRange(t.currency, low, high, unknown))
    return out
