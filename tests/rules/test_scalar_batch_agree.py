"""The scalar engine (engine.assess) and the batch path (batch.assess_population) must agree.

The property tests draw batches of random, mostly incomplete profiles and a random date, assess
every built-in program both ways and compare outcome, criteria, points bounds, tiers and fee
statuses row by row. The unit tests pin the Kleene (three-valued) semantics of the expression
language in both evaluators.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talentvisa.rules import Profile, assess, builtin_catalog
from talentvisa.rules.assessment import Assessment
from talentvisa.rules.batch import assess_population, from_profiles, schema
from talentvisa.rules.closures import compile_expression
from talentvisa.rules.compiled import CompiledProgram, compile_program
from talentvisa.rules.declarations import FactDecl, declarations
from talentvisa.rules.expr import parse
from talentvisa.rules.facts import ABILITIES
from talentvisa.rules.model import Benefits, Program
from talentvisa.rules.params import NO_SETTINGS, DeployerValue, Settings, resolve_all
from talentvisa.rules.profile import (
    CEFR,
    CnRegionType,
    CnVocationalLevel,
    DegreeLevel,
    ExperienceKind,
    FieldGroup,
    PetitionType,
)
from talentvisa.rules.scalar import Interval, evaluate
from talentvisa.rules.vector import ProgramCompiler, _e

CATALOG: dict[str, CompiledProgram] = builtin_catalog()
PROGRAMS: list[CompiledProgram] = list(CATALOG.values())

FIRST_DAY, LAST_DAY = dt.date(2024, 1, 1), dt.date(2027, 6, 30)
COUNTRIES = ["IN", "CN", "US", "DE", "GB", "CA", "RU", "FR", "JP", "NG", "BR", "KR", "NZ"]
OUTCOME = {None: "unknown", True: "eligible", False: "ineligible"}

PROPERTY = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- strategies ---------------------------------------------------------------------------


def halves(lo: int, hi: int) -> st.SearchStrategy[float]:
    """lo..hi in steps of 0.5 (edges such as 2, 3, 5, 6 and 9 hit exactly), or any float."""
    return st.one_of(
        st.integers(lo * 2, hi * 2).map(lambda n: n / 2),
        st.floats(lo, hi, allow_nan=False, allow_infinity=False),
    )


def _edge_dates() -> list[dt.date]:
    """Every date on which some program's rules change, with the days either side."""
    days: set[dt.date] = set()
    for cp in PROGRAMS:
        p = cp.program
        days |= {d for d in (p.in_force.start, p.in_force.before, p.coverage_from) if d}
        for param in p.parameters.values():
            days |= {d for v in param.values for d in (v.start, v.before) if d}
    near = {d + dt.timedelta(days=k) for d in days for k in (-1, 0, 1)}
    return sorted(d for d in near if FIRST_DAY <= d <= LAST_DAY)


EDGE_DATES = _edge_dates()
dates = st.one_of(
    st.dates(FIRST_DAY, LAST_DAY),
    *([st.sampled_from(EDGE_DATES)] if EDGE_DATES else []),
)


def years_before(on: dt.date, years: int) -> dt.date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def birth_dates(on: dt.date) -> st.SearchStrategy[dt.date]:
    """Birthdays that put the age on `on` at, just under or just over a band edge."""
    ages = st.sampled_from(
        [0, 17, 18, 19, 20, 25, 26, 27, 29, 30, 31, 35, 41, 44, 45, 46, 55, 56, 59, 60, 61, 62, 80]
    )
    around = st.builds(
        lambda age, days: years_before(on, age) + dt.timedelta(days=days),
        ages,
        st.sampled_from([-1, 0, 0, 1]),
    )
    leap = st.sampled_from([dt.date(1980, 2, 29), dt.date(2000, 2, 29), dt.date(1964, 2, 29)])
    return st.one_of(around, around, leap, st.dates(dt.date(1940, 1, 1), dt.date(2012, 12, 31)))


@st.composite
def record(draw: st.DrawFn, fields: dict[str, Any], unknown: int) -> dict[str, Any]:
    """Each field is left out (unknown) with probability `unknown` / 10.

    A field's strategy may be a function of `unknown`, so nested records share the rate.
    """
    out: dict[str, Any] = {}
    for key, strategy in fields.items():
        if draw(st.integers(0, 9)) >= unknown:
            out[key] = draw(strategy(unknown) if callable(strategy) else strategy)
    return out


