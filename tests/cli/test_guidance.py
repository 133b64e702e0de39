"""`talentvisa path` and `talentvisa timeline`, run as a user runs them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from tests.conftest import EXAMPLES

PROFILE = str(EXAMPLES / "indian-stem-graduate.yaml")


def test_path_json_lists_verified_changes(cli) -> None:
    r = cli("path", PROFILE, "--on", "2026-12-07", "--json", "--program", "de-blue-card")
    assert r.returncode == 0, r.stderr
    (entry,) = json.loads(r.stdout)["programs"]
    changes = entry["suggestions"][0]["changes"]
    assert [c["fact"] for c in changes] == ["job_offer_country", "job_offer_currency"]
    assert entry["suggestions"][0]["requires"][0]["value"] == 50700


def test_timeline_plots_a_png_and_speaks_chinese(cli, tmp_path, monkeypatch) -> None:
    png = tmp_path / "t.png"
    monkeypatch.setenv("TALENTVISA_LANG", "zh")
    r = cli("timeline", PROFILE, "--on", "2026-12-07", "--plot", str(png))
    assert r.returncode == 0, r.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "德国欧盟蓝卡" in r.stdout and "不符合条件" in r.stdout


def test_an_unknown_language_is_one_line_and_exit_2(cli) -> None:
    r = cli("path", PROFILE, "--lang", "fr")
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "--lang" in r.stderr


def test_compare_shows_the_range_of_a_cost_that_hinges_on_an_answer(cli, tmp_path) -> None:
    profile = yaml.safe_load(Path(PROFILE).read_text("utf-8"))
    del profile["job_offer"]["employer"], profile["job_offer"]["petition"]
    target = tmp_path / "no-employer.yaml"
    target.write_text(yaml.safe_dump(profile), "utf-8")
    r = cli("compare", str(target), "--on", "2026-12-07")
    assert r.returncode == 0, r.stderr
    h1b = next(line for line in r.stdout.splitlines() if "US H-1B" in line)
    # the employer's fees: from the smallest employer's to the largest's, not "unknown"
    assert re.search(r"USD [\d,]+ to USD [\d,]+", h1b), h1b
