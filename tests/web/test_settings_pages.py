"""The agency settings screens over real HTTP, on SQLite and PostgreSQL: an admin records a
version, a supervisor reads it without a form, an officer is kept out, and a case pre-screened
without a setting says an officer must judge it."""

from __future__ import annotations

import html
import re
import secrets

from talentvisa.auth import service as auth
from talentvisa.auth.models import Role
from talentvisa.db.engine import transaction
from tests.api.fixtures import PROFILE

from .conftest import PASSWORD, Server, Visitor


def _account(server: Server, role: Role) -> Visitor:
    email = f"{role.value}-{secrets.token_hex(4)}@example.org"
    with transaction(server.app.state.runtime.factory) as s:
        auth.create_user(s, email, PASSWORD, role, f"Settings {role.value}")
    v = Visitor(server.url)
    v.login(email)
    return v


def test_admin_records_a_version_and_supervisor_reads_it(server: Server) -> None:
    admin = _account(server, Role.admin)
    page = admin.get("/admin/settings")
    assert page.status_code == 200 and 'value="cn-k.max_age"' in page.text
    bad = admin.submit(
        "/admin/settings",
        "/admin/settings",
        {"key": "cn-k.max_age", "value": "forty", "effective": "2026-01-01", "note": "x"},
    )
    assert bad.status_code == 422 and 'id="f-value-error"' in bad.text
    empty = admin.submit("/admin/settings", "/admin/settings", {"key": "cn-k.max_age"})
    assert empty.status_code == 400 and 'id="f-note-error"' in empty.text
    note = f"Agency circular {secrets.token_hex(3)}"
    done = admin.submit(
        "/admin/settings",
        "/admin/settings",
        {"key": "cn-k.max_age", "value": "41", "effective": "2026-01-01", "note": note},
    )
    assert done.status_code == 200 and "Saved." in done.text
    assert note in html.unescape(done.text)

    supervisor = _account(server, Role.supervisor)
    seen = supervisor.get("/admin/settings?lang=zh_Hans")
    assert seen.status_code == 200 and note in html.unescape(seen.text)
    assert 'action="/admin/settings"' not in seen.text  # read-only: no form
    officer = _account(server, Role.officer)
    assert officer.get("/admin/settings").status_code == 403


def test_case_page_says_which_setting_needs_judgement(server: Server) -> None:
    # This module's database may hold an age limit (the test above), never a ranking limit.
    applicant = server.client(server.user(Role.applicant)[1])
    app = applicant.post("/applications", json={"profile": PROFILE}).json()
    applicant.post(
        f"/applications/{app['id']}/submit",
        json={"version": app["version"]},
        headers={"Idempotency-Key": f"judge-{app['id']}"},
    ).raise_for_status()
    officer = _account(server, Role.officer)
    text = html.unescape(officer.get(f"/officer/cases/{app['id']}").text)
    found = re.findall(
        r"Needs an officer's judgement: the agency has set no value for “([^”]+)”", text
    )
    assert (
        'Worst world ranking position an institution may have to count as "well-known" (知名)'
        in found
    )