DEGREE = {
    "level": st.sampled_from([x.value for x in DegreeLevel]),
    "cip": st.sampled_from(["11.0701", "14", "14.0901", "26.0101", "52.0201", "45.06", "23"]),
    "field": st.sampled_from([x.value for x in FieldGroup]),
    "stem": st.booleans(),
    "institution_country": st.sampled_from(COUNTRIES),
    "institution_rank": st.sampled_from([1, 2, 5, 35, 45, 46, 100, 101, 200, 201, 500, 999]),
    "high_level_foreign_university": st.booleans(),
    "taught_in_chinese": st.booleans(),
    # up to today: a profile refuses a graduation date in the future
    "graduation_date": st.one_of(
        st.dates(dt.date(1990, 1, 1), dt.date.today()),
        st.sampled_from([dt.date(2021, 11, 1), dt.date(2022, 6, 1), dt.date(2022, 10, 31)]),
    ),
    # names on (and off) the reference lists: HPI top-50 2021/22, K-STAR
    "institution": st.sampled_from(
        ["MIT", "Harvard University", "KAIST", "UNIST", "Seoul National University", "Nowhere U"]
    ),
}
EXPERIENCE = {
    "kind": st.sampled_from([x.value for x in ExperienceKind]),
    "country": st.sampled_from(COUNTRIES),
    "at_university_or_research_institution": st.booleans(),
    "stem": st.booleans(),
    "institution_rank": st.sampled_from([1, 5, 45, 100, 101, 200, 500, 999]),
    "years": halves(0, 8),
    "fortune_global_500": st.booleans(),
    "after_doctorate": st.booleans(),
    "top_research_institute": st.booleans(),
}
EMPLOYER = {
    "name": st.just("Acme"),
    "fte": st.sampled_from([0, 1, 24, 25, 26, 49, 50, 51, 1000]),
    "nonprofit": st.booleans(),
    "acwia_exempt": st.booleans(),
    "h1b_dependent": st.booleans(),
    "cap_exempt": st.booleans(),
}
PETITION = {
    "type": st.sampled_from([x.value for x in PetitionType]),
    "consular_notification": st.booleans(),
    "exception_granted": st.booleans(),
}
JOB_OFFER = {
    "country": st.sampled_from(["CN", "CN", "US", "US", "DE", "GB", "KR", "NZ", "CA"]),
    "employer": lambda u: record(EMPLOYER, u),
    # 0 and 40k..500k in 10k steps: every salary band edge (50k, 70k, 150k ... 450k) is hit
    "annual_salary": st.one_of(
        st.integers(4, 50).map(lambda k: k * 10_000.0),
        st.just(0.0),
        st.floats(0, 1e6, allow_nan=False, allow_infinity=False),
    ),
    "currency": st.sampled_from(["CNY", "CNY", "USD", "EUR", "KRW", "NZD", "GBP"]),
    "occupation_code": st.sampled_from(["15-1252", "17-2071"]),
    "wage_level": st.integers(1, 4),
    "specialty_occupation": st.booleans(),
    "cn_region_type": st.sampled_from([x.value for x in CnRegionType]),
    "cn_annual_months": halves(0, 12),
    # 4x and 6x of these land on the salary grid (e.g. 6 * 75k = 450k, 4 * 112.5k = 450k)
    "local_average_wage": st.one_of(
        st.sampled_from([0, 50_000, 60_000, 75_000, 100_000, 112_500]),
        st.floats(0, 2e5, allow_nan=False, allow_infinity=False),
    ),
    "petition": lambda u: record(PETITION, u),
    # NZ income bands (2023 and 2024 rates) and the median wage, exactly and a cent below
    "hourly_rate": st.one_of(
        st.sampled_from([29.66, 31.6, 31.61, 34.78, 44.49, 47.41, 47.4, 63.22, 88.98, 94.83]),
        st.floats(0, 150, allow_nan=False, allow_infinity=False),
    ),
    "hours_per_week": st.sampled_from([20, 29, 30, 40]),
    "permanent_or_12_months": st.booleans(),
    "accredited_employer": st.booleans(),
    "sector": st.sampled_from(["semiconductors", "bio", "displays", "finance"]),
    "shortage_occupation": st.booleans(),
    "it_specialist": st.booleans(),
    "anzsco_skill_level": st.integers(1, 5),
    "trades_technician_role": st.booleans(),
    # NOC 2021: major group 00, TEER 0 outside it, TEER 1, 3 and 4
    "noc_code": st.sampled_from(["00012", "10010", "21231", "72310", "44100"]),
}
# CLB/NCLC levels at every CRS band edge (0 = no test)
CLB_LEVELS = {a: st.sampled_from([0, 3, 4, 5, 6, 7, 8, 9, 10, 12]) for a in ABILITIES}
LANGUAGES = {
    "cefr": st.dictionaries(
        st.sampled_from(["en", "de", "fr", "zh"]),
        st.sampled_from([x.value for x in CEFR] + ["none"]),  # "none": definitely not spoken
        max_size=3,
    ),
    "hsk": st.integers(0, 9),
    "clb": lambda u: st.dictionaries(
        st.sampled_from(["en", "fr"]), record(CLB_LEVELS, u), max_size=2
    ),
}
FAMILY = {
    "spouse": st.booleans(),
    "children": st.integers(0, 4),
    "spouse_accompanying": st.booleans(),
    "spouse_canadian_citizen_or_pr": st.booleans(),
}
# Blue Card, Opportunity Card, HPI and Top-Tier amounts at and around their thresholds
MONEY = {
    "amount": st.sampled_from(
        [0, 1269, 1270, 12323, 12324, 13091, 13092, 45300, 48300, 50700, 45934.2, 149865000.0]
    ),
    "currency": st.sampled_from(["EUR", "GBP", "USD", "KRW"]),
}
#: Values at and beside the programs' thresholds, for the numbers of the country sections. Every
#: other field of a section (and every field of a new country's) gets a strategy from its
#: fact's declaration: its type, bounds and allowed values.
EDGES: dict[str, Any] = {
    "germany.experience_years_last_5": halves(0, 5),
    "germany.experience_years_last_7": halves(0, 7),
    "korea.lawful_stay_years": halves(0, 6),
    "korea.annual_income_krw": st.sampled_from([0, 39_999_999, 40_000_000, 60_000_000]),
    "new_zealand.registration_training_years": halves(0, 7),
    "new_zealand.skilled_work_years": halves(0, 5),
    "new_zealand.relevant_work_years": halves(0, 8),
    "new_zealand.post_qualification_years": halves(0, 6),
    "new_zealand.nz_work_lowest_hourly_rate": st.sampled_from([31.6, 31.61, 34.77, 34.78, 40.0]),
    "canada.canadian_skilled_work_years": halves(0, 6),
    "canada.foreign_skilled_work_years": halves(0, 5),
    "canada.spouse_canadian_skilled_work_years": halves(0, 6),
    **{f"canada.spouse_language.{a}": CLB_LEVELS[a] for a in ABILITIES},
}


