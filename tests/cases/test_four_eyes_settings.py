"""Four eyes and the reminder lead time as the agency's versioned settings, per program, over
real HTTP on both databases: the K visa's default as before, an agency turning four eyes off
for overrides or on for another program's refusals, the decision naming the settings version
it ran under, and reminders sent as many days ahead as the program's setting says."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from talentvisa.auth.models import Role
from talentvisa.cases import scheduler
from tests.api.fixtures import PROFILE, TODAY, Server

BLUE_CARD = {
    "name": "Blue Card applicant",
    "date_of_birth": "1994-02-01",
    "nationalities": ["IN"],
    "degrees": [{"level": "master", "field": "computer_science", "graduation_date": "2019-07-01"}],
    "has_job_offer": True,
    "job_offer": {"country": "DE", "annual_salary": 60000, "currency": "EUR"},
}


def _ok(r: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    return body


def _taken(server: Server, officer: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    applicant = server.client(server.user(Role.applicant)[1])
    app = _ok(applicant.post("/applications", json=body), 201)
    key = {"Idempotency-Key": f"submit-{app['id']}"}
    case = _ok(
        applicant.post(f"/applications/{app['id']}/submit", json={"version": 1}, headers=key)
    )
    return _ok(
        officer.post(f"/applications/{case['id']}/assign", json={"version": case["version"]})
    )


def _set(admin: httpx.Client, program: str, name: str, value: Any) -> int:
    body = {"value": value, "effective": "2025-01-01", "note": "four eyes test"}
    version: int = _ok(admin.post(f"/settings/{program}/{name}", json=body), 201)["version"]
    return version


def _decide(officer: httpx.Client, case: dict[str, Any], decision: str, **extra: Any) -> Any:
    body = {
        "decision": decision,
        "reasons": extra.pop("reasons"),
        "text": "Checked against the documents.",
        "version": case["version"],
        **extra,
    }
    return _ok(officer.post(f"/applications/{case['id']}/decision", json=body))


def _last(officer: httpx.Client, case_id: str) -> dict[str, Any]:
    events: list[dict[str, Any]] = _ok(officer.get(f"/applications/{case_id}/timeline"))  # type: ignore[assignment]
    return events[-1]


def test_four_eyes_follows_the_programs_settings(server: Server) -> None:
    officer = server.client(server.user(Role.officer)[1])
    admin = server.client(server.user(Role.admin)[1])
    override = {"reasons": ["graduate_route"], "override_code": "evidence_resolves_unknown"}
    # The K visa's default, before the agency records anything: an override waits.
    case = _decide(officer, _taken(server, officer, {"profile": PROFILE}), "approve", **override)
    assert case["state"] == "pending_approval"
    assert _last(officer, case["id"])["data"]["settings_version"] == 0

    # The agency turns four eyes off for K visa overrides: the next one takes effect, and the
    # decision names the version that let it.
    version = _set(admin, "cn-k", "four_eyes_overrides", False)
    case = _decide(officer, _taken(server, officer, {"profile": PROFILE}), "approve", **override)
    assert case["state"] == "approved"
    event = _last(officer, case["id"])
    assert event["action"] == "approve" and event["data"]["settings_version"] == version
    # Refusals still need a second person: that setting was left as it was.
    case = _decide(officer, _taken(server, officer, {"profile": PROFILE}), "refuse", **override)
    assert case["state"] == "pending_approval" and case["pending_decision"]["why"] == "refusal"

    # Another program, with no four eyes by default, gets it for refusals.
    blue = {"program_id": "de-blue-card", "profile": BLUE_CARD}
    case = _taken(server, officer, blue)
    assert case["prescreen_outcome"] in ("eligible", "unknown")
    refusal = {"reasons": ["german_job_offer"], "override_code": "evidence_resolves_unknown"}
    first = _decide(officer, case, "refuse", **refusal)
    assert first["state"] == "refused"
    version = _set(admin, "de-blue-card", "four_eyes_refusals", True)
    case = _decide(officer, _taken(server, officer, blue), "refuse", **refusal)
    assert case["state"] == "pending_approval"
    assert _last(officer, case["id"])["data"]["settings_version"] == version


def test_casework_settings_refuse_values_that_do_not_suit(server: Server) -> None:
    admin = server.client(server.user(Role.admin)[1])
    body = {"effective": "2025-01-01", "note": "bad value"}
    for name, value in (
        ("four_eyes_overrides", 1),
        ("four_eyes_refusals", "yes please"),
        ("remind_days_before", True),
        ("remind_days_before", 2.5),
        ("remind_days_before", 1000),
    ):
        r = admin.post(f"/settings/cn-k/{name}", json=body | {"value": value})
        assert r.status_code == 422, (name, value, r.text)
        assert r.json()["error"]["field"].startswith("value")
    supervisor = server.client(server.user(Role.supervisor)[1])
    r = supervisor.post("/settings/cn-k/four_eyes_overrides", json=body | {"value": False})
    assert r.status_code == 403


def test_reminders_go_as_many_days_ahead_as_the_program_says(server: Server) -> None:
    officer = server.client(server.user(Role.officer)[1])
    admin = server.client(server.user(Role.admin)[1])
    due = (TODAY + dt.timedelta(days=8)).isoformat()
    asked = []
    for body in ({"profile": PROFILE}, {"program_id": "de-blue-card", "profile": BLUE_CARD}):
        case = _taken(server, officer, body)
        request = {"message": "Please send these.", "due": due, "version": case["version"]}
        asked.append(
            _ok(officer.post(f"/applications/{case['id']}/request-evidence", json=request))
        )
    factory = server.app.state.runtime.factory
    noon = dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC)
    scheduler.remind(factory, noon)  # eight days ahead: beyond the default of three
    assert all(_last(officer, c["id"])["action"] == "request_evidence" for c in asked)
    _set(admin, "cn-k", "remind_days_before", 10)
    scheduler.remind(factory, noon)
    k_visa, blue_card = (_last(officer, c["id"]) for c in asked)
    assert k_visa["action"] == "reminder" and k_visa["data"]["due"] == due
    assert blue_card["action"] == "request_evidence"  # still the default for that program
