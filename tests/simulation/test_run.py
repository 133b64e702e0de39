"""Runs: a reform changes exactly the people it should, and results carry their versions."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from talentvisa.rules import builtin_catalog
from talentvisa.rules.batch import assess_population, schema
from talentvisa.rules.engine import settings_hash
from talentvisa.rules.errors import PopulationError
from talentvisa.simulation import LocalBackend, Population, SimulationRun, reform_from_data
from talentvisa.simulation.job import JobError, compiled, job_text, parse_job
from talentvisa.simulation.output import parquet_header
from talentvisa.simulation.scenario import Scenario

CATALOG = builtin_catalog()
ON = dt.date(2026, 3, 1)
K = CATALOG["cn-k"]
BLUE = CATALOG["de-blue-card"]


def people(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Fact rows (unnamed facts unknown), with an id column."""
    frame = pl.DataFrame([dict.fromkeys(schema()) | r for r in rows], schema=schema())
    return frame.with_row_index("id")


def make(**parameters: Any) -> Any:
    return reform_from_data(
        {
            "name": "t",
            "title": "t",
            "parameters": parameters,
            "settings": {
                "cn-k": {
                    "min_experience_years": {"value": 0, "note": "test"},
                    "well_known_max_rank": {"value": 500, "note": "test"},
                }
            },
        },
        CATALOG,
    )


def born(age: int, days: int = 0) -> dt.date:
    """Someone who is ``age`` on ON (``days`` later: younger by that many days)."""
    return ON.replace(year=ON.year - age) + dt.timedelta(days=days)


STEM_GRAD = {"stem_degree_level": 4, "stem_degree_best_rank": 100, "work_experience_years": 3}


def run(
    programs: list[Any], reform: Any, frame: pl.DataFrame, by: str | None = None, out: Any = None
) -> tuple[Any, Any]:
    return SimulationRun(programs, ON, reform, by=by).execute(
        Population.of(frame), LocalBackend(chunk=3), out=out
    )


def test_an_age_limit_of_35_changes_exactly_the_people_around_it(tmp_path: Path) -> None:
    ages = [(34, 0), (35, 0), (35, 1), (36, 0), (35, -1), (36, 1), (20, 0)]
    frame = people([STEM_GRAD | {"date_of_birth": born(a, d)} for a, d in ages] + [STEM_GRAD])
    reform = make(**{"cn-k": {"max_age": {"value": 35, "from": "2026-01-01"}}})
    out = tmp_path / "r.parquet"
    summary, _ = SimulationRun([K], ON, reform).execute(
        Population.of(frame), LocalBackend(chunk=3), out=out
    )
    rows = pl.read_parquet(out)
    assert rows["cn-k:baseline:outcome"].cast(pl.Utf8).to_list() == ["unknown"] * 8
    # age(born(36, 1)) is 35: the birthday is tomorrow; born(35, -1) turned 35 yesterday
    want = ["eligible", "eligible", "eligible", "ineligible", "eligible", "eligible", "eligible"]
    assert rows["cn-k:reform:outcome"].cast(pl.Utf8).to_list() == [*want, "unknown"]
    changes = {(r["from"], r["to"]): r["people"] for r in summary.as_json()["changes"]}
    assert changes == {("unknown", "eligible"): 6, ("unknown", "ineligible"): 1}
    assert summary.people_changed == 7 and summary.people == 8


def test_a_rank_limit_counts_the_edge() -> None:
    frame = people(
        [
            STEM_GRAD | {"date_of_birth": born(30), "stem_degree_best_rank": r}
            for r in (499, 500, 501)
        ]
    )
    both = make(
        **{
            "cn-k": {
                "max_age": {"value": 35, "from": "2026-01-01"},
                "well_known_max_rank": {"value": 500, "from": "2026-01-01"},
            }
        }
    )
    summary, _ = run([K], both, frame)
    reform_row = summary.outcomes.filter(scenario="reform").row(0, named=True)
    # 501 is not well known; as a STEM teacher at a ranked institution is unknown, it is unknown
    assert (reform_row["eligible"], reform_row["unknown"]) == (2, 1)


def test_a_lower_blue_card_threshold_changes_only_salaries_between_the_two() -> None:
    offer = {
        "has_job_offer": True,
        "job_offer_country": "DE",
        "job_offer_currency": "EUR",
        "highest_degree_level": 5,
        "job_offer_shortage_occupation": False,
        "latest_graduation_date": dt.date(2010, 6, 30),
        "job_offer_it_specialist": False,
    }
    salaries = [44_999.0, 45_000.0, 50_699.0, 50_700.0, 60_000.0]
    frame = people([offer | {"job_offer_salary": s} for s in salaries])
    reform = make(
        **{"de-blue-card": {"general_threshold": {"value": 45_000, "from": "2026-01-01"}}}
    )
    out_b = assess_population([BLUE], frame, ON)["de-blue-card:outcome"].to_list()
    assert out_b == ["ineligible", "ineligible", "ineligible", "eligible", "eligible"]
    summary, _ = run([BLUE, K], reform, frame)
    changes = summary.as_json()["changes"]
    assert changes == [
        {"program": "de-blue-card", "from": "ineligible", "to": "eligible", "people": 2, "n": 2}
    ]


