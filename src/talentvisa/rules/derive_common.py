"""Derivations of the shared facts: aggregates over degrees, experience, the job offer and
languages (declared in programs/common/facts.yaml with `derive:`).

Aggregations over lists are three-valued: an entry with an unknown attribute makes the
aggregate unknown whenever it could change the answer. The helpers are public because country
folders' derive.py modules build on them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from talentvisa.rules.declarations import derivation
from talentvisa.rules.profile import (
    CEFR_ORDINAL,
    DEGREE_ORDINAL,
    NO_LANGUAGE,
    Degree,
    Experience,
    LanguageAbilities,
    Profile,
)
from talentvisa.rules.stem import is_stem

BACHELOR = DEGREE_ORDINAL["bachelor"]
MASTER = DEGREE_ORDINAL["master"]
TOP_DEGREE = max(DEGREE_ORDINAL.values())

#: The four abilities of a language test, in the order CLB results list them.
ABILITIES = ("reading", "writing", "listening", "speaking")


def any3(values: Iterable[bool | None]) -> bool | None:
    seen_unknown = False
    for v in values:
        if v is True:
            return True
        if v is None:
            seen_unknown = True
    return None if seen_unknown else False


def and3(*values: bool | None) -> bool | None:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def level(d: Degree) -> int | None:
    return None if d.level is None else DEGREE_ORDINAL[d.level.value]


def at_least(d: Degree, lvl: int) -> bool | None:
    got = level(d)
    return None if got is None else got >= lvl


def eq(value: object, expected: object) -> bool | None:
    return None if value is None else value == expected


def degree_stem(d: Degree) -> bool | None:
    return is_stem(d.stem, d.cip, d.field.value if d.field else None)


def max_level(degrees: list[Degree], qualifies: Callable[[Degree], bool | None]) -> int | None:
    """Highest level among degrees that qualify; unknown if an unsure degree could be higher."""
    best = 0
    for d in degrees:
        if qualifies(d) is True and level(d) is not None:
            best = max(best, level(d) or 0)
    for d in degrees:
        q, lvl = qualifies(d), level(d)
        if q is False or (q is True and lvl is not None):
            continue
        if (lvl if lvl is not None else TOP_DEGREE) > best:
            return None
    return best


def best_rank(ranks: list[int | None], unsure: bool) -> int | None:
    """Best (lowest) rank, but unknown if any qualifying entry's rank or status is unknown."""
    if unsure or any(r is None for r in ranks) or not ranks:
        return None
    return min(r for r in ranks if r is not None)


def ranked(degrees: list[Degree], qualifies: Callable[[Degree], bool | None]) -> int | None:
    """Best institution rank among the degrees that qualify (see :func:`best_rank`)."""
    status = [(d, qualifies(d)) for d in degrees]
    return best_rank(
        [d.institution_rank for d, q in status if q is True],
        unsure=any(q is None for _, q in status),
    )


def master_in(d: Degree, *, china: bool) -> bool | None:
    """A master's or doctorate from a university in China (or, china=False, outside it)."""
    where = None if d.institution_country is None else (d.institution_country == "CN") == china
    return and3(at_least(d, MASTER), where)


def on_degrees(name: str) -> Callable[[Callable[[list[Degree]], Any]], Any]:
    """Register a derivation over the degrees; unknown when no degrees were given at all."""

    def register(fn: Callable[[list[Degree]], Any]) -> Any:
        derivation(name)(lambda p: None if p.degrees is None else fn(p.degrees))
        return fn

    return register


def on_experience(name: str) -> Callable[[Callable[[list[Experience]], Any]], Any]:
    def register(fn: Callable[[list[Experience]], Any]) -> Any:
        derivation(name)(lambda p: None if p.experience is None else fn(p.experience))
        return fn

    return register


# --- degrees --------------------------------------------------------------------------------


@on_degrees("highest_degree_level")
def _highest(degrees: list[Degree]) -> int | None:
    return max_level(degrees, lambda d: True)


@on_degrees("stem_degree_level")
def _stem_level(degrees: list[Degree]) -> int | None:
    return max_level(degrees, degree_stem)


@on_degrees("stem_degree_best_rank")
def _stem_rank(degrees: list[Degree]) -> int | None:
    return ranked(degrees, lambda d: and3(degree_stem(d), at_least(d, BACHELOR)))


@on_degrees("chinese_taught_degree")
def _chinese_taught(degrees: list[Degree]) -> bool | None:
    return any3(and3(at_least(d, BACHELOR), d.taught_in_chinese) for d in degrees)


