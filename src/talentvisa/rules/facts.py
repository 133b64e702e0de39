"""Flatten a Profile into facts: the flat, typed values that rule expressions read.

The same fact table is the column schema of a population for the batch path, so one person
and one million people are described the same way. Aggregations over lists (degrees,
experience) are three-valued: an entry with an unknown attribute makes the aggregate unknown
whenever it could change the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from talentvisa.rules.profile import (
    CEFR_ORDINAL,
    DEGREE_ORDINAL,
    NO_LANGUAGE,
    Degree,
    Experience,
    LanguageAbilities,
    Profile,
)
from talentvisa.rules.refdata import hpi_listed, kstar_designated
from talentvisa.rules.stem import is_stem

BACHELOR = DEGREE_ORDINAL["bachelor"]
MASTER = DEGREE_ORDINAL["master"]
TOP_DEGREE = max(DEGREE_ORDINAL.values())


#: The four abilities of a language test, in the order CLB results list them.
ABILITIES = ("reading", "writing", "listening", "speaking")


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
    "cefr_english": FactSpec("int", "English CEFR level, 0 none, A1=1 ... C2=6."),
    "cefr_german": FactSpec("int", "German CEFR level, 0 none, A1=1 ... C2=6."),
    "has_spouse": FactSpec("bool", "Has a spouse."),
    "children_count": FactSpec("int", "Number of children."),
    "cn_talent_programme": FactSpec("bool", "Selected for a Chinese talent programme."),
    "intl_recognised_achievement": FactSpec(
        "bool", "Holds an internationally recognised achievement on the Category A list."
    ),
    "cn_innovation_entrepreneur": FactSpec("bool", "Recognised innovation/entrepreneur talent."),
    "cn_outstanding_young_talent": FactSpec("bool", "Recognised outstanding young talent."),
    "cn_excellent_graduate": FactSpec("bool", "An excellent graduate of a university in China."),
    "has_patents": FactSpec("bool", "Holds patents or similar IP."),
    "cn_local_bonus_points": FactSpec("float", "Local encouragement points awarded."),
    "cn_vocational_level": FactSpec("str", "senior_technician, technician, senior_worker, none."),
    # --- added for DE, KR, NZ and UK programs -------------------------------------------
    "funds_amount": FactSpec("float", "Liquid funds available for the stay."),
    "funds_currency": FactSpec("str", "Currency of the funds."),
    "months_in_current_country": FactSpec("float", "Months lived lawfully in current_country."),
    "master_plus_best_rank": FactSpec(
        "int", "Best institution rank of a master's or doctorate (unknown if any is unranked)."
    ),
    "cn_master_plus_graduate": FactSpec(
        "bool", "Holds a master's or doctorate from a university in China."
    ),
    "foreign_master_plus_graduate": FactSpec(
        "bool", "Holds a master's or doctorate from a university outside China."
    ),
    "foreign_master_plus_best_rank": FactSpec(
        "int", "Best rank of such a degree from outside China (unknown if any is unranked)."
    ),
    "teaching_experience_years": FactSpec("float", "Years of teaching experience."),
    "language_teaching_credential": FactSpec(
        "bool", "Education or language degree, home teaching licence or TEFL-type certificate."
    ),
    "job_offer_language_teacher": FactSpec("bool", "The offer is to teach your native language."),
    "fortune500_years": FactSpec("float", "Years worked at Fortune Global 500 companies."),
    "postdoc_research_years": FactSpec("float", "Years of research after the doctorate."),
    "postdoc_top_institute_years": FactSpec(
        "float", "Years of post-doctoral research at top global research institutes."
    ),
    "job_offer_hourly_rate": FactSpec("float", "Hourly rate offered, offer's currency."),
    "job_offer_hours_per_week": FactSpec("float", "Guaranteed hours per week."),
    "job_offer_permanent_or_12_months": FactSpec("bool", "Permanent or 12+ months fixed term."),
    "job_offer_accredited_employer": FactSpec("bool", "NZ accredited employer."),
    "job_offer_sector": FactSpec("str", "Industry of the job offer."),
    "job_offer_shortage_occupation": FactSpec("bool", "Offer is in a shortage occupation."),
    "job_offer_it_specialist": FactSpec("bool", "Offer is for an IT specialist."),
    "job_offer_anzsco_skill_level": FactSpec("int", "ANZSCO skill level 1-5 of the offer."),
    "job_offer_trades_technician_role": FactSpec("bool", "Offer is a NZ specified trades role."),
    "de_qualification_recognition": FactSpec("str", "full, partial or none (Germany)."),
    "de_basic_qualification": FactSpec("bool", "Opportunity Card basic qualification."),
    "de_shortage_occupation_qualification": FactSpec(
        "bool", "Qualification in a German shortage occupation."
    ),
    "de_experience_years_last_5": FactSpec("float", "Qualified experience, last 5 years."),
    "de_experience_years_last_7": FactSpec("float", "Qualified experience, last 7 years."),
    "de_prior_stay_6_months": FactSpec("bool", "6+ months lawful stay in DE in last 5 years."),
    "de_partner_applies_jointly": FactSpec("bool", "Qualifying partner applies jointly."),
    "de_livelihood_other_proof": FactSpec("bool", "Obligation letter or part-time contract."),
    "kr_university_recommendation": FactSpec("bool", "K-STAR university president's letter."),
    "kr_kstar_stem_graduate": FactSpec(
        "bool", "STEM master's/doctorate from a K-STAR designated university (reference data)."
    ),
    "kr_f27_applicant_category": FactSpec("bool", "In one of the five F-2-7 categories."),
    "kr_lawful_stay_years": FactSpec("float", "Continuous lawful stay in Korea, years."),
    "kr_annual_income_krw": FactSpec("float", "Annual income in Korea, KRW."),
    "nz_qualification_type": FactSpec("str", "NZQF qualification type (see NzQualification)."),
    "nz_qualification_level": FactSpec("int", "NZQF level of the best qualification."),
    "nz_registration_training_years": FactSpec("float", "Training years of NZ registration."),
    "nz_skilled_work_years": FactSpec("float", "Skilled work experience in New Zealand."),
    "nz_relevant_work_years": FactSpec("float", "Directly relevant work experience."),
    "nz_post_qualification_years": FactSpec("float", "Post-qualification work experience."),
    "nz_work_lowest_hourly_rate": FactSpec("float", "Lowest NZD hourly rate in NZ work."),
    "uk_hpi_listed_top50": FactSpec(
        "bool", "Bachelor's+ from a university on a top-50 HPI list for its award year."
    ),
    "uk_hpi_award_date_top50": FactSpec("date", "Latest award date of such a degree."),
    "uk_hpi_listed_top100": FactSpec(
        "bool", "Bachelor's+ from a university on an expanded (top-100) HPI list."
    ),
    "uk_hpi_award_date_top100": FactSpec("date", "Latest award date of such a degree."),
    # --- added for Canada's Express Entry --------------------------------------------------
    "spouse_accompanying": FactSpec("bool", "The spouse or partner would accompany."),
    "spouse_canadian_citizen_or_pr": FactSpec(
        "bool", "The spouse or partner is a Canadian citizen or permanent resident."
    ),
    "ca_accompanying_spouse": FactSpec(
        "bool",
        "Has a spouse or partner who accompanies and is not a Canadian citizen or permanent "
        "resident (Express Entry scores such a couple on the with-spouse grid).",
    ),
    "clb_english_min": FactSpec("int", "Lowest CLB of the four English abilities (0 no test)."),
    "nclc_french_min": FactSpec("int", "Lowest NCLC of the four French abilities (0 no test)."),
    **{
        f"ca_{which}_language_{ability}": FactSpec(
            "int", f"CLB/NCLC in {ability} of the {which} official language (Canada)."
        )
        for which in ("first", "second")
        for ability in ABILITIES
    },
    "ca_first_language_min": FactSpec("int", "Lowest CLB/NCLC of the first official language."),
    "ca_federal_program_eligible": FactSpec(
        "bool", "Meets the minimum requirements of FSW, CEC or FST (as assessed)."
    ),
    "ca_education": FactSpec("str", "Level of education for Express Entry (CaEducation)."),
    "ca_canadian_work_years": FactSpec("float", "Skilled work in Canada, years."),
    "ca_foreign_work_years": FactSpec("float", "Skilled work outside Canada, years."),
    "ca_certificate_of_qualification": FactSpec("bool", "Certificate of qualification (trade)."),
    "ca_canadian_study": FactSpec("str", "Canadian post-secondary credential (CaCanadianStudy)."),
    "ca_sibling_in_canada": FactSpec("bool", "Sibling in Canada, 18+, citizen or PR."),
    "ca_provincial_nomination": FactSpec("bool", "Provincial or territorial nomination."),
    "ca_qualifying_job_offer": FactSpec("bool", "Qualifying offer of arranged employment."),
    "job_offer_noc_teer": FactSpec("int", "TEER category (0-5) of the job offer's NOC code."),
    "job_offer_noc_major_group_00": FactSpec(
        "bool", "The job offer is in NOC major group 00 (senior management)."
    ),
    "ca_spouse_education": FactSpec("str", "Spouse's level of education (CaEducation)."),
    **{
        f"ca_spouse_language_{ability}": FactSpec(
            "int", f"Spouse's CLB/NCLC in {ability} of their first official language."
        )
        for ability in ABILITIES
    },
    "ca_spouse_canadian_work_years": FactSpec("float", "Spouse's skilled work in Canada, years."),
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
    foreign = [(d, _master_in(d, china=False)) for d in degrees]
    dates = [d.graduation_date for d in degrees]
    out: dict[str, Any] = {
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
        "master_plus_best_rank": _master_plus_best_rank(degrees),
        "cn_master_plus_graduate": _any(_master_in(d, china=True) for d in degrees),
        "foreign_master_plus_graduate": _any(q for _, q in foreign),
        "foreign_master_plus_best_rank": _best_rank(
            [d.institution_rank for d, q in foreign if q is True],
            unsure=any(q is None for _, q in foreign),
        ),
        "kr_kstar_stem_graduate": _any(_kstar(d) for d in degrees),
    }
    for version in ("top50", "top100"):
        hpi = _listed_latest(
            degrees,
            lambda d, v=version: hpi_listed(d.institution, d.graduation_date, v),  # type: ignore[misc]
        )
        out[f"uk_hpi_listed_{version}"] = hpi["listed"]
        out[f"uk_hpi_award_date_{version}"] = hpi["date"]
    return out


def _listed_latest(
    degrees: list[Degree], listed: Callable[[Degree], bool | None]
) -> dict[str, Any]:
    """Is any bachelor's+ degree listed, and the latest award date of a listed one.

    The date is unknown when an unsure degree could be more recent than the best known one.
    """
    status = [(d, _and(_at_least(d, BACHELOR), listed(d))) for d in degrees]
    sure = [d.graduation_date for d, s in status if s is True and d.graduation_date]
    unsure = [d for d, s in status if s is None]
    best = max(sure) if sure else None
    if best is not None and any(
        d.graduation_date is None or d.graduation_date > best for d in unsure
    ):
        best = None
    return {"listed": _any(s for _, s in status), "date": best}


def _master_plus_best_rank(degrees: list[Degree]) -> int | None:
    master = [(d, _at_least(d, MASTER)) for d in degrees]
    return _best_rank(
        [d.institution_rank for d, q in master if q is True],
        unsure=any(q is None for _, q in master),
    )


def _master_in(d: Degree, *, china: bool) -> bool | None:
    """A master's or doctorate from a university in China (or, china=False, outside it)."""
    where = None if d.institution_country is None else (d.institution_country == "CN") == china
    return _and(_at_least(d, MASTER), where)


