"""The command line refuses what no field may hold in its profile, settings and reform files:
non-zero exit and one line naming file, line and field, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import EXAMPLES

POPULATION = EXAMPLES / "population.csv"


def assert_one_line(r, expected: str) -> None:
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert any(expected in line for line in lines), r.stderr
    assert len(lines) == 1, r.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('name: "\\ud800"\n', "profile.yaml:1: name: text is not valid Unicode"),
        ('name: "Wei\\0Test"\n', "profile.yaml:1: name: text contains the control character"),
        ("job_offer:\n  annual_salary: .inf\n", "profile.yaml:2: job_offer.annual_salary"),
        ("funds:\n  amount: 1e300\n  currency: EUR\n", "profile.yaml:2: funds.amount"),
        (
            "degrees:\n  - institution_rank: 1180591620717411303424\n",
            "profile.yaml:2: degrees.0.institution_rank: integer does not fit in 64 bits",
        ),
        (f"name: {'x' * 201}\n", "profile.yaml:1: name"),
        ("degrees:\n" + "  - level: master\n" * 21, "profile.yaml:1: degrees"),
    ],
)
def test_bad_profile_values(cli, tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "profile.yaml"
    path.write_text(content, "utf-8")
    assert_one_line(cli("check", str(path), "--program", "cn-k"), expected)


def test_infinite_deployer_setting(cli, tmp_path: Path) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text("cn-k:\n  max_age: {value: .inf, note: agency policy}\n", "utf-8")
    r = cli("check", str(EXAMPLES / "indian-stem-graduate.yaml"), "--settings", str(settings))
    assert_one_line(r, "settings.yaml:2: cn-k.max_age.value: number must be finite")


def test_bad_characters_in_a_reform(cli, tmp_path: Path) -> None:
    reform = tmp_path / "reform.yaml"
    reform.write_text(
        'name: bad\ntitle: "a \\ud800 title"\n'
        "parameters:\n  cn-k:\n    max_age: {value: 35, from: 2026-01-01}\n",
        "utf-8",
    )
    r = cli("simulate", str(POPULATION), "--reform", str(reform), "--on", "2026-03-01")
    assert_one_line(r, "reform.yaml:2: title: text is not valid Unicode")
