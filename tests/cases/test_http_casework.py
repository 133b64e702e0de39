"""Issue 15, items 3-5, over real HTTP on both databases: evidence checklists, deadlines the
scheduler enforces (two workers, one move), reminders in the outbox, and four eyes."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import sqlalchemy as sa

from talentvisa.audit import keys
from talentvisa.auth.models import Role
from talentvisa.cases import scheduler
from talentvisa.cases.models import Notice
from talentvisa.db.engine import make_engine, session_factory
from tests.api.fixtures import PDF, PNG, PROFILE, TODAY, Server

DUE = TODAY + dt.timedelta(days=2)  # inside the reminder window (3 days)
AFTER = DUE + dt.timedelta(days=1)
#: The K visa's agency sits in Beijing: a deadline "by DUE" ends at 23:59 there, which is
#: 15:59 UTC on DUE itself.
BEIJING = ZoneInfo("Asia/Shanghai")
DEADLINE = dt.datetime.combine(DUE, dt.time(23, 59), tzinfo=BEIJING)


def _ok(r: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    return body


def _under_review(server: Server, officer: httpx.Client) -> tuple[httpx.Client, dict[str, Any]]:
    """A submitted K visa case taken by `officer`, and its applicant's client."""
    _, token = server.user(Role.applicant)
    applicant = server.client(token)
    app = _ok(applicant.post("/applications", json={"profile": PROFILE}), 201)
    key = {"Idempotency-Key": f"submit-{app['id']}"}
    case = _ok(
        applicant.post(f"/applications/{app['id']}/submit", json={"version": 1}, headers=key)
    )
    assert case["prescreen_outcome"] == "unknown"
    case = _ok(
        officer.post(f"/applications/{case['id']}/assign", json={"version": case["version"]})
    )
    return applicant, case


def _ask(officer: httpx.Client, case: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = {"message": "Please send these.", "due": DUE.isoformat(), "version": case["version"]}
    return _ok(officer.post(f"/applications/{case['id']}/request-evidence", json=body | extra))


def _workers(server: Server, n: int, at: dt.datetime) -> list[int]:
    """`n` workers, each with its own engine as a separate process would have, run the
    deadline job at the same moment; what each one moved."""
    url = server.engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url) for _ in range(n)]
    for e in engines:
        keys.bind(e, server.data_dir)
    start = threading.Barrier(n)
    moved = [0] * n
    failed: list[BaseException] = []

    def work(i: int) -> None:
        start.wait()
        try:
            moved[i] = scheduler.lapse_overdue(session_factory(engines[i]), at)
        except BaseException as exc:
            failed.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for e in engines:
        e.dispose()
    assert not failed, failed
    return moved


def _actions(client: httpx.Client, app_id: str) -> list[dict[str, Any]]:
    r = client.get(f"/applications/{app_id}/timeline")
    events: list[dict[str, Any]] = _ok(r)  # type: ignore[assignment]
    return events


def _notices(server: Server, app_id: str) -> list[str]:
    with server.engine.connect() as c:
        rows = c.execute(
            sa.select(Notice.kind)
            .where(Notice.application_id == app_id)
            .order_by(Notice.created_at)
        )
        return [r[0] for r in rows]