def _kstar(d: Degree) -> bool | None:
    return _and(
        _at_least(d, MASTER),
        _degree_stem(d),
        kstar_designated(d.institution, d.institution_country),
    )


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
        "fortune500_years": _years_where(exp, lambda e: e.fortune_global_500),
        "postdoc_research_years": _years_where(exp, _postdoc),
        "teaching_experience_years": _years_where(
            exp, lambda e: None if e.kind is None else e.kind.value == "teaching"
        ),
        "postdoc_top_institute_years": _years_where(
            exp, lambda e: _and(_postdoc(e), e.top_research_institute)
        ),
    }


def _postdoc(e: Experience) -> bool | None:
    kind = None if e.kind is None else e.kind.value == "research"
    return _and(kind, e.after_doctorate)


def _years_where(
    exp: list[Experience], counts: Callable[[Experience], bool | None]
) -> float | None:
    """Sum of years of the entries that count; unknown if an entry might count unknown years."""
    total = 0.0
    for e in exp:
        c = counts(e)
        if c is False:
            continue
        if c is None or e.years is None:
            return None
        total += e.years
    return total


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
        "job_offer_hourly_rate": j.hourly_rate,
        "job_offer_hours_per_week": j.hours_per_week,
        "job_offer_permanent_or_12_months": j.permanent_or_12_months,
        "job_offer_accredited_employer": j.accredited_employer,
        "job_offer_sector": j.sector,
        "job_offer_shortage_occupation": j.shortage_occupation,
        "job_offer_it_specialist": j.it_specialist,
        "job_offer_anzsco_skill_level": j.anzsco_skill_level,
        "job_offer_trades_technician_role": j.trades_technician_role,
        "job_offer_language_teacher": j.language_teacher,
        "job_offer_noc_teer": None if j.noc_code is None else int(j.noc_code[1]),
        "job_offer_noc_major_group_00": None if j.noc_code is None else j.noc_code[:2] == "00",
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
        "cefr_english": _cefr(cefr.get("en")),
        "cefr_german": _cefr(cefr.get("de")),
    }


