"""One boolean and date convention for every input file, and one wording for a bad value.

Population CSV and Parquet, lottery registrations, odds groups, reforms (parameters and the
selection block) and settings all take true/false, yes/no or 1/0 (any case) and YYYY-MM-DD,
and say ``FILE:LINE: FIELD: VALUE is not ...`` in the same words (rules/conventions.py).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl
import pytest

from talentvisa.lottery.odds import OddsInputError, read_groups
from talentvisa.lottery.registrations import RegistrationError, normalize
from talentvisa.lottery.registrations import read_csv as read_registrations
from talentvisa.rules import builtin_catalog
from talentvisa.rules.loader import ProgramFileError, load_settings
from talentvisa.rules.params import NO_SETTINGS, resolve_all
from talentvisa.simulation.reform import ReformError, load_reform
from talentvisa.simulation.validate import PopulationInvalid, check_population

from ..conftest import EXAMPLES

CATALOG = builtin_catalog()
BAD_BOOL = "'maybe' is not true/false, yes/no or 1/0"
BAD_DATE = "'2026-02-30' is not an ISO date YYYY-MM-DD"
SPELLINGS = ["true", "FALSE", "yes", "No", "1", "0"]


def _population(path: Path, has_job_offer: str, date_of_birth: str) -> Path:
    people = pl.read_csv(EXAMPLES / "population.csv", infer_schema_length=0)
    people = people.with_columns(
        pl.when(pl.col("id") == "2").then(pl.lit(has_job_offer)).otherwise(pl.col("has_job_offer"))
        .alias("has_job_offer"),
        pl.when(pl.col("id") == "2").then(pl.lit(date_of_birth))
        .otherwise(pl.col("date_of_birth")).alias("date_of_birth"),
    )  # fmt: skip
    if path.suffix == ".csv":
        people.write_csv(path)
    else:
        people.write_parquet(path)  # text columns, as a spreadsheet export would have them
    return path


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_population_files(tmp_path: Path, suffix: str) -> None:
    programs = list(CATALOG.values())
    for word in SPELLINGS:
        check_population(_population(tmp_path / f"ok{suffix}", word, "1990-03-02"), programs)
    path = _population(tmp_path / f"bad{suffix}", "maybe", "2026-02-30")
    with pytest.raises(PopulationInvalid) as info:
        check_population(path, programs)
    where = f"{path}:3" if suffix == ".csv" else f"{path}: row 2"
    assert str(info.value).splitlines() == [
        f"{where}: column 'date_of_birth': {BAD_DATE}",
        f"{where}: column 'has_job_offer': {BAD_BOOL}",
    ]


def _registrations(path: Path, advanced: str, dob: str) -> Path:
    row = {
        "registration_id": "R1", "employer_id": "E1", "passport_country": "IN",
        "passport_number": "P1", "family_name": "Rao", "given_name": "A",
        "date_of_birth": "1998-01-01", "wage_level": "II", "soc_code": "15-1252",
        "worksite": "Austin, TX", "us_advanced_degree": "true",
    }  # fmt: skip
    rows = [row, {**row, "registration_id": "R2", "passport_number": "P2",
                  "us_advanced_degree": advanced, "date_of_birth": dob}]  # fmt: skip
    pl.DataFrame(rows).write_csv(path)
    return path


def test_lottery_registration_files(tmp_path: Path) -> None:
    for word in SPELLINGS:
        path = _registrations(tmp_path / "ok.csv", word, "1990-03-02")
        pool = normalize(read_registrations(path), str(path))
        assert pool["us_advanced_degree"].to_list()[1] is (word.lower() in ("true", "yes", "1"))
    path = _registrations(tmp_path / "bad.csv", "maybe", "2026-02-30")
    with pytest.raises(RegistrationError) as info:
        normalize(read_registrations(path), str(path))
    assert f"{path}:3: column 'us_advanced_degree': {BAD_BOOL}" in info.value.problems
    assert f"{path}:3: column 'date_of_birth': {BAD_DATE}" in info.value.problems


def test_odds_group_files(tmp_path: Path) -> None:
    path = tmp_path / "groups.csv"
    lines = [f"{1 + i % 4},{w},10" for i, w in enumerate(SPELLINGS)]
    path.write_text("wage_level,advanced,count\n" + "\n".join(lines) + "\n", "utf-8")
    assert [g.advanced for g in read_groups(path)] == [True, False, True, False, True, False]
    path.write_text("wage_level,advanced,count\n1,true,5\n2,maybe,5\n", "utf-8")
    with pytest.raises(OddsInputError) as info:
        read_groups(path)
    assert f"{path}:3: column 'advanced': {BAD_BOOL}" in str(info.value)


REFORM = """name: conventions
title: conventions
season: FY2027
parameters:
  nz-smc:
    new_pathways_open: {{value: {flag}, from: {start}}}
