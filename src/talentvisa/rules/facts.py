"""Flatten a Profile into facts: the flat, typed values that rule expressions read.

The same fact table is the column schema of a population for the batch path, so one person
and one million people are described the same way. Aggregations over lists (degrees,
experience) are three-valued: an entry with an unknown attribute makes the aggregate unknown
whenever it could change the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from talentvisa.rules.profile import CEFR_ORDINAL, DEGREE_ORDINAL, Degree, Experience, Profile
from talentvisa.rules.stem import is_stem

BACHELOR = DEGREE_ORDINAL["bachelor"]
MASTER = DEGREE_ORDINAL["master"]
TOP_DEGREE = max(DEGREE_ORDINAL.values())


@dataclass(frozen=True)
class FactSpec:
    kind: str  # date | str | list | bool | int | float
    doc: str


FACTS: dict[str, FactSpec] = {
    "date_of_birth": FactSpec("date", "Date of birth."),
    "nationalities": FactSpec("list", "ISO alpha-2 codes of every nationality held."),
    "current_country": FactSpec("str", "Country of residence now."),
    "immigration_status": FactSpec("str", "Status in the current country, e.g. F-1, H-1B."),
    "passport_type": FactSpec("str", "ordinary, diplomatic, service or other."),
    "former_chinese_national": FactSpec("bool", "Formerly a PRC national."),
    "highest_degree_level": FactSpec("int", "Highest degree: 0 none ... 6 doctorate."),
    "stem_degree_level": FactSpec("int", "Highest STEM degree level, 0 if none."),
    "stem_degree_best_rank": FactSpec("int", "Best institution rank of a STEM bachelor+ degree."),
    "us_advanced_degree": FactSpec("bool", "Holds a US master's or higher degree."),
    "chinese_taught_degree": FactSpec("bool", "Holds a bachelor's+ taught in Chinese."),
    "high_level_foreign_university_graduate": FactSpec(
        "bool", "Graduate of a high-level foreign university (as assessed)."
    ),
    "bachelor_equivalent_by_evaluation": FactSpec(
        "bool", "A credential evaluation found the equivalent of a US bachelor's degree."
    ),
    "latest_graduation_date": FactSpec("date", "Most recent graduation date."),
    "work_experience_years": FactSpec("float", "Total years of work experience."),
    "stem_academic_role": FactSpec(
        "bool", "Teaches or researches STEM at a university or research institution."
    ),
    "stem_academic_best_rank": FactSpec("int", "Best rank of the institution of such a role."),
    "fortune500_experience": FactSpec("bool", "Has worked for a Fortune Global 500 company."),
    "cn_consecutive_years": FactSpec("float", "Consecutive years working in China."),
    "has_job_offer": FactSpec("bool", "Has a job offer."),
    "job_offer_country": FactSpec("str", "Country of the job offer."),
    "job_offer_salary": FactSpec("float", "Annual salary offered."),
    "job_offer_currency": FactSpec("str", "Currency of the salary."),
    "job_offer_salary_cny": FactSpec("float", "Annual salary if offered in CNY."),
    "job_offer_soc_code": FactSpec("str", "SOC occupation code."),
    "job_offer_wage_level": FactSpec("int", "OEWS wage level 1-4."),
    "job_offer_specialty_occupation": FactSpec("bool", "The job is a specialty occupation."),
    "job_offer_cn_region_type": FactSpec("str", "western, northeast_old_industrial, ..."),
    "job_offer_cn_annual_months": FactSpec("float", "Months a year to be worked in China."),
    "job_offer_local_average_wage_cny": FactSpec(
        "float", "Prior-year local average wage at the Chinese workplace, CNY."
    ),
    "employer_fte": FactSpec("int", "US employer's full-time-equivalent employees."),
    "employer_nonprofit": FactSpec("bool", "The employer is a nonprofit."),
    "employer_acwia_exempt": FactSpec("bool", "The employer is exempt from the ACWIA fee."),
    "employer_h1b_dependent": FactSpec("bool", "50+ employees, over half in H-1B/L-1."),
    "employer_cap_exempt": FactSpec("bool", "The employer is exempt from the H-1B cap."),
    "petition_type": FactSpec("str", "new_employment, change_of_status, extension, ..."),
    "petition_consular_notification": FactSpec("bool", "Petition asks consular notification."),
    "petition_exception_granted": FactSpec("bool", "National-interest exception granted."),
    "hsk_level": FactSpec("int", "HSK level passed (0 none)."),
    "cefr_english": FactSpec("int", "English CEFR level, A1=1 ... C2=6."),
    "cefr_german": FactSpec("int", "German CEFR level, A1=1 ... C2=6."),
    "has_spouse": FactSpec("bool", "Has a spouse."),
    "children_count": FactSpec("int", "Number of children."),
    "cn_talent_programme": FactSpec("bool", "Selected for a Chinese talent programme."),
    "intl_recognised_achievement": FactSpec(
        "bool", "Holds an internationally recognised achievement on the Category A list."
    ),
    "cn_innovation_entrepreneur": FactSpec("bool", "Recognised innovation/entrepreneur talent."),
    "cn_outstanding_young_talent": FactSpec("bool", "Recognised outstanding young talent."),
    "has_patents": FactSpec("bool", "Holds patents or similar IP."),
    "cn_local_bonus_points": FactSpec("float", "Local encouragement points awarded."),
    "cn_vocational_level": FactSpec("str", "senior_technician, technician, senior_worker, none."),
}

#: Named constants usable in expressions, so rules read like the law ("bachelor", "B2").
CONSTANTS: dict[str, int] = {**DEGREE_ORDINAL, **CEFR_ORDINAL}


def _any(values: Iterable[bool | None]) -> bool | None:
    seen_unknown = False
    for v in values:
        if v is True:
            return True
        if v is None:
            seen_unknown = True
    return None if seen_unknown else False


def _and(*values: bool | None) -> bool | None:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _level(d: Degree) -> int | None:
    return None if d.level is None else DEGREE_ORDINAL[d.level.value]


def _max_level(degrees: list[Degree], qualifies: Callable[[Degree], bool | None]) -> int | None:
    """Highest level among degrees that qualify; unknown if an unsure degree could be higher."""
    best = 0
    for d in degrees:
        if qualifies(d) is True and _level(d) is not None:
            best = max(best, _level(d) or 0)
    for d in degrees:
        q, lvl = qualifies(d), _level(d)
        if q is False or (q is True and lvl is not None):
            continue
        if (lvl if lvl is not None else TOP_DEGREE) > best:
            return None
    return best


def _best_rank(ranks: list[int | None], unsure: bool) -> int | None:
    """Best (lowest) rank, but unknown if any qualifying entry's rank or status is unknown."""
    if unsure or any(r is None for r in ranks) or not ranks:
        return None
    return min(r for r in ranks if r is not None)