def test_checklist_from_the_programs_documents(server: Server) -> None:
    officer = server.client(server.user(Role.officer)[1])
    applicant, case = _under_review(server, officer)
    trace = applicant.get(f"/applications/{case['id']}/prescreen").json()
    required = {d["id"]: d["required"] for d in trace["documents"]}
    assert required["proof_of_academic_work"] == "ineligible"  # no academic route claimed
    wrong = officer.post(
        f"/applications/{case['id']}/request-evidence",
        json={
            "message": "Please send these.",
            "due": DUE.isoformat(),
            "version": case["version"],
            "documents": ["proof_of_academic_work"],
        },
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "documents"
    assert "proof_of_academic_work" in wrong.json()["error"]["message"]

    case = _ask(officer, case, documents=["degree_certificate"], items=["Your CV, signed"])
    (rfe,) = case["evidence_requests"]
    assert [i["id"] for i in rfe["items"]] == ["degree_certificate", "extra_1"]
    assert rfe["items"][1]["label"]["en"] == "Your CV, signed" and rfe["status"] == "open"

    up = applicant.post(
        f"/applications/{case['id']}/documents",
        files={"file": ("degree.png", PNG, "image/png")},
        data={"item": "degree_certificate"},
    )
    doc = _ok(up, 201)
    assert doc["item_id"] == "degree_certificate" and doc["kind"] == "degree_certificate"
    stray = applicant.post(
        f"/applications/{case['id']}/documents",
        files={"file": ("cv.pdf", PDF, "application/pdf")},
        data={"item": "no_such_item"},
    )
    assert stray.status_code == 422 and stray.json()["error"]["field"] == "item"
    seen = _ok(applicant.get(f"/applications/{case['id']}"))
    items = {i["id"]: i["answered_by"] for i in seen["evidence_requests"][0]["items"]}
    assert items == {"degree_certificate": [doc["id"]], "extra_1": []}

    # The answer re-runs the pre-screen, and the officer sees what changed (here: nothing).
    case = _ok(
        applicant.post(
            f"/applications/{case['id']}/respond",
            json={"response": "Degree attached.", "version": seen["version"]},
        )
    )
    assert case["state"] == "under_review"
    assert case["evidence_requests"][0]["status"] == "answered"
    events = _actions(officer, case["id"])
    rescreen = [e for e in events if e["action"] == "rescreen"]
    assert len(rescreen) == 1 and rescreen[0]["data"]["from"] == "unknown"
    assert rescreen[0]["data"]["changed"] == [] and rescreen[0]["actor_id"] is None
    assert _notices(server, case["id"]) == ["evidence_requested"]


def test_deadline_moves_the_case_once_with_two_workers(server: Server) -> None:
    officer = server.client(server.user(Role.officer)[1])
    cases = []
    for _ in range(3):
        _applicant, case = _under_review(server, officer)
        cases.append(_ask(officer, case))
    factory = server.app.state.runtime.factory

    noon = dt.datetime.combine(TODAY, dt.time(12), tzinfo=BEIJING)
    assert scheduler.remind(factory, noon) >= 3
    assert scheduler.remind(factory, noon) == 0  # once per deadline
    before = DEADLINE - dt.timedelta(minutes=1)
    assert _workers(server, 2, before) == [0, 0]  # 23:58 in Beijing is still in time
    # One minute past 23:59 in Beijing: still DUE in UTC, so a date compared in UTC (or on a
    # server elsewhere) would not have moved it yet.
    past = DEADLINE + dt.timedelta(minutes=1)
    assert past.astimezone(dt.UTC).date() == DUE
    moved = _workers(server, 2, past)
    assert sum(moved) >= 3  # every case moved, each by one worker (others' cases may be here)

    for case in cases:
        now = _ok(officer.get(f"/applications/{case['id']}"))
        assert now["state"] == "evidence_overdue", now
        assert now["evidence_requests"][0]["status"] == "lapsed"
        passed = [e for e in _actions(officer, case["id"]) if e["action"] == "deadline_passed"]
        assert len(passed) == 1 and passed[0]["actor_id"] is None
        assert passed[0]["data"]["due"] == DUE.isoformat()
        assert passed[0]["data"]["due_zone"] == "Asia/Shanghai"
        assert dt.datetime.fromisoformat(passed[0]["data"]["due_at"]) == DEADLINE
        (rfe,) = now["evidence_requests"]
        assert rfe["due_zone"] == "Asia/Shanghai" and rfe["due_at"].endswith("Z")
        assert dt.datetime.fromisoformat(rfe["due_at"]) == DEADLINE
        assert _notices(server, case["id"]) == [
            "evidence_requested",
            "evidence_reminder",
            "evidence_overdue",
        ]
    assert _workers(server, 2, past + dt.timedelta(days=1)) == [0, 0]

    # Extend one (from overdue), cancel another, refuse the third for no answer.
    first, second, third = (_ok(officer.get(f"/applications/{c['id']}")) for c in cases)
    early = officer.post(
        f"/applications/{first['id']}/extend-evidence",
        json={"due": TODAY.isoformat(), "version": first["version"]},
    )
    assert early.status_code == 422 and early.json()["error"]["field"] == "due"
    later = AFTER + dt.timedelta(days=10)
    first = _ok(
        officer.post(
            f"/applications/{first['id']}/extend-evidence",
            json={"due": later.isoformat(), "version": first["version"]},
        )
    )
    assert first["state"] == "awaiting_evidence"
    assert first["evidence_requests"][0] | {"items": []} == first["evidence_requests"][0] | {
        "items": [],
        "due": later.isoformat(),
        "status": "open",
    }
    second = _ok(
        officer.post(
            f"/applications/{second['id']}/cancel-evidence",
            json={"reason": "Found in the file already.", "version": second["version"]},
        )
    )
    assert second["state"] == "under_review"
    assert second["evidence_requests"][0]["status"] == "cancelled"
    third = _ok(
        officer.post(
            f"/applications/{third['id']}/refuse-no-answer",
            json={"text": "No answer by the deadline.", "version": third["version"]},
        )
    )
    # A refusal is four eyes on the K visa: it waits for a supervisor.
    assert third["state"] == "pending_approval" and third["decision"] is None
    assert third["pending_decision"]["decision"] == "refuse"
    assert third["pending_decision"]["why"] == "refusal"
    sup_id, sup_token = server.user(Role.supervisor)
    third = _ok(
        server.client(sup_token).post(
            f"/applications/{third['id']}/approval",
            json={"confirm": True, "note": "Agreed.", "version": third["version"]},
        )
    )
    assert third["state"] == "refused" and third["decision"] == "refuse"
    confirm = [e for e in _actions(officer, third["id"]) if e["action"] == "confirm_refuse"]
    assert confirm[0]["actor_id"] == sup_id
    assert confirm[0]["data"]["proposed_by"] == third["assigned_officer_id"]


def test_four_eyes_override(server: Server) -> None:
    sup_a_id, sup_a = server.user(Role.supervisor)
    sup_b_id, sup_b = server.user(Role.supervisor)
    a, b = server.client(sup_a), server.client(sup_b)
    _, case = _under_review(server, a)  # supervisor A takes the case and decides it
    decision = {
        "decision": "approve",
        "reasons": ["graduate_route", "age_requirement"],
        "text": "Degree and age verified against the passport.",
        "override_code": "evidence_resolves_unknown",
        "version": case["version"],
    }
    case = _ok(a.post(f"/applications/{case['id']}/decision", json=decision))
    assert case["state"] == "pending_approval" and case["pending_decision"]["why"] == "override"
    assert "confirm_approve" not in case["allowed_actions"]  # not for its proposer
    own = a.post(
        f"/applications/{case['id']}/approval", json={"confirm": True, "version": case["version"]}
    )
    assert own.status_code == 403, own.text
    officer = server.client(server.user(Role.officer)[1])
    not_sup = officer.post(
        f"/applications/{case['id']}/approval", json={"confirm": True, "version": case["version"]}
    )
    assert not_sup.status_code == 403
    seen = _ok(b.get(f"/applications/{case['id']}"))
    assert {"confirm_approve", "send_back"} <= set(seen["allowed_actions"])
    assert "confirm_refuse" not in seen["allowed_actions"]
    back = _ok(
        b.post(
            f"/applications/{case['id']}/approval",
            json={"confirm": False, "note": "Check the passport.", "version": case["version"]},
        )
    )
    assert back["state"] == "under_review" and back["decision"] is None
    case = _ok(
        a.post(f"/applications/{case['id']}/decision", json=decision | {"version": back["version"]})
    )
    case = _ok(
        b.post(
            f"/applications/{case['id']}/approval",
            json={"confirm": True, "version": case["version"]},
        )
    )
    assert case["state"] == "approved" and case["override_code"] == "evidence_resolves_unknown"
    trail = [(e["action"], e["actor_id"]) for e in _actions(a, case["id"])][-4:]
    assert trail == [
        ("propose", sup_a_id),
        ("send_back", sup_b_id),
        ("propose", sup_a_id),
        ("confirm_approve", sup_b_id),
    ]
    again = b.post(
        f"/applications/{case['id']}/approval", json={"confirm": True, "version": case["version"]}
    )
    assert again.status_code == 409
