"""The analyst commands speak --lang zh (or $TALENTVISA_LANG), like check, compare and path."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

import talentvisa
from talentvisa.cli.main import app

from ..conftest import EXAMPLES

DATA = Path(talentvisa.__file__).parent / "data"
WHATIF = DATA / "whatifs" / "cap-130000-random.yaml"
# the cited model has no wage levels (unpublished); the illustrative one assumes them
ILLUSTRATIVE = DATA / "populations" / "h1b-fy2027-illustrative.yaml"
REFORM = EXAMPLES / "reform-k35-bluecard.yaml"
runner = CliRunner()


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[str, str]:
    r = runner.invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})
    assert r.exit_code == 0, r.output
    return r.stdout, r.stderr


def test_simulate_in_chinese_by_option_and_by_environment(tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    frame = pl.read_csv(EXAMPLES / "population.csv")
    frame.with_columns(
        pl.Series("wage_level", [1 + i % 4 for i in range(frame.height)]),
        pl.Series("us_advanced_degree", ["yes" if i % 3 else "no" for i in range(frame.height)]),
    ).write_csv(people)
    english, _ = _run("simulate", str(people), "--reform", str(REFORM), "--on", "2026-03-01")
    assert "HYPOTHETICAL reform" in english and "scenario" in english
    for how in ("option", "environment"):
        args = ["simulate", str(people), "--reform", str(WHATIF), "--on", "2026-03-01", "--all"]
        out, err = (
            _run(*args, "--lang", "zh")
            if how == "option"
            else _run(*args, env={"TALENTVISA_LANG": "zh"})
        )
        assert "假设的改革方案" in out and "情景" in out and "基准" in out and "改革" in out
        assert "按 wage_level 的名额抽签" in out and "改革中签率" in out
        assert "HYPOTHETICAL reform" not in out and "scenario" not in out
        assert "模拟中(local)" in err and "行,用时" in err


def test_population_and_assess_batch_in_chinese(tmp_path: Path) -> None:
    people = tmp_path / "people.parquet"
    out, _ = _run("population", "synth", "--model", str(ILLUSTRATIVE), "--n", "2000", "--seed",
                  "3", "--out", str(people), "--lang", "zh")  # fmt: skip
    assert "2000 人,权重合计" in out
    out, _ = _run("population", "select", "--population", str(people), "--whatif", str(WHATIF),
                  env={"TALENTVISA_LANG": "zh"})  # fmt: skip
    assert "基准中签率" in out and "大样本精确概率" in out
    raked = tmp_path / "raked.parquet"
    out, _ = _run("population", "calibrate", "--model", str(ILLUSTRATIVE), "--population",
                  str(people), "--out", str(raked), "--lang", "zh")  # fmt: skip
    assert "相对误差" in out and "最大相对误差" in out
    _, err = _run("assess-batch", str(EXAMPLES / "population.csv"), "--out",
                  str(tmp_path / "rows.parquet"), "--on", "2026-03-01", "--lang", "zh")  # fmt: skip
    assert "合计" in err and "不符合" in err and "已将 10 行写入" in err