def _degree_stem(d: Degree) -> bool | None:
    return is_stem(d.stem, d.cip, d.field.value if d.field else None)


def _education(p: Profile) -> dict[str, Any]:
    degrees = p.degrees
    if degrees is None:
        return {}
    stem_bachelor = [(d, _and(_degree_stem(d), _at_least(d, BACHELOR))) for d in degrees]
    dates = [d.graduation_date for d in degrees]
    return {
        "highest_degree_level": _max_level(degrees, lambda d: True),
        "stem_degree_level": _max_level(degrees, _degree_stem),
        "stem_degree_best_rank": _best_rank(
            [d.institution_rank for d, q in stem_bachelor if q is True],
            unsure=any(q is None for _, q in stem_bachelor),
        ),
        "us_advanced_degree": _any(
            _and(_at_least(d, MASTER), _eq(d.institution_country, "US")) for d in degrees
        ),
        "chinese_taught_degree": _any(
            _and(_at_least(d, BACHELOR), d.taught_in_chinese) for d in degrees
        ),
        "high_level_foreign_university_graduate": _any(
            d.high_level_foreign_university for d in degrees
        ),
        "latest_graduation_date": None
        if not dates or any(x is None for x in dates)
        else max(x for x in dates if x is not None),
    }


def _at_least(d: Degree, level: int) -> bool | None:
    lvl = _level(d)
    return None if lvl is None else lvl >= level


def _eq(value: object, expected: object) -> bool | None:
    return None if value is None else value == expected


