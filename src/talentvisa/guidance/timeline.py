"""Eligibility over time: each program's outcome on every date something can change it.

An outcome can only change on a *turning date*: a parameter's dated value starting or ending
(rules/calendar.py lists them: a Blue Card threshold each 1 January, the end of the visa-free
list), the program starting or ending, a birthday or other anniversary of a date fact that
``accrues: anniversary`` (age points, the years since a degree), the exact day a
``years_since`` window closes, or the day an ``accrues: years`` fact (experience) reaches a
value the rules compare it with. Between two turning dates every input is the same, so the
engine runs only on those dates, not on every day.

Assumption (labelled in every result): an ``accrues: years`` fact grows by one year a year
from the first date, as if the person keeps doing what they do now, up to its declared
``max``. Nothing else about the person changes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from talentvisa.guidance.candidates import bound_of, compares, program_nodes, thresholds
from talentvisa.rules.assessment import Outcome
from talentvisa.rules.calendar import Kind, calendar
from talentvisa.rules.compiled import CompiledProgram
from talentvisa.rules.declarations import Declarations, FactDecl
from talentvisa.rules.engine import assess
from talentvisa.rules.expr import Call, Name, Node
from talentvisa.rules.loader import facts_read
from talentvisa.rules.model import Text
from talentvisa.rules.params import (
    NO_SETTINGS,
    ParameterOutOfRange,
    Resolved,
    Settings,
    resolve_all,
)

DAYS_A_YEAR = 365.25  # as years_since counts (rules/functions.py)
#: Calendar entries that are law and carry a date (a proposal is not law).
_LAW = {Kind.starts, Kind.changes, Kind.turns_unknown, Kind.contested, Kind.program_ends}


@dataclass(frozen=True)
class Reason:
    """Why a date is a turning date: a code and what it names (renderers word it)."""

    code: str  # start | parameter | program_ends | program_starts | birthday | anniversary
    #            | window | reaches
    label: Text | None = None  # the parameter, fact or program concerned
    value: Any = None  # the age, the number of years, the value reached

    def as_json(self) -> dict[str, Any]:
        label = None if self.label is None else self.label.model_dump()
        return {"code": self.code, "label": label, "value": self.value}


@dataclass(frozen=True)
class Point:
    on: dt.date
    outcome: Outcome
    reasons: tuple[Reason, ...]
    changed: bool  # the outcome differs from the previous point's
    note: str | None = None  # why the engine could not say (the law's values end)

    def as_json(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "outcome": self.outcome.value,
            "changed": self.changed,
            "reasons": [r.as_json() for r in self.reasons],
            "note": self.note,
        }


@dataclass(frozen=True)
class ProgramTimeline:
    program_id: str
    name: Text
    points: list[Point]
    capped: bool = False  # selection in a registration window is also needed

    @property
    def changes(self) -> list[Point]:
        return [p for p in self.points if p.changed]

    def as_json(self) -> dict[str, Any]:
        return {
            "program": self.program_id,
            "capped": self.capped,
            "points": [p.as_json() for p in self.points],
        }


@dataclass(frozen=True)
class Timeline:
    start: dt.date
    end: dt.date
    programs: list[ProgramTimeline]
    accrued: list[str] = field(default_factory=list)  # facts assumed to grow with time

    @property
    def evaluations(self) -> int:
        return sum(len(p.points) for p in self.programs)

    def as_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "assumption": {"accrues_one_year_a_year": self.accrued},
            "programs": [p.as_json() for p in self.programs],
            "evaluations": self.evaluations,
        }


def add_years(d: dt.date, years: int) -> dt.date:
    """The anniversary; 29 February falls on 1 March, the day age() counts it reached."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return dt.date(d.year + years, 3, 1)


def _anniversaries(
    decl: FactDecl, value: dt.date, start: dt.date, end: dt.date
) -> Iterator[tuple[dt.date, Reason]]:
    code = "birthday" if decl.name == "date_of_birth" else "anniversary"
    for n in range(start.year - value.year, end.year - value.year + 1):
        d = add_years(value, n)
        if n > 0 and start < d <= end:
            yield d, Reason(code, decl.label, n)


def _windows(
    cp: CompiledProgram,
    decl: FactDecl,
    value: dt.date,
    params: Mapping[str, Resolved],
    start: dt.date,
    end: dt.date,
) -> Iterator[tuple[dt.date, Reason]]:
    """The exact days a ``years_since(fact) <op> t`` comparison can turn (365.25-day years)."""
    for node in program_nodes(cp):
        for right in _since_compares(node, decl.name):
            bound = _constant(cp, right, params)
            if not isinstance(bound, int | float) or isinstance(bound, bool):
                continue
            days = bound * DAYS_A_YEAR
            for d in {math.ceil(days), math.floor(days) + 1}:
                on = value + dt.timedelta(days=d)
                if start < on <= end:
                    yield on, Reason("window", decl.label, bound)


