"""What would make a person eligible: the questions that decide an unknown outcome, and the
smallest changes a person can make that turn a "not eligible" into "eligible".

Only facts declared ``changeable: true`` (a salary, a language level, an offer) are ever
changed; age, nationality and past dates are not, whatever the rules read. The search starts
from the criteria that decide the outcome (an assessment's ``reasons``), tries the values the
rules compare those facts with (guidance/candidates.py), nearest first, and re-runs the engine
for each: a suggestion is listed only when the engine says it makes the person eligible. It
goes breadth first, so a suggestion of one change is never hidden behind one of two, and it
stops at a fixed number of evaluations per program (:data:`BUDGET`) so a page stays fast.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from talentvisa.guidance.candidates import (
    Threshold,
    bound_of,
    comparisons,
    nearest_first,
    threshold,
    thresholds,
)
from talentvisa.rules.assessment import Assessment, Outcome
from talentvisa.rules.compiled import CompiledProgram
from talentvisa.rules.declarations import Declarations
from talentvisa.rules.engine import assess
from talentvisa.rules.expr import names
from talentvisa.rules.model import Text
from talentvisa.rules.params import NO_SETTINGS, Resolved, Settings, resolve_all

#: At most this many facts changed together in one suggestion.
MAX_CHANGES = 3
#: Candidate values tried for one fact from one state (nearest the current value first).
PER_FACT = 3
#: Engine runs allowed per program for its changes (the base assessment included).
BUDGET = 24


@dataclass(frozen=True)
class Change:
    fact: str
    current: Any
    value: Any
    threshold: Threshold

    @property
    def gap(self) -> float | None:
        """How far the value is from the current one, where both are numbers."""
        if isinstance(self.value, bool) or isinstance(self.current, bool):
            return None
        if isinstance(self.value, int | float) and isinstance(self.current, int | float):
            return round(float(self.value) - float(self.current), 2)
        return None

    def as_json(self) -> dict[str, Any]:
        return {
            "fact": self.fact,
            "current": self.current,
            "value": self.value,
            "gap": self.gap,
            "threshold": self.threshold.as_json(),
        }


@dataclass(frozen=True)
class Suggestion:
    """Changes that together make the person eligible, as the engine found when re-run."""

    changes: tuple[Change, ...]
    outcome: Outcome
    #: The dated thresholds the deciding criteria then hold the person to, with their value
    #: (the salary of at least EUR 50,700 in 2026 that an offer in Germany must pay).
    requires: tuple[tuple[Threshold, Any], ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "changes": [c.as_json() for c in self.changes],
            "outcome": self.outcome.value,
            "requires": [{"fact": t.fact, "yours": v, **t.as_json()} for t, v in self.requires],
        }


@dataclass(frozen=True)
class ProgramPath:
    program_id: str
    name: Text
    outcome: Outcome
    suggestions: list[Suggestion] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # unanswered facts that decide it
    silent: list[str] = field(default_factory=list)  # parameters the law leaves without a value
    silent_labels: list[Text] = field(default_factory=list)  # their descriptions
    evaluations: int = 1
    #: When no change found makes it eligible: the fewest changes that make it unknown
    #: instead, so the questions then open (``missing``) are the way on.
    opens: Suggestion | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "program": self.program_id,
            "outcome": self.outcome.value,
            "suggestions": [s.as_json() for s in self.suggestions],
            "missing": self.missing,
            "silent_parameters": self.silent,
            "opens": None if self.opens is None else self.opens.as_json(),
            "evaluations": self.evaluations,
        }


@dataclass(frozen=True)
class Question:
    """An unanswered fact, with the programs it is the last missing answer of (``settles``)
    and every unknown program whose deciding criteria read it (``bears_on``)."""

    fact: str
    text: Text
    settles: list[str]
    bears_on: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "fact": self.fact,
            "question": self.text.model_dump(),
            "settles": self.settles,
            "bears_on": self.bears_on,
        }


@dataclass(frozen=True)
class Path:
    on: dt.date
    programs: list[ProgramPath]
    questions: list[Question]

    @property
    def evaluations(self) -> int:
        return sum(p.evaluations for p in self.programs)

    def as_json(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "questions": [q.as_json() for q in self.questions],
            "programs": [p.as_json() for p in self.programs],
            "evaluations": self.evaluations,
        }


def levers(cp: CompiledProgram, a: Assessment, decls: Declarations) -> list[str]:
    """The changeable facts read by the criteria that decide the outcome, in reading order
    (a points total that decides stands for the facts its factors read)."""
    out: list[str] = []
    for trace in (a.criterion(cid) for cid in a.reasons) if a.criteria else ():
        out.extend(trace.facts)
        for table in trace.points:
            for nodes in cp.factor_nodes.get(table, {}).values():
                out.extend(n for node in nodes for n in sorted(names(node)))
    return [n for n in dict.fromkeys(out) if n in decls.facts and decls.facts[n].changeable]


def changes_for(
    cp: CompiledProgram,
    facts: Mapping[str, Any],
    on: dt.date,
    decls: Declarations,
    settings: Settings = NO_SETTINGS,
    base: Assessment | None = None,
) -> Search:
    """The smallest sets of changes (fewest facts, nearest values) that make ``cp`` eligible,
    each verified by the engine; else the first that makes it unknown."""
    start = base or assess(cp, facts, on, settings)
    runs = 0 if base else 1
    params = resolve_all(cp.program, on, settings)
    level: list[tuple[tuple[Change, ...], Assessment]] = [((), start)]
    seen: set[frozenset[tuple[str, Any]]] = set()
    opens: tuple[tuple[Change, ...], Assessment] | None = None
    found: list[Suggestion] = []
    for _ in range(MAX_CHANGES):
        below: list[tuple[tuple[Change, ...], Assessment]] = []
        for changes, a in level:
            state = {**facts, **{c.fact: c.value for c in changes}}
            changed = {c.fact for c in changes}
            for fact in (f for f in levers(cp, a, decls) if f not in changed):
                tried = nearest_first(thresholds(cp, decls.facts[fact], state, params), state[fact])
                for t in tried[:PER_FACT]:
                    key = frozenset(
                        {(c.fact, _hashable(c.value)) for c in changes}
                        | {(fact, _hashable(t.value))}
                    )
                    if key in seen or runs >= BUDGET:
                        continue
                    seen.add(key)
                    b = assess(cp, {**state, fact: t.value}, on, settings)
                    runs += 1
                    step = (*changes, Change(fact, state[fact], t.value, t))
                    if b.outcome == Outcome.eligible:
                        after = {**state, fact: t.value}
                        found.append(Suggestion(step, b.outcome, requires(cp, b, after, params)))
                        break  # a farther value of the same fact is not a smaller change
                    if opens is None and b.outcome == Outcome.unknown:
                        opens = (step, b)
                    below.append((step, b))
        if found or not below:
            break
        level = below
    if found or opens is None:
        return Search(found, runs)
    return Search([], runs, Suggestion(opens[0], opens[1].outcome), _missing(opens[1]))


@dataclass(frozen=True)
class Search:
    found: list[Suggestion]
    runs: int
    opens: Suggestion | None = None
    missing: list[str] = field(default_factory=list)


def requires(
    cp: CompiledProgram, a: Assessment, facts: Mapping[str, Any], params: Mapping[str, Resolved]
) -> tuple[tuple[Threshold, Any], ...]:
    """The numeric thresholds from dated parameters that the deciding criteria compare the
    person's facts with."""
    out: list[tuple[Threshold, Any]] = []
    decls_read = {n for cid in a.reasons for n in a.criterion(cid).facts} if a.criteria else set()
    for name in sorted(decls_read):
        for op, other in comparisons(cp).get(name, ()):
            bound, param = bound_of(cp, other, facts, params)
            if param is not None and op in _ORDER and isinstance(bound, int | float):
                t = threshold(cp, name, op, bound, param)
                if (t, facts.get(name)) not in out:
                    out.append((t, facts.get(name)))
    return tuple(_strictest(out))


