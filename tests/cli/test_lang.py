"""`--lang zh` and TALENTVISA_LANG on `check` and `compare`: the portal's catalogs, the same
at-a-glance matrix with this person's odds, and one line for a bad language."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from talentvisa.guidance.odds import chance

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = "examples/indian-stem-graduate.yaml"


def test_compare_in_chinese_opens_with_the_matrix_and_her_h1b_chance(cli) -> None:
    r = cli("compare", EXAMPLE, "--lang", "zh")
    assert r.returncode == 0, r.stderr
    glance, _, details = r.stdout.partition("所有项目一览")
    assert "Priya" in glance and details
    head = details.split("\n\n")[0]
    for column in ("项目", "结果", "您需支付的费用", "雇主费用", "中签概率", "永久居留途径"):
        assert column in head, column
    used = chance(2, False).used
    assert used is not None
    assert f"{used.odds.p_overall:.1%}" in details and "FY2027" in details
    assert used.pool.label.zh.split("，")[0] in details
    assert "有名额上限，中签概率未建模" in details  # the UK HPI's cap, no pool model
    assert "Eligibility" not in r.stdout and "No capped selection" not in r.stdout


def test_the_matrix_in_english_names_the_chance_season_and_pool(cli) -> None:
    r = cli("compare", EXAMPLE)
    assert r.returncode == 0, r.stderr
    assert "every program on" in r.stdout and "at a glance" in r.stdout
    assert "An employer can petition for you; selection chance 23.8%" in r.stdout
    assert "Capped, odds not modelled" in r.stdout


def test_check_follows_talentvisa_lang() -> None:
    env = {**os.environ, "COLUMNS": "200", "TALENTVISA_LANG": "zh"}
    r = subprocess.run(
        [str(Path(sys.executable).parent / "talentvisa"), "check", EXAMPLE, "--program", "us-h1b"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert "美国H-1B" in r.stdout and "符合条件" in r.stdout and "条件" in r.stdout
    assert "Criteria" not in r.stdout


def test_a_bad_language_is_one_line(cli) -> None:
    r = cli("check", EXAMPLE, "--lang", "xx")
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "--lang" in r.stderr
