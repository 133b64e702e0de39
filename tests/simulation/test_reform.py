"""Reforms: validation with clear field errors, cheap application that leaves the baseline alone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from talentvisa.rules import assess, builtin_catalog
from talentvisa.rules.engine import settings_hash
from talentvisa.rules.params import NO_SETTINGS, DeployerValue, Settings, resolve_all
from talentvisa.simulation import ReformError, load_reform, reform_from_data

from ..conftest import EXAMPLES

CATALOG = builtin_catalog()


def reform(**parameters: Any) -> dict[str, Any]:
    return {"name": "test", "title": "a test", "parameters": parameters}


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ReformError) as info:
        reform_from_data(data, CATALOG, "r.yaml")
    return info.value.problems


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            reform(**{"cn-kk": {"max_age": {"value": 35, "from": "2026-01-01"}}}),
            "r.yaml: parameters.cn-kk: unknown program 'cn-kk' (known: ",
        ),
        (
            reform(**{"cn-k": {"max_agee": {"value": 35, "from": "2026-01-01"}}}),
            "r.yaml: parameters.cn-k.max_agee: unknown parameter 'max_agee' of cn-k "
            "(it has: max_age",
        ),
        (
            reform(**{"cn-k": {"max_age": {"value": "35", "from": "2026-01-01"}}}),
            "r.yaml: parameters.cn-k.max_age.value: expected a number (years), like the law's "
            "values; got '35'",
        ),
        (
            reform(**{"cn-k": {"max_age": {"value": True, "from": "2026-01-01"}}}),
            "parameters.cn-k.max_age.value: expected a number",
        ),
        (
            reform(
                **{
                    "cn-visa-free": {
                        "nationalities_listed": [{"value": "FR", "from": "2026-01-01"}]
                    }
                }
            ),
            "parameters.cn-visa-free.nationalities_listed.0.value: expected a list of text values",
        ),
        (
            reform(**{"nz-smc": {"new_pathways_open": {"value": "maybe", "from": "2026-01-01"}}}),
            "parameters.nz-smc.new_pathways_open.value: 'maybe' is not true/false, yes/no or 1/0",
        ),
        (
            reform(**{"cn-k": {"max_age": {"value": None, "from": "2026-01-01"}}}),
            "parameters.cn-k.max_age.value: a reform states a value",
        ),
        (
            reform(**{"cn-k": {"max_age": {"value": 35}}}),
            "parameters.cn-k.max_age.from: Field required",
        ),
        (
            reform(**{"cn-k": {"max_age": {"value": 35, "from": "2026-01-01", "until": "x"}}}),
            "parameters.cn-k.max_age.until: Extra inputs are not permitted",
        ),
        (
            reform(
                **{"cn-k": {"max_age": {"value": 35, "from": "2026-01-01", "before": "2025-01-01"}}}
            ),
            "parameters.cn-k.max_age.before: `before` 2025-01-01 must be after",
        ),
        (
            reform(
                **{
                    "de-blue-card": {
                        "general_threshold": [
                            {"value": 1, "from": "2026-01-01"},
                            {"value": 2, "from": "2026-06-01"},
                        ]
                    }
                }
            ),
            "parameters.de-blue-card.general_threshold.1.from: the value from 2026-01-01 still "
            "applies on 2026-06-01",
        ),
        (
            {
                "name": "x",
                "title": "t",
                "settings": {"de-blue-card": {"general_threshold": {"value": 1, "note": "n"}}},
            },
            "settings.de-blue-card.general_threshold: de-blue-card.general_threshold is not a "
            "deployer-settable parameter",
        ),
        ({"name": "x", "title": "t", "status": "law"}, "status: Input should be 'hypothetical'"),
        ({"name": "Not A Slug", "title": "t"}, "name: String should match pattern"),
        ({"title": "t"}, "name: Field required"),
    ],
)
def test_a_bad_reform_names_the_field(data: dict[str, Any], message: str) -> None:
    found = problems(data)
    assert any(message in p for p in found), found


def test_errors_in_a_file_carry_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        "name: x\ntitle: t\nparameters:\n  cn-k:\n    max_age: {value: 35, from: 2026-01-01}\n"
        "    max_agee: {value: 35, from: 2026-01-01}\n  cn-kk: {}\n",
        "utf-8",
    )
    with pytest.raises(ReformError) as info:
        load_reform(path, CATALOG)
    assert info.value.problems[0].startswith(f"{path}:6: parameters.cn-k.max_agee: unknown")
    assert info.value.problems[1].startswith(f"{path}:7: parameters.cn-kk: unknown program")
    missing = tmp_path / "missing.yaml"
    with pytest.raises(ReformError, match=r"missing\.yaml: no such file"):
        load_reform(missing, CATALOG)


def test_the_example_reform_is_valid_and_hypothetical() -> None:
    r = load_reform(EXAMPLES / "reform-k35-bluecard.yaml", CATALOG)
    assert r.status == "hypothetical"
    assert r.touches("cn-k") and r.touches("de-blue-card") and not r.touches("us-h1b")
    assert len(r.hash) == 64


def test_the_hash_is_of_the_content() -> None:
    a = reform_from_data(
        reform(**{"cn-k": {"max_age": {"value": 35, "from": "2026-01-01"}}}), CATALOG
    )
    b = reform_from_data(
        reform(**{"cn-k": {"max_age": [{"value": 35, "from": "2026-01-01"}]}}), CATALOG
    )
    c = reform_from_data(
        reform(**{"cn-k": {"max_age": {"value": 36, "from": "2026-01-01"}}}), CATALOG
    )
    assert a.hash == b.hash != c.hash


K35 = reform_from_data(
    {
        "name": "k35",
        "title": "K visa to 35",
        "parameters": {
            "cn-k": {"max_age": {"value": 35, "from": "2026-01-01", "before": "2027-01-01"}},
            "de-blue-card": {"general_threshold": {"value": 40000, "from": "2026-01-01"}},
        },
        "settings": {"cn-k": {"min_experience_years": {"value": 0, "note": "what-if"}}},
    },
    CATALOG,
)


def test_applying_a_reform_leaves_the_baseline_alone() -> None:
    ck = CATALOG["cn-k"]
    before = (ck.program.model_dump(mode="json"), ck.hash)
    base = Settings({"cn-k": {"well_known_max_rank": DeployerValue(500, "agency")}})
    on = dt.date(2026, 3, 1)
    baseline_values = {n: r.value for n, r in resolve_all(ck.program, on, base).items()}
    reformed = K35.apply(base)
    assert (ck.program.model_dump(mode="json"), ck.hash) == before
    assert base.overrides == {} and set(base.values["cn-k"]) == {"well_known_max_rank"}
    assert {n: r.value for n, r in resolve_all(ck.program, on, base).items()} == baseline_values
    values = resolve_all(ck.program, on, reformed)
    assert values["max_age"].value == 35 and values["max_age"].origin == "reform"
    assert values["min_experience_years"].origin == "deployer"
    assert values["well_known_max_rank"].value == 500  # the base settings are kept
    assert builtin_catalog()["cn-k"] is ck  # nothing reloaded or recompiled


def test_overrides_apply_on_their_dates_only() -> None:
    ck, bc = CATALOG["cn-k"], CATALOG["de-blue-card"]
    s = K35.apply(NO_SETTINGS)
    assert resolve_all(ck.program, dt.date(2025, 12, 31), s)["max_age"].value is None
    assert resolve_all(ck.program, dt.date(2026, 1, 1), s)["max_age"].value == 35
    assert resolve_all(ck.program, dt.date(2027, 1, 1), s)["max_age"].value is None
    # an override replaces the law's value, and past the law's own dates too
    assert resolve_all(bc.program, dt.date(2025, 6, 1), s)["general_threshold"].value == 48300
    assert resolve_all(bc.program, dt.date(2027, 6, 1), s)["general_threshold"].value == 40000


def test_a_reformed_assessment_says_so_and_has_its_own_hash() -> None:
    ck = CATALOG["cn-k"]
    s = K35.apply(NO_SETTINGS)
    person = {
        "stem_degree_level": 4,
        "stem_degree_best_rank": 10,
        "work_experience_years": 1,
        "date_of_birth": dt.date(1995, 1, 1),
    }
    a = assess(ck, person, dt.date(2026, 3, 1), s)
    read = {p.name: p for p in a.parameters}
    assert read["max_age"].origin == "reform" and read["max_age"].sources == []
    assert "not law" in str(read["max_age"].note)
    assert a.program_hash == settings_hash(ck, s) != ck.hash
    assert settings_hash(CATALOG["us-h1b"], s) == CATALOG["us-h1b"].hash  # untouched program