def _strictest(found: list[tuple[Threshold, Any]]) -> list[tuple[Threshold, Any]]:
    """One bound per fact and direction: the one that satisfies every route (the highest
    lower bound, the lowest upper bound)."""
    best: dict[tuple[str, bool], tuple[Threshold, Any]] = {}
    for t, v in found:
        up = t.op in (">=", ">")
        key = (t.fact, up)
        old = best.get(key)
        if old is None or (t.value > old[0].value if up else t.value < old[0].value):
            best[key] = (t, v)
    return list(best.values())


_ORDER = frozenset({">=", ">", "<=", "<"})


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _missing(a: Assessment) -> list[str]:
    if not a.criteria:
        return []
    return list(dict.fromkeys(n for cid in a.reasons for n in a.criterion(cid).missing))


def _silent(a: Assessment) -> list[str]:
    read = {p for cid in a.reasons for p in a.criterion(cid).parameters} if a.criteria else set()
    return [p.name for p in a.parameters if p.name in read and p.value is None]


def questions(paths: Iterable[ProgramPath], decls: Declarations) -> list[Question]:
    """The unanswered facts of the unknown programs, the one that settles most first."""
    bears: dict[str, list[str]] = {}
    settles: dict[str, list[str]] = {}
    for p in paths:
        if p.outcome != Outcome.unknown:
            continue
        for fact in p.missing:
            bears.setdefault(fact, []).append(p.program_id)
        if len(p.missing) == 1:
            settles.setdefault(p.missing[0], []).append(p.program_id)
    order = {n: i for i, n in enumerate(decls.facts)}
    ranked = sorted(
        bears,
        key=lambda f: (-len(settles.get(f, [])), -len(bears[f]), order.get(f, len(order))),
    )
    return [Question(f, _asked(f, decls), settles.get(f, []), bears[f]) for f in ranked]


def _asked(fact: str, decls: Declarations) -> Text:
    d = decls.facts.get(fact)
    if d is None:
        return Text(en=fact, zh=fact)
    return d.question or d.label


def path(
    catalog: Mapping[str, CompiledProgram],
    facts: Mapping[str, Any],
    on: dt.date,
    decls: Declarations,
    settings: Settings = NO_SETTINGS,
) -> Path:
    """Every program's path on ``on``: questions for the unknown, changes for the ineligible."""
    out: list[ProgramPath] = []
    for cp in catalog.values():
        a = assess(cp, facts, on, settings)
        entry = ProgramPath(cp.id, cp.program.name, a.outcome)
        if a.outcome == Outcome.ineligible and a.in_force:
            s = changes_for(cp, facts, on, decls, settings, base=a)
            entry = ProgramPath(
                cp.id,
                cp.program.name,
                a.outcome,
                s.found,
                missing=s.missing,
                evaluations=1 + s.runs,
                opens=s.opens,
            )
        elif a.outcome == Outcome.unknown:
            silent = _silent(a)
            labels = [cp.program.parameters[n].description for n in silent]
            entry = ProgramPath(
                cp.id,
                cp.program.name,
                a.outcome,
                missing=_missing(a),
                silent=silent,
                silent_labels=labels,
            )
        out.append(entry)
    return Path(on, out, questions(out, decls))
