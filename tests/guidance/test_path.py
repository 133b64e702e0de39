"""path: each suggestion is checked by re-running the engine; unchangeable facts never move."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from talentvisa.guidance.path import ProgramPath, changes_for, path, questions
from talentvisa.rules.assessment import Outcome
from talentvisa.rules.declarations import declarations
from talentvisa.rules.engine import assess
from talentvisa.rules.facts import facts_of
from talentvisa.rules.loader import builtin_catalog, load_profile
from talentvisa.rules.model import Text
from tests.conftest import EXAMPLES

ON = dt.date(2026, 12, 7)


@pytest.fixture(scope="module")
def facts():
    return facts_of(load_profile(EXAMPLES / "indian-stem-graduate.yaml"))


def test_every_suggestion_turns_the_outcome_and_moves_only_changeable_facts(facts) -> None:
    catalog, decls = builtin_catalog(), declarations()
    result = path(catalog, facts, ON, decls)
    suggested = [(p, s) for p in result.programs for s in p.suggestions]
    assert {p.program_id for p, _ in suggested} >= {"de-blue-card"}
    for p, s in suggested:
        assert all(decls.facts[c.fact].changeable for c in s.changes)
        changed = {**facts, **{c.fact: c.value for c in s.changes}}
        assert assess(catalog[p.program_id], facts, ON).outcome == Outcome.ineligible
        assert assess(catalog[p.program_id], changed, ON).outcome == Outcome.eligible


def test_the_gap_to_a_dated_threshold_is_read_from_the_parameter(facts) -> None:
    offer = {"job_offer_country": "DE", "job_offer_currency": "EUR", "job_offer_salary": 45000.0}
    found = changes_for(builtin_catalog()["de-blue-card"], {**facts, **offer}, ON, declarations())
    (s,) = found.found
    (c,) = s.changes
    assert (c.fact, c.value, c.gap) == ("job_offer_salary", 50700, 5700)
    assert c.threshold.parameter == "general_threshold"
    assert c.threshold.valid_from == dt.date(2026, 1, 1)


def test_a_fact_declared_unchangeable_is_never_suggested(facts) -> None:
    decls = declarations()
    frozen = dataclasses.replace(decls.facts["job_offer_country"], changeable=False)
    fixed = dataclasses.replace(decls, facts={**decls.facts, "job_offer_country": frozen})
    found = changes_for(builtin_catalog()["de-blue-card"], facts, ON, fixed)
    assert found.found == []
    moved = {c.fact for s in found.found for c in s.changes}
    assert "job_offer_country" not in moved
    assert found.opens is None or "job_offer_country" not in {c.fact for c in found.opens.changes}


def test_nationality_and_age_are_not_changeable() -> None:
    decls = declarations()
    assert not decls.facts["nationalities"].changeable
    assert not decls.facts["date_of_birth"].changeable
    assert decls.facts["date_of_birth"].accrues == "anniversary"


def test_questions_rank_the_one_that_settles_most_programs_first() -> None:
    t = Text(en="x", zh="x")
    paths = [
        ProgramPath("a", t, Outcome.unknown, missing=["funds_amount"]),
        ProgramPath("b", t, Outcome.unknown, missing=["funds_amount"]),
        ProgramPath("c", t, Outcome.unknown, missing=["hsk_level", "funds_amount"]),
        ProgramPath("d", t, Outcome.unknown, missing=["hsk_level", "cefr_german"]),
    ]
    ranked = questions(paths, declarations())
    assert [q.fact for q in ranked][:2] == ["funds_amount", "hsk_level"]
    assert ranked[0].settles == ["a", "b"] and ranked[0].bears_on == ["a", "b", "c"]
