"""`talentvisa simulate --reform` with a `selection:` block: the cap selections beside the law."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

import talentvisa

from ..conftest import EXAMPLES

WHATIF = Path(talentvisa.__file__).parent / "data" / "whatifs" / "cap-130000-random.yaml"


def _population(path: Path) -> Path:
    people = pl.read_csv(EXAMPLES / "population.csv")
    n = people.height
    people.with_columns(
        pl.Series("wage_level", [1 + i % 4 for i in range(n)]),
        pl.Series("us_advanced_degree", [i % 3 == 0 for i in range(n)]),
        pl.lit(20_000.0).alias("weight"),
    ).write_csv(path)
    return path


def test_simulate_reports_both_cap_selections_in_text_json_and_a_chart(cli, tmp_path: Path) -> None:
    population = _population(tmp_path / "people.csv")
    summary, charts = tmp_path / "s.json", tmp_path / "charts"
    r = cli(
        "simulate", str(population), "--reform", str(WHATIF), "--on", "2026-03-01",
        "--summary-json", str(summary), "--plot", str(charts),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    groups = json.loads(summary.read_text("utf-8"))["selection"]["groups"]
    assert [g["group"] for g in groups] == [1, 2, 3, 4]
    # 200,000 people exceed both caps: every slot is filled, 65,000 + 20,000 under the law and
    # 130,000 + 20,000 under the what-if.
    assert round(sum(g["baseline_selected"] for g in groups)) == 85_000
    assert round(sum(g["reform_selected"] for g in groups)) == 150_000
    # Weighted entries favour level 4 under the law; random selection evens the rates out.
    rates = [g["baseline_rate"] for g in groups]
    assert rates == sorted(rates) and rates[0] < rates[3]
    assert groups[0]["reform_rate"] == groups[1]["reform_rate"]
    line = next(x for x in r.stdout.splitlines() if x.startswith("│ 4 "))
    assert f"{groups[3]['baseline_selected']:,.0f}" in line
    assert f"{groups[3]['reform_rate']:.1%}" in line
    assert (charts / "selection.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_bad_selection_block_or_population_is_one_line(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ntitle: bad\nseason: FY2027\nselection: {caps: 1}\n", "utf-8")
    population = _population(tmp_path / "p.csv")
    no_level = tmp_path / "no-level.csv"
    pl.read_csv(population).drop("wage_level").write_csv(no_level)
    for people, reform, message in [
        (population, bad, "selection.caps: unknown key"),
        (no_level, WHATIF, "population has no column 'wage_level' for the cap selection"),
    ]:
        r = cli("simulate", str(people), "--reform", str(reform), "--on", "2026-03-01")
        assert r.returncode == 2 and message in r.stderr, r.stderr
        # The note on facts the file lacks comes first; then one line names the problem.
        errors = [x for x in r.stderr.splitlines() if not x.startswith("note: ")]
        assert "Traceback" not in r.stderr and len(errors) == 1 and message in errors[0]
