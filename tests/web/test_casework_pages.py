"""The portal's side of four eyes and evidence checklists (issue 15, items 4 and 5), over
real HTTP on both databases, in English and Chinese."""

from __future__ import annotations

import re
import secrets

from talentvisa.auth import service as auth
from talentvisa.auth.models import Role
from talentvisa.db.engine import transaction
from tests.api.fixtures import PROFILE

from .conftest import PASSWORD, Server, Visitor


def _account(server: Server, role: Role) -> tuple[int, str]:
    email = f"{role.value}-{secrets.token_hex(4)}@example.org"
    with transaction(server.app.state.runtime.factory) as s:
        uid = auth.create_user(s, email, PASSWORD, role, f"Demo {role.value}").id
    return uid, email


def _version(html: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found, html[:2000]
    return found.group(1)


def _submitted(server: Server) -> tuple[str, str]:
    """A submitted K visa case (over the API), and its applicant's email."""
    _, email = _account(server, Role.applicant)
    token = server.client().post("/auth/token", json={"email": email, "password": PASSWORD})
    api = server.client(token.json()["access_token"])
    app = api.post("/applications", json={"profile": PROFILE}).json()
    r = api.post(
        f"/applications/{app['id']}/submit",
        json={"version": 1},
        headers={"Idempotency-Key": f"k-{app['id']}"},
    )
    assert r.status_code == 200, r.text
    return app["id"], email


def test_an_override_goes_through_four_eyes_in_both_languages(server: Server) -> None:
    app_id, _ = _submitted(server)
    _, officer_email = _account(server, Role.officer)
    _, sup_email = _account(server, Role.supervisor)
    officer = Visitor(server.url)
    officer.login(officer_email)
    page = f"/officer/cases/{app_id}"
    officer.submit(page, f"{page}/assign", {"version": _version(officer.get(page).text)})
    decided = officer.submit(
        page,
        f"{page}/decide",
        {
            "version": _version(officer.get(page).text),
            "decision": "approve",
            "reasons": ["graduate_route"],
            "text": "Degree verified with the issuer.",
            "override_code": "deployer_policy",
        },
    )
    assert decided.status_code == 200
    assert "Decision waiting for approval" in decided.text
    assert "Another supervisor must approve it." in decided.text  # not the proposer
    assert "waiting for a supervisor&#39;s approval" in decided.text

    sup = Visitor(server.url, accept_language="zh-CN,zh;q=0.9")
    sup.login(sup_email)
    listed = sup.get("/officer/approvals").text
    assert "待批准的决定" in listed and app_id[:8] in listed and "与预审结果不同" in listed
    done = sup.submit(
        page,
        f"{page}/approval",
        {"version": _version(sup.get(page).text), "confirm": "yes", "note": "同意"},
    )
    assert done.status_code == 200 and "主管已确认批准" in done.text
    assert f"/officer/cases/{app_id}" not in sup.get("/officer/approvals").text


def test_request_as_a_checklist_and_the_applicant_sees_what_answers_it(server: Server) -> None:
    app_id, applicant_email = _submitted(server)
    _, officer_email = _account(server, Role.officer)
    officer = Visitor(server.url)
    officer.login(officer_email)
    page = f"/officer/cases/{app_id}"
    officer.submit(page, f"{page}/assign", {"version": _version(officer.get(page).text)})
    form = officer.get(page).text
    assert 'value="degree_certificate"' in form and 'value="proof_of_academic_work"' not in form
    officer.submit(
        page,
        f"{page}/request-evidence",
        {
            "version": _version(form),
            "message": "Please send these.",
            "due": "2026-04-30",
            "documents": ["degree_certificate"],
            "items": "Your CV, signed",
        },
    )
    applicant = Visitor(server.url)
    applicant.login(applicant_email)
    status = applicant.get(f"/my/{app_id}").text
    assert "What to provide" in status and "Your CV, signed" in status
    assert "Which item of the request does it answer?" in status
    token = re.search(r'name="csrf_token" value="([^"]+)"', status)
    assert token
    r = applicant.request(
        "POST",
        f"/my/{app_id}/documents",
        data={"csrf_token": token.group(1), "item": "extra_1", "back": "status"},
        files={
            "file": (
                "cv.pdf",
                b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                "application/pdf",
            )
        },
    )
    assert r.status_code == 200, r.text[:500]
    cv = r.text.split("Your CV, signed", 1)[1].split("</li>", 1)[0]
    assert "cv.pdf" in cv