selection:
  beneficiary_centric: {flag}
"""


def test_reform_files(tmp_path: Path) -> None:
    path = tmp_path / "reform.yaml"
    for word in SPELLINGS:
        path.write_text(REFORM.format(flag=word, start="2026-01-01"), "utf-8")
        reform = load_reform(path, CATALOG)
        read = word.lower() in ("true", "yes", "1")
        assert reform.selection is not None
        assert reform.parameters["nz-smc"]["new_pathways_open"][0].value is read
        nz = CATALOG["nz-smc"].program
        on = reform.parameters["nz-smc"]["new_pathways_open"][0].start
        value = resolve_all(nz, on, reform.apply(NO_SETTINGS))["new_pathways_open"].value
        assert value is read  # the engine reads the boolean, not the text
    for start, said in [("2026-02-30", BAD_DATE), ("'01/02/2026'", "'01/02/2026' is not an ISO")]:
        path.write_text(REFORM.format(flag="maybe", start=start), "utf-8")
        with pytest.raises(ReformError) as info:
            load_reform(path, CATALOG)
        problems = info.value.problems
        if start == "2026-02-30":  # the YAML reader refuses it before any field is checked
            assert problems == [f"{path}:6: parameters.nz-smc.new_pathways_open.from: {said}"]
            continue
        assert problems == [
            f"{path}:6: parameters.nz-smc.new_pathways_open.from: {said} date YYYY-MM-DD",
        ]
    path.write_text(REFORM.format(flag="maybe", start="2026-01-01"), "utf-8")
    with pytest.raises(ReformError) as info:
        load_reform(path, CATALOG)
    assert info.value.problems == [
        f"{path}:6: parameters.nz-smc.new_pathways_open.value: {BAD_BOOL}",
        f"{path}:8: selection.beneficiary_centric: {BAD_BOOL}",
    ]


def test_settings_files(tmp_path: Path) -> None:
    # No shipped boolean is deployer-settable, so one program's flag is made so for the test.
    nz = CATALOG["nz-smc"]
    flag = nz.program.parameters["new_pathways_open"].model_copy(update={"deployer_setting": True})
    params = {**nz.program.parameters, "new_pathways_open": flag}
    program = nz.program.model_copy(update={"parameters": params})
    catalog = {**CATALOG, "nz-smc": dataclasses.replace(nz, program=program)}
    path = tmp_path / "settings.yaml"
    for word in SPELLINGS:
        path.write_text(f"nz-smc:\n  new_pathways_open: {{value: {word}, note: n}}\n", "utf-8")
        got = load_settings(path, catalog).values["nz-smc"]["new_pathways_open"].value
        assert got is (word.lower() in ("true", "yes", "1"))
    path.write_text("nz-smc:\n  new_pathways_open:\n    value: maybe\n    note: n\n", "utf-8")
    with pytest.raises(ProgramFileError) as info:
        load_settings(path, catalog)
    assert str(info.value) == f"{path}:3: nz-smc.new_pathways_open.value: {BAD_BOOL}"
    path.write_text("cn-k:\n  max_age: {value: 35, note: n, from: 2026-02-30}\n", "utf-8")
    with pytest.raises(ProgramFileError) as info:
        load_settings(path, catalog)
    assert str(info.value) == f"{path}:2: cn-k.max_age.from: {BAD_DATE}"