def declared(f: FactDecl) -> st.SearchStrategy[Any]:
    """Any value the fact's declaration allows."""
    lo = 0 if f.min is None else f.min
    hi = lo + 100 if f.max is None else f.max
    by_type: dict[str, st.SearchStrategy[Any]] = {
        "bool": st.booleans(),
        "enum": st.sampled_from(sorted(f.values)),
        "int": st.integers(int(lo), int(hi)),
        "float": halves(int(lo), int(hi)),
        "date": st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)),
        "str": st.sampled_from(["a", "b"]),
        "list": st.lists(st.sampled_from(COUNTRIES), max_size=3, unique=True),
    }
    return by_type[f.type]


def section_strategies() -> dict[str, Any]:
    """A record strategy for each Profile section, from the facts read from it."""
    trees: dict[str, dict[str, Any]] = {}
    keys = {s.key for s in declarations().sections if s.key}
    for f in declarations().facts.values():
        parts = (f.source_path or "").split(".")
        if parts[0] not in keys:
            continue
        node = trees.setdefault(parts[0], {})
        for part in parts[1:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = EDGES.get(f.source_path or "", declared(f))
    unused = set(EDGES) - {f.source_path for f in declarations().facts.values()}
    assert not unused, f"EDGES names no declared fact's path: {unused}"

    def as_record(tree: dict[str, Any]) -> Any:
        fields = {k: as_record(v) if isinstance(v, dict) else v for k, v in tree.items()}
        return lambda u: record(fields, u)

    return {key: as_record(tree) for key, tree in trees.items()}


SECTIONS = section_strategies()
RECOGNITIONS = {
    "cn_talent_programme": st.booleans(),
    "intl_recognised_achievement": st.booleans(),
    "cn_innovation_entrepreneur": st.booleans(),
    "cn_outstanding_young_talent": st.booleans(),
    "patents": st.booleans(),
    "cn_local_bonus_points": st.one_of(
        st.sampled_from([0, 0.1, 2.5, 5, 9.5, 10, 10.5, 15]),
        st.floats(0, 20, allow_nan=False, allow_infinity=False),
    ),
    "cn_vocational_level": st.sampled_from([x.value for x in CnVocationalLevel]),
}


@st.composite
def profiles(draw: st.DrawFn, on: dt.date) -> Profile:
    """A valid Profile; how much of it is unknown varies from nothing to nearly everything."""
    unknown = draw(st.sampled_from([0, 1, 3, 5, 8]))
    fields = {
        "date_of_birth": birth_dates(on),
        "nationalities": st.lists(st.sampled_from(COUNTRIES), max_size=3, unique=True),
        "current_country": st.sampled_from(COUNTRIES),
        "immigration_status": st.sampled_from(["H-1B", "F-1", "L-1", "none"]),
        "passport_type": st.sampled_from(["ordinary", "ordinary", "diplomatic", "other"]),
        "former_chinese_national": st.booleans(),
        "degrees": lambda u: st.lists(record(DEGREE, u), max_size=3),
        "bachelor_equivalent_by_evaluation": st.booleans(),
        "experience": lambda u: st.lists(record(EXPERIENCE, u), max_size=3),
        "cn_consecutive_years_working": st.one_of(st.sampled_from([0, 4, 5, 10]), halves(0, 12)),
        "has_job_offer": st.booleans(),
        "job_offer": lambda u: record(JOB_OFFER, u),
        "languages": lambda u: record(LANGUAGES, u),
        "family": lambda u: record(FAMILY, u),
        "recognitions": lambda u: record(RECOGNITIONS, u),
        "funds": lambda u: record(MONEY, u),
        "months_in_current_country": st.sampled_from([0, 11, 12, 30]),
        **SECTIONS,
    }
    return Profile.model_validate(draw(record(fields, unknown)))


def _settable(cp: CompiledProgram) -> list[str]:
    """Deployer-settable parameters whose law values are all numbers or null."""
    out = []
    for name, p in cp.program.parameters.items():
        values = [v.value for v in p.values if v.value is not None]
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        if p.deployer_setting and numeric:
            out.append(name)
    return out


SETTABLE = {cp.id: names for cp in PROGRAMS if (names := _settable(cp))}


@st.composite
def deployer_settings(draw: st.DrawFn) -> Settings:
    """Mostly numbers for the parameters where the law is silent (e.g. cn-k max_age)."""
    if not SETTABLE or draw(st.integers(0, 3)) == 0:
        return NO_SETTINGS
    number = st.sampled_from([0, 1, 2, 3, 5, 18, 25, 26, 35, 45, 100, 200, 500])
    chosen: dict[str, dict[str, DeployerValue]] = {}
    for pid, names in SETTABLE.items():
        for name in names:
            if draw(st.integers(0, 4)) > 0:
                value = DeployerValue(draw(number), "property test")
                chosen.setdefault(pid, {})[name] = value
    return Settings(chosen)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[dt.date, list[Profile], Settings]:
    on = draw(dates)
    size = draw(st.integers(1, 30))
    people = draw(st.lists(profiles(on), min_size=size, max_size=size))
    return on, people, draw(deployer_settings())


# --- comparison ---------------------------------------------------------------------------


def expected_columns(cp: CompiledProgram, a: Assessment) -> set[str]:
    pid = cp.id
    cols = {f"{pid}:outcome"}
    if a.criteria or a.points or a.fees or a.tiers:
        cols |= {f"{pid}:{c.id}" for c in a.criteria}
        cols |= {f"{pid}:points:{p.id}:{end}" for p in a.points for end in ("min", "max")}
        cols |= {f"{pid}:tier:{t}" for t in a.tiers}
        cols |= {f"{pid}:fee:{f.id}" for f in a.fees}
        cols |= {f"{pid}:fee:{f.id}:{f.currency}" for f in a.fees}
    return cols


def compare_row(cp: CompiledProgram, a: Assessment, row: dict[str, Any], where: str) -> None:
    pid = cp.id
    got = {k: v for k, v in row.items() if k.startswith(f"{pid}:")}
    assert set(got) == expected_columns(cp, a), f"{where}: columns differ"
    assert got[f"{pid}:outcome"] == a.outcome.value, f"{where}: outcome"
    for c in a.criteria:
        assert OUTCOME[got[f"{pid}:{c.id}"]] == c.outcome.value, f"{where}: criterion {c.id}"
    for p in a.points:
        lo, hi = got[f"{pid}:points:{p.id}:min"], got[f"{pid}:points:{p.id}:max"]
        assert (lo, hi) == (p.min, p.max), f"{where}: points {p.id} {[f.id for f in p.factors]}"
    for tid, outcome in a.tiers.items():
        assert got[f"{pid}:tier:{tid}"] == outcome.value, f"{where}: tier {tid}"
    for f in a.fees:
        assert got[f"{pid}:fee:{f.id}"] == f.status.value, f"{where}: fee {f.id}"
        assert got[f"{pid}:fee:{f.id}:{f.currency}"] == f.amount, f"{where}: fee {f.id} amount"


def check_agreement(
    on: dt.date,
    people: list[Profile],
    chosen: Settings,
    programs: list[CompiledProgram] = PROGRAMS,
) -> None:
    frame = from_profiles(people)
    usable: list[CompiledProgram] = []
    for cp in programs:
        # A parameter with no value on `on` makes the whole program unassessable on that day;
        # that depends on the date only, and both paths must refuse it the same way.
        try:
            resolve_all(cp.program, on, chosen)
        except LookupError as exc:
            if cp.program.in_force_on(on) and cp.program.encoded_on(on):
                with pytest.raises(type(exc)):
                    assess(cp, people[0], on, chosen)
                with pytest.raises(type(exc)):
                    assess_population([cp], frame, on, chosen)
                continue
        usable.append(cp)
    result = assess_population(usable, frame, on, chosen)
    assert result.height == len(people)
    for i, (person, row) in enumerate(zip(people, result.iter_rows(named=True), strict=True)):
        for cp in usable:
            a = assess(cp, person, on, chosen)
            where = f"{cp.id} on {on}, row {i}: {person.model_dump(exclude_none=True)}"
            compare_row(cp, a, row, where)


@PROPERTY
@given(scenarios())
def test_scalar_and_batch_agree(scenario: tuple[dt.date, list[Profile], Settings]) -> None:
    check_agreement(*scenario)


@pytest.mark.parametrize("on", EDGE_DATES, ids=str)
@settings(PROPERTY, max_examples=3)
@given(data=st.data())
def test_scalar_and_batch_agree_on_rule_change_dates(on: dt.date, data: st.DataObject) -> None:
    """The day before, of and after every parameter change, in-force date and coverage date."""
    people = data.draw(st.lists(profiles(on), min_size=1, max_size=12), label="people")
    check_agreement(on, people, data.draw(deployer_settings(), label="settings"))


@pytest.mark.parametrize("on", [FIRST_DAY, dt.date(2025, 10, 1), LAST_DAY], ids=str)
def test_empty_profiles_agree(on: dt.date) -> None:
    people = [Profile(), Profile(nationalities=[], degrees=[], experience=[], has_job_offer=False)]
    check_agreement(on, people, NO_SETTINGS)


# --- Kleene semantics of the expression language, in both evaluators ------------------------

TEXT = {"en": "t", "zh": "t"}
SRC = {"source": ["s"]}


def _parameter(value: Any) -> dict[str, Any]:
    entry = {"from": "2020-01-01", "value": value, "open_ended": True, "note": TEXT} | SRC
    return {"description": TEXT, "values": [entry]}


def tiny_program(pid: str, **parts: Any) -> CompiledProgram:
    """A minimal valid program; `parts` adds criteria, parameters, points, eligibility..."""
    doc = {
        "id": pid,
        "version": "1",
        "name": TEXT,
        "country": "XX",
        "category": "work_visa",
        "summary": TEXT,
        "in_force": {"from": "2020-01-01"} | SRC,
        "sources": {
            "s": {
                "url": "https://example.org",
                "title": "t",
                "read": "2026-01-01",
                "reliability": "official",
            }
        },
        "criteria": {"c": {"label": TEXT, "expr": "True"} | SRC},
        "eligibility": "c",
        "benefits": {
            k: {"value": None, "summary": TEXT, "note": TEXT} for k in Benefits.model_fields
        },
        "intake": {"type": "none"},
    }
    return compile_program(Program.model_validate(doc | parts))


def _factor(**how: Any) -> dict[str, Any]:
    return {"label": TEXT} | SRC | how


TINY = tiny_program(
    "xx-tiny",
    parameters={
        "p_none": _parameter(None),
        "p_five": _parameter(5),
        "p_list": _parameter(["US", "CA"]),
        "p_mixed": _parameter(["US", False, None, 3]),  # as YAML 1.1 reads [US, NO, ~, 3]
    },
    points={"t": {"label": TEXT, "factors": {"f": _factor(cap=10, formula="hsk_level")}} | SRC},
)
ON = dt.date(2026, 6, 15)
# b, c: bool facts; n, m: int facts; s: a str fact; d: a date fact; xs: a list fact
ALIASES = {
    "b": "has_spouse",
    "c": "has_patents",
    "n": "hsk_level",
    "m": "children_count",
    "s": "petition_type",
    "d": "date_of_birth",
    "xs": "nationalities",
}


def _source(expr: str) -> str:
    return re.sub(r"\b(" + "|".join(ALIASES) + r")\b", lambda m: ALIASES[m.group(1)], expr)


def both(expr: str, **facts: Any) -> tuple[Any, Any]:
    """Evaluate `expr` with the scalar evaluator and over a one-row frame; return both
    (the compiled closures are checked against the scalar evaluator on the way).

    `t=(lo, hi)` gives the bounds of the tiny program's points total `t`.
    """
    node = parse(_source(expr))
    bounds = facts.pop("t", (0.0, 10.0))
    row = {ALIASES[k]: v for k, v in facts.items()}
    params = resolve_all(TINY.program, ON, NO_SETTINGS)

    def lookup(name: str) -> Any:
        kind = TINY.kinds[name]
        if kind == "fact":
            return row.get(name)
        if kind == "parameter":
            return params[name].value
        if kind == "points":
            return Interval(*bounds)
        return ON

    scalar = evaluate(node, lookup, ON)
    values = {n: r.value for n, r in params.items()}
    closure = compile_expression(node, TINY.kinds, values, ON)(Values(row, bounds))
    assert closure == scalar, f"closure {expr!r}: {closure!r}, tree-walker {scalar!r}"
    frame = pl.DataFrame([dict.fromkeys(schema()) | row], schema=schema()).with_columns(
        pl.lit(float(bounds[0])).alias("xx-tiny:points:t:min"),
        pl.lit(float(bounds[1])).alias("xx-tiny:points:t:max"),
    )
    compiled = _e(ProgramCompiler(TINY, params, ON).compile(node))
    vector = frame.select(compiled.alias("v"))["v"][0]
    return scalar, vector


class Values:
    """One row's facts and the points total ``t``, as the compiled closures read them."""

    def __init__(self, row: dict[str, Any], bounds: tuple[float, float]) -> None:
        self.facts, self.criteria, self.points = row, {}, {"t": Interval(*bounds)}
        self.read: dict[str, Any] = {}


def agree(expr: str, expected: Any, **facts: Any) -> None:
    scalar, vector = both(expr, **facts)
    assert scalar == expected, f"scalar {expr!r} with {facts}: {scalar!r}"
    assert vector == expected, f"vector {expr!r} with {facts}: {vector!r}"


T, F, U = True, False, None
TRUTH = [T, F, U]
KLEENE_AND = {(a, b): (F if F in (a, b) else U if U in (a, b) else T) for a in TRUTH for b in TRUTH}
KLEENE_OR = {(a, b): (T if T in (a, b) else U if U in (a, b) else F) for a in TRUTH for b in TRUTH}


@pytest.mark.parametrize(("x", "y"), [(a, b) for a in TRUTH for b in TRUTH])
def test_and_or_truth_tables(x: bool | None, y: bool | None) -> None:
    agree("b and c", KLEENE_AND[x, y], b=x, c=y)
    agree("b or c", KLEENE_OR[x, y], b=x, c=y)
    agree("b and True", x, b=x)
    agree("b or False", x, b=x)
    agree("b and None", F if x is F else U, b=x)
    agree("b or None", T if x is T else U, b=x)


@pytest.mark.parametrize("x", TRUTH)
def test_not(x: bool | None) -> None:
    agree("not b", None if x is None else not x, b=x)
    agree("not (b and c)", None if x is None else not x, b=x, c=True)


@pytest.mark.parametrize(
    ("expr", "n", "expected"),
    [
        ("n >= 3", None, U),
        ("n >= 3", 3, T),
        ("n < 3", 3, F),
        ("n == 3", None, U),
        ("n != 3", None, U),
        ("n >= p_none", 3, U),
        ("n >= p_five", 5, T),
        ("n + 1 > 3", None, U),
        ("-n < 0", None, U),
        ("n / 0 == 1", 3, U),
        ("1 <= n <= 4", None, U),
        ("1 <= n <= 4", 6, F),
        ("is_known(n)", None, F),
        ("is_known(n)", 0, T),
        ("n >= 3 or not is_known(n)", None, T),
    ],
)
def test_comparisons_and_arithmetic(expr: str, n: int | None, expected: Any) -> None:
    agree(expr, expected, n=n)


@pytest.mark.parametrize(
    ("expr", "facts", "expected"),
    [
        ("n if b else n", {"b": None, "n": 4}, 4),  # equal branches decide an unknown condition
        ("n if b else m", {"b": None, "n": 4, "m": 4}, 4),
        ("n if b else m", {"b": None, "n": 4, "m": 5}, None),
        ("n if b else m", {"b": None, "n": None, "m": None}, None),
        ("n if b else m", {"b": None, "n": None, "m": 4}, None),
        ("n if b else m", {"b": True, "n": 4, "m": None}, 4),
        ("n if b else m", {"b": False, "n": None, "m": 7}, 7),
        ("0 if b else (0 if c else 0)", {"b": None, "c": None}, 0),
        ("True if b else (None if c else False)", {"b": None, "c": False}, None),
        ("(True if b else True) and c", {"b": None, "c": True}, True),
    ],
)
def test_if_else_with_unknown_condition(expr: str, facts: dict[str, Any], expected: Any) -> None:
    agree(expr, expected, **facts)


@pytest.mark.parametrize(
    ("expr", "facts", "expected"),
    [
        ("min(n, m)", {"n": 3, "m": None}, None),
        ("max(n, m)", {"n": None, "m": 3}, None),
        ("max(n, m, 2)", {"n": 1, "m": 0}, 2),
        ("min(n, m, 2)", {"n": 1, "m": 0}, 0),
        ("min(n, p_none)", {"n": 1}, None),
        ("max(n, p_five)", {"n": 1}, 5),
        ("abs(n - 9)", {"n": None}, None),
        ("floor(n / 2)", {"n": 5}, 2),
        ("age(d)", {"d": None}, None),
        ("age(d)", {"d": dt.date(2000, 6, 16)}, 25),
        ("age(d)", {"d": dt.date(2000, 6, 15)}, 26),
        ("age(d)", {"d": dt.date(2000, 2, 29)}, 26),
        ("age(d)", {"d": dt.date(2030, 1, 1)}, -4),
        # `age(d) == k` is a pair of date cutoffs in the batch path
        ("age(d) == 26", {"d": dt.date(2000, 6, 15)}, True),
        ("age(d) == 26", {"d": dt.date(2000, 6, 16)}, False),
        ("age(d) == 25", {"d": dt.date(2000, 6, 16)}, True),
        ("age(d) == 25", {"d": dt.date(1999, 6, 15)}, False),
        ("age(d) == 26", {"d": dt.date(2000, 2, 29)}, True),
        ("age(d) != 26", {"d": dt.date(2000, 2, 29)}, False),
        ("age(d) == 26", {"d": None}, None),
        ("age(d) != 26", {"d": None}, None),
        ("age(d) == 25.5", {"d": dt.date(2000, 6, 15)}, False),
        ("age(d) == 0", {"d": dt.date(2026, 1, 1)}, True),
        ("years_since(d)", {"d": None}, None),
        ("years_since(d)", {"d": dt.date(2025, 6, 15)}, 365 / 365.25),
        ("years_since(d) >= 1", {"d": dt.date(2025, 6, 15)}, False),
    ],
)
def test_functions_with_unknown(expr: str, facts: dict[str, Any], expected: Any) -> None:
    agree(expr, expected, **facts)


@pytest.mark.parametrize(
    ("expr", "facts", "expected"),
    [
        ("s in ['extension', 'amendment']", {"s": None}, None),
        ("s in ['extension', 'amendment']", {"s": "extension"}, True),
        ("s in ['extension', 'amendment']", {"s": "new_employment"}, False),
        ("s not in ['extension']", {"s": None}, None),
        ("s not in ['extension']", {"s": "amendment"}, True),
        ("s in p_none", {"s": "x"}, None),
        ("overlaps(xs, p_list)", {"xs": None}, None),
        ("overlaps(xs, p_list)", {"xs": []}, False),
        ("overlaps(xs, p_list)", {"xs": ["DE", "CA"]}, True),
        ("overlaps(xs, p_none)", {"xs": ["US"]}, None),
        ("overlaps(xs, p_mixed)", {"xs": ["US"]}, True),
        ("overlaps(xs, p_mixed)", {"xs": ["NO", "CA"]}, False),
        ("overlaps(xs, p_mixed)", {"xs": None}, None),
    ],
)
def test_membership_with_unknown(expr: str, facts: dict[str, Any], expected: Any) -> None:
    agree(expr, expected, **facts)


@pytest.mark.parametrize("expr", ["not not b", "not (b or False)", "not (b and True)"])
def test_negated_unknown_stays_unknown(expr: str) -> None:
    agree(expr, None, b=None)


@pytest.mark.parametrize(
    ("expr", "bounds", "expected"),
    [
        ("t >= 5", (5, 9), T),
        ("t >= 5", (0, 4.5), F),
        ("t >= 5", (3, 7), U),
        ("t > 5", (5, 5), F),
        ("t > 5", (4, 6), U),
        ("t < 5", (0, 4.5), T),
        ("t < 5", (3, 7), U),
        ("t <= 5", (5, 5), T),
        ("t <= 5", (5.5, 9), F),
        ("t >= p_none", (5, 5), U),
        ("t >= p_five or b", (0, 9), U),
        ("t >= p_five and b", (0, 4), F),
    ],
)
def test_points_interval_comparisons(
    expr: str, bounds: tuple[float, float], expected: bool | None
) -> None:
    agree(expr, expected, t=bounds, b=None)


# A points table whose totals are not whole numbers: the order of additions shows in the last
# bit, and a lone negative rule under `combine: max` is floored at 0 by engine.rule_points.
POINTS = tiny_program(
    "xx-points",
    points={
        "pts": {
            "label": TEXT,
            "factors": {
                "neg": _factor(cap=10, rules=[{"when": "has_patents", "points": -5}]),
                "frac": _factor(
                    cap=10,
                    combine="sum",
                    rules=[
                        {"when": "has_spouse", "points": 0.1},
                        {"when": "has_patents", "points": 0.2},
                        {"when": "former_chinese_national", "points": 0.7},
                        {"when": "hsk_level >= 3", "points": 1 / 3},
                    ],
                ),
                "bonus": _factor(cap=10, formula="cn_local_bonus_points"),
                "band": _factor(
                    cap=5,
                    input="hsk_level",
                    bands=[{"below": 3, "points": 0.3}, {"at_least": 3, "points": 1.1}],
                ),
            },
        }
        | SRC
    },
    criteria={
        "c": {"label": TEXT, "expr": "pts >= 2.5"} | SRC,
        "d": {"label": TEXT, "expr": "pts < 1.3 or has_patents"} | SRC,
    },
    eligibility="c or d",
)


@settings(PROPERTY, max_examples=30)
@given(scenarios())
def test_fractional_and_negative_points_agree(
    scenario: tuple[dt.date, list[Profile], Settings],
) -> None:
    on, people, _ = scenario
    check_agreement(on, people, NO_SETTINGS, [POINTS])


def test_lone_negative_rule_is_floored_at_zero() -> None:
    person = Profile(recognitions={"patents": True}, family={"spouse": False})
    a = assess(POINTS, person, ON)
    assert next(f for f in a.points[0].factors if f.id == "neg").min == 0.0
    check_agreement(ON, [person], NO_SETTINGS, [POINTS])


# Capped groups of factors (Canada's transferability and additional points): the group's
# sub-total is capped, then added after the ungrouped factors, in both paths.
GROUPED = tiny_program(
    "xx-groups",
    points={
        "g": {
            "label": TEXT,
            "factors": {
                "a": _factor(cap=10, rules=[{"when": "has_spouse", "points": 0.7}]),
                "b": _factor(cap=10, rules=[{"when": "has_patents", "points": 0.6}]),
                "c": _factor(cap=9, formula="hsk_level / 3"),
                "d": _factor(cap=5, rules=[{"when": "former_chinese_national", "points": 0.1}]),
            },
            "groups": {"ab": {"label": TEXT, "cap": 1.0, "factors": ["a", "b"]} | SRC},
        }
        | SRC
    },
    criteria={"c": {"label": TEXT, "expr": "g >= 1.5"} | SRC},
    eligibility="c",
)


def test_a_group_caps_the_sum_of_its_factors() -> None:
    person = Profile(family={"spouse": True}, recognitions={"patents": True})
    a = assess(GROUPED, person, ON)
    [group] = a.points[0].groups
    assert (group.min, group.max) == (1.0, 1.0)  # 0.7 + 0.6 capped at 1
    # ungrouped factors first (c and d unknown: 0-9 and 0-0.1), then the group
    assert (a.points[0].min, a.points[0].max) == (1.0, 0.0 + 9 + 0.1 + 1.0)
    check_agreement(ON, [person, Profile()], NO_SETTINGS, [GROUPED])


@settings(PROPERTY, max_examples=30)
@given(scenarios())
def test_grouped_points_agree(scenario: tuple[dt.date, list[Profile], Settings]) -> None:
    on, people, _ = scenario
    check_agreement(on, people, NO_SETTINGS, [GROUPED])


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ({"x": ["a", "nope"]}, "unknown factor 'nope'"),
        ({"x": ["a"], "y": ["a"]}, "factor 'a' is in groups 'x' and 'y'"),
        ({"a": ["b"]}, "group 'a' has the name of a factor"),
    ],
)
def test_groups_must_partition_known_factors(groups: dict[str, list[str]], message: str) -> None:
    table = {
        "label": TEXT,
        "factors": {k: _factor(cap=1, formula="0") for k in ("a", "b")},
        "groups": {g: {"label": TEXT, "cap": 1, "factors": fs} | SRC for g, fs in groups.items()},
    } | SRC
    with pytest.raises(ValueError, match=re.escape(message)):
        tiny_program("xx-bad", points={"t": table})


def test_division_by_a_constant_is_exact_in_long_columns() -> None:
    # Polars divides a long column by a constant as a product with the reciprocal
    # (7 * (1/3) = 2.333...33, not 7 / 3 = 2.333...35); the batch path must not.
    params = resolve_all(TINY.program, ON, NO_SETTINGS)
    compiled = _e(ProgramCompiler(TINY, params, ON).compile(parse("hsk_level / 3")))
    frame = pl.DataFrame({"hsk_level": [7] * 64, "x": range(64)})
    assert set(frame.select(compiled.alias("v"))["v"].to_list()) == {7 / 3}
