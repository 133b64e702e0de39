"""The public /what-if page over real HTTP in both languages, and its commands reproducing it."""

from __future__ import annotations

import base64
import html
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

import talentvisa
from talentvisa.cli.main import app
from talentvisa.web.routes.whatif import page_data

from .conftest import Server, Visitor

WORDS = {
    "en-US": ("What if the H-1B cap were doubled?", "Reproduce these figures", 'lang="en"'),
    "zh-CN": ("如果 H-1B 名额翻倍会怎样？", "复现这些数字", 'lang="zh-Hans"'),
}
ROW = re.compile(r'<tr data-group="([^"]+)"><th scope="row">[^<]+</th>((?:<td>[^<]*</td>)+)</tr>')


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("+", ""))


@pytest.mark.parametrize("language", sorted(WORDS))
def test_the_page_shows_the_what_if_its_chart_table_and_commands(
    server: Server, language: str
) -> None:
    page = Visitor(server.url, accept_language=language).get("/what-if")
    assert page.status_code == 200, page.text[:300]
    title, reproduce, lang = WORDS[language]
    text = page.text
    assert f"<h1>{html.escape(title)}</h1>" in text and reproduce in text and lang in text
    tables = {
        name: [(g, re.findall(r"<td>([^<]*)</td>", cells)) for g, cells in ROW.findall(part)]
        for name, part in zip(
            ("country", "level"),
            text.split('id="whatif-country"')[1].split('id="whatif-level"'),
            strict=True,
        )
    }
    assert [g for g, _ in tables["country"]] == ["CN", "IN", "other"]
    assert [g for g, _ in tables["level"]] == ["1", "2", "3", "4"]
    # The pool (211,600) exceeds both caps, so every cap number is used: 65,000 + 20,000 under
    # the law and 130,000 + 20,000 under the what-if (each figure rounded to a whole person).
    for rows in tables.values():
        assert abs(sum(_number(cells[1]) for _, cells in rows) - 85_000) <= len(rows)
        assert abs(sum(_number(cells[3]) for _, cells in rows) - 150_000) <= len(rows)
    # Weighted entries favour the higher levels under the law; random selection does not.
    law_rates = [_number(cells[2].rstrip("%")) for _, cells in tables["level"]]
    assert law_rates == sorted(law_rates) and law_rates[3] - law_rates[0] > 20
    chart = re.search(
        r'<img id="whatif-chart" src="data:image/png;base64,([^"]+)"[^>]* alt="', text
    )
    assert chart and base64.b64decode(chart.group(1))[:4] == b"\x89PNG"
    commands = [html.unescape(c) for c in re.findall(r'<pre class="command">([^<]+)</pre>', text)]
    assert commands == page_data()["commands"] and len(commands) == 3


def test_the_shown_commands_print_the_pages_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The commands name files of a checkout (src/talentvisa/data/...): give them one.
    (tmp_path / "src").symlink_to(Path(talentvisa.__file__).resolve().parent.parent)
    monkeypatch.chdir(tmp_path)
    shown = page_data()
    outputs = []
    for command in shown["commands"]:
        words = shlex.split(command)
        assert words[0] == "talentvisa"
        result = CliRunner().invoke(app, words[1:], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert (tmp_path / "charts" / "selection.png").is_file()
    simulated, selected = outputs[1], outputs[2]
    for row in shown["by_country"]:
        line = next(x for x in simulated.splitlines() if x.startswith(f"│ {row['group']} "))
        for key in ("people", "baseline", "baseline_rate", "reform", "reform_rate", "change"):
            assert f" {row[key]} " in line, (key, line)
    for row in shown["by_level"]:
        line = next(x for x in selected.splitlines() if x.startswith(f"│ {row['group']} "))
        for key in ("people", "baseline", "baseline_rate", "reform", "reform_rate", "change"):
            assert f" {row[key]} " in line, (key, line)
