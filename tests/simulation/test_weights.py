"""Weights: a row stands for ``weight`` people in every count, with an interval per share."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from talentvisa.rules import builtin_catalog
from talentvisa.rules.batch import schema
from talentvisa.rules.errors import PopulationError
from talentvisa.simulation import LocalBackend, Population, SimulationRun, reform_from_data
from talentvisa.simulation.weights import effective_n, wilson

CATALOG = builtin_catalog()
ON = dt.date(2026, 3, 1)
K = CATALOG["cn-k"]
STEM_GRAD = {"stem_degree_level": 4, "stem_degree_best_rank": 100, "work_experience_years": 3}
REFORM = reform_from_data(
    {
        "name": "k35",
        "title": "K visa to 35",
        "parameters": {"cn-k": {"max_age": {"value": 35, "from": "2026-01-01"}}},
        "settings": {
            "cn-k": {
                "min_experience_years": {"value": 0, "note": "test"},
                "well_known_max_rank": {"value": 500, "note": "test"},
            }
        },
    },
    CATALOG,
)


def people(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame([dict.fromkeys(schema()) | r for r in rows], schema=schema())


def young(n: int) -> list[dict[str, Any]]:
    return [STEM_GRAD | {"date_of_birth": dt.date(1996, 1, 1)}] * n


def old(n: int) -> list[dict[str, Any]]:
    return [STEM_GRAD | {"date_of_birth": dt.date(1960, 1, 1)}] * n


def simulate(frame: pl.DataFrame, by: str | None = None, chunk: int = 2) -> Any:
    run = SimulationRun([K], ON, REFORM, by=by)
    return run.execute(Population.of(frame), LocalBackend(chunk=chunk))[0]


def test_a_weight_counts_as_that_many_copies_of_the_row() -> None:
    weighted = people(young(1) + old(1)).with_columns(weight=pl.Series([3.0, 2.0]))
    copies = people(young(3) + old(2))
    a, b = simulate(weighted).as_json(), simulate(copies).as_json()
    for key in ("people", "people_changed"):
        assert a[key] == b[key]
    assert a["people"] == 5 and a["people_changed"] == 5
    assert (a["n"], b["n"]) == (2, 5) and (a["n_changed"], b["n_changed"]) == (2, 5)
    reform = a["outcomes"][1]
    assert reform["scenario"] == "reform"
    assert (reform["eligible"], reform["ineligible"]) == (3, 2)
    assert reform["share"]["eligible"] == 0.6 and reform["n_by_outcome"]["eligible"] == 1
    assert a["changes"] == [
        {"program": "cn-k", "from": "unknown", "to": "eligible", "people": 3, "n": 1},
        {"program": "cn-k", "from": "unknown", "to": "ineligible", "people": 2, "n": 1},
    ]


def test_fractional_weights_are_summed_exactly_in_any_partitioning() -> None:
    weights = [0.1, 0.2, 0.3, 1 / 3, 2.7, 1e-3]
    frame = people(young(3) + old(3)).with_columns(weight=pl.Series(weights))
    got = [simulate(frame, chunk=c).as_json() for c in (1, 2, 4, 6)]
    assert all(g == got[0] for g in got)
    assert got[0]["people"] == pytest.approx(sum(weights), abs=1e-6)
    assert got[0]["outcomes"][1]["eligible"] == pytest.approx(0.6, abs=1e-6)


def test_each_weighted_share_has_a_wilson_interval_at_the_kish_sample_size() -> None:
    frame = people(young(2) + old(2)).with_columns(weight=pl.Series([1.0, 1.0, 2.0, 2.0]))
    reform = simulate(frame).as_json()["outcomes"][1]
    assert reform["n_effective"] == pytest.approx(36 / 10, abs=1e-6)  # (sum w)^2 / sum w^2
    lo, hi = wilson(2 / 6, 3.6)
    assert reform["interval_95"]["eligible"] == [pytest.approx(lo, abs=1e-6), pytest.approx(hi)]
    assert lo < reform["share"]["eligible"] < hi


def test_wilson_and_kish_against_published_values() -> None:
    # Newcombe (1998), Statistics in Medicine 17:857-872, table I: 81/263 -> 0.2553 to 0.3662
    lo, hi = wilson(81 / 263, 263)
    assert (round(lo, 4), round(hi, 4)) == (0.2553, 0.3662)
    assert wilson(0.0, 0) == (0.0, 1.0)
    assert effective_n(10.0, 10.0) == 10.0  # ten rows of weight 1
    assert effective_n(4.0, 10.0) == pytest.approx(1.6)  # weights 1 and 3


def test_without_a_weight_column_every_row_weighs_one() -> None:
    doc = simulate(people(young(2) + old(1))).as_json()
    assert doc["people"] == doc["n"] == 3 and isinstance(doc["people"], int)
    assert doc["outcomes"][0]["n_effective"] == 3


def test_groups_are_weighted_too() -> None:
    frame = people(young(2) + old(1)).with_columns(
        weight=pl.Series([1.5, 2.5, 4.0]), current_country=pl.Series(["IN", "US", "IN"])
    )
    doc = simulate(frame, by="current_country").as_json()
    changed = {g["group"]: (g["people"], g["n"]) for g in doc["people_changed"]}
    assert changed == {"IN": (5.5, 2), "US": (2.5, 1)}


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), None])
def test_a_weight_that_is_not_above_zero_is_refused(bad: float | None) -> None:
    frame = people(young(2)).with_columns(weight=pl.Series([1.0, bad], dtype=pl.Float64))
    with pytest.raises(PopulationError, match=r"column 'weight', row 2: .* is not a number"):
        simulate(frame)
