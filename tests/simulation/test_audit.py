"""Issue 17 from a new analyst's seat: the shipped model, a lottery what-if and --plot give
weighted, cited results and charts; every bad input is one line, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import talentvisa

from ..conftest import EXAMPLES

DATA = Path(talentvisa.__file__).parent / "data"
WHATIF = DATA / "whatifs" / "cap-130000-random.yaml"
MODEL = DATA / "populations" / "h1b-fy2027-illustrative.yaml"


def test_synth_then_simulate_a_lottery_what_if_with_charts(cli, tmp_path: Path) -> None:
    people, summary, charts = tmp_path / "people.parquet", tmp_path / "s.json", tmp_path / "c"
    r = cli("population", "synth", "--model", str(MODEL), "--n", "5000", "--seed", "2",
            "--out", str(people))  # fmt: skip
    assert r.returncode == 0, r.stderr
    r = cli("simulate", str(people), "--reform", str(WHATIF), "--on", "2026-03-01",
            "--summary-json", str(summary), "--plot", str(charts))  # fmt: skip
    # the model's own columns (country_of_birth) are not refused as misspelled facts
    assert r.returncode == 0, r.stderr
    assert "note: columns not read: country_of_birth" in r.stderr
    doc = json.loads(summary.read_text("utf-8"))
    synthetic = doc["population"]["synthetic"]
    assert synthetic["model"] == "h1b-fy2027-illustrative" and synthetic["seed"] == 2
    assert all(m["source"].startswith("https://") and m["read"] for m in synthetic["marginals"])
    caps = {c["parameter"]: c for c in doc["selection"]["baseline_caps"]}
    assert caps["us-h1b.regular_cap"]["value"] == 65_000
    assert caps["us-h1b.regular_cap"]["sources"][0]["url"].startswith("https://")
    groups = doc["selection"]["groups"]
    assert round(sum(g["people"] for g in groups)) == 211_600  # weighted, not 5,000 rows
    assert round(sum(g["reform_selected"] for g in groups)) == 150_000
    assert "Population: synthetic, not microdata" in r.stdout
    assert "Baseline caps: us-h1b.regular_cap = 65,000 (https://" in r.stdout
    assert "┏" in r.stdout.split("Cap selection", 1)[1]  # the one table is the selection's
    assert "┏" not in r.stdout.split("Cap selection", 1)[0]  # no empty outcomes table
    for png in ("outcomes.png", "changes.png", "selection.png"):
        assert (charts / png).read_bytes()[:4] == b"\x89PNG"


def _selection_people(path: Path, **column: list[str]) -> Path:
    frame = pl.read_csv(EXAMPLES / "population.csv")
    n = frame.height
    frame = frame.with_columns(
        pl.Series("wage_level", [str(1 + i % 4) for i in range(n)]),
        pl.Series("us_advanced_degree", ["yes" if i % 3 else "No" for i in range(n)]),
    )
    for name, values in column.items():
        frame = frame.with_columns(pl.Series(name, values))
    frame.write_csv(path)
    return path


BAD_CASES = {
    "bad wage level": ("wage", "people.csv:4: column 'wage_level': 'x' is not a wage level 1, 2"),
    "empty reform": ("empty-reform", "reform.yaml: a reform must be a mapping"),
    "reform date": ("reform-date", "reform.yaml:5: parameters.cn-k.max_age.from: '01/02/2026'"),
    "empty population": ("empty-csv", "people.csv:1: the file is empty (no header row)"),
    "ragged row": ("ragged", "people.csv:3: 16 fields where the header has 15"),
    "missing reform": ("no-reform", "nope.yaml: no such file"),
    "settings list": ("settings", "settings.yaml:1: settings must be a mapping of program ids"),
    "selection bool": ("sel-bool", "reform.yaml:5: selection.beneficiary_centric: 'maybe' is"),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_input_is_one_line_never_a_traceback(cli, tmp_path: Path, case: str) -> None:
    kind, message = BAD_CASES[case]
    people, reform = tmp_path / "people.csv", tmp_path / "reform.yaml"
    extra: list[str] = []
    _selection_people(people)
    reform.write_text(WHATIF.read_text("utf-8"), "utf-8")
    if kind == "wage":
        levels = ["1", "2", "x", "4", "1", "2", "3", "4", "1", "2"]
        _selection_people(people, wage_level=levels)
    elif kind == "empty-reform":
        reform.write_text("", "utf-8")
    elif kind == "reform-date":
        reform.write_text("name: x\ntitle: x\nparameters:\n  cn-k:\n"
                          "    max_age: {value: 35, from: '01/02/2026'}\n", "utf-8")  # fmt: skip
    elif kind == "empty-csv":
        people.write_text("", "utf-8")
    elif kind == "ragged":
        lines = (EXAMPLES / "population.csv").read_text("utf-8").splitlines()
        lines[2] += ",extra"
        people.write_text("\n".join(lines) + "\n", "utf-8")
    elif kind == "no-reform":
        reform = tmp_path / "nope.yaml"
    elif kind == "settings":
        (tmp_path / "settings.yaml").write_text("- cn-k\n", "utf-8")
        extra = ["--settings", str(tmp_path / "settings.yaml")]
    elif kind == "sel-bool":
        reform.write_text("name: x\ntitle: x\nseason: FY2027\nselection:\n"
                          "  beneficiary_centric: maybe\n", "utf-8")  # fmt: skip
    r = cli("simulate", str(people), "--reform", str(reform), "--on", "2026-03-01", *extra)
    assert r.returncode == 2, r.stdout + r.stderr
    errors = [x for x in r.stderr.splitlines() if not x.startswith("note: ")]
    assert len(errors) == 1 and message in errors[0], r.stderr
    assert "Traceback" not in r.stderr + r.stdout


def test_yes_no_degrees_in_a_csv_reach_the_cap_selection(cli, tmp_path: Path) -> None:
    """A CSV's us_advanced_degree written yes/No (the convention) once crashed the selection."""
    people = _selection_people(tmp_path / "people.csv")
    r = cli("simulate", str(people), "--reform", str(WHATIF), "--on", "2026-03-01")
    assert r.returncode == 0, r.stderr
    assert "Cap selection by wage_level" in r.stdout


def test_population_commands_name_a_missing_or_empty_model(cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("", "utf-8")
    out = str(tmp_path / "p.parquet")
    for model, message in [
        (tmp_path / "nope.yaml", f"{tmp_path / 'nope.yaml'}:1: no such file"),
        (empty, f"{empty}:1: (document): must be a mapping"),
    ]:
        r = cli("population", "synth", "--model", str(model), "--out", out)
        assert r.returncode == 2 and r.stderr.strip() == f"error: {message}", r.stderr
