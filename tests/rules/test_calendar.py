"""`talentvisa programs calendar`: what starts, changes, ends or is contested in a window."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from talentvisa.rules import builtin_catalog
from talentvisa.rules.calendar import Kind, calendar
from tests.conftest import run_cli

PROGRAMS = [cp.program for cp in builtin_catalog().values()]


def _find(entries: list[dict[str, Any]], program: str, item: str) -> dict[str, Any]:
    return next(e for e in entries if e["program"] == program and e["item"] == item)


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    r = run_cli("programs", "calendar", "--from", "2026-12-07", "--days", "120", "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_json_shape(doc: dict[str, Any]) -> None:
    assert (doc["start"], doc["days"], doc["until"]) == ("2026-12-07", 120, "2027-04-06")
    assert set(doc) == {"start", "days", "until", "events", "pending"}
    dates = [e["date"] for e in doc["events"]]
    assert dates == sorted(dates) and all("2026-12-07" <= d < "2027-04-06" for d in dates)
    for e in doc["events"] + doc["pending"]:
        assert {"kind", "date", "program", "item", "label", "status", "sources"} <= set(e)
        assert e["label"]["en"] and e["label"]["zh"]


def test_the_visa_free_list_ends_on_31_december_with_no_successor(doc: dict[str, Any]) -> None:
    e = _find(doc["events"], "cn-visa-free", "nationalities_listed")
    assert (e["kind"], e["date"], e["last_day"]) == ("turns_unknown", "2027-01-01", "2026-12-31")
    assert e["value"] is None and len(e["previous"]) == 48  # the 48 nationalities of the list


def test_blue_card_and_korea_next_changes(doc: dict[str, Any]) -> None:
    blue = _find(doc["events"], "de-blue-card", "general_threshold")
    assert (blue["kind"], blue["date"], blue["previous"]) == ("turns_unknown", "2027-01-01", 50700)
    gni = _find(doc["events"], "kr-top-tier", "gni_per_capita")
    assert (gni["date"], gni["last_day"], gni["previous"]) == ("2027-04-01", "2027-03-31", 52416000)


def test_the_contested_h1b_payment_with_its_pending_event(doc: dict[str, Any]) -> None:
    e = _find(doc["pending"], "us-h1b", "proclamation_payment")
    assert (e["kind"], e["status"]) == ("contested", "contested")
    assert "D.C. Circuit" in e["pending"]["en"] and e["pending"]["zh"]
    assert any("courtlistener.com" in u for u in e["sources"])  # the N.D. Cal. order
    assert doc["pending"][0]["kind"] == "contested"  # disputes come first
    proposed = _find(doc["events"], "us-h1b", "fy2028_fee:cap_petition_fee")
    assert (proposed["status"], proposed["value"]) == ("proposed", 103265)
    assert {"litigation", "after_2027"} <= {
        e["item"] for e in doc["pending"] if e["program"] == "us-h1b"
    }


def test_window_edges_are_exact() -> None:
    def dated(start: dt.date, days: int) -> set[tuple[str, str]]:
        return {(e.program, e.item) for e in calendar(PROGRAMS, start, days).events}

    end_of_list = ("cn-visa-free", "nationalities_listed")
    assert end_of_list in dated(dt.date(2027, 1, 1), 1)
    assert end_of_list not in dated(dt.date(2026, 12, 7), 25)  # until 2027-01-01, excluded
    assert end_of_list not in dated(dt.date(2027, 1, 2), 30)
    # the payment becomes contested on 8 Jun 2026, as a dated event of that day
    cal = calendar(PROGRAMS, dt.date(2026, 6, 8), 1)
    became = [e for e in cal.events if e.item == "proclamation_payment"]
    assert [(e.kind, e.previous) for e in became] == [(Kind.contested, 100000)]


def test_terminal_table_names_the_changes(cli: Any) -> None:
    r = cli("programs", "calendar", "--from", "2026-12-07", "--days", "120")
    assert r.returncode == 0, r.stderr
    assert "2026-12-31" in r.stdout and "cn-visa-free" in r.stdout
    assert "no successor" in r.stdout and "contested" in r.stdout


@pytest.mark.parametrize("bad", ["2026-02-30", "tomorrow", "07/12/2026"])
def test_bad_from_is_one_line_and_exit_2(cli: Any, bad: str) -> None:
    r = cli("programs", "calendar", "--from", bad)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "--from" in lines[0] and bad in lines[0]
    assert "Traceback" not in r.stderr


def test_bad_days_is_refused(cli: Any) -> None:
    r = cli("programs", "calendar", "--days", "0")
    assert r.returncode == 2 and "Traceback" not in r.stderr
