"""The peer's variables: the facts as inputs, the K visa criteria and work-permit points as
formulas over arrays, in the style of openfisca-country-template's variables.

Each formula mirrors one criterion or factor of the talentvisa program file named in its
``reference``; the benchmark checks both engines give the same answer for every person.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pycountry
from openfisca_core.indexed_enums import Enum
from openfisca_core.periods import DateUnit
from openfisca_core.variables import Variable

from .entities import Person

K_VISA = "https://www.etnet.com.hk/www/tc/stocks/ah_news_detail.php?newsid=ETN350815440"
POINTS = "https://irishchamberchina.com/work-permit-points-system/"
BACHELOR, MASTER, DOCTORATE = 4, 5, 6  # talentvisa's degree ordinals (rules/profile.py)

#: ISO 3166 alpha-2 countries, as an OpenFisca enumeration.
Country = Enum("Country", {c.alpha_2: c.alpha_2 for c in pycountry.countries})  # type: ignore[misc]


class VocationalLevel(Enum):
    senior_technician = "senior_technician"
    technician = "technician"
    senior_worker = "senior_worker"
    none = "none"


class RegionType(Enum):
    western = "western"
    northeast_old_industrial = "northeast_old_industrial"
    poverty_county = "poverty_county"
    other = "other"


def _input(name: str, kind: Any, label: str, **extra: Any) -> type[Variable]:
    """An input variable (a fact): known for the person, whatever the period."""
    attrs: dict[str, Any] = {
        "value_type": kind,
        "entity": Person,
        "definition_period": DateUnit.ETERNITY,
        "label": label,
        **extra,
    }
    return type(name, (Variable,), attrs)


FACTS = [
    _input("date_of_birth", dt.date, "Date of birth"),
    _input("stem_degree_level", int, "Highest STEM degree (ordinal: 4 bachelor, 6 doctorate)"),
    _input("stem_degree_best_rank", int, "Best world rank of the STEM degree's institution"),
    _input("stem_academic_role", bool, "Teaches or researches STEM at an institution"),
    _input("stem_academic_best_rank", int, "Best world rank of that institution"),
    _input("work_experience_years", float, "Years of work experience"),
    _input("highest_degree_level", int, "Highest degree (ordinal)"),
    _input("has_job_offer", bool, "Has a job offer"),
    _input(
        "job_offer_country",
        Enum,
        "Country of the job offer",
        possible_values=Country,
        default_value=Country.CN,
    ),
    _input("job_offer_salary_cny", float, "Annual salary offered, in CNY"),
    _input("job_offer_cn_annual_months", float, "Months a year worked in China"),
    _input(
        "cn_vocational_level",
        Enum,
        "Chinese vocational qualification",
        possible_values=VocationalLevel,
        default_value=VocationalLevel.none,
    ),
    _input("former_chinese_national", bool, "Was a Chinese national"),
    _input("chinese_taught_degree", bool, "Holds a degree taught in Chinese"),
    _input("hsk_level", int, "HSK level passed"),
    _input(
        "job_offer_cn_region_type",
        Enum,
        "Kind of region of the job in China",
        possible_values=RegionType,
        default_value=RegionType.other,
    ),
    _input("high_level_foreign_university_graduate", bool, "Graduate of a top foreign university"),
    _input("fortune500_experience", bool, "Worked at a Fortune Global 500 company"),
    _input("has_patents", bool, "Holds patents"),
    _input("cn_consecutive_years", float, "Consecutive years worked in China"),
    _input("cn_local_bonus_points", float, "Local encouragement points"),
]


class age(Variable):
    value_type = int
    entity = Person
    definition_period = DateUnit.DAY
    label = "Age in completed years on the day"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]
        birth = person("date_of_birth", period)
        year = birth.astype("datetime64[Y]").astype(int) + 1970
        month = birth.astype("datetime64[M]").astype(int) % 12 + 1
        day = (birth - birth.astype("datetime64[M]")).astype(int) + 1
        on = period.start
        birthday_past = (month < on.month) | ((month == on.month) & (day <= on.day))
        return on.year - year - np.where(birthday_past, 0, 1)


class k_graduate_route(Variable):
    value_type = bool
    entity = Person
    definition_period = DateUnit.DAY
    label = "K visa: STEM bachelor's or higher from a well-known institution"
    reference = K_VISA

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]
        rank = parameters(period).cn_k.well_known_max_rank
        return (person("stem_degree_level", period) >= BACHELOR) * (
            person("stem_degree_best_rank", period) <= rank
        )


class k_academic_route(Variable):
    value_type = bool
    entity = Person
    definition_period = DateUnit.DAY
    label = "K visa: STEM teaching or research at a well-known institution"
    reference = "https://udn.com/news/story/7331/8940256"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]
        rank = parameters(period).cn_k.well_known_max_rank
        return person("stem_academic_role", period) * (
            person("stem_academic_best_rank", period) <= rank
        )


class k_eligible(Variable):
    value_type = bool
    entity = Person
    definition_period = DateUnit.DAY
    label = "Eligible for the K visa"
    reference = K_VISA

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]
        p = parameters(period).cn_k
        talent = person("k_graduate_route", period) + person("k_academic_route", period)
        return (
            talent
            * (person("age", period) <= p.max_age)
            * (person("work_experience_years", period) >= p.min_experience_years)
        )


class wp_job_in_china(Variable):
    value_type = bool
    entity = Person
    definition_period = DateUnit.DAY
    label = "Has a job offer in China"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]
        country = person("job_offer_country", period)
        return person("has_job_offer", period) * (country == Country.CN)


def _points(name: str, label: str, formula: Any) -> type[Variable]:
    attrs = {
        "value_type": float,
        "entity": Person,
        "definition_period": DateUnit.DAY,
        "label": label,
        "reference": POINTS,
        "formula": formula,
    }
    return type(name, (Variable,), attrs)


def _salary(person, period, parameters):  # type: ignore[no-untyped-def]
    cn = person("wp_job_in_china", period)
    tens = np.where(cn, person("job_offer_salary_cny", period) / 10000, 0)
    return np.minimum(parameters(period).work_permit.salary.calc(tens), 20)


def _education(person, period, parameters):  # type: ignore[no-untyped-def]
    degree, vocational = (
        person("highest_degree_level", period),
        person("cn_vocational_level", period),
    )
    return np.select(
        [
            (degree >= DOCTORATE) | (vocational == VocationalLevel.senior_technician),
            (degree >= MASTER) | (vocational == VocationalLevel.technician),
            (degree >= BACHELOR) | (vocational == VocationalLevel.senior_worker),
        ],
        [20, 15, 10],
        0,
    )


def _experience(person, period, parameters):  # type: ignore[no-untyped-def]
    years = person("work_experience_years", period)
    return np.clip(np.where(years < 2, 0, 5 + np.floor(years - 2)), 0, 20)


def _months(person, period, parameters):  # type: ignore[no-untyped-def]
    cn = person("wp_job_in_china", period)
    months = np.where(cn, person("job_offer_cn_annual_months", period), 0)
    return np.minimum(parameters(period).work_permit.months_in_china.calc(months), 15)


def _chinese(person, period, parameters):  # type: ignore[no-untyped-def]
    fluent = person("former_chinese_national", period) | person("chinese_taught_degree", period)
    return np.where(fluent, 5, np.clip(person("hsk_level", period), 0, 5))


def _location(person, period, parameters):  # type: ignore[no-untyped-def]
    region = person("job_offer_cn_region_type", period)
    encouraged = (region == RegionType.western) | (region == RegionType.northeast_old_industrial)
    encouraged = encouraged | (region == RegionType.poverty_county)
    return np.where(person("wp_job_in_china", period) & encouraged, 10, 0)


def _age(person, period, parameters):  # type: ignore[no-untyped-def]
    return np.minimum(parameters(period).work_permit.age.calc(person("age", period)), 15)


def _extra(person, period, parameters):  # type: ignore[no-untyped-def]
    count = (
        person("high_level_foreign_university_graduate", period).astype(int)
        + person("fortune500_experience", period)
        + person("has_patents", period)
        + (person("cn_consecutive_years", period) >= 5)
    )
    return np.minimum(5 * count, 5)


def _local(person, period, parameters):  # type: ignore[no-untyped-def]
    return np.clip(person("cn_local_bonus_points", period), 0, 10)


FACTORS = [
    _points("wp_salary", "Points: annual salary", _salary),
    _points("wp_education", "Points: education or vocational qualification", _education),
    _points("wp_experience", "Points: related work experience", _experience),
    _points("wp_months_in_china", "Points: months a year in China", _months),
    _points("wp_chinese", "Points: Chinese language", _chinese),
    _points("wp_work_location", "Points: work location", _location),
    _points("wp_age", "Points: age", _age),
    _points("wp_extra", "Points: extra credit", _extra),
    _points("wp_local_bonus", "Points: local encouragement", _local),
]


class work_permit_points(Variable):
    value_type = float
    entity = Person
    definition_period = DateUnit.DAY
    label = "Work-permit points (provisional 2017 table)"
    reference = POINTS

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]
        return sum(person(f.__name__, period) for f in FACTORS)


ALL = [
    *FACTS,
    age,
    k_graduate_route,
    k_academic_route,
    k_eligible,
    wp_job_in_china,
    *FACTORS,
    work_permit_points,
]
