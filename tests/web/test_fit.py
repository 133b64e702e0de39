"""'Which visa fits me?': the optional step asks only what some program reads, and its answers
land where the rules look for them. (Pages over HTTP are in test_pages.py.)"""

from __future__ import annotations

from typing import Any

import pytest

from talentvisa.rules.facts import facts_of
from talentvisa.rules.loader import builtin_catalog
from talentvisa.rules.profile import Profile
from talentvisa.web import fit
from talentvisa.web.form import builtin_form

from .conftest import facts_read

#: Every question answered, consistently: a married Indian engineer with an offer in Canada.
FULL = {
    "dob": "1995-03-14",
    "nationality": "IN",
    "residence": "GB",
    "passport": "ordinary",
    "degree": "master",
    "field": "computer_science",
    "degree_country": "GB",
    "rank": "5",
    "experience": "10",
    "academic": "no",
    "offer_country": "CA",
    "salary": "90000",
    "currency": "CAD",
    "english": "C1",
    "german": "B1",
    "funds": "20000",
    "funds_currency": "GBP",
    "spouse": "yes",
    "children": "1",
    # the optional step
    "ca_class": "yes",
    "ca_first": "en",
    **{f"clb_en_{a}": "9" for a in "rwls"},
    **{f"clb_fr_{a}": "7" for a in "rwls"},
    "ca_education": "master_or_professional",
    "ca_work": "2",
    "ca_foreign_work": "3",
    "ca_study": "one_or_two_years",
    "ca_certificate": "yes",
    "ca_nomination": "yes",
    "ca_sibling": "yes",
    "ca_offer": "yes",
    "noc": "21231",
    "spouse_with": "yes",
    "spouse_ca": "no",
    "spouse_education": "doctoral",
    **{f"clb_sp_{a}": "8" for a in "rwls"},
    "spouse_ca_work": "2",
    "de_recognition": "partial",
    "de_basic": "yes",
    "de_shortage": "yes",
    "de_exp5": "3",
    "de_exp7": "5",
    "de_stay": "yes",
    "de_partner": "yes",
    "de_livelihood": "yes",
    "offer_shortage": "yes",
    "offer_it": "yes",
    "university": "University of Toronto",
    "graduated": "2022-06-30",
    "sector": "semiconductors",
    "f500_years": "3",
    "postdoc_years": "2",
    "postdoc_top_years": "1",
    "kr_recommendation": "yes",
    "kr_category": "yes",
    "kr_stay": "3",
    "kr_income": "50000000",
    "hourly_rate": "45",
    "hours": "40",
    "permanent": "yes",
    "accredited": "yes",
    "anzsco": "1",
    "trades": "yes",
    "nz_qual_type": "masters",
    "nz_qual_level": "9",
    "nz_registration": "6",
    "nz_work": "3",
    "nz_relevant": "5",
    "nz_post_qual": "4",
    "nz_lowest_rate": "40",
    "months_here": "24",
}
#: Blanking one answer makes another one meaningless.
WITH = {"postdoc_years": ("postdoc_top_years",)}
MORE = [q.name for s in builtin_form().more for q in s.questions()]
BASIC = [q.name for step in builtin_form().steps for q in step]


READ = {f for cp in builtin_catalog().values() for f in facts_read(cp)}


def facts(answers: dict[str, str]) -> dict[str, Any]:
    profile, _, errors = fit.profile_of(fit.answers_of(answers))
    assert not errors, errors
    return facts_of(Profile.model_validate(profile))


def test_the_full_answers_make_a_valid_profile_that_fills_the_facts() -> None:
    f = facts(FULL)
    for name in (
        "ca_first_language_min",
        "ca_accompanying_spouse",
        "nclc_french_min",
        "job_offer_noc_teer",
        "uk_hpi_listed_top50",
        "fortune500_years",
        "postdoc_top_institute_years",
        "de_qualification_recognition",
        "nz_qualification_type",
        "months_in_current_country",
    ):
        assert f[name] is not None, name
    assert f["ca_first_language_min"] == 9 and f["ca_accompanying_spouse"] is True
    assert f["work_experience_years"] == 10 and f["fortune500_years"] == 3
    assert f["postdoc_research_years"] == 2 and f["postdoc_top_institute_years"] == 1


@pytest.mark.parametrize("name", MORE)
def test_each_further_question_decides_a_fact_that_a_program_reads(name: str) -> None:
    assert name in FULL, f"add {name} to FULL"
    without = {k: v for k, v in FULL.items() if k != name and k not in WITH.get(name, ())}
    changed = {k for k, v in facts(FULL).items() if facts(without)[k] != v}
    assert changed & READ, f"{name} changes only {sorted(changed)}, which no program reads"


def test_skipping_the_optional_step_leaves_those_facts_unknown() -> None:
    basic = {k: v for k, v in FULL.items() if k in BASIC}
    f = facts(basic)
    for name in ("ca_first_language_min", "de_basic_qualification", "kr_f27_applicant_category"):
        assert f[name] is None, name
    assert f["work_experience_years"] == 10


def test_bad_further_answers_are_errors_beside_their_fields() -> None:
    bad = {**FULL, "clb_en_r": "13", "noc": "2123", "anzsco": "1.5", "graduated": "soon"}
    _, _, errors = fit.profile_of(fit.answers_of(bad))
    assert set(errors) == {"clb_en_r", "noc", "anzsco", "graduated"}
    _, _, errors = fit.profile_of(fit.answers_of({**FULL, "f500_years": "9", "postdoc_years": "2"}))
    assert set(errors) == {"f500_years"}  # 9 + 2 years apart from 10 in all
    no_offer = {k: v for k, v in FULL.items() if k != "offer_country"}
    _, _, errors = fit.profile_of(fit.answers_of(no_offer))
    assert "noc" in errors and "hourly_rate" in errors  # they describe a job offer


def test_none_answers_are_definite_and_blank_ones_unknown() -> None:
    stated = facts({"german": "none", "english": "C1", "has_offer": "no", "degree": "none"})
    assert stated["cefr_german"] == 0 and stated["cefr_english"] == 5
    assert stated["has_job_offer"] is False and stated["highest_degree_level"] == 0
    blank = facts({"english": "C1"})
    assert blank["cefr_german"] is None and blank["has_job_offer"] is None
    assert blank["highest_degree_level"] is None


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"nationality": "Germany"}, "nationality"),  # never GE
        ({"residence": "XX"}, "residence"),
        ({"has_offer": "yes", "offer_country": "US", "currency": "RUP"}, "currency"),
        ({"funds": "9000", "funds_currency": "RUP"}, "funds_currency"),
        ({"has_offer": "no", "offer_country": "US"}, "offer_country"),
        ({"degree": "none", "degree_country": "IN"}, "degree"),
    ],
)
def test_unknown_codes_and_contradictions_are_refused_beside_their_field(
    answers: dict[str, str], field: str
) -> None:
    _, _, errors = fit.profile_of(fit.answers_of(answers))
    assert set(errors) == {field}
