"""`talentvisa simulate` as a user runs it: the example reform, determinism, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from ..conftest import EXAMPLES

POPULATION = EXAMPLES / "population.csv"
REFORM = EXAMPLES / "reform-k35-bluecard.yaml"


def test_simulate_the_example_twice_gives_the_same_bytes(cli, tmp_path: Path) -> None:
    runs = []
    for name in ("a", "b"):
        out, summary = tmp_path / f"{name}.parquet", tmp_path / f"{name}.json"
        r = cli(
            "simulate", str(POPULATION), "--reform", str(REFORM), "--on", "2026-03-01",
            "--by", "current_country", "--out", str(out), "--summary-json", str(summary),
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        runs.append((out.read_bytes(), summary.read_bytes(), r.stdout))
    assert runs[0] == runs[1]
    assert "HYPOTHETICAL reform 'k35-rank500-bluecard-minus10'" in runs[0][2]
    assert "not law" in runs[0][2] and "unknown → eligible" in runs[0][2]
    doc = json.loads(runs[0][1])
    assert doc["reform"]["status"] == "hypothetical" and "not law" in doc["notice"]
    assert {p["id"] for p in doc["programs"] if p["changed_by_reform"]} == {"cn-k", "de-blue-card"}
    # people 1, 2 and 10 are STEM graduates of top-500 institutions aged 35 or less on the day
    rows = pl.read_parquet(tmp_path / "a.parquet")
    eligible = rows.filter(pl.col("cn-k:reform:outcome") == "eligible")["id"].to_list()
    assert eligible == ["1", "2", "10"]
    assert set(rows["cn-k:baseline:outcome"].cast(pl.Utf8)) == {"unknown"}
    changed = {(c["group"], c["program"], c["from"], c["to"]): c["people"]
               for c in doc["summary"]["changes"]}  # fmt: skip
    assert changed[("US", "de-blue-card", "ineligible", "eligible")] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--on", "2026-13-01"], "--on: '2026-13-01' is not a date (expected YYYY-MM-DD)"),
        (["--by", "nationality"], "--by: no column 'nationality' in the population"),
        (["--workers", "2", "--scheduler", "tcp://h:8786"], "--workers and --scheduler exclude"),
        (["--reform", "BAD"], "bad.yaml:5: parameters.cn-k.max_agee: unknown parameter 'max_agee'"),
        (["POPULATION", "nope.csv"], "nope.csv: no such file"),
    ],
)
def test_bad_input_is_one_clear_line(cli, tmp_path: Path, args: list[str], message: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\ntitle: a typo\nparameters:\n  cn-k:\n"
        "    max_agee: {value: 35, from: 2026-01-01}\n",
        "utf-8",
    )
    population, reform, extra = str(POPULATION), str(REFORM), list(args)
    if extra[:1] == ["POPULATION"]:
        population, extra = str(tmp_path / extra[1]), []
    elif extra[:1] == ["--reform"]:
        reform, extra = str(bad), []
    r = cli("simulate", population, "--reform", reform, "--on", "2026-03-01", *extra)
    assert r.returncode == 2, r.stdout + r.stderr
    assert message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_changes_only_by_default_all_on_request_and_charts(cli, tmp_path: Path) -> None:
    args = ["simulate", str(POPULATION), "--reform", str(REFORM), "--on", "2026-03-01",
            "--by", "current_country"]  # fmt: skip
    short = cli(*args, "--plot", str(tmp_path / "charts"))
    full = cli(*args, "--all")
    assert short.returncode == full.returncode == 0, short.stderr + full.stderr
    assert "hidden (--all shows them)" in short.stdout and "hidden" not in full.stdout
    assert len(short.stdout.splitlines()) * 2 < len(full.stdout.splitlines())
    assert "us-h1b" in full.stdout and "us-h1b" not in short.stdout  # unchanged by the reform
    for name in ("outcomes.png", "changes.png"):
        assert (tmp_path / "charts" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
