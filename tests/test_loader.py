"""Program authors get file:line errors; bad files never load half-way."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from talentvisa.rules.expr import ExpressionError, parse
from talentvisa.rules.loader import ProgramFileError, load_catalog, load_program

from .conftest import program_file

GOOD = program_file("cn-visa-free").read_text("utf-8")


def write(tmp_path: Path, text: str, name: str = "cn-visa-free.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def problem(tmp_path: Path, text: str) -> str:
    with pytest.raises(ProgramFileError) as info:
        load_program(write(tmp_path, text))
    return str(info.value)


def test_the_shipped_file_loads(tmp_path: Path) -> None:
    assert load_program(write(tmp_path, GOOD)).id == "cn-visa-free"


def test_unknown_name_in_an_expression_points_at_its_criterion(tmp_path: Path) -> None:
    bad = GOOD.replace("expr: passport_type == 'ordinary'", "expr: pasport_type == 'ordinary'")
    msg = problem(tmp_path, bad)
    line = line_of(bad, "  ordinary_passport:")
    assert f"cn-visa-free.yaml:{line}:" in msg
    assert "unknown name 'pasport_type'" in msg


def test_syntax_error_names_file_line_and_reason(tmp_path: Path) -> None:
    bad = GOOD.replace("expr: passport_type == 'ordinary'", "expr: passport_type ==")
    msg = problem(tmp_path, bad)
    assert f":{line_of(bad, 'expr: passport_type ==')}:" in msg
    assert "syntax error" in msg


def test_a_value_without_a_source_is_refused_with_its_line(tmp_path: Path) -> None:
    bad = GOOD.replace(
        "        value: 30\n        open_ended: true\n"
        "        source: [mfa-list-2025-11, russia-trial]\n",
        "        value: 30\n        open_ended: true\n",
    )
    assert bad != GOOD
    msg = problem(tmp_path, bad)
    assert re.search(r"cn-visa-free\.yaml:\d+: parameters\.max_stay_days\.values\.0\.source", msg)
    assert "Field required" in msg


def test_an_unknown_source_id_is_refused(tmp_path: Path) -> None:
    bad = GOOD.replace("source: [russia-trial, russia-extension]", "source: [russia-trail]", 1)
    assert "unknown source id 'russia-trail'" in problem(tmp_path, bad)


def test_a_last_value_without_an_end_is_silent_extrapolation(tmp_path: Path) -> None:
    bad = GOOD.replace("        value: 30\n        open_ended: true\n", "        value: 30\n")
    msg = problem(tmp_path, bad)
    assert "silent extrapolation" in msg
    lines = bad.splitlines()
    start = line_of(bad, "  max_stay_days:")
    values_line = next(i for i in range(start, len(lines) + 1) if lines[i - 1] == "    values:")
    assert f":{values_line}: parameters.max_stay_days.values" in msg


def test_a_gap_between_values_is_refused(tmp_path: Path) -> None:
    bad = GOOD.replace(
        "      - from: 2025-11-10\n        before: 2026-02-17",
        "      - from: 2025-11-11\n        before: 2026-02-17",
    )
    assert "gap from 2025-11-10 to 2025-11-11" in problem(tmp_path, bad)


def test_duplicate_keys_are_refused_not_silently_overwritten(tmp_path: Path) -> None:
    bad = GOOD.replace("  ordinary_passport:\n", "  eligible:\n", 1)
    msg = problem(tmp_path, bad)
    assert "duplicate key 'eligible'" in msg
    second = [i for i, ln in enumerate(bad.splitlines(), 1) if ln == "  eligible:"][1]
    assert f":{second}:" in msg


def test_criteria_in_a_cycle_are_refused(tmp_path: Path) -> None:
    bad = GOOD.replace("expr: passport_type == 'ordinary'", "expr: eligible")
    assert "cycle" in problem(tmp_path, bad)


def test_the_file_name_must_match_the_id(tmp_path: Path) -> None:
    with pytest.raises(ProgramFileError, match=r"must be named cn-visa-free\.yaml"):
        load_program(write(tmp_path, GOOD, name="visa-free.yaml"))


def test_a_catalog_reports_every_bad_file(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace("expr: passport_type == 'ordinary'", "expr: nope"))
    write(tmp_path, "id: [", name="cn-broken.yaml")
    with pytest.raises(ProgramFileError) as info:
        load_catalog(tmp_path)
    files = {p.file.rsplit("/", 1)[-1] for p in info.value.problems}
    assert files == {"cn-visa-free.yaml", "cn-broken.yaml"}


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os').system('true')",
        "open('/etc/passwd')",
        "age.__class__",
        "[x for x in nationalities]",
        "nationalities[0]",
        "lambda: 1",
        "eval('1')",
        "x := 1",
        "f'{age}'",
    ],
)
def test_expressions_outside_the_language_are_refused(source: str) -> None:
    with pytest.raises(ExpressionError):
        parse(source)


def test_the_allowed_language_parses() -> None:
    parse(textwrap.dedent("a >= 1 and not (b or c) and d in ['x', 'y'] and (1 if e else 2) < f"))
