"""Batch plans are built once per program, settings and date and reused: a reused plan must
answer exactly as a fresh one would, and as the scalar engine does, for each of those keys."""

from __future__ import annotations

import datetime as dt

import polars as pl

from talentvisa.rules import assess, builtin_catalog
from talentvisa.rules.batch import _PLANS, PLANS_KEPT, assess_population, merged, normalize
from talentvisa.rules.params import NO_SETTINGS, DeployerValue, Settings

CK = builtin_catalog()["cn-k"]
ON = dt.date(2026, 12, 7)
PEOPLE = pl.DataFrame(
    {
        "date_of_birth": [dt.date(1990, 5, 1), dt.date(1995, 12, 8), dt.date(1980, 1, 1)],
        "stem_degree_level": [6, 4, 5],
        "stem_degree_best_rank": [50, 400, 900],
        "stem_academic_role": [False, False, True],
        "stem_academic_best_rank": [None, None, 30],
        "work_experience_years": [3.0, 0.5, 12.0],
    }
)


def deployer(max_age: int, rank: int) -> Settings:
    values = {"max_age": max_age, "min_experience_years": 0, "well_known_max_rank": rank}
    return Settings({"cn-k": {k: DeployerValue(v, "test") for k, v in values.items()}})


def scalar_outcomes(settings: Settings, on: dt.date) -> list[str]:
    rows = normalize(PEOPLE).to_dicts()
    return [assess(CK, r, on, settings).outcome.value for r in rows]


def test_a_plan_is_reused_only_for_its_own_settings_and_date() -> None:
    runs = [
        (NO_SETTINGS, ON),
        (deployer(35, 500), ON),
        (deployer(50, 1000), ON),
        (deployer(35, 500), dt.date(2040, 1, 1)),  # everyone older: the age cut-off moves
        (deployer(35, 500), ON),  # the second plan again, from the cache
    ]
    seen = []
    for settings, on in runs:
        got = assess_population([CK], PEOPLE, on, settings)["cn-k:outcome"].to_list()
        assert got == scalar_outcomes(settings, on)
        seen.append(got)
    assert seen[0] == ["unknown"] * 3  # the law gives no age, rank or experience limit
    assert seen[1] == ["ineligible", "eligible", "ineligible"]  # 36 and 46 years old
    assert seen[2] == ["eligible", "eligible", "eligible"]
    assert seen[3] == ["ineligible", "ineligible", "ineligible"]
    assert seen[4] == seen[1]


def test_the_plan_cache_is_bounded() -> None:
    for year in range(2026, 2026 + PLANS_KEPT + 5):
        assess_population([CK], PEOPLE.head(1), dt.date(year, 1, 1), deployer(35, 500))
    assert len(_PLANS) <= PLANS_KEPT


def test_stages_are_merged_only_while_independent() -> None:
    a, b = pl.lit(1).alias("a"), pl.lit(2).alias("b")
    reads_a = (pl.col("a") + 1).alias("c")
    got = [[str(e) for e in stage] for stage in merged([[a], [b], [reads_a]])]
    assert got == [[str(a), str(b)], [str(reads_a)]]


def test_normalize_types_text_columns_as_before() -> None:
    typed = normalize(pl.DataFrame({"date_of_birth": ["1990-05-01"], "hsk_level": ["4"]}))
    assert typed["date_of_birth"].to_list() == [dt.date(1990, 5, 1)]
    assert typed["hsk_level"].to_list() == [4]