def _since_compares(node: Node, fact: str) -> Iterator[Node]:
    """The other side of each comparison of ``years_since(fact)``."""
    for c in compares(node):
        for side, other in ((c.left, c.right), (c.right, c.left)):
            if isinstance(side, Call) and side.func == "years_since" and side.args == (Name(fact),):
                yield other


def _constant(cp: CompiledProgram, node: Node, params: Mapping[str, Resolved]) -> Any:
    return bound_of(cp, node, {}, params)[0]


def _reaches(
    cp: CompiledProgram,
    decl: FactDecl,
    facts: Mapping[str, Any],
    params: Mapping[str, Resolved],
    start: dt.date,
    end: dt.date,
) -> Iterator[tuple[dt.date, Reason]]:
    """The day a growing fact reaches each value the rules compare it with."""
    current = facts.get(decl.name)
    if not isinstance(current, int | float) or isinstance(current, bool):
        return
    for t in thresholds(cp, decl, facts, params):
        if t.op not in (">=", ">") or not isinstance(t.value, int | float):
            continue
        if t.value <= current or (decl.max is not None and t.value > decl.max):
            continue
        on = start + dt.timedelta(days=math.ceil((t.value - current) * DAYS_A_YEAR))
        if on <= end:
            yield on, Reason("reaches", decl.label, t.value)


def accrued(
    facts: Mapping[str, Any], decls: Declarations, start: dt.date, on: dt.date
) -> dict[str, Any]:
    """The facts on ``on``: each ``accrues: years`` fact grown by the years since ``start``."""
    out = dict(facts)
    years = (on - start).days / DAYS_A_YEAR
    for name, d in decls.facts.items():
        v = facts.get(name)
        if d.accrues == "years" and isinstance(v, int | float) and not isinstance(v, bool):
            grown = v + years
            out[name] = min(grown, d.max) if d.max is not None else grown
    return out


def _params(cp: CompiledProgram, on: dt.date, settings: Settings) -> dict[str, Resolved]:
    """The parameters on ``on``; none where the law's values do not reach it."""
    try:
        return resolve_all(cp.program, on, settings)
    except ParameterOutOfRange:
        return {}


def turning_dates(
    cp: CompiledProgram,
    facts: Mapping[str, Any],
    decls: Declarations,
    start: dt.date,
    end: dt.date,
    settings: Settings = NO_SETTINGS,
) -> dict[dt.date, list[Reason]]:
    """Every date in (start, end] on which ``cp``'s outcome can change, with why."""
    found: list[tuple[dt.date, Reason]] = []
    prog = cp.program
    params = _params(cp, start, settings)
    cal = calendar([prog], start + dt.timedelta(days=1), (end - start).days)
    for e in cal.events:
        if e.kind in _LAW and e.date is not None:
            code = "program_ends" if e.kind == Kind.program_ends else "parameter"
            found.append((e.date, Reason(code, e.label)))
    for d in (prog.in_force.start, prog.coverage_from):
        if d is not None and start < d <= end:
            found.append((d, Reason("program_starts", prog.name)))
    for name in sorted(facts_read(cp)):
        decl = decls.facts.get(name)
        if decl is None:
            continue
        value = facts.get(name)
        if decl.accrues == "anniversary" and isinstance(value, dt.date):
            found.extend(_anniversaries(decl, value, start, end))
            found.extend(_windows(cp, decl, value, params, start, end))
        elif decl.accrues == "years":
            found.extend(_reaches(cp, decl, facts, params, start, end))
    out: dict[dt.date, list[Reason]] = {}
    for d, r in sorted(found, key=lambda x: x[0]):
        if r not in out.setdefault(d, []):
            out[d].append(r)
    return out


def program_timeline(
    cp: CompiledProgram,
    facts: Mapping[str, Any],
    decls: Declarations,
    start: dt.date,
    end: dt.date,
    settings: Settings = NO_SETTINGS,
) -> ProgramTimeline:
    dates = {start: [Reason("start")], **turning_dates(cp, facts, decls, start, end, settings)}
    points: list[Point] = []
    for on, reasons in dates.items():
        note = None
        try:
            outcome = assess(cp, accrued(facts, decls, start, on), on, settings).outcome
        except ParameterOutOfRange as exc:
            outcome, note = Outcome.unknown, str(exc)
        changed = bool(points) and outcome != points[-1].outcome
        points.append(Point(on, outcome, tuple(reasons), changed, note))
    return ProgramTimeline(cp.id, cp.program.name, points, cp.program.intake.capped)


def timeline(
    catalog: Mapping[str, CompiledProgram],
    facts: Mapping[str, Any],
    decls: Declarations,
    start: dt.date,
    years: int = 5,
    settings: Settings = NO_SETTINGS,
) -> Timeline:
    """Every program's outcome on its turning dates from ``start`` for ``years`` years."""
    end = add_years(start, years)
    programs = [program_timeline(cp, facts, decls, start, end, settings) for cp in catalog.values()]
    grow = [
        n
        for n, d in decls.facts.items()
        if d.accrues == "years" and isinstance(facts.get(n), int | float)
    ]
    return Timeline(start, end, programs, grow)
