"""Input that cannot be silently wrong: unknown codes and dates that do not exist are refused
by the real CLI with one line naming the file, the line and the field (issue 12, item 5)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES

EXAMPLE = (EXAMPLES / "indian-stem-graduate.yaml").read_text("utf-8")
NEXT_YEAR = dt.date.today().year + 1


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "date_of_birth: 2000-03-14",
            "date_of_birth: 2000-02-30",
            "profile.yaml:3: date_of_birth: '2000-02-30' is not an ISO date YYYY-MM-DD",
        ),
        (
            "graduation_date: 2023-07-31",
            "graduation_date: 2023-02-29",
            "profile.yaml:23: degrees.1.graduation_date: '2023-02-29' is not an ISO date "
            "YYYY-MM-DD",
        ),
        (
            "graduation_date: 2023-07-31",
            f"graduation_date: {NEXT_YEAR}-07-31",
            f"profile.yaml:23: degrees.1.graduation_date: {NEXT_YEAR}-07-31 is in the future",
        ),
        (
            "current_country: IN",
            "current_country: XX",
            "profile.yaml:5: current_country: 'XX' is not an ISO 3166-1 alpha-2 country code",
        ),
        (
            "nationalities: [IN]",
            "nationalities: [Germany]",
            "profile.yaml:4: nationalities.0: String should match pattern",
        ),
        (
            "  currency: USD",
            "  currency: RUP",
            "profile.yaml:37: job_offer.currency: 'RUP' is not an ISO 4217 currency code",
        ),
        (
            "institution_country: IN\n    institution_rank: 211",
            "institution_country: ZZ\n    institution_rank: 211",
            "profile.yaml:20: degrees.1.institution_country: 'ZZ' is not an ISO 3166-1",
        ),
    ],
)
@pytest.mark.parametrize("command", ["check", "compare"])
def test_bad_codes_and_dates_in_a_profile(
    cli, tmp_path: Path, command: str, old: str, new: str, expected: str
) -> None:
    assert old in EXAMPLE
    path = tmp_path / "profile.yaml"
    path.write_text(EXAMPLE.replace(old, new, 1), "utf-8")
    r = cli(command, str(path), "--on", "2026-12-07")
    assert r.returncode == 2
    assert expected in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr + r.stdout


def test_an_impossible_date_in_a_settings_file(cli, tmp_path: Path) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text("cn-k:\n  min_experience_years: {value: 0, from: 2026-02-30}\n", "utf-8")
    r = cli("check", str(EXAMPLES / "indian-stem-graduate.yaml"), "--settings", str(settings))
    assert r.returncode == 2
    assert (
        "settings.yaml:2: cn-k.min_experience_years.from: '2026-02-30' is not an ISO date "
        "YYYY-MM-DD" in r.stderr
    )
    assert "Traceback" not in r.stderr


def test_an_impossible_date_in_a_reform_file(cli, tmp_path: Path) -> None:
    text = (EXAMPLES / "reform-k35-bluecard.yaml").read_text("utf-8")
    reform = tmp_path / "reform.yaml"
    reform.write_text(
        text.replace("{value: 35, from: 2026-01-01}", "{value: 35, from: 2026-04-31}")
    )
    r = cli(
        "simulate", str(EXAMPLES / "population.csv"), "--reform", str(reform), "--on", "2026-03-01"
    )
    assert r.returncode != 0
    assert (
        "reform.yaml:14: parameters.cn-k.max_age.from: '2026-04-31' is not an ISO date YYYY-MM-DD"
        in (r.stderr)
    )
    assert "Traceback" not in r.stderr
