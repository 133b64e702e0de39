"""Steps of engine.assess (rules/engine.py) checked alone."""

from __future__ import annotations

import dataclasses
import datetime as dt

from talentvisa.rules import Outcome, assess, builtin_catalog
from talentvisa.rules.engine import Evaluation, _Scope, coverage_outcome, evaluate_program
from talentvisa.rules.engine import open_questions as questions_of
from talentvisa.rules.params import NO_SETTINGS, resolve_all

CATALOG = builtin_catalog()


def test_coverage_outcome_outside_the_window_and_before_the_encoding() -> None:
    k, kstar = CATALOG["cn-k"], CATALOG["kr-kstar"]
    before_k = coverage_outcome(k, dt.date(2025, 9, 30))
    assert before_k is not None
    assert (before_k["in_force"], before_k["outcome"]) == (False, Outcome.ineligible)
    assert "not in force" in before_k["notes"][0]
    # K-STAR has no known start; its rules are encoded from 5 Dec 2025 only
    unencoded = coverage_outcome(kstar, dt.date(2025, 12, 4))
    assert unencoded is not None
    assert (unencoded["in_force"], unencoded["outcome"]) == (True, Outcome.unknown)
    assert [m.code for m in unencoded["messages"]] == ["not_encoded"]
    assert coverage_outcome(kstar, dt.date(2025, 12, 5)) is None
    assert coverage_outcome(k, dt.date(2025, 10, 1)) is None
    # assess() stops at this step: nothing is evaluated
    a = assess(kstar, {}, dt.date(2025, 12, 4))
    assert (a.outcome, a.criteria, a.notes) == (Outcome.unknown, [], unencoded["notes"])


def _evaluated(pid: str, on: dt.date) -> Evaluation:
    cp = CATALOG[pid]
    return evaluate_program(cp, _Scope({}, resolve_all(cp.program, on, NO_SETTINGS), on, cp))


def test_an_open_question_is_asked_while_what_it_affects_is_unknown() -> None:
    """de-blue-card: `shortage_list` affects the reduced_group criterion; `degree_comparability`
    (when_used) affects the degree criterion, whatever its outcome."""
    cp = CATALOG["de-blue-card"]
    run = _evaluated("de-blue-card", dt.date(2026, 6, 1))

    def asked(r: Evaluation) -> list[str]:
        return [q.id for q in questions_of(cp, r)]

    assert {"shortage_list", "degree_comparability"} <= set(asked(run))
    known = {c: t.model_copy(update={"outcome": Outcome.eligible}) for c, t in run.traces.items()}
    decided = dataclasses.replace(run, traces=known)
    assert "shortage_list" not in asked(decided)
    assert "degree_comparability" in asked(decided)
    unread = dataclasses.replace(decided, traces={c: t for c, t in known.items() if c != "degree"})
    assert "degree_comparability" not in asked(unread)