def _cefr(level: str | None) -> int | None:
    """A CEFR level as its ordinal; 0 for "none" (a definite answer), None if not given."""
    if level is None:
        return None
    return 0 if level == NO_LANGUAGE else CEFR_ORDINAL[level]


OTHER_LANGUAGE: dict[Literal["en", "fr"], Literal["en", "fr"]] = {"en": "fr", "fr": "en"}


def _lowest(levels: LanguageAbilities | None) -> int | None:
    """The lowest of the four abilities; unknown if any of them is."""
    if levels is None:
        return None
    values = [getattr(levels, a) for a in ABILITIES]
    return None if any(v is None for v in values) else min(v for v in values if v is not None)


def _canada(p: Profile) -> dict[str, Any]:
    """Express Entry facts: official languages, the grid (single or with spouse), factors."""
    clb = (p.languages.clb if p.languages else None) or {}
    ca, family = p.canada, p.family
    out: dict[str, Any] = {
        "clb_english_min": _lowest(clb.get("en")),
        "nclc_french_min": _lowest(clb.get("fr")),
    }
    if family is not None:
        citizen = family.spouse_canadian_citizen_or_pr
        out |= {
            "spouse_accompanying": family.spouse_accompanying,
            "spouse_canadian_citizen_or_pr": citizen,
            "ca_accompanying_spouse": _and(
                family.spouse, family.spouse_accompanying, None if citizen is None else not citizen
            ),
        }
    if ca is None:
        return out
    first = ca.first_official_language
    second: Literal["en", "fr"] | None = None if first is None else OTHER_LANGUAGE[first]
    for which, lang in (("first", first), ("second", second)):
        levels = clb.get(lang) if lang is not None else None
        for ability in ABILITIES:
            out[f"ca_{which}_language_{ability}"] = getattr(levels, ability) if levels else None
    spouse = ca.spouse_language
    for ability in ABILITIES:
        out[f"ca_spouse_language_{ability}"] = getattr(spouse, ability) if spouse else None
    return out | {
        "ca_first_language_min": _lowest(clb.get(first) if first is not None else None),
        "ca_federal_program_eligible": ca.federal_program_eligible,
        "ca_education": ca.education.value if ca.education else None,
        "ca_canadian_work_years": ca.canadian_skilled_work_years,
        "ca_foreign_work_years": ca.foreign_skilled_work_years,
        "ca_certificate_of_qualification": ca.certificate_of_qualification,
        "ca_canadian_study": ca.canadian_study.value if ca.canadian_study else None,
        "ca_sibling_in_canada": ca.sibling_in_canada,
        "ca_provincial_nomination": ca.provincial_nomination,
        "ca_qualifying_job_offer": ca.qualifying_job_offer,
        "ca_spouse_education": ca.spouse_education.value if ca.spouse_education else None,
        "ca_spouse_canadian_work_years": ca.spouse_canadian_skilled_work_years,
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
        "cn_excellent_graduate": r.cn_excellent_graduate,
        "has_patents": r.patents,
        "cn_local_bonus_points": r.cn_local_bonus_points,
        "cn_vocational_level": r.cn_vocational_level.value if r.cn_vocational_level else None,
    }


