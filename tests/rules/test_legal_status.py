"""Legal status of a value: contested law shows every reading, proposals stay scenarios.

Pinned on the H-1B $100,000 payment (contested from the D. Mass. vacatur of 8 Jun 2026) and
the proposed FY2028 fee of $103,265 (docket USCIS-2026-0298), both in programs/us/us-h1b.yaml.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from talentvisa.rules import assess, builtin_catalog
from talentvisa.rules.assessment import Assessment, FeeStatus
from talentvisa.rules.batch import assess_population, from_profiles
from talentvisa.rules.loader import ProgramFileError, load_profile, load_settings
from talentvisa.rules.model import ParameterValue
from talentvisa.rules.params import NO_SETTINGS, Settings, with_scenario

EXAMPLES = Path(__file__).parents[2] / "examples"
CATALOG = builtin_catalog()
H1B = CATALOG["us-h1b"]
PRIYA = load_profile(EXAMPLES / "indian-stem-graduate.yaml")
VACATUR = dt.date(2026, 6, 8)
EXTENSION = dt.date(2026, 9, 21)
FY2028_FILING = dt.date(2027, 4, 1)


def h1b(on: dt.date, settings: Settings = NO_SETTINGS) -> Assessment:
    return assess(H1B, PRIYA, on, settings)


def test_before_the_vacatur_the_payment_is_law_and_not_contested() -> None:
    a = h1b(VACATUR - dt.timedelta(days=1))
    fee = a.fee("proclamation")
    assert (fee.status, fee.amount, fee.readings) == (FeeStatus.due, 100000.0, [])
    assert a.contested == []


@pytest.mark.parametrize("on", [VACATUR, dt.date(2026, 9, 20), EXTENSION, dt.date(2026, 12, 7)])
def test_contested_payment_shows_both_readings_and_no_amount(on: dt.date) -> None:
    a = h1b(on)
    fee = a.fee("proclamation")
    assert fee.amount is None and "proclamation_payment" in fee.missing
    readings = {r.reading: (r.status, r.amount) for r in fee.readings}
    assert readings == {
        "proclamation": (FeeStatus.due, 100000.0),
        "vacatur": (FeeStatus.not_due, 0.0),
    }
    [c] = a.contested
    assert c.parameter == "proclamation_payment" and c.deployer_choice is None
    assert [r.label.en.split(" if ")[0] for r in c.readings] == ["$100,000 due", "nothing due"]
    for r in c.readings:
        assert r.sources and all(s.url.startswith("https://") for s in r.sources)
    cases = {o.case.split(" ")[0]: o for o in c.orders}
    assert cases["1:25-cv-13829"].date == VACATUR  # D. Mass. vacatur
    assert cases["1:25-cv-13829"].court.endswith("District of Massachusetts")
    assert cases["26-1699"].date == dt.date(2026, 7, 24)  # First Circuit: no stay
    assert cases["1:25-cv-03675"].date == dt.date(2025, 12, 23)  # D.D.C. upheld, on appeal
    assert all(o.url.startswith("https://") for o in c.orders)
    # the N.D. Cal. order of 30 Sep 2026 is named only from the period it falls in
    assert ("3:25-cv-08454" in cases) == (on >= EXTENSION)
    assert c.pending is not None and "D.C. Circuit" in c.pending.en
    assert "litigation" in {q.id for q in a.open_questions}
    # the employer's total does not silently count either reading
    [employer_usd] = [t for t in a.totals if t.payer.value == "employer"]
    assert "proclamation" in employer_usd.unknown_fees


def _settings(tmp_path: Path, body: str) -> Settings:
    path = tmp_path / "settings.yaml"
    path.write_text(body, "utf-8")
    return load_settings(path, CATALOG)


@pytest.mark.parametrize(("reading", "amount"), [("vacatur", 0.0), ("proclamation", 100000.0)])
def test_a_deployer_setting_picks_a_reading_and_is_labelled_so(
    tmp_path: Path, reading: str, amount: float
) -> None:
    chosen = _settings(
        tmp_path,
        f"us-h1b:\n  proclamation_payment: {{value: {reading}, note: counsel's advice}}\n",
    )
    a = h1b(dt.date(2026, 12, 7), chosen)
    assert a.fee("proclamation").amount == amount
    [c] = a.contested
    assert c.deployer_choice == reading and len(c.readings) == 2  # both still shown
    [read] = [p for p in a.parameters if p.name == "proclamation_payment"]
    assert read.origin == "deployer" and "not law" in str(read.note)
    assert any(f"deployer setting {reading!r}" in n and "not law" in n for n in a.notes)
    # before the dispute the law's definite value stands, whatever the deployer chose
    assert h1b(VACATUR - dt.timedelta(days=1), chosen).fee("proclamation").amount == 100000.0
    # and the choice of a reading does not fill the silent dates after 21 Sep 2027
    assert h1b(dt.date(2027, 10, 1), chosen).fee("proclamation").amount is None


def test_a_setting_that_names_no_reading_is_refused_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(ProgramFileError) as exc:
        _settings(tmp_path, "us-h1b:\n  proclamation_payment: {value: 0, note: guess}\n")
    assert str(exc.value).count("\n") == 0
    assert "settings.yaml:2: us-h1b.proclamation_payment is contested" in str(exc.value)
    assert "proclamation, vacatur" in str(exc.value)


def test_scalar_and_batch_agree_on_contested_and_chosen_values(tmp_path: Path) -> None:
    chosen = _settings(
        tmp_path, "us-h1b:\n  proclamation_payment: {value: proclamation, note: cautious}\n"
    )
    scenario = with_scenario([H1B.program], "fy2028_fee", NO_SETTINGS)
    frame = from_profiles([PRIYA])
    for on, settings in [
        (dt.date(2026, 12, 7), NO_SETTINGS),
        (dt.date(2026, 12, 7), chosen),
        (FY2028_FILING, scenario),
        (FY2028_FILING - dt.timedelta(days=1), scenario),
    ]:
        a = assess(H1B, PRIYA, on, settings)
        row: dict[str, Any] = assess_population([H1B], frame, on, settings).row(0, named=True)
        for fee in a.fees:
            assert row[f"us-h1b:fee:{fee.id}"] == fee.status.value, (on, fee.id)
        assert row["us-h1b:outcome"] == a.outcome.value


def test_a_proposed_fee_is_never_law() -> None:
    for on in (dt.date(2026, 12, 7), FY2028_FILING, dt.date(2028, 1, 1)):
        fee = h1b(on).fee("cap_petition")
        assert (fee.status, fee.amount) == (FeeStatus.not_due, 0.0), on


@pytest.mark.parametrize(
    ("on", "amount"),
    [(FY2028_FILING - dt.timedelta(days=1), 0.0), (FY2028_FILING, 103265.0)],
)
def test_the_scenario_applies_exactly_from_its_date(on: dt.date, amount: float) -> None:
    settings = with_scenario(list(c.program for c in CATALOG.values()), "fy2028_fee", NO_SETTINGS)
    a = h1b(on, settings)
    assert a.fee("cap_petition").amount == amount
    if amount:
        [read] = [p for p in a.parameters if p.name == "cap_petition_fee"]
        assert read.origin == "scenario" and "not law" in str(read.note)
        assert a.program_hash != h1b(on).program_hash  # never stored as the law's version
    # the scenario leaves the law untouched for the same day
    assert h1b(on).fee("cap_petition").amount == 0.0


def test_proposed_and_half_contested_values_are_refused_in_the_law() -> None:
    base: dict[str, Any] = {"from": "2026-01-01", "open_ended": True, "source": ["x"]}
    with pytest.raises(ValidationError, match="scenario"):
        ParameterValue.model_validate({**base, "value": 1, "status": "proposed"})
    with pytest.raises(ValidationError, match="court"):
        ParameterValue.model_validate(
            {**base, "value": None, "status": "contested", "note": {"en": "a", "zh": "b"}}
        )
    with pytest.raises(ValidationError, match="belong to a contested value"):
        ParameterValue.model_validate(
            {**base, "value": 1, "pending": {"event": {"en": "a", "zh": "b"}, "source": ["x"]}}
        )


def test_compare_shows_the_contested_payment_with_both_readings_and_sources(cli) -> None:
    profile = str(EXAMPLES / "indian-stem-graduate.yaml")
    r = cli("compare", profile, "--on", "2026-12-07")
    assert r.returncode == 0, r.stderr
    assert ": contested" in r.stdout and "Contested law" in r.stdout
    assert "$100,000 due if the proclamation applies" in r.stdout
    assert "nothing due if the vacatur stands" in r.stdout
    assert "1:25-cv-13829" in r.stdout and "3:25-cv-08454" in r.stdout
    assert "https://www.lawfirm4immigrants.com/federal-judge-strikes-down" in r.stdout
    assert "no reading is chosen: the value is unknown" in r.stdout


def test_compare_scenario_shows_the_proposal_beside_the_law(cli) -> None:
    profile = str(EXAMPLES / "indian-stem-graduate.yaml")
    r = cli("compare", profile, "--on", "2027-05-01", "--scenario", "fy2028_fee", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    law = next(a for a in doc["assessments"] if a["program_id"] == "us-h1b")
    assert next(f for f in law["fees"] if f["id"] == "cap_petition")["amount"] == 0
    sc = doc["scenario"]
    assert sc["status"] == "proposed" and sc["not_law"] is True
    assert sc["programs"]["us-h1b"]["docket"] == "USCIS-2026-0298"
    [adopted] = sc["assessments"]
    assert next(f for f in adopted["fees"] if f["id"] == "cap_petition")["amount"] == 103265
    table = cli("compare", profile, "--on", "2027-05-01", "--scenario", "fy2028_fee")
    assert "If the proposed FY2028 fee" in table.stdout and "not law" in table.stdout
    bad = cli("compare", profile, "--scenario", "fy2099")
    assert bad.returncode == 2 and "--scenario: unknown scenario 'fy2099'" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_simulate_shows_a_scenario_as_a_proposal_beside_the_law(cli, tmp_path: Path) -> None:
    summary = tmp_path / "summary.json"
    population = str(EXAMPLES / "population.csv")
    r = cli(
        "simulate", population, "--scenario", "fy2028_fee", "--on", "2027-05-01",
        "--program", "us-h1b", "--summary-json", str(summary),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "USCIS-2026-0298" in r.stdout and "not law" in r.stdout
    doc = json.loads(summary.read_text("utf-8"))
    assert "proposed" in json.dumps(doc) and "fy2028-fee" in json.dumps(doc)
    neither = cli("simulate", population)
    assert neither.returncode == 2
    assert neither.stderr.strip() == "error: give one of --reform FILE or --scenario NAME"
