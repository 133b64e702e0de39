"""Bad bytes, huge numbers and oversized input, against a real server on both databases.

Each case was a 500 (or a stored record that broke later pages) before docs/inputs.md's
limits; now it is a 4xx in the API's envelope naming the field, and nothing is stored.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa
from fastapi import Request

from talentvisa.api.deps import runtime
from talentvisa.auth.models import Role
from talentvisa.cases.service import MAX_DOCUMENTS
from tests.api.fixtures import PNG, PROFILE, Server

BIG = 2**70  # beyond 64 bits: PostgreSQL's BIGINT and SQLite's INTEGER overflow


def raw_post(c: httpx.Client, path: str, text: str, method: str = "POST") -> httpx.Response:
    """Send JSON text as written: json.dumps would not keep a lone surrogate or 1e309."""
    return c.request(
        method, path, content=text.encode(), headers={"Content-Type": "application/json"}
    )


def assert_refused(r: httpx.Response, field: str, status: int = 422) -> None:
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["field"] == field, r.text
    assert field in error["message"]


def count_apps(server: Server) -> int:
    with server.engine.connect() as c:
        return int(c.scalar(sa.text("select count(*) from applications")) or 0)


def submitted(server: Server, token: str, profile: dict | None = None) -> dict:
    c = server.client(token)
    app = c.post("/applications", json={"profile": profile or PROFILE}).json()
    r = c.post(
        f"/applications/{app['id']}/submit",
        json={"version": app["version"]},
        headers={"Idempotency-Key": f"key-{app['id']}"},
    )
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('"\\ud800"', "profile.name"),  # a lone surrogate
        ('"a\\u0000b"', "profile.name"),  # NUL: PostgreSQL's text cannot hold it
        ('"a\\u0007b"', "profile.name"),
    ],
)
def test_bad_characters_are_refused_and_the_queue_keeps_working(
    server: Server, text: str, field: str
) -> None:
    _, applicant = server.user(Role.applicant)
    _, officer = server.user(Role.officer)
    submitted(server, applicant)
    before = count_apps(server)
    c = server.client(applicant)
    body = f'{{"profile": {{"name": {text}, "date_of_birth": "1990-01-01"}}}}'
    assert_refused(raw_post(c, "/applications", body), field)
    assert count_apps(server) == before
    app = c.post("/applications", json={"profile": PROFILE}).json()
    update = f'{{"profile": {{"degrees": [{{"institution": {text}}}]}}, "version": 1}}'
    r = raw_post(c, f"/applications/{app['id']}/profile", update, method="PUT")
    assert_refused(r, "profile.degrees.0.institution")
    # Every page that shows these records still renders, for the applicant and the officer.
    assert c.get("/applications").status_code == 200
    assert c.get(f"/applications/{app['id']}").json()["profile"] == PROFILE
    assert server.client(officer).get("/cases").status_code == 200


def test_bad_characters_in_any_body_query_or_path(server: Server) -> None:
    _, applicant = server.user(Role.applicant)
    _, officer = server.user(Role.officer)
    _, admin = server.user(Role.admin)
    case = submitted(server, applicant)
    staff = server.client(officer)
    r = staff.post(f"/applications/{case['id']}/assign", json={"version": case["version"]})
    assert r.status_code == 200, r.text
    rfe = '{"message": "send \\ud800 please", "due": "2031-01-01", "version": 2}'
    assert_refused(raw_post(staff, f"/applications/{case['id']}/request-evidence", rfe), "message")
    season = '{"season": "FY2031", "regular_target": 1, "advanced_target": 1, "x": "\\udfff"}'
    assert_refused(raw_post(server.client(admin), "/seasons", season), "x")
    assert_refused(staff.get("/cases", params={"state": "sub\x00mitted"}), "state")
    assert_refused(staff.get("/applications/a%00b"), "app_id")


def test_integers_beyond_64_bits(server: Server) -> None:
    _, applicant = server.user(Role.applicant)
    _, officer = server.user(Role.officer)
    _, admin = server.user(Role.admin)
    staff = server.client(officer)
    assert_refused(staff.get("/cases", params={"offset": BIG}), "offset")
    assert_refused(staff.get("/cases", params={"assigned": BIG}), "assigned")
    r = server.client(admin).patch(f"/users/{BIG}", json={"active": False})
    assert_refused(r, "user_id")
    body = {"season": "FY2032", "regular_target": BIG, "advanced_target": 1}
    assert_refused(server.client(admin).post("/seasons", json=body), "regular_target")
    degree = {"profile": {"degrees": [{"institution_rank": BIG}]}}
    r = server.client(applicant).post("/applications", json=degree)
    assert_refused(r, "profile.degrees.0.institution_rank")


@pytest.mark.parametrize("number", ["1e309", "1e400"])
def test_infinite_numbers_are_refused(server: Server, number: str) -> None:
    _, applicant = server.user(Role.applicant)
    before = count_apps(server)
    body = f'{{"profile": {{"job_offer": {{"annual_salary": {number}}}}}}}'
    r = raw_post(server.client(applicant), "/applications", body)
    assert_refused(r, "profile.job_offer.annual_salary")
    assert count_apps(server) == before


def test_finite_but_absurd_amounts_are_refused(server: Server) -> None:
    _, applicant = server.user(Role.applicant)
    body = {"profile": {"funds": {"amount": 1e300, "currency": "EUR"}}}
    r = server.client(applicant).post("/applications", json=body)
    assert_refused(r, "profile.funds.amount")


def test_text_and_lists_have_maxima(server: Server) -> None:
    _, applicant = server.user(Role.applicant)
    c = server.client(applicant)
    before = count_apps(server)
    assert_refused(c.post("/applications", json={"profile": {"name": "x" * 201}}), "profile.name")
    many = {"profile": {"degrees": [{"level": "master"}] * 21}}
    assert_refused(c.post("/applications", json=many), "profile.degrees")
    jobs = {"profile": {"experience": [{"years": 1}] * 21}}
    assert_refused(c.post("/applications", json=jobs), "profile.experience")
    started = time.perf_counter()
    r = c.post("/applications", json={"profile": {"degrees": [{}] * 50_000}})
    assert_refused(r, "profile.degrees")
    assert time.perf_counter() - started < 1.0
    assert count_apps(server) == before
    # The maxima themselves are accepted.
    r = c.post(
        "/applications",
        json={"profile": {"name": "x" * 200, "degrees": [{"level": "master"}] * 20}},
    )
    assert r.status_code == 201, r.text


def test_a_huge_body_is_refused_before_it_is_read(server: Server) -> None:
    _, applicant = server.user(Role.applicant)
    c = server.client(applicant)
    before = count_apps(server)
    name = "x" * (20 * 1024 * 1024)
    r = c.post("/applications", json={"profile": {"name": name}})
    assert_refused(r, "body", status=413)
    assert r.json()["error"]["code"] == "too_large"
    assert count_apps(server) == before


def chunks(total: int, sent: list[int], chunk: int = 256 * 1024) -> Iterator[bytes]:
    """A multipart upload of `total` bytes, streamed without a Content-Length."""
    boundary = b"--tvboundary"
    yield boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
    yield b"Content-Type: image/png\r\n\r\n" + PNG
    while sent[0] < total:
        sent[0] += chunk
        yield b"\0" * chunk
    yield b"\r\n" + boundary + b"--\r\n"


def test_an_oversized_upload_is_refused_while_streaming(server: Server) -> None:
    _, applicant = server.user(Role.applicant)
    c = server.client(applicant)
    app = c.post("/applications", json={"profile": PROFILE}).json()
    sent = [0]
    headers = {"Content-Type": "multipart/form-data; boundary=tvboundary"}
    try:
        r = c.post(
            f"/applications/{app['id']}/documents",
            content=chunks(200 * 1024 * 1024, sent),
            headers=headers,
        )
        status = r.status_code
        assert_refused(r, "body", status=413)
    except (httpx.WriteError, httpx.RemoteProtocolError, httpx.ReadError):
        status = 413  # the server answered and closed while the client was still sending
    assert status == 413
    assert sent[0] < 40 * 1024 * 1024, f"the server read {sent[0]:,} bytes before refusing"
    # Announced as too large: refused without reading any of it.
    big = b"\0" * (11 * 1024 * 1024)
    r = c.post(f"/applications/{app['id']}/documents", files={"file": ("a.png", big)})
    assert_refused(r, "body", status=413)
    assert c.get(f"/applications/{app['id']}").json()["documents"] == []


def test_an_upload_checks_its_own_fields_and_ignores_others(server: Server) -> None:
    _, applicant = server.user(Role.applicant)
    c = server.client(applicant)
    app = c.post("/applications", json={"profile": PROFILE}).json()
    url = f"/applications/{app['id']}/documents"
    # A field the endpoint does not declare never reaches it, so it cannot refuse the upload
    # (schemathesis sends such fields as valid data).
    extra = c.post(url, data={"note": "\x91A"}, files={"file": ("a.png", PNG)})
    assert extra.status_code == 201, extra.text
    assert_refused(c.post(url, data={"kind": "cv\x00"}, files={"file": ("b.png", PNG)}), "kind")
    kinds = [d["kind"] for d in c.get(f"/applications/{app['id']}").json()["documents"]]
    assert kinds == ["supporting_document"]


def test_documents_per_application_are_bounded(server: Server) -> None:
    _, applicant = server.user(Role.applicant)
    c = server.client(applicant)
    app = c.post("/applications", json={"profile": PROFILE}).json()
    for i in range(MAX_DOCUMENTS):
        r = c.post(f"/applications/{app['id']}/documents", files={"file": (f"{i}.png", PNG)})
        assert r.status_code == 201, r.text
    r = c.post(f"/applications/{app['id']}/documents", files={"file": ("last.png", PNG)})
    assert_refused(r, "file")
    assert len(c.get(f"/applications/{app['id']}").json()["documents"]) == MAX_DOCUMENTS


def poison(server: Server, app_id: str) -> None:
    """Store a lone surrogate as data written before these checks would be."""
    profile = json.dumps({"name": "\ud800"})  # ensure_ascii: the JSON text is plain ASCII
    with server.engine.begin() as c:
        c.execute(
            sa.text("update applications set profile = :p where id = :id"),
            {"p": profile, "id": app_id},
        )


def test_a_response_that_cannot_render_rolls_its_change_back(server: Server) -> None:
    _, applicant = server.user(Role.applicant)
    c = server.client(applicant)
    app = c.post("/applications", json={"profile": PROFILE}).json()
    poison(server, app["id"])
    r = c.post(f"/applications/{app['id']}/withdraw", json={"version": app["version"]})
    assert r.status_code == 500
    assert "nothing was saved" in r.json()["error"]["message"]
    with server.engine.connect() as conn:
        state = conn.scalar(
            sa.text("select state from applications where id = :id"), {"id": app["id"]}
        )
    assert state == "draft"  # the withdrawal was rolled back, as the message says


def test_an_error_after_a_commit_does_not_claim_nothing_was_saved(server: Server) -> None:
    path = "/__test/commit-then-fail"

    def commit_then_fail(request: Request) -> None:
        with runtime(request).writing() as session:
            session.execute(sa.text("select 1"))
        raise RuntimeError("after the commit")

    server.app.add_api_route(path, commit_then_fail, methods=["POST"])
    try:
        r = httpx.post(server.url + path)
        assert r.status_code == 500
        message = r.json()["error"]["message"]
        assert "nothing was saved" not in message
        assert "after your change was saved" in message
    finally:
        server.app.router.routes[:] = [
            route for route in server.app.router.routes if getattr(route, "path", "") != path
        ]
