"""The timeline PNG: labelled in Chinese with a CJK font, or in English with a warning."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from talentvisa.cli.main import app
from talentvisa.guidance import chart
from talentvisa.guidance.timeline import timeline
from talentvisa.i18n import Lang
from talentvisa.rules.declarations import declarations
from talentvisa.rules.facts import facts_of
from talentvisa.rules.loader import builtin_catalog, load_profile
from tests.conftest import EXAMPLES

PROFILE = EXAMPLES / "indian-stem-graduate.yaml"


def _timeline():  # type: ignore[no-untyped-def]
    facts = facts_of(load_profile(PROFILE))
    return timeline(builtin_catalog(), facts, declarations(), dt.date(2026, 12, 7), 2)


def test_chinese_labels_are_drawn_with_a_cjk_font(tmp_path: Path) -> None:
    assert chart.cjk_font() in chart.CJK_FONTS  # fonts-noto-cjk or fonts-wqy-microhei
    png = tmp_path / "zh.png"
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        drawn = chart.draw_png(_timeline(), png, Lang("zh_Hans"))
    # Matplotlib warns "Glyph ... missing from font(s)" for each character it cannot draw.
    missing = [str(w.message) for w in seen if "missing from" in str(w.message)]
    assert drawn.zh and not missing, missing[:3]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_a_cjk_font_the_chart_is_english_and_the_cli_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chart, "CJK_FONTS", ["No Such Family 9"])
    monkeypatch.setattr(chart, "_fontconfig_files", list)
    assert chart.cjk_font() is None
    png = tmp_path / "t.png"
    args = ["timeline", str(PROFILE), "--on", "2026-12-07", "--plot", str(png), "--lang", "zh"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert png.exists() and "no Chinese font found" in r.output and "fonts-noto-cjk" in r.output
