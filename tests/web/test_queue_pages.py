"""The officers' queue and case page in the portal (issue 15, item 2), over real HTTP on both
databases: open work by default, filters and the decision never defaulting to "I don't know",
sorting by a column's header, keyset pages, supervisors' bulk assign, the criteria showing
their pre-screen result, and "Take this case" gone once taken; in English and Chinese."""

from __future__ import annotations

import re
import secrets
from html import unescape

from talentvisa.auth import service as auth
from talentvisa.auth.models import Role
from talentvisa.db.engine import transaction
from tests.api.fixtures import PROFILE

from .conftest import PASSWORD, Server, Visitor

DONT_KNOW = "I don&#39;t know / not applicable"


def _account(server: Server, role: Role, name: str | None = None) -> tuple[int, str]:
    email = f"{role.value}-{secrets.token_hex(4)}@example.org"
    with transaction(server.app.state.runtime.factory) as s:
        uid = auth.create_user(s, email, PASSWORD, role, name or f"Demo {role.value}").id
    return uid, email


def _submitted(server: Server, name: str) -> str:
    _, email = _account(server, Role.applicant)
    token = server.client().post("/auth/token", json={"email": email, "password": PASSWORD})
    api = server.client(token.json()["access_token"])
    app = api.post("/applications", json={"profile": {**PROFILE, "name": name}}).json()
    r = api.post(
        f"/applications/{app['id']}/submit",
        json={"version": 1},
        headers={"Idempotency-Key": f"k-{app['id']}"},
    )
    assert r.status_code == 200, r.text
    if name.startswith("Withdrawn"):
        api.post(f"/applications/{app['id']}/withdraw", json={"version": 2}).raise_for_status()
    return str(app["id"])


def _rows(html: str) -> list[str]:
    """The case ids of the queue's rows, in order."""
    return re.findall(r'<th scope="row"[^>]*><a href="/officer/cases/([0-9a-f]+)"', html)


def _selected(html: str, name: str) -> str:
    select = html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
    found = re.search(r'<option value="([^"]*)" selected>', select)
    return found.group(1) if found else ""


def test_the_queue_shows_open_work_sorts_and_pages(server: Server) -> None:
    tag = secrets.token_hex(3)
    open_ids = [_submitted(server, f"Open {tag} {i}") for i in range(3)]
    closed = _submitted(server, f"Withdrawn {tag}")
    _, officer_email = _account(server, Role.officer)
    officer = Visitor(server.url)
    officer.login(officer_email)
    html = officer.get("/officer", params={"q": tag}).text
    assert _selected(html, "state") == "open"
    assert DONT_KNOW not in html  # no filter defaults to "I don't know"
    assert set(_rows(html)) == set(open_ids) and closed not in html
    assert ">Evidence due<" in html.replace("</a>", "<") or "Evidence due" in html
    closed_html = officer.get("/officer", params={"q": tag, "state": "closed"}).text
    assert _rows(closed_html) == [closed]

    # The reference header sorts by reference; followed again it sorts the other way.
    link = re.search(r'href="(/officer\?[^"]*sort=reference[^"]*)"', html)
    assert link
    ascending = officer.get(unescape(link.group(1))).text
    assert _rows(ascending) == sorted(open_ids)
    assert 'aria-sort="ascending"' in ascending
    back = re.search(r'href="(/officer\?[^"]*sort=-reference[^"]*)"', ascending)
    assert back
    assert _rows(officer.get(unescape(back.group(1))).text) == sorted(open_ids, reverse=True)

    # Pages of 50 follow one another by keyset; a forged cursor starts again at the first.
    first = officer.get("/officer").text
    following = re.search(r'href="([^"]+)" rel="next"', first)
    if following:
        second = _rows(officer.get(unescape(following.group(1))).text)
        assert second and not set(second) & set(_rows(first))
    assert _rows(officer.get("/officer", params={"after": "Zm9yZ2Vk"}).text) == _rows(first)


def test_a_supervisor_assigns_ticked_cases_in_bulk(server: Server) -> None:
    tag = secrets.token_hex(3)
    ids = [_submitted(server, f"Bulk {tag} {i}") for i in range(3)]
    officer_id, _ = _account(server, Role.officer, f"Officer {tag}")
    _, sup_email = _account(server, Role.supervisor)
    sup = Visitor(server.url, accept_language="zh-CN,zh;q=0.9")
    sup.login(sup_email)
    page = f"/officer?q={tag}"
    html = sup.get(page).text
    assert "将所勾选的案件分配给" in html
    boxes = re.findall(r'name="cases" value="([0-9a-f]+:\d+)"', html)
    assert {b.split(":")[0] for b in boxes} == set(ids)
    chosen = [b for b in boxes if not b.startswith(ids[2])]
    done = sup.submit(page, "/officer/assign", {"officer_id": officer_id, "cases": chosen})
    assert done.status_code == 200 and "已分配 2 个案件。" in done.text
    table = done.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert table.count(f"Officer {tag}") == 2
    # The same boxes again hold stale versions: nothing is assigned, and the page says so.
    again = sup.submit(page, "/officer/assign", {"officer_id": officer_id, "cases": chosen})
    assert "未分配任何案件" in again.text


def test_the_case_page_decision_and_take_this_case(server: Server) -> None:
    app_id = _submitted(server, f"Case {secrets.token_hex(3)}")
    _, officer_email = _account(server, Role.officer)
    officer = Visitor(server.url)
    officer.login(officer_email)
    page = f"/officer/cases/{app_id}"
    before = officer.get(page).text
    assert "Take this case" in before
    version = re.search(r'name="version" value="(\d+)"', before)
    assert version
    after = officer.submit(page, f"{page}/assign", {"version": version.group(1)}).text
    assert "Take this case" not in after  # taken: nothing left to take
    decide = after.split('action="/officer/cases/', 2)[-1]
    assert DONT_KNOW not in decide
    assert _selected(decide, "decision") == ""
    assert '<option value="">choose approve or refuse</option>' in decide
    assert '<option value="">none: the decision follows the pre-screen</option>' in decide
    # Each criterion box names what the pre-screen found for it.
    labels = re.findall(r'name="reasons" value="[^"]+"><label [^>]+>([^<]+)</label>', decide)
    assert labels and all(re.search(r"\((eligible|not eligible|unknown)\)$", t) for t in labels)
    zh = Visitor(server.url, accept_language="zh-CN,zh;q=0.9")
    zh.login(officer_email)
    zh_page = zh.get(page).text
    assert "选择批准或拒绝" in zh_page and "每项标准旁显示预审结果。" in zh_page
