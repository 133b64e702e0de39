"""Answers people can give (issue 12, item 4): an explicit "none" is a definite answer, a
missing answer stays unknown. Checked through the real engine and the shipped program files."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from talentvisa.rules import Profile, assess, builtin_catalog
from talentvisa.rules.assessment import Outcome
from talentvisa.rules.facts import facts_of

CATALOG = builtin_catalog()
ON = dt.date(2026, 12, 7)


def person(**changes: Any) -> dict[str, Any]:
    """An Indian master's graduate whose every Opportunity Card factor is known but German."""
    base: dict[str, Any] = {
        "date_of_birth": "1995-01-01",
        "degrees": [
            {
                "level": "master",
                "field": "computer_science",
                "institution_country": "IN",
                "graduation_date": "2020-01-01",
            }
        ],
        "experience": [{"kind": "industry", "years": 4, "country": "IN"}],
        "languages": {"cefr": {"en": "C1"}},
        "family": {"spouse": False, "children": 0},
        "germany": {
            "qualification_recognition": "none",
            "basic_qualification": True,
            "shortage_occupation_qualification": False,
            "experience_years_last_5": 4,
            "experience_years_last_7": 4,
            "prior_stay_6_months": False,
            "partner_applies_jointly": False,
            "livelihood_other_proof": False,
        },
        "funds": {"amount": 20000, "currency": "EUR"},
    }
    return base | changes


def points(profile: dict[str, Any]) -> tuple[float, float]:
    result = assess(CATALOG["de-opportunity-card"], Profile.model_validate(profile), ON)
    (total,) = result.points
    return total.min, total.max


def test_no_german_gives_a_definite_opportunity_card_total() -> None:
    unknown = points(person())
    none = points(person(languages={"cefr": {"en": "C1", "de": "none"}}))
    a2 = points(person(languages={"cefr": {"en": "C1", "de": "A2"}}))
    assert unknown[0] < unknown[1], "German left out must stay a range"
    assert none[0] == none[1] == unknown[0]
    assert a2[0] == a2[1] == none[0] + 1


def test_no_language_is_level_zero_and_a_missing_one_unknown() -> None:
    facts = facts_of(Profile.model_validate({"languages": {"cefr": {"de": "none"}}}))
    assert facts["cefr_german"] == 0 and facts["cefr_english"] is None
    assert facts_of(Profile.model_validate({}))["cefr_german"] is None


@pytest.mark.parametrize("code", ["xx", "EN", "english"])
def test_language_keys_are_iso_639_1(code: str) -> None:
    with pytest.raises(ValidationError, match=r"languages\.cefr"):
        Profile.model_validate({"languages": {"cefr": {code: "B2"}}})


@pytest.mark.parametrize("pid", ["de-blue-card", "kr-top-tier", "nz-smc", "us-h1b"])
def test_no_job_offer_is_a_definite_answer_for_programs_that_need_one(pid: str) -> None:
    missing = assess(CATALOG[pid], Profile.model_validate(person()), ON)
    no_offer = assess(CATALOG[pid], Profile.model_validate(person(has_job_offer=False)), ON)
    assert missing.outcome is Outcome.unknown
    assert no_offer.outcome is Outcome.ineligible


def test_no_degree_and_no_experience_are_definite_facts() -> None:
    none = facts_of(Profile.model_validate({"degrees": [], "experience": []}))
    assert none["highest_degree_level"] == 0 and none["stem_degree_level"] == 0
    assert none["work_experience_years"] == 0 and none["stem_academic_role"] is False
    missing = facts_of(Profile.model_validate({}))
    assert missing["highest_degree_level"] is None and missing["work_experience_years"] is None


def test_no_degree_is_a_definite_no_where_a_degree_is_required() -> None:
    result = assess(CATALOG["de-blue-card"], Profile.model_validate({"degrees": []}), ON)
    assert result.criterion("degree").outcome is Outcome.ineligible


@pytest.mark.parametrize(
    ("pid", "profile", "criterion"),
    [
        ("de-blue-card", {"job_offer": {"country": "DE", "annual_salary": 9e4}}, "salary_general"),
        ("kr-top-tier", {"job_offer": {"country": "KR", "annual_salary": 9e5}}, "income"),
        ("nz-smc", {"job_offer": {"country": "NZ", "hourly_rate": 60}}, "skilled_job"),
        ("uk-hpi", {"funds": {"amount": 9000}}, "funds"),
        ("de-opportunity-card", {"funds": {"amount": 90000}}, "funds"),
    ],
)
def test_money_in_another_currency_stays_unknown_and_says_so(
    pid: str, profile: dict[str, Any], criterion: str
) -> None:
    # No authority in the catalog publishes a conversion, so the shipped rate table is never
    # used to decide: the amount in USD stays unknown, and a note says why.
    part = next(iter(profile))
    usd = {part: profile[part] | {"currency": "USD"}}
    result = assess(CATALOG[pid], Profile.model_validate(usd), ON)
    assert result.criterion(criterion).outcome is Outcome.unknown
    codes = [(m.code, m.params) for m in result.messages]
    assert ("not_converted", {"criterion": criterion, "currency": "USD"}) in codes
    assert any("USD" in n and "stays unknown" in n for n in result.notes)
    local = {"de-blue-card": "EUR", "kr-top-tier": "KRW", "nz-smc": "NZD", "uk-hpi": "GBP"}
    own = {part: profile[part] | {"currency": local.get(pid, "EUR")}}
    same = assess(CATALOG[pid], Profile.model_validate(own), ON)
    assert not [m for m in same.messages if m.code == "not_converted"]
