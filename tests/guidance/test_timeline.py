"""timeline: outcomes change on their exact turning dates, with the reason."""

from __future__ import annotations

import datetime as dt

from talentvisa.guidance.timeline import program_timeline, timeline, turning_dates
from talentvisa.rules.assessment import Outcome
from talentvisa.rules.declarations import declarations
from talentvisa.rules.facts import facts_of
from talentvisa.rules.loader import builtin_catalog, load_profile
from tests.conftest import EXAMPLES


def _facts():
    return facts_of(load_profile(EXAMPLES / "indian-stem-graduate.yaml"))


def test_blue_card_new_entrant_window_and_yearly_thresholds_turn_on_their_dates() -> None:
    facts = {
        **_facts(),
        "job_offer_country": "DE",
        "job_offer_currency": "EUR",
        "job_offer_salary": 44000.0,
        "latest_graduation_date": dt.date(2022, 6, 30),
        "job_offer_shortage_occupation": False,
    }
    t = program_timeline(
        builtin_catalog()["de-blue-card"],
        facts,
        declarations(),
        dt.date(2024, 7, 1),
        dt.date(2029, 7, 1),
    )
    by_date = {p.on: p for p in t.points}
    assert by_date[dt.date(2024, 7, 1)].outcome == Outcome.eligible
    # 1 January 2025: the thresholds' new dated values (44,000 still clears the reduced one)
    jan = by_date[dt.date(2025, 1, 1)]
    assert {r.code for r in jan.reasons} == {"parameter"} and jan.outcome == Outcome.eligible
    # three years after the degree, no longer a new entrant: the reduced threshold is gone
    window = by_date[dt.date(2025, 6, 30)]
    assert window.changed and window.outcome != Outcome.eligible
    assert [(r.code, r.value) for r in window.reasons] == [("anniversary", 3)]
    assert dt.date(2025, 6, 29) not in by_date


def test_birthdays_and_growing_experience_are_turning_dates() -> None:
    catalog, facts = builtin_catalog(), _facts()
    start, end = dt.date(2026, 12, 7), dt.date(2031, 12, 7)
    ca = turning_dates(catalog["ca-express-entry"], facts, declarations(), start, end)
    assert [(r.code, r.value) for r in ca[dt.date(2030, 3, 14)]] == [("birthday", 30)]
    de = turning_dates(catalog["de-blue-card"], facts, declarations(), start, end)
    # 2.5 years of experience reach 3 after half a year of 365.25-day years (183 days)
    assert any(r.code == "reaches" and r.value == 3 for r in de[dt.date(2027, 6, 8)])


def test_the_visa_free_list_ending_is_a_change_and_only_turning_dates_are_evaluated() -> None:
    t = timeline(builtin_catalog(), _facts(), declarations(), dt.date(2026, 12, 7), 5)
    visa_free = next(p for p in t.programs if p.program_id == "cn-visa-free")
    (change,) = visa_free.changes[:1]
    assert change.on == dt.date(2027, 1, 1) and change.outcome == Outcome.unknown
    assert t.evaluations < 60 * 2  # a few dates a program, never every day
