"""'Which visa fits me?': the guided form's answers, as a query string and as a Profile.

The answers live in the query string, so a result is a link that anyone can open again.
A blank answer stays unknown: the rules then say what it would decide, never guess.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from talentvisa.rules.profile import CEFR, DegreeLevel, ExperienceKind, FieldGroup, Profile
from talentvisa.web.i18n import N_
from talentvisa.web.messages import Msg

#: Every question of the form, in the order asked.
QUESTIONS = (
    "dob",
    "nationality",
    "residence",
    "passport",
    "degree",
    "field",
    "degree_country",
    "rank",
    "experience",
    "academic",
    "offer_country",
    "salary",
    "currency",
    "wage_level",
    "specialty",
    "english",
    "german",
    "hsk",
    "funds",
    "funds_currency",
    "spouse",
    "children",
    "on",
)
COUNTRY = re.compile(r"^[A-Za-z]{2}$")
CURRENCY = re.compile(r"^[A-Za-z]{3}$")


def answers_of(query: Mapping[str, str]) -> dict[str, str]:
    return {q: str(query.get(q, "")).strip() for q in QUESTIONS}


def _number(value: str, errors: dict[str, Msg], name: str, lo: float, hi: float) -> float | None:
    if not value:
        return None
    try:
        n = float(value.replace(",", ""))
    except ValueError:
        errors[name] = Msg(N_("Enter a number."))
        return None
    if not lo <= n <= hi:
        errors[name] = Msg(N_("Enter a number from %(lo)s to %(hi)s."), {"lo": lo, "hi": hi})
        return None
    return n


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def profile_of(answers: Mapping[str, str]) -> tuple[dict[str, Any], dt.date | None, dict[str, Msg]]:
    """The profile the answers describe, the evaluation date, and any errors by question."""
    errors: dict[str, Msg] = {}
    a = answers
    p: dict[str, Any] = {}
    if a["dob"]:
        try:
            born = dt.date.fromisoformat(a["dob"])
            if not dt.date(1900, 1, 1) <= born <= dt.date.today():
                raise ValueError
            p["date_of_birth"] = born.isoformat()
        except ValueError:
            errors["dob"] = Msg(N_("Enter a real date of birth, for example 1998-04-21."))
    for key, target in (("nationality", "nationalities"), ("residence", "current_country")):
        if a[key]:
            if not COUNTRY.match(a[key]):
                errors[key] = Msg(N_("Enter a two-letter country code, for example IN or BR."))
            else:
                p[target] = [a[key].upper()] if target == "nationalities" else a[key].upper()
    if a["passport"] in ("ordinary", "diplomatic", "service", "other"):
        p["passport_type"] = a["passport"]
    degree: dict[str, Any] = {}
    if a["degree"] in DegreeLevel.__members__:
        degree["level"] = a["degree"]
    if a["field"] in FieldGroup.__members__:
        degree["field"] = a["field"]
    if a["degree_country"]:
        if not COUNTRY.match(a["degree_country"]):
            errors["degree_country"] = Msg(
                N_("Enter a two-letter country code, for example IN or BR.")
            )
        else:
            degree["institution_country"] = a["degree_country"].upper()
    rank = _number(a["rank"], errors, "rank", 1, 100_000)
    if rank is not None:
        degree["institution_rank"] = int(rank)
    if degree:
        p["degrees"] = [degree]
    years = _number(a["experience"], errors, "experience", 0, 80)
    academic = _yes_no(a["academic"])
    if years is not None or academic is not None:
        job: dict[str, Any] = {"years": years or 0.0}
        if academic is not None:
            job["at_university_or_research_institution"] = academic
            job["kind"] = ExperienceKind.research.value if academic else None
            if academic:
                job["stem"] = True
                if rank is not None:
                    job["institution_rank"] = int(rank)
        p["experience"] = [{k: v for k, v in job.items() if v is not None}]
    if a["offer_country"]:
        if not COUNTRY.match(a["offer_country"]):
            errors["offer_country"] = Msg(
                N_("Enter a two-letter country code, for example IN or BR.")
            )
        else:
            offer: dict[str, Any] = {"country": a["offer_country"].upper()}
            salary = _number(a["salary"], errors, "salary", 0, 1e9)
            if salary is not None:
                offer["annual_salary"] = salary
            if a["currency"]:
                if CURRENCY.match(a["currency"]):
                    offer["currency"] = a["currency"].upper()
                else:
                    errors["currency"] = Msg(N_("Enter a three-letter currency code, e.g. EUR."))
            level = _number(a["wage_level"], errors, "wage_level", 1, 4)
            if level is not None:
                offer["wage_level"] = int(level)
            specialty = _yes_no(a["specialty"])
            if specialty is not None:
                offer["specialty_occupation"] = specialty
            p["has_job_offer"] = True
            p["job_offer"] = offer
    cefr = {
        lang: a[key]
        for key, lang in (("english", "en"), ("german", "de"))
        if a[key] in CEFR.__members__
    }
    hsk = _number(a["hsk"], errors, "hsk", 0, 9)
    if cefr or hsk is not None:
        p["languages"] = {"cefr": cefr or None, "hsk": None if hsk is None else int(hsk)}
    funds = _number(a["funds"], errors, "funds", 0, 1e10)
    if funds is not None:
        if not CURRENCY.match(a["funds_currency"]):
            errors["funds_currency"] = Msg(N_("Enter a three-letter currency code, e.g. EUR."))
        else:
            p["funds"] = {"amount": funds, "currency": a["funds_currency"].upper()}
    spouse = _yes_no(a["spouse"])
    children = _number(a["children"], errors, "children", 0, 30)
    if spouse is not None or children is not None:
        p["family"] = {"spouse": spouse, "children": None if children is None else int(children)}
    on = None
    if a["on"]:
        try:
            on = dt.date.fromisoformat(a["on"])
        except ValueError:
            errors["on"] = Msg(N_("Enter a date as YYYY-MM-DD."))
    if not errors:
        try:
            Profile.model_validate(p)
        except ValidationError:
            errors["_form"] = Msg(
                N_("Some of the information is not valid. Check it and try again.")
            )
    return p, on, errors