def _academic(e: Experience) -> bool | None:
    kind = None if e.kind is None else e.kind.value in ("research", "teaching")
    return _and(kind, e.at_university_or_research_institution, e.stem)


def _experience(p: Profile) -> dict[str, Any]:
    exp = p.experience
    if exp is None:
        return {}
    years = [e.years for e in exp]
    academic = [(e, _academic(e)) for e in exp]
    return {
        "work_experience_years": None
        if any(y is None for y in years)
        else sum(y for y in years if y is not None),
        "stem_academic_role": _any(q for _, q in academic),
        "stem_academic_best_rank": _best_rank(
            [e.institution_rank for e, q in academic if q is True],
            unsure=any(q is None for _, q in academic),
        ),
        "fortune500_experience": _any(e.fortune_global_500 for e in exp),
    }


def _job(p: Profile) -> dict[str, Any]:
    has = True if p.job_offer is not None else p.has_job_offer
    out: dict[str, Any] = {"has_job_offer": has}
    j = p.job_offer
    if j is None:
        return out
    out |= {
        "job_offer_country": j.country,
        "job_offer_salary": j.annual_salary,
        "job_offer_currency": j.currency,
        "job_offer_salary_cny": j.annual_salary if j.currency == "CNY" else None,
        "job_offer_soc_code": j.occupation_code,
        "job_offer_wage_level": j.wage_level,
        "job_offer_specialty_occupation": j.specialty_occupation,
        "job_offer_cn_region_type": j.cn_region_type.value if j.cn_region_type else None,
        "job_offer_cn_annual_months": j.cn_annual_months,
        "job_offer_local_average_wage_cny": j.local_average_wage if j.currency == "CNY" else None,
    }
    if j.employer is not None:
        e = j.employer
        out |= {
            "employer_fte": e.fte,
            "employer_nonprofit": e.nonprofit,
            "employer_acwia_exempt": e.acwia_exempt,
            "employer_h1b_dependent": e.h1b_dependent,
            "employer_cap_exempt": e.cap_exempt,
        }
    if j.petition is not None:
        pt = j.petition
        out |= {
            "petition_type": pt.type.value if pt.type else None,
            "petition_consular_notification": pt.consular_notification,
            "petition_exception_granted": pt.exception_granted,
        }
    return out


def _languages(p: Profile) -> dict[str, Any]:
    lang = p.languages
    if lang is None:
        return {}
    cefr = lang.cefr or {}
    return {
        "hsk_level": lang.hsk,
        "cefr_english": CEFR_ORDINAL[cefr["en"].value] if "en" in cefr else None,
        "cefr_german": CEFR_ORDINAL[cefr["de"].value] if "de" in cefr else None,
    }


def _recognitions(p: Profile) -> dict[str, Any]:
    r = p.recognitions
    if r is None:
        return {}
    return {
        "cn_talent_programme": r.cn_talent_programme,
        "intl_recognised_achievement": r.intl_recognised_achievement,
        "cn_innovation_entrepreneur": r.cn_innovation_entrepreneur,
        "cn_outstanding_young_talent": r.cn_outstanding_young_talent,
        "has_patents": r.patents,
        "cn_local_bonus_points": r.cn_local_bonus_points,
        "cn_vocational_level": r.cn_vocational_level.value if r.cn_vocational_level else None,
    }


def facts_of(p: Profile) -> dict[str, Any]:
    """Every fact in :data:`FACTS`, ``None`` where unknown."""
    out: dict[str, Any] = dict.fromkeys(FACTS)
    out |= {
        "date_of_birth": p.date_of_birth,
        "nationalities": list(p.nationalities) if p.nationalities is not None else None,
        "current_country": p.current_country,
        "immigration_status": p.immigration_status,
        "passport_type": p.passport_type,
        "former_chinese_national": p.former_chinese_national,
        "bachelor_equivalent_by_evaluation": p.bachelor_equivalent_by_evaluation,
        "cn_consecutive_years": p.cn_consecutive_years_working,
        "has_spouse": p.family.spouse if p.family else None,
        "children_count": p.family.children if p.family else None,
    }
    for part in (_education, _experience, _job, _languages, _recognitions):
        out |= part(p)
    return out