@on_degrees("high_level_foreign_university_graduate")
def _high_level(degrees: list[Degree]) -> bool | None:
    return any3(d.high_level_foreign_university for d in degrees)


@on_degrees("latest_graduation_date")
def _latest(degrees: list[Degree]) -> Any:
    dates = [d.graduation_date for d in degrees]
    if not dates or any(x is None for x in dates):
        return None
    return max(x for x in dates if x is not None)


@on_degrees("master_plus_best_rank")
def _master_rank(degrees: list[Degree]) -> int | None:
    return ranked(degrees, lambda d: at_least(d, MASTER))


@on_degrees("foreign_master_plus_graduate")
def _foreign_master(degrees: list[Degree]) -> bool | None:
    return any3(master_in(d, china=False) for d in degrees)


@on_degrees("foreign_master_plus_best_rank")
def _foreign_master_rank(degrees: list[Degree]) -> int | None:
    return ranked(degrees, lambda d: master_in(d, china=False))


# --- experience -----------------------------------------------------------------------------


def academic(e: Experience) -> bool | None:
    kind = None if e.kind is None else e.kind.value in ("research", "teaching")
    return and3(kind, e.at_university_or_research_institution, e.stem)


def postdoc(e: Experience) -> bool | None:
    kind = None if e.kind is None else e.kind.value == "research"
    return and3(kind, e.after_doctorate)


def years_where(exp: list[Experience], counts: Callable[[Experience], bool | None]) -> float | None:
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


@on_experience("work_experience_years")
def _work_years(exp: list[Experience]) -> float | None:
    years = [e.years for e in exp]
    return None if any(y is None for y in years) else sum(y for y in years if y is not None)


@on_experience("stem_academic_role")
def _academic_role(exp: list[Experience]) -> bool | None:
    return any3(academic(e) for e in exp)


@on_experience("stem_academic_best_rank")
def _academic_rank(exp: list[Experience]) -> int | None:
    status = [(e, academic(e)) for e in exp]
    return best_rank(
        [e.institution_rank for e, q in status if q is True],
        unsure=any(q is None for _, q in status),
    )


@on_experience("fortune500_experience")
def _f500(exp: list[Experience]) -> bool | None:
    return any3(e.fortune_global_500 for e in exp)


@on_experience("fortune500_years")
def _f500_years(exp: list[Experience]) -> float | None:
    return years_where(exp, lambda e: e.fortune_global_500)


@on_experience("postdoc_research_years")
def _postdoc_years(exp: list[Experience]) -> float | None:
    return years_where(exp, postdoc)


@on_experience("teaching_experience_years")
def _teaching_years(exp: list[Experience]) -> float | None:
    return years_where(exp, lambda e: None if e.kind is None else e.kind.value == "teaching")


@on_experience("postdoc_top_institute_years")
def _postdoc_top_years(exp: list[Experience]) -> float | None:
    return years_where(exp, lambda e: and3(postdoc(e), e.top_research_institute))


# --- job offer and languages ----------------------------------------------------------------


@derivation("has_job_offer")
def _has_job_offer(p: Profile) -> bool | None:
    return True if p.job_offer is not None else p.has_job_offer


def cefr(level: str | None) -> int | None:
    """A CEFR level as its ordinal; 0 for "none" (a definite answer), None if not given."""
    if level is None:
        return None
    return 0 if level == NO_LANGUAGE else CEFR_ORDINAL[level]


def _cefr_of(language: str) -> Callable[[Profile], int | None]:
    def get(p: Profile) -> int | None:
        if p.languages is None:
            return None
        return cefr((p.languages.cefr or {}).get(language))

    return get


derivation("cefr_english")(_cefr_of("en"))
derivation("cefr_german")(_cefr_of("de"))


def lowest(levels: LanguageAbilities | None) -> int | None:
    """The lowest of the four abilities; unknown if any of them is."""
    if levels is None:
        return None
    values = [getattr(levels, a) for a in ABILITIES]
    return None if any(v is None for v in values) else min(v for v in values if v is not None)


def clb(p: Profile) -> dict[str, LanguageAbilities]:
    """CLB (English) or NCLC (French) results by language; empty when none are given."""
    given = (p.languages.clb if p.languages else None) or {}
    return {str(lang): levels for lang, levels in given.items()}


derivation("clb_english_min")(lambda p: lowest(clb(p).get("en")))
derivation("nclc_french_min")(lambda p: lowest(clb(p).get("fr")))
