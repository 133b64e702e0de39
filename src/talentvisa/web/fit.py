"""'Which visa fits me?': the guided form's answers, as a query string and as a Profile.

The answers live in the query string, so a result is a link that anyone can open again.
A blank answer stays unknown: the rules then say what it would decide, never guess.

The form has five short steps that every program uses, and an optional sixth with what only
some countries' programs read (`MORE`: Canada, Germany, Korea, New Zealand, the UK). A visitor
who skips it sees those programs as unknown, with the missing answers named.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from talentvisa.rules.profile import (
    CEFR,
    CLB_TOP,
    NO_LANGUAGE,
    CaCanadianStudy,
    CaEducation,
    DegreeLevel,
    ExperienceKind,
    FieldGroup,
    NzQualification,
    Profile,
    QualificationRecognition,
)
from talentvisa.web.code_lists import known_country, known_currency
from talentvisa.web.i18n import N_
from talentvisa.web.labels import LABELS
from talentvisa.web.messages import Msg

#: The questions of the five main steps, in the order asked.
BASIC = (
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
    "has_offer",
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
PICK_COUNTRY = N_("Choose a country from the list.")
PICK_CURRENCY = N_("Choose a currency from the list.")
NOC = re.compile(r"^\d{5}$")

Kind = Literal["yesno", "number", "choice", "date", "text"]


@dataclass(frozen=True)
class Q:
    """One further question: how it is asked, checked, and where the answer goes."""

    name: str
    label: str  # msgid
    kind: Kind
    path: tuple[str, ...] = ()  # where in the profile; () for the answers handled in code
    hint: str | None = None  # msgid
    lo: float = 0
    hi: float = 0
    integer: bool = False
    choices: str | None = None  # a table of web/labels.py
    values: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    pattern_error: str | None = None  # msgid


@dataclass(frozen=True)
class Group:
    """Questions asked together, e.g. the four abilities of a language test."""

    legend: str  # msgid
    questions: tuple[Q, ...]
    hint: str | None = None


@dataclass(frozen=True)
class Section:
    id: str
    title: str  # msgid
    items: tuple[Q | Group, ...]
    programs: tuple[str, ...] = field(default_factory=tuple)

    def questions(self) -> list[Q]:
        out: list[Q] = []
        for item in self.items:
            out.extend(item.questions if isinstance(item, Group) else (item,))
        return out


ABILITIES = (
    ("r", "reading", N_("Reading")),
    ("w", "writing", N_("Writing")),
    ("l", "listening", N_("Listening")),
    ("s", "speaking", N_("Speaking")),
)


def _abilities(prefix: str, path: tuple[str, ...]) -> tuple[Q, ...]:
    return tuple(
        Q(f"{prefix}_{short}", label, "number", (*path, ability), lo=0, hi=CLB_TOP, integer=True)
        for short, ability, label in ABILITIES
    )


def _years(name: str, label: str, path: tuple[str, ...], hint: str | None = None) -> Q:
    return Q(name, label, "number", path, hint=hint, lo=0, hi=80)


#: The optional sixth step: what only some programs read, grouped by country.
MORE: tuple[Section, ...] = (
    Section(
        "canada",
        N_("Canada: Express Entry"),
        (
            Q(
                "ca_class",
                N_("Do you meet the requirements of a federal class of Express Entry?"),
                "yesno",
                ("canada", "federal_program_eligible"),
                hint=N_(
                    "Federal Skilled Worker, Canadian Experience or Federal Skilled Trades, "
                    "as assessed."
                ),
            ),
            Q(
                "ca_first",
                N_("Your first official language"),
                "choice",
                ("canada", "first_official_language"),
                choices="official_language",
                hint=N_("The language you declare first; the other is your second."),
            ),
            Group(
                N_("English test result: CLB level of each ability"),
                _abilities("clb_en", ("languages", "clb", "en")),
                hint=N_("0 to 12; 0 if you have not taken a test."),
            ),
            Group(
                N_("French test result: NCLC level of each ability"),
                _abilities("clb_fr", ("languages", "clb", "fr")),
                hint=N_("0 to 12; 0 if you have not taken a test."),
            ),
            Q(
                "ca_education",
                N_("Level of education, as Express Entry counts it"),
                "choice",
                ("canada", "education"),
                choices="ca_education",
                hint=N_("A Canadian credential, or a foreign one with an assessment (ECA)."),
            ),
            _years(
                "ca_work",
                N_("Years of skilled work in Canada"),
                ("canada", "canadian_skilled_work_years"),
                hint=N_("Full-time, in NOC TEER 0 to 3 jobs."),
            ),
            _years(
                "ca_foreign_work",
                N_("Years of skilled work outside Canada"),
                ("canada", "foreign_skilled_work_years"),
            ),
            Q(
                "ca_study",
                N_("Post-secondary study completed in Canada"),
                "choice",
                ("canada", "canadian_study"),
                choices="ca_study",
            ),
            Q(
                "ca_certificate",
                N_("Do you hold a certificate of qualification in a trade from a province?"),
                "yesno",
                ("canada", "certificate_of_qualification"),
            ),
            Q(
                "ca_nomination",
                N_("Do you have a provincial or territorial nomination?"),
                "yesno",
                ("canada", "provincial_nomination"),
            ),
            Q(
                "ca_sibling",
                N_("Does a brother or sister live in Canada as a citizen or permanent resident?"),
                "yesno",
                ("canada", "sibling_in_canada"),
                hint=N_("Yours or your spouse's, aged 18 or older."),
            ),
            Q(
                "ca_offer",
                N_("Is your job offer a qualifying Express Entry offer?"),
                "yesno",
                ("canada", "qualifying_job_offer"),
                hint=N_("Full-time, for at least a year, supported by an LMIA or exempt."),
            ),
            Q(
                "noc",
                N_("NOC code of the job offered"),
                "text",
                ("job_offer", "noc_code"),
                hint=N_("Five digits, for example 21231."),
                pattern=NOC,
                pattern_error=N_("Enter the five digits of the NOC code, for example 21231."),
            ),
            Q(
                "spouse_with",
                N_("Would your spouse or partner come with you?"),
                "yesno",
                ("family", "spouse_accompanying"),
            ),
            Q(
                "spouse_ca",
                N_("Is your spouse or partner a Canadian citizen or permanent resident?"),
                "yesno",
                ("family", "spouse_canadian_citizen_or_pr"),
            ),
            Q(
                "spouse_education",
                N_("Your spouse's or partner's level of education"),
                "choice",
                ("canada", "spouse_education"),
                choices="ca_education",
            ),
            Group(
                N_("Your spouse's or partner's test result: CLB or NCLC level of each ability"),
                _abilities("clb_sp", ("canada", "spouse_language")),
                hint=N_("In their first official language; 0 if they have not taken a test."),
            ),
            _years(
                "spouse_ca_work",
                N_("Your spouse's or partner's years of skilled work in Canada"),
                ("canada", "spouse_canadian_skilled_work_years"),
            ),
        ),
        ("ca-express-entry",),
    ),
    Section(
        "germany",
        N_("Germany: Opportunity Card and EU Blue Card"),
        (
            Q(
                "de_recognition",
                N_("Is your qualification recognised in Germany?"),
                "choice",
                ("germany", "qualification_recognition"),
                choices="recognition",
            ),
            Q(
                "de_basic",
                N_(
                    "Is your degree, or a vocational qualification of 2 years or more, "
                    "recognised by the state where you obtained it?"
                ),
                "yesno",
                ("germany", "basic_qualification"),
            ),
            Q(
                "de_shortage",
                N_("Is your qualification in an occupation Germany lacks workers for?"),
                "yesno",
                ("germany", "shortage_occupation_qualification"),
            ),
            Q(
                "de_exp5",
                N_("Years of work in your profession in the last 5 years"),
                "number",
                ("germany", "experience_years_last_5"),
                lo=0,
                hi=5,
            ),
            Q(
                "de_exp7",
                N_("Years of work in your profession in the last 7 years"),
                "number",
                ("germany", "experience_years_last_7"),
                lo=0,
                hi=7,
            ),
            Q(
                "de_stay",
                N_("Have you stayed in Germany lawfully for 6 months or more in the last 5 years?"),
                "yesno",
                ("germany", "prior_stay_6_months"),
            ),
            Q(
                "de_partner",
                N_("Does your spouse or partner apply for an Opportunity Card with you?"),
                "yesno",
                ("germany", "partner_applies_jointly"),
            ),
            Q(
                "de_livelihood",
                N_(
                    "Can you prove your living costs with a declaration of commitment or a "
                    "part-time job contract?"
                ),
                "yesno",
                ("germany", "livelihood_other_proof"),
            ),
            Q(
                "offer_shortage",
                N_("Is the job offered in a shortage occupation?"),
                "yesno",
                ("job_offer", "shortage_occupation"),
            ),
            Q(
                "offer_it",
                N_("Is the job offered for an IT specialist?"),
                "yesno",
                ("job_offer", "it_specialist"),
            ),
        ),
        ("de-opportunity-card", "de-blue-card"),
    ),
    Section(
        "degree",
        N_("Your degree: for Korea, the UK and Germany"),
        (
            Q(
                "university",
                N_("Name of the university of your highest degree"),
                "text",
                ("degree", "institution"),
                hint=N_("As it calls itself in English, e.g. University of Toronto."),
            ),
            Q(
                "graduated",
                N_("Date you were awarded that degree"),
                "date",
                ("degree", "graduation_date"),
            ),
        ),
        ("uk-hpi", "kr-kstar", "de-blue-card"),
    ),
    Section(
        "korea",
        N_("South Korea: top-tier visa, K-STAR and F-2-7"),
        (
            Q(
                "sector",
                N_("Industry of the job offered"),
                "choice",
                ("job_offer", "sector"),
                choices="sector",
            ),
            _years("f500_years", N_("Years worked at Fortune Global 500 companies"), ()),
            _years("postdoc_years", N_("Years of research after your doctorate"), ()),
            _years(
                "postdoc_top_years",
                N_("Of these, years at top global research institutes"),
                (),
            ),
            Q(
                "kr_recommendation",
                N_("Has the president of a Korean university recommended you (K-STAR)?"),
                "yesno",
                ("korea", "university_president_recommendation"),
            ),
            Q(
                "kr_category",
                N_("Are you in one of the five F-2-7 applicant categories?"),
                "yesno",
                ("korea", "f27_applicant_category"),
            ),
            _years("kr_stay", N_("Years of lawful stay in Korea"), ("korea", "lawful_stay_years")),
            Q(
                "kr_income",
                N_("Annual income in Korea, in won (KRW)"),
                "number",
                ("korea", "annual_income_krw"),
                lo=0,
                hi=1e13,
            ),
        ),
        ("kr-top-tier", "kr-kstar", "kr-f27"),
    ),
    Section(
        "new_zealand",
        N_("New Zealand: Skilled Migrant Category"),
        (
            Q(
                "hourly_rate",
                N_("Hourly rate offered"),
                "number",
                ("job_offer", "hourly_rate"),
                hint=N_("In the currency of the salary (NZD for a New Zealand job)."),
                lo=0,
                hi=1e6,
            ),
            Q(
                "hours",
                N_("Hours a week guaranteed"),
                "number",
                ("job_offer", "hours_per_week"),
                lo=0,
                hi=168,
            ),
            Q(
                "permanent",
                N_("Is the job permanent, or for at least 12 months?"),
                "yesno",
                ("job_offer", "permanent_or_12_months"),
            ),
            Q(
                "accredited",
                N_("Is the employer accredited by Immigration New Zealand?"),
                "yesno",
                ("job_offer", "accredited_employer"),
            ),
            Q(
                "anzsco",
                N_("ANZSCO skill level of the job (1 to 5)"),
                "number",
                ("job_offer", "anzsco_skill_level"),
                lo=1,
                hi=5,
                integer=True,
            ),
            Q(
                "trades",
                N_("Is the job on New Zealand's list of specified trades and technician roles?"),
                "yesno",
                ("job_offer", "trades_technician_role"),
            ),
            Q(
                "nz_qual_type",
                N_("Your best qualification, as New Zealand counts it"),
                "choice",
                ("new_zealand", "qualification_type"),
                choices="nz_qualification",
                hint=N_("For an overseas qualification, as assessed by NZQA."),
            ),
            Q(
                "nz_qual_level",
                N_("Its level on the New Zealand framework (1 to 10)"),
                "number",
                ("new_zealand", "qualification_level"),
                lo=1,
                hi=10,
                integer=True,
            ),
            Q(
                "nz_registration",
                N_("Years of training for your New Zealand occupational registration"),
                "number",
                ("new_zealand", "registration_training_years"),
                hint=N_("0 if you have no such registration."),
                lo=0,
                hi=20,
            ),
            _years(
                "nz_work",
                N_("Years of skilled work in New Zealand"),
                ("new_zealand", "skilled_work_years"),
            ),
            _years(
                "nz_relevant",
                N_("Years of work directly relevant to the job"),
                ("new_zealand", "relevant_work_years"),
            ),
            _years(
                "nz_post_qual",
                N_("Years of work since your qualification"),
                ("new_zealand", "post_qualification_years"),
            ),
            Q(
                "nz_lowest_rate",
                N_("Lowest hourly rate during your work in New Zealand, in NZD"),
                "number",
                ("new_zealand", "nz_work_lowest_hourly_rate"),
                lo=0,
                hi=1e6,
            ),
        ),
        ("nz-smc",),
    ),
    Section(
        "uk",
        N_("United Kingdom: High Potential Individual"),
        (
            Q(
                "months_here",
                N_("Months you have lived lawfully in the country where you live now"),
                "number",
                ("months_in_current_country",),
                lo=0,
                hi=1200,
            ),
        ),
        ("uk-hpi",),
    ),
)

#: Every question of the form: the five steps, then the optional sixth.
QUESTIONS = BASIC + tuple(q.name for s in MORE for q in s.questions())
#: Further questions whose answer belongs to the job offer, asked only with one.
OFFER_QUESTIONS = {q.name for s in MORE for q in s.questions() if q.path[:1] == ("job_offer",)}


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
    if not math.isfinite(n):  # "1e400" parses, as infinity
        errors[name] = Msg(N_("Enter a number."))
        return None
    if not lo <= n <= hi:
        errors[name] = Msg(N_("Enter a number from %(lo)s to %(hi)s."), {"lo": lo, "hi": hi})
        return None
    return n


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _put(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


def _more(a: Mapping[str, str], errors: dict[str, Msg]) -> dict[str, Any]:
    """The answers of the optional step, nested as the profile nests them."""
    out: dict[str, Any] = {}
    for section in MORE:
        for q in section.questions():
            raw = a[q.name]
            if not raw or not q.path:
                continue
            value: Any = None
            if q.kind == "yesno":
                value = _yes_no(raw)
            elif q.kind == "choice":
                table = LABELS[q.choices] if q.choices else dict.fromkeys(q.values)
                value = raw if raw in table and raw else None
            elif q.kind == "number":
                n = _number(raw, errors, q.name, q.lo, q.hi)
                if n is not None and q.integer and n != int(n):
                    errors[q.name] = Msg(N_("Enter a whole number."))
                    n = None
                value = None if n is None else (int(n) if q.integer else n)
            elif q.kind == "date":
                try:
                    value = dt.date.fromisoformat(raw).isoformat()
                except ValueError:
                    errors[q.name] = Msg(N_("Enter a date as YYYY-MM-DD."))
            elif q.pattern is not None and not q.pattern.match(raw):
                errors[q.name] = Msg(q.pattern_error or N_("Enter a number."))
            else:
                value = raw
            if value is not None:
                _put(out, q.path, value)
    return out


def _experience(
    a: Mapping[str, str], errors: dict[str, Msg], rank: float | None
) -> list[dict[str, Any]] | None:
    """Work experience as profile entries: the years at Fortune Global 500 companies and
    after the doctorate (asked in the optional step) are entries of their own."""
    years = _number(a["experience"], errors, "experience", 0, 80)
    academic = _yes_no(a["academic"])
    f500 = _number(a["f500_years"], errors, "f500_years", 0, 80)
    postdoc = _number(a["postdoc_years"], errors, "postdoc_years", 0, 80)
    top = _number(a["postdoc_top_years"], errors, "postdoc_top_years", 0, 80)
    if top is not None and (postdoc is None or top > postdoc):
        errors["postdoc_top_years"] = Msg(
            N_("This cannot be more than your years of research after the doctorate.")
        )
        return None
    apart = (f500 or 0.0) + (postdoc or 0.0)
    if years is not None and apart > years:
        errors["f500_years" if f500 else "postdoc_years"] = Msg(
            N_("These years add up to more than your years of work experience.")
        )
        return None
    if years is None and academic is None and f500 is None and postdoc is None:
        return None
    entries: list[dict[str, Any]] = []
    if f500:
        entries.append(
            {
                "years": f500,
                "fortune_global_500": True,
                "after_doctorate": False,
                "at_university_or_research_institution": False,
            }
        )
    if postdoc:
        research: dict[str, Any] = {"kind": ExperienceKind.research.value, "after_doctorate": True}
        if academic is not None:
            research["at_university_or_research_institution"] = academic
            research["stem"] = True if academic else None
        if f500 is not None:
            research["fortune_global_500"] = False
        if top is not None:
            if top:
                entries.append({**research, "years": top, "top_research_institute": True})
            if postdoc - top:
                entries.append(
                    {**research, "years": postdoc - top, "top_research_institute": False}
                )
        else:
            entries.append({**research, "years": postdoc})
    rest: dict[str, Any] = {"years": None if years is None else years - apart}
    if f500 is not None:
        rest["fortune_global_500"] = False
    if postdoc is not None:
        rest["after_doctorate"] = False
    if academic is not None:
        rest["at_university_or_research_institution"] = academic
        rest["kind"] = ExperienceKind.research.value if academic else None
        if academic:
            rest["stem"] = True
            if rank is not None:
                rest["institution_rank"] = int(rank)
    if rest["years"] != 0 or academic is not None or not entries:
        entries.append({k: v for k, v in rest.items() if v is not None})
    return entries


def profile_of(answers: Mapping[str, str]) -> tuple[dict[str, Any], dt.date | None, dict[str, Msg]]:
    """The profile the answers describe, the evaluation date, and any errors by question."""
    errors: dict[str, Msg] = {}
    a = answers
    p: dict[str, Any] = {}
    more = _more(a, errors)
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
            if not known_country(a[key].upper()):
                errors[key] = Msg(PICK_COUNTRY)
            else:
                p[target] = [a[key].upper()] if target == "nationalities" else a[key].upper()
    if a["passport"] in ("ordinary", "diplomatic", "service", "other"):
        p["passport_type"] = a["passport"]
    degree: dict[str, Any] = dict(more.pop("degree", {}))
    if a["degree"] in DegreeLevel.__members__:
        degree["level"] = a["degree"]
    if a["field"] in FieldGroup.__members__:
        degree["field"] = a["field"]
    if a["degree_country"]:
        if not known_country(a["degree_country"].upper()):
            errors["degree_country"] = Msg(PICK_COUNTRY)
        else:
            degree["institution_country"] = a["degree_country"].upper()
    rank = _number(a["rank"], errors, "rank", 1, 100_000)
    if rank is not None:
        degree["institution_rank"] = int(rank)
    if a["degree"] == "none":
        # "No degree" is an answer: every degree requirement is then definitely not met.
        if degree:
            errors["degree"] = Msg(N_("You chose no degree but answered about one."))
        p["degrees"] = []
    elif degree:
        p["degrees"] = [degree]
    experience = _experience(a, errors, rank)
    if experience is not None:
        p["experience"] = experience
    offer_more: dict[str, Any] = more.pop("job_offer", {})
    has_offer = _yes_no(a["has_offer"])
    if has_offer is False:
        # "No job offer" is an answer: programs that need one then say no, not unknown.
        p["has_job_offer"] = False
        if a["offer_country"]:
            errors["offer_country"] = Msg(N_("You said you have no job offer."))
    elif has_offer:
        p["has_job_offer"] = True
    if a["offer_country"] and has_offer is not False:
        if not known_country(a["offer_country"].upper()):
            errors["offer_country"] = Msg(PICK_COUNTRY)
        else:
            offer: dict[str, Any] = {"country": a["offer_country"].upper(), **offer_more}
            salary = _number(a["salary"], errors, "salary", 0, 1e12)
            if salary is not None:
                offer["annual_salary"] = salary
            if a["currency"]:
                if known_currency(a["currency"].upper()):
                    offer["currency"] = a["currency"].upper()
                else:
                    errors["currency"] = Msg(PICK_CURRENCY)
            level = _number(a["wage_level"], errors, "wage_level", 1, 4)
            if level is not None:
                offer["wage_level"] = int(level)
            specialty = _yes_no(a["specialty"])
            if specialty is not None:
                offer["specialty_occupation"] = specialty
            p["has_job_offer"] = True
            p["job_offer"] = offer
    else:
        for name in sorted(OFFER_QUESTIONS):
            if a[name] and name not in errors:
                errors[name] = Msg(N_("This is about a job offer: give its country in step 3 too."))
    cefr = {
        lang: a[key]
        for key, lang in (("english", "en"), ("german", "de"))
        if a[key] in CEFR.__members__ or a[key] == NO_LANGUAGE
    }
    hsk = _number(a["hsk"], errors, "hsk", 0, 9)
    languages: dict[str, Any] = more.pop("languages", {})
    if cefr or hsk is not None:
        languages |= {"cefr": cefr or None, "hsk": None if hsk is None else int(hsk)}
    if languages:
        p["languages"] = languages
    funds = _number(a["funds"], errors, "funds", 0, 1e12)
    if funds is not None:
        if not known_currency(a["funds_currency"].upper()):
            errors["funds_currency"] = Msg(PICK_CURRENCY)
        else:
            p["funds"] = {"amount": funds, "currency": a["funds_currency"].upper()}
    spouse = _yes_no(a["spouse"])
    children = _number(a["children"], errors, "children", 0, 30)
    family: dict[str, Any] = more.pop("family", {})
    if spouse is not None or children is not None:
        family |= {"spouse": spouse, "children": None if children is None else int(children)}
    if family:
        p["family"] = family
    p |= more  # canada, germany, korea, new_zealand, months_in_current_country
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


def section_open(section: Section, answers: Mapping[str, str], errors: Mapping[str, Any]) -> bool:
    """A section of the optional step shows open when it holds an answer or an error."""
    return any(answers.get(q.name) or q.name in errors for q in section.questions())


#: Profile enums the further questions offer (a test checks each has its labels).
CHOICE_ENUMS = {
    "ca_education": CaEducation,
    "ca_study": CaCanadianStudy,
    "recognition": QualificationRecognition,
    "nz_qualification": NzQualification,
}
