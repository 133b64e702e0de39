"""Issue 15, item 7, over real HTTP on both databases: issue terms bounded by the program's
benefits, deadlines that are local times in the agency's zone, and the API's times in UTC."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from talentvisa.auth.models import Role
from tests.api.fixtures import PROFILE, TODAY, Server


def _ok(r: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    return body


def _taken(server: Server, officer: httpx.Client, program_id: str) -> dict[str, Any]:
    applicant = server.client(server.user(Role.applicant)[1])
    app = _ok(
        applicant.post("/applications", json={"program_id": program_id, "profile": PROFILE}), 201
    )
    case = _ok(
        applicant.post(
            f"/applications/{app['id']}/submit",
            json={"version": 1},
            headers={"Idempotency-Key": f"submit-{app['id']}"},
        )
    )
    return _ok(officer.post(f"/applications/{case['id']}/assign", json={"version": 2}))


def approve(officer: httpx.Client, case: dict[str, Any]) -> dict[str, Any]:
    """The officer approves the case on its first criterion, overriding the pre-screen if it
    did not find the applicant eligible (no four eyes on these programs)."""
    override = {} if case["prescreen_outcome"] == "eligible" else {"override_code": "other"}
    body = {"decision": "approve", "reasons": ["adult"], "text": "Verified.", **override}
    return _ok(
        officer.post(
            f"/applications/{case['id']}/decision", json={**body, "version": case["version"]}
        )
    )


def test_r_visa_terms_are_chosen_within_the_programs(server: Server) -> None:
    officer = server.client(server.user(Role.officer)[1])
    case = approve(officer, _taken(server, officer, "cn-r"))
    assert case["state"] == "approved"
    url = f"/applications/{case['id']}/issue"
    base = {"version": case["version"], "valid_from": "2026-04-01"}
    # cn-r.yaml: multiple entries, valid 5 to 10 years, at most 180 days a stay.
    for wrong, field, said in (
        ({"validity": 132}, "validity", "from 60 to 120 months"),
        ({"validity": 60, "validity_unit": "days"}, "validity_unit", "months"),
        ({"validity": 60, "entries": 2}, "entries", "multiple"),
        ({"validity": 60, "entries": "multipel"}, "entries", "multipel"),
        ({"validity": 60, "stay_days": 181}, "stay_days", "180"),
        ({"validity": 60, "stay_days": True}, "stay_days", ""),
        ({"validity": 60, "valid_until": "2031-03-31"}, "valid_until", ""),
        ({"validity": 120, "valid_from": "9999-01-01"}, "valid_from", "9999"),
    ):
        r = officer.post(url, json={**base, **wrong})
        assert r.status_code == 422, (wrong, r.text)
        error = r.json()["error"]
        assert error["field"] == field and said in error["message"], (wrong, error)
    assert _ok(officer.get(f"/applications/{case['id']}"))["state"] == "approved"

    issued = _ok(officer.post(url, json={**base, "validity": 120}))
    assert issued["state"] == "issued"
    assert issued["issued"] == {
        "valid_from": "2026-04-01",
        "valid_until": {"value": "2036-03-31", "origin": "officer, within the program's terms"},
        "validity": {
            "value": 120,
            "unit": "months",
            "origin": "officer, within the program's terms",
        },
        "entries": {"value": "multiple", "origin": "program"},
        "max_stay_days": {"value": 180, "origin": "program"},
    }


def test_a_deadline_is_a_local_time_in_the_agencys_zone(server: Server) -> None:
    officer = server.client(server.user(Role.officer)[1])
    case = _taken(server, officer, "cn-k")
    due = TODAY + dt.timedelta(days=10)
    bad = officer.post(
        f"/applications/{case['id']}/request-evidence",
        json={"message": "Your CV.", "due": due.isoformat(), "due_time": "25:00", "version": 3},
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "due_time", bad.text
    case = _ok(
        officer.post(
            f"/applications/{case['id']}/request-evidence",
            json={
                "message": "Your CV.",
                "due": due.isoformat(),
                "due_time": "17:00",
                "version": case["version"],
            },
        )
    )
    (rfe,) = case["evidence_requests"]
    # 17:00 in Beijing (UTC+8, no summer time) is 09:00 UTC; the API speaks UTC with its Z.
    assert rfe["due"] == due.isoformat() and rfe["due_zone"] == "Asia/Shanghai"
    assert rfe["due_at"] == f"{due.isoformat()}T09:00:00Z"
    assert case["created_at"].endswith("Z") and rfe["created_at"].endswith("Z")

    # Extending means later: the same day an hour earlier is refused, naming `due`.
    earlier = officer.post(
        f"/applications/{case['id']}/extend-evidence",
        json={"due": due.isoformat(), "due_time": "16:00", "version": case["version"]},
    )
    assert earlier.status_code == 422 and earlier.json()["error"]["field"] == "due"
    case = _ok(
        officer.post(
            f"/applications/{case['id']}/extend-evidence",
            json={"due": due.isoformat(), "due_time": "18:30", "version": case["version"]},
        )
    )
    assert case["evidence_requests"][0]["due_at"] == f"{due.isoformat()}T10:30:00Z"
    r = officer.get(f"/applications/{case['id']}/timeline")
    events: list[dict[str, Any]] = r.json()
    assert r.status_code == 200 and all(e["at"].endswith("Z") for e in events)
    extended = [e for e in events if e["action"] == "extend_evidence"]
    assert extended[0]["data"]["due_at"] == f"{due.isoformat()}T10:30:00+00:00"


def test_the_last_day_west_of_greenwich_is_refused_not_failed(server: Server) -> None:
    # Ottawa's 31 Dec 9999, 23:59 is already the year 10000 in UTC.
    officer = server.client(server.user(Role.officer)[1])
    case = _taken(server, officer, "ca-express-entry")
    r = officer.post(
        f"/applications/{case['id']}/request-evidence",
        json={"message": "Your CV.", "due": "9999-12-31", "version": case["version"]},
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "due", r.text
