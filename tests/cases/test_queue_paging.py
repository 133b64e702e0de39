"""The work queue's keyset paging on both databases: the small version of
bench/work_queue.py. Over a few thousand generated cases with many ties and empty values,
walking the pages of every sort, both ways, returns each case exactly once, in sort order;
over HTTP the Link header leads from page to page; supervisors assign cases in bulk, all or
none, on the audit trail."""

from __future__ import annotations

from typing import Any

import pytest
from bench.work_queue import generate
from sqlalchemy import select

from talentvisa.auth.models import Role, User
from talentvisa.cases import queue, service
from talentvisa.cases.models import Application
from tests.api.fixtures import Server

N = 3000
CLOSED = {"refused", "issued", "withdrawn"}


@pytest.fixture(scope="module")
def cases(server: Server) -> list[dict[str, Any]]:
    factory = server.app.state.runtime.factory
    generate(factory, N, seed=7)
    with factory() as s:
        return [
            {c: getattr(a, c) for c in ("id", "state", "submitted_at", "updated_at")}
            | {
                "applicant": a.applicant_name,
                "evidence_due": a.evidence_due,
                "program": a.program_id,
                "prescreen": a.prescreen_outcome,
                "reference": a.id,
            }
            for a in s.scalars(select(Application))
        ]


def _expected(rows: list[dict[str, Any]], sort: str) -> list[str]:
    """The order the queue promises: by the column then the id, empty values after the
    others ascending and before them descending."""
    key, descending = sort.removeprefix("-"), sort.startswith("-")
    filled = sorted((r for r in rows if r[key] is not None), key=lambda r: (r[key], r["id"]))
    empty = sorted((r for r in rows if r[key] is None), key=lambda r: r["id"])
    ordered = (empty[::-1] + filled[::-1]) if descending else (filled + empty)
    return [r["id"] for r in ordered]


def _walk(server: Server, f: queue.Filters, sort: str, limit: int) -> list[str]:
    with server.app.state.runtime.factory() as s:
        officer = s.scalars(select(User).where(User.role == Role.officer.value)).first()
        seen: list[str] = []
        after = None
        while True:
            found = service.queue(s, officer, f, sort=sort, limit=limit, after=after)
            seen += [a.id for a in found.cases]
            if found.after is None:
                return seen
            after = found.after


@pytest.mark.parametrize("sort", queue.SORT_NAMES)
def test_every_sort_pages_through_every_open_case_once_in_order(
    server: Server, cases: list[dict[str, Any]], sort: str
) -> None:
    open_work = [r for r in cases if r["state"] not in CLOSED]
    seen = _walk(server, queue.Filters(), sort, limit=97)
    assert len(seen) == len(set(seen)) == len(open_work)
    assert seen == _expected(open_work, sort)


def test_filtered_pages_over_http_follow_the_link_header(
    server: Server, cases: list[dict[str, Any]]
) -> None:
    officer = server.client(server.user(Role.officer)[1])
    asked = [r for r in cases if r["state"] == "awaiting_evidence"]
    assert any(r["evidence_due"] for r in asked) and len(asked) > 100
    url: str | None = "/cases?state=awaiting_evidence&sort=-evidence_due&limit=40"
    seen: list[str] = []
    pages = 0
    while url:
        r = officer.get(url)
        assert r.status_code == 200, r.text
        seen += [c["id"] for c in r.json()]
        pages += 1
        link = r.headers.get("link")
        url = link[1 : link.index(">")] if link else None
    assert pages == -(-len(asked) // 40)
    assert seen == _expected(asked, "-evidence_due")


def test_the_default_shows_open_work_and_bad_cursors_are_refused(
    server: Server, cases: list[dict[str, Any]]
) -> None:
    officer = server.client(server.user(Role.officer)[1])
    states = {c["state"] for c in officer.get("/cases", params={"limit": 500}).json()}
    assert states and not states & CLOSED
    closed = officer.get("/cases", params={"state": "closed", "limit": 500}).json()
    assert closed and {c["state"] for c in closed} <= CLOSED
    r = officer.get("/cases", params={"state": "nonsense"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "state"
    # A cursor made for one sort is refused for another, and a forged one is refused.
    following = officer.get("/cases", params={"limit": 5}).headers["link"]
    cursor = following.split("after=")[1].split(">")[0].split("&")[0]
    for params in ({"after": cursor, "sort": "-updated_at"}, {"after": "bm90LWEtY3Vyc29y"}):
        r = officer.get("/cases", params=params)
        assert r.status_code == 422 and r.json()["error"]["field"] == "after", r.text


def test_supervisors_assign_in_bulk_all_or_none(
    server: Server, cases: list[dict[str, Any]]
) -> None:
    officer_id, officer_token = server.user(Role.officer)
    _, supervisor_token = server.user(Role.supervisor)
    supervisor = server.client(supervisor_token)
    waiting = supervisor.get("/cases", params={"state": "submitted", "limit": 3}).json()
    refs = [{"id": c["id"], "version": c["version"]} for c in waiting]
    # Another officer may not; a stale version refuses the whole batch, naming the case.
    body = {"officer_id": officer_id, "cases": refs}
    assert server.client(officer_token).post("/cases/assign", json=body).status_code == 403
    stale = {"officer_id": officer_id, "cases": [*refs[:2], {**refs[2], "version": 99}]}
    r = supervisor.post("/cases/assign", json=stale)
    assert r.status_code == 409 and r.json()["error"]["field"] == "cases[2]", r.text
    for ref in refs:
        unchanged = supervisor.get(f"/applications/{ref['id']}").json()
        assert unchanged["assigned_officer_id"] is None and unchanged["state"] == "submitted"
    done = supervisor.post("/cases/assign", json=body)
    assert done.status_code == 200, done.text
    assert {c["assigned_officer_id"] for c in done.json()} == {officer_id}
    batches = set()
    for ref in refs:
        events = supervisor.get(f"/applications/{ref['id']}/timeline").json()
        assign = [e for e in events if e["action"] == "assign"]
        assert len(assign) == 1 and assign[0]["data"]["officer_id"] == officer_id
        batches.add(assign[0]["data"]["batch"])
    assert len(batches) == 1  # one batch, recorded on each case
    mine = server.client(officer_token).get("/cases", params={"assigned": "me"}).json()
    assert {c["id"] for c in mine} == {r["id"] for r in refs}
