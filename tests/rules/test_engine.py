"""Engine properties: determinism, dates, version hashes, no extrapolation, STEM mapping."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from talentvisa.rules import Profile, assess, builtin_catalog
from talentvisa.rules.compiled import compile_program
from talentvisa.rules.engine import settings_hash
from talentvisa.rules.facts import facts_of
from talentvisa.rules.model import Program
from talentvisa.rules.params import DeployerValue, ParameterOutOfRange, Settings
from talentvisa.rules.stem import is_stem
from tests.conftest import EXAMPLES

CATALOG = builtin_catalog()


def example(name: str) -> Profile:
    return Profile.model_validate(yaml.safe_load((EXAMPLES / name).read_text("utf-8")))


@pytest.mark.parametrize("pid", sorted(CATALOG))
def test_same_profile_date_and_version_give_the_same_assessment(pid: str) -> None:
    p = example("indian-stem-graduate.yaml")
    on = dt.date(2026, 3, 15)
    first = assess(CATALOG[pid], p, on).model_dump_json()
    again = assess(CATALOG[pid], Profile.model_validate(p.model_dump()), on).model_dump_json()
    assert first == again


def test_the_hash_is_of_the_content_and_settings() -> None:
    cp = CATALOG["cn-k"]
    rebuilt = compile_program(Program.model_validate(cp.program.model_dump(by_alias=True)))
    assert rebuilt.hash == cp.hash
    changed = cp.program.model_copy(update={"version": "other"})
    assert compile_program(changed).hash != cp.hash
    settings = Settings({"cn-k": {"max_age": DeployerValue(35, "policy")}})
    a = assess(cp, Profile(), dt.date(2026, 1, 1), settings)
    assert a.program_hash != cp.hash


def test_the_remembered_settings_hash_is_the_hash_of_those_settings() -> None:
    """settings_hash is memoized per program: it must still follow the settings' content."""
    cp = CATALOG["cn-k"]
    fresh = compile_program(cp.program)  # an empty memo
    on = dt.date(2026, 1, 1)
    s35 = Settings({"cn-k": {"max_age": DeployerValue(35, "policy")}})
    s36 = Settings({"cn-k": {"max_age": DeployerValue(36, "policy")}})
    note = Settings({"cn-k": {"max_age": DeployerValue(35, "another note")}})
    hashes = [assess(cp, Profile(), on, s).program_hash for s in (s35, s36, note, s35)]
    assert len(set(hashes[:3])) == 3 and hashes[3] == hashes[0]
    equal = Settings({"cn-k": {"max_age": DeployerValue(35, "policy")}})  # another object
    assert settings_hash(fresh, equal) == hashes[0]
    assert assess(fresh, Profile(), on, s36).program_hash == hashes[1]


def test_a_deployer_setting_fills_silence_but_never_overrides_the_law() -> None:
    cp = CATALOG["cn-r"]
    settings = Settings({"cn-r": {"a_points_mark": DeployerValue(10, "an attempt")}})
    a = assess(cp, Profile(), dt.date(2026, 1, 1), settings)
    read = {p.name: p for p in a.parameters}
    assert read["a_points_mark"].value == 85 and read["a_points_mark"].origin == "law"


TINY = {
    "id": "xx-tiny",
    "version": "1",
    "name": {"en": "Tiny", "zh": "小"},
    "country": "XX",
    "category": "work_visa",
    "summary": {"en": "t", "zh": "t"},
    "in_force": {"from": "2020-01-01", "source": ["s"]},
    "sources": {
        "s": {
            "url": "https://example.org",
            "title": "t",
            "read": "2026-01-01",
            "reliability": "official",
        }
    },
    "parameters": {
        "limit": {
            "description": {"en": "l", "zh": "l"},
            "values": [
                {"from": "2020-01-01", "before": "2021-01-01", "value": 30, "source": ["s"]}
            ],
        }
    },
    "criteria": {
        "young": {
            "label": {"en": "y", "zh": "y"},
            "expr": "age(date_of_birth) <= limit",
            "source": ["s"],
        }
    },
    "eligibility": "young",
    "benefits": {
        k: {"value": None, "summary": {"en": "-", "zh": "-"}, "note": {"en": "n", "zh": "n"}}
        for k in (
            "entries",
            "validity",
            "max_stay",
            "work_allowed",
            "job_offer_required",
            "sponsor_required",
            "family",
            "pr_route",
            "language",
            "activities",
        )
    },
    "intake": {"type": "individual"},
}


def test_evaluating_past_the_last_dated_value_is_an_error_not_a_guess() -> None:
    cp = compile_program(Program.model_validate(TINY))
    p = Profile(date_of_birth=dt.date(2000, 1, 1))
    assert assess(cp, p, dt.date(2020, 12, 31)).outcome.value == "eligible"
    with pytest.raises(ParameterOutOfRange, match="'limit' has no value on 2021-01-01"):
        assess(cp, p, dt.date(2021, 1, 1))


def test_the_k_visa_does_not_exist_before_1_oct_2025() -> None:
    p = example("indian-stem-graduate.yaml")
    before = assess(CATALOG["cn-k"], p, dt.date(2025, 9, 1))
    assert before.outcome.value == "ineligible" and not before.in_force
    after = assess(CATALOG["cn-k"], p, dt.date(2025, 10, 1))
    assert after.in_force and after.outcome.value == "unknown"


@pytest.mark.parametrize(
    ("explicit", "cip", "group", "expected"),
    [
        (None, "14.0901", None, True),  # engineering series, wholly STEM
        (None, "11.0701", None, True),  # computer science, listed code
        (None, "52.0201", None, None),  # business admin: not transcribed, so unknown
        (None, None, "law", False),
        (None, None, "social_sciences", None),  # mixed group
        (False, "14.0901", None, False),  # an assessor's decision wins
        (None, None, None, None),
    ],
)
def test_stem_mapping(
    explicit: bool | None, cip: str | None, group: str | None, expected: bool | None
) -> None:
    assert is_stem(explicit, cip, group) is expected


def test_facts_aggregate_lists_three_valued() -> None:
    f = facts_of(Profile(degrees=[{"level": "master", "field": "law"}, {"cip": "14.0101"}]))
    # A STEM degree of unknown level could be anything from secondary to doctorate.
    assert f["stem_degree_level"] is None
    assert f["highest_degree_level"] is None
    f = facts_of(Profile(degrees=[{"level": "doctorate", "field": "law"}, {"cip": "14.0101"}]))
    assert f["highest_degree_level"] == 6
    f = facts_of(Profile(degrees=[]))
    assert f["highest_degree_level"] == 0 and f["stem_degree_level"] == 0
    f = facts_of(Profile(experience=[{"years": 2}, {"years": None}]))
    assert f["work_experience_years"] is None
    f = facts_of(Profile(job_offer={"annual_salary": 1000, "currency": "USD"}))
    assert f["job_offer_salary_cny"] is None and f["has_job_offer"] is True