def _country_specific(p: Profile) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if p.funds is not None:
        out |= {"funds_amount": p.funds.amount, "funds_currency": p.funds.currency}
    if (g := p.germany) is not None:
        rec = g.qualification_recognition
        out |= {
            "de_qualification_recognition": rec.value if rec else None,
            "de_basic_qualification": g.basic_qualification,
            "de_shortage_occupation_qualification": g.shortage_occupation_qualification,
            "de_experience_years_last_5": g.experience_years_last_5,
            "de_experience_years_last_7": g.experience_years_last_7,
            "de_prior_stay_6_months": g.prior_stay_6_months,
            "de_partner_applies_jointly": g.partner_applies_jointly,
            "de_livelihood_other_proof": g.livelihood_other_proof,
        }
    if (k := p.korea) is not None:
        out |= {
            "kr_university_recommendation": k.university_president_recommendation,
            "kr_f27_applicant_category": k.f27_applicant_category,
            "kr_lawful_stay_years": k.lawful_stay_years,
            "kr_annual_income_krw": k.annual_income_krw,
        }
    if (n := p.new_zealand) is not None:
        q = n.qualification_type
        out |= {
            "nz_qualification_type": q.value if q else None,
            "nz_qualification_level": n.qualification_level,
            "nz_registration_training_years": n.registration_training_years,
            "nz_skilled_work_years": n.skilled_work_years,
            "nz_relevant_work_years": n.relevant_work_years,
            "nz_post_qualification_years": n.post_qualification_years,
            "nz_work_lowest_hourly_rate": n.nz_work_lowest_hourly_rate,
        }
    return out


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
        "language_teaching_credential": p.language_teaching_credential,
        "cn_consecutive_years": p.cn_consecutive_years_working,
        "has_spouse": p.family.spouse if p.family else None,
        "children_count": p.family.children if p.family else None,
        "months_in_current_country": p.months_in_current_country,
    }
    parts = (_education, _experience, _job, _languages, _recognitions, _country_specific, _canada)
    for part in parts:
        out |= part(p)
    return out
