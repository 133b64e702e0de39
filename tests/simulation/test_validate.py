"""Population files are checked before any work; each problem names file, line and column."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from talentvisa.rules import builtin_catalog
from talentvisa.rules.conventions import parse_bool, parse_date
from talentvisa.simulation.validate import PopulationInvalid, check_population

from ..conftest import EXAMPLES

POPULATION = EXAMPLES / "population.csv"
CATALOG = builtin_catalog()
K = [CATALOG["cn-k"]]


def rows() -> list[list[str]]:
    with POPULATION.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def write(path: Path, table: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(table)
    return path


def test_a_misspelled_column_is_refused_with_the_nearest_fact(tmp_path: Path) -> None:
    table = rows()
    table[0] = ["stem_degree_rank" if c == "stem_degree_best_rank" else c for c in table[0]]
    path = write(tmp_path / "typo.csv", table)
    with pytest.raises(PopulationInvalid, match=r"typo\.csv:1: column 'stem_degree_rank' is "
                       r"not a fact: did you mean 'stem_degree_best_rank'\?"):  # fmt: skip
        check_population(path, K)
    checked = check_population(path, K, ignore_unknown=True)
    assert checked.ignored == ("stem_degree_rank",)
    assert "stem_degree_best_rank" in checked.missing  # now unknown for everyone, and said so


def test_the_by_column_and_weight_are_not_unknown(tmp_path: Path) -> None:
    table = rows()
    table[0] += ["cohort", "weight"]
    for r in table[1:]:
        r += ["a", "1.5"]
    path = write(tmp_path / "p.csv", table)
    assert check_population(path, K, by="cohort").ignored == ()
    with pytest.raises(PopulationInvalid, match="'cohort' is not a fact"):
        check_population(path, K)


def test_ragged_and_empty_lines_are_named_by_line(tmp_path: Path) -> None:
    table = rows()
    path = write(tmp_path / "r.csv", [*table[:3], table[3][:4], [], table[4] + ["x"]])
    with pytest.raises(PopulationInvalid) as got:
        check_population(path, K)
    assert got.value.problems == [
        f"{path}:4: 4 fields where the header has 15",
        f"{path}:5: an empty line where the header has 15",
        f"{path}:6: 16 fields where the header has 15",
    ]


def test_bad_values_name_file_line_and_column(tmp_path: Path) -> None:
    table = rows()
    head = table[0]
    table[0] = [*head, "weight"]
    for r in table[1:]:
        r.append("2")
    table[1][1] = 'x"'  # a quoted field on two lines pushes the next records down one line
    table[1][2] = "IN\nUS"
    table[2][head.index("date_of_birth")] = "02/03/1990"
    table[3][head.index("has_job_offer")] = "maybe"
    table[4][head.index("passport_type")] = "ordnary"
    table[5][-1] = "0"
    path = write(tmp_path / "b.csv", table)
    with pytest.raises(PopulationInvalid) as got:
        check_population(path, K)
    assert got.value.problems == [
        f"{path}:4: column 'date_of_birth': '02/03/1990' is not an ISO date YYYY-MM-DD",
        f"{path}:5: column 'has_job_offer': 'maybe' is not true/false, yes/no or 1/0",
        f"{path}:6: column 'passport_type': 'ordnary' is not one of ordinary, diplomatic, "
        "service, other",
        f"{path}:7: column 'weight': '0' is not a number above 0 (every row needs a weight)",
    ]
    frame = pl.read_csv(path, infer_schema_length=0)
    parquet = tmp_path / "b.parquet"
    frame.write_parquet(parquet)
    with pytest.raises(PopulationInvalid, match=r"b\.parquet: row 2: column 'date_of_birth'"):
        check_population(parquet, K)


def test_yes_no_and_one_zero_are_booleans_in_every_file(tmp_path: Path) -> None:
    table = rows()
    i = table[0].index("has_job_offer")
    for r, word in zip(table[1:], ["yes", "No", "1", "0", "TRUE", "false"] * 2, strict=False):
        r[i] = word
    assert check_population(write(tmp_path / "y.csv", table), K).ignored == ()
    assert [parse_bool(w) for w in ("yes", "NO", "1", "0", "true", "maybe")] == [
        True, False, True, False, True, None,
    ]  # fmt: skip
    assert parse_date("2026-12-07") is not None
    assert parse_date("20261207") is None and parse_date("2026-02-30") is None


def test_the_cli_refuses_before_any_work_in_one_line(cli, tmp_path: Path) -> None:
    table = rows()
    table[0] = ["stem_degree_rank" if c == "stem_degree_best_rank" else c for c in table[0]]
    path = write(tmp_path / "typo.csv", table)
    reform = EXAMPLES / "reform-k35-bluecard.yaml"
    out = tmp_path / "out.parquet"
    r = cli("simulate", str(path), "--reform", str(reform), "--on", "2026-03-01",
            "--out", str(out))  # fmt: skip
    assert r.returncode == 2 and not out.exists()
    assert "did you mean 'stem_degree_best_rank'?" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = cli("assess-batch", str(path), "--out", str(out), "--ignore-unknown-columns",
            "--program", "cn-k")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "stem_degree_best_rank" in r.stderr  # listed among the facts that are missing