def test_no_change_before_the_reform_starts() -> None:
    frame = people([STEM_GRAD | {"date_of_birth": born(30)}])
    reform = make(**{"cn-k": {"max_age": {"value": 35, "from": "2026-06-01"}}})
    summary, _ = run([K], reform, frame)
    # the settings (min_experience_years) alone leave age unknown: no one changes
    assert summary.people_changed == 0


def test_programs_the_reform_does_not_touch_are_computed_once() -> None:
    reform = make(**{"cn-k": {"max_age": {"value": 35, "from": "2026-01-01"}}})
    run_ = SimulationRun(list(CATALOG.values()), ON, reform)
    job = parse_job(run_.job(Population.of(people([{}])), rows=True)[0])
    assert job.differs == (frozenset({"cn-k"}),)


def test_results_carry_the_version_hashes(tmp_path: Path) -> None:
    reform = make(**{"cn-k": {"max_age": {"value": 35, "from": "2026-01-01"}}})
    frame = people([STEM_GRAD | {"date_of_birth": born(30)}])
    path = tmp_path / "people.parquet"
    frame.write_parquet(path)
    out = tmp_path / "out.parquet"
    run_ = SimulationRun([K, BLUE], ON, reform)
    _, header = run_.execute(Population.open(path), LocalBackend(), out=out)
    assert parquet_header(out) == json.loads(json.dumps(header))
    assert header["reform"]["hash"] == reform.hash and header["reform"]["status"] == "hypothetical"
    assert "not law" in header["notice"]
    programs = {p["id"]: p for p in header["programs"]}
    assert programs["cn-k"]["baseline_hash"] == K.hash
    assert programs["cn-k"]["reform_hash"] == settings_hash(K, reform.apply(run_.baseline.settings))
    assert programs["cn-k"]["changed_by_reform"] is True
    assert programs["de-blue-card"]["baseline_hash"] == programs["de-blue-card"]["reform_hash"]
    assert header["population"]["rows"] == 1 and len(header["population"]["sha256"]) == 64


def test_a_run_is_byte_for_byte_reproducible(tmp_path: Path) -> None:
    reform = make(**{"cn-k": {"max_age": {"value": 35, "from": "2026-01-01"}}})
    frame = people(
        [
            STEM_GRAD | {"date_of_birth": born(a), "current_country": c}
            for a, c in [(30, "IN"), (40, "IN"), (33, "BR"), (36, None)]
        ]
    )
    outputs = []
    for name in ("a", "b"):
        out = tmp_path / f"{name}.parquet"
        summary, header = run([K, BLUE], reform, frame, by="current_country", out=out)
        text = json.dumps({**header, "summary": summary.as_json()})
        outputs.append((out.read_bytes(), text))
    assert outputs[0] == outputs[1]
    groups = [g["group"] for g in json.loads(outputs[0][1])["summary"]["people_changed"]]
    assert groups == ["BR", "IN", None]


def test_by_a_list_column_groups_by_the_whole_list() -> None:
    reform = make(**{"cn-k": {"max_age": {"value": 35, "from": "2026-01-01"}}})
    frame = people(
        [
            STEM_GRAD | {"date_of_birth": born(30), "nationalities": n}
            for n in (["IN"], ["IN", "US"], ["IN"])
        ]
    )
    summary, _ = run([K], reform, frame, by="nationalities")
    assert {r["group"]: r["people"] for r in summary.changed.iter_rows(named=True)} == {
        "IN": 2,
        "IN;US": 1,
    }


def test_an_unknown_by_column_fails_before_work() -> None:
    reform = make(**{"cn-k": {"max_age": {"value": 35, "from": "2026-01-01"}}})
    with pytest.raises(PopulationError, match="--by: no column 'nationality'"):
        run([K], reform, people([{}]), by="nationality")


def test_the_job_is_plain_json_and_a_worker_checks_each_program_hash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from talentvisa.simulation import job as jobs

    text = job_text("assess", ON, [K], [Scenario("baseline")])
    doc = json.loads(text)  # plain data only: nothing pickled
    entry = doc["programs"][0]
    assert entry["hash"] == K.hash and entry["document"]["id"] == "cn-k"
    monkeypatch.setattr(jobs, "_COMPILED", {})  # a worker that has not seen the program
    fresh = compiled(entry)
    assert fresh is not K and fresh.hash == K.hash and fresh.order == K.order
    tampered = json.loads(json.dumps(entry))
    tampered["document"]["parameters"]["max_age"]["values"][0]["value"] = 99
    tampered["hash"] = "0" * 64
    with pytest.raises(JobError, match="compiles to hash"):
        compiled(tampered)
