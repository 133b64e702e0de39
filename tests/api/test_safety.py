"""Access, concurrency, atomicity, bad input, rate limits and privacy of the service."""

from __future__ import annotations

import logging
import threading

import pytest

from talentvisa.audit import service as audit
from talentvisa.auth.models import Role
from tests.api.fixtures import PDF, PNG, PROFILE, Server


def submitted_case(server: Server, applicant_token: str) -> dict:
    c = server.client(applicant_token)
    app = c.post("/applications", json={"profile": PROFILE}).json()
    r = c.post(
        f"/applications/{app['id']}/submit",
        json={"version": app["version"]},
        headers={"Idempotency-Key": f"k-{app['id']}"},
    )
    assert r.status_code == 200, r.text
    return r.json()


BODIES = {
    "profile": {"profile": {}, "version": 1},
    "request-evidence": {"message": "hello there", "due": "2031-01-01", "version": 1},
    "respond": {"response": "x", "version": 1},
    "decision": {"decision": "approve", "reasons": ["stem_degree"], "text": "x", "version": 1},
    "issue": {"version": 1, "valid_from": "2031-01-01"},
    "petition": {
        "beneficiary_location": "IN",
        "immigration_status": "none",
        "petition_type": "new_employment",
        "consular_notification": False,
        "employer": {"fte": 10, "nonprofit": False},
        "highest_degree": "master",
    },
}


def valid_request(template: str) -> dict:
    """A request that passes validation, so that only ownership can refuse it."""
    last = template.rstrip("/").split("/")[-1]
    if last == "documents":
        return {"files": {"file": ("a.png", PNG, "image/png")}}
    kw: dict = {"json": BODIES.get(last, {"version": 1})}
    if last == "submit":
        kw["headers"] = {"Idempotency-Key": "intruder-key-1"}
    return kw


def test_every_record_route_hides_other_peoples_records(server: Server) -> None:
    _, alice = server.user(Role.applicant)
    _, bob = server.user(Role.applicant)
    case = submitted_case(server, alice)
    doc = server.client(alice).get(f"/applications/{case['id']}").json()
    _, emp_a = server.user(Role.employer)
    _, emp_b = server.user(Role.employer)
    _, admin = server.user(Role.admin)
    season = f"FY{2040 if server.backend == 'sqlite' else 2041}"
    server.client(admin).post(
        "/seasons", json={"season": season, "regular_target": 1, "advanced_target": 0}
    ).raise_for_status()
    server.client(admin).post(f"/seasons/{season}/open").raise_for_status()
    reg = (
        server.client(emp_a)
        .post(
            f"/seasons/{season}/registrations",
            json={
                "passport_country": "IN",
                "passport_number": "Q1234567",
                "family_name": "A",
                "date_of_birth": "1990-01-01",
                "wage_level": 2,
                "soc_code": "15-1252",
                "worksite": "Boston, MA",
                "us_advanced_degree": False,
            },
        )
        .json()
    )
    ids = {
        "app_id": case["id"],
        "reg_id": reg["id"],
        "doc_id": doc["documents"][0]["id"] if doc["documents"] else "none",
    }
    tried = role_gated = 0
    for template, operations in server.app.openapi()["paths"].items():
        if "{app_id}" not in template and "{reg_id}" not in template:
            continue
        path = template
        for name, value in ids.items():
            path = path.replace("{" + name + "}", value)
        intruder = bob if "{app_id}" in template else emp_b
        for method in operations:
            kw = valid_request(template)
            r = server.client(intruder).request(method.upper(), path, **kw)
            if r.status_code == 403 and "needs the role" in r.text:
                role_gated += 1  # staff-only routes: staff may see every case
                continue
            tried += 1
            assert r.status_code == 404, (method, template, r.status_code, r.text)
            assert "error" in r.json()
    assert tried >= 11 and role_gated >= 4


def test_staff_see_cases_and_applicants_do_not_get_the_queue(server: Server) -> None:
    _, alice = server.user(Role.applicant)
    submitted_case(server, alice)
    assert server.client(alice).get("/cases").status_code == 403
    _, officer = server.user(Role.officer)
    assert server.client(officer).get("/cases").status_code == 200
    assert server.client().get("/applications").status_code == 401


def test_two_officers_deciding_at_once_one_wins_one_gets_409(server: Server) -> None:
    _, alice = server.user(Role.applicant)
    case = submitted_case(server, alice)
    _, sup = server.user(Role.supervisor)
    s = server.client(sup)
    case = s.post(f"/applications/{case['id']}/assign", json={"version": case["version"]}).json()
    body = {
        "decision": "refuse",
        "reasons": ["age_requirement"],
        "text": "t",
        "override_code": "other",
        "version": case["version"],
    }
    results: list[int] = []
    barrier = threading.Barrier(2)

    def decide() -> None:
        with server.client(sup) as c:
            barrier.wait()
            results.append(c.post(f"/applications/{case['id']}/decision", json=body).status_code)

    threads = [threading.Thread(target=decide) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409]
    final = s.get(f"/applications/{case['id']}").json()
    # Four eyes on the K visa: the winning refusal waits for a second person.
    assert final["state"] == "pending_approval" and final["version"] > case["version"]


def test_an_illegal_move_is_a_409_and_writes_nothing(server: Server) -> None:
    _, alice = server.user(Role.applicant)
    c = server.client(alice)
    app = c.post("/applications", json={"profile": PROFILE}).json()
    r = c.post(
        f"/applications/{app['id']}/respond", json={"response": "x", "version": app["version"]}
    )
    assert (
        r.status_code == 409
        and "cannot respond a case that is draft" in r.json()["error"]["message"]
    )
    again = c.get(f"/applications/{app['id']}").json()
    assert again["state"] == "draft" and again["version"] == app["version"]
    stale = c.put(f"/applications/{app['id']}/profile", json={"profile": PROFILE, "version": 99})
    assert stale.status_code == 409


def test_an_empty_draft_cannot_be_submitted_and_stays_a_draft(server: Server) -> None:
    _, alice = server.user(Role.applicant)
    c = server.client(alice)
    app = c.post("/applications", json={"profile": {"name": "A. Nonymous"}}).json()
    key = {"Idempotency-Key": f"empty-{app['id']}"}
    r = c.post(f"/applications/{app['id']}/submit", json={"version": app["version"]}, headers=key)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["field"] == "profile.date_of_birth"
    assert "date_of_birth, nationalities" in error["message"]
    again = c.get(f"/applications/{app['id']}").json()
    assert again["state"] == "draft" and again["version"] == app["version"]
    born = {"name": "A. Nonymous", "date_of_birth": "1999-05-01"}
    v = c.put(f"/applications/{app['id']}/profile", json={"profile": born, "version": 1}).json()
    r = c.post(f"/applications/{app['id']}/submit", json={"version": v["version"]}, headers=key)
    assert r.status_code == 422 and r.json()["error"]["field"] == "profile.nationalities"


def test_a_crash_during_submit_leaves_the_whole_draft_and_nothing_else(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, alice = server.user(Role.applicant)
    c = server.client(alice)
    app = c.post("/applications", json={"profile": PROFILE}).json()
    with server.app.state.runtime.factory() as s:
        before = audit.verify(s).events
    real = audit.append

    def crash(session, **kw):  # type: ignore[no-untyped-def]
        if kw.get("action") == "prescreen":
            raise RuntimeError("simulated crash after the state change")
        return real(session, **kw)

    monkeypatch.setattr(audit, "append", crash)
    r = c.post(
        f"/applications/{app['id']}/submit",
        json={"version": app["version"]},
        headers={"Idempotency-Key": f"crash-{app['id']}"},
    )
    assert r.status_code == 500
    monkeypatch.setattr(audit, "append", real)
    after = c.get(f"/applications/{app['id']}").json()
    assert after["state"] == "draft" and after["prescreen_outcome"] is None
    with server.app.state.runtime.factory() as s:
        report = audit.verify(s)
    assert report.ok and report.events == before
    ok = c.post(
        f"/applications/{app['id']}/submit",
        json={"version": app["version"]},
        headers={"Idempotency-Key": f"crash-{app['id']}"},
    )
    assert ok.status_code == 200 and ok.json()["state"] == "submitted"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"profile": {"date_of_birth": "yesterday"}}, "profile.date_of_birth"),
        ({"profile": {"job_offer": {"annual_salary": -1}}}, "profile.job_offer.annual_salary"),
        ({"program_id": "us-h1b"}, "program_id"),
        ({"profile": {"nationalities": ["india"]}}, "profile.nationalities.0"),
    ],
)
def test_bad_bodies_are_422_naming_the_field(server: Server, payload: dict, field: str) -> None:
    _, alice = server.user(Role.applicant)
    r = server.client(alice).post("/applications", json=payload)
    assert r.status_code == 422
    assert r.json()["error"]["field"] == field


def test_uploads_are_checked_by_size_and_content(server: Server) -> None:
    _, alice = server.user(Role.applicant)
    c = server.client(alice)
    app = c.post("/applications", json={"profile": PROFILE}).json()
    url = f"/applications/{app['id']}/documents"
    fake = c.post(url, files={"file": ("degree.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")})
    assert fake.status_code == 415 and fake.json()["error"]["field"] == "file"
    big = c.post(
        url, files={"file": ("big.pdf", PDF + b"0" * (10 * 1024 * 1024), "application/pdf")}
    )
    assert big.status_code == 413 and "limit" in big.json()["error"]["message"]
    ok = c.post(url, files={"file": ("../../etc/passwd.png", PNG, "image/png")})
    assert ok.status_code == 201
    stored = list((server.data_dir / "documents").glob("*"))
    assert all(".." not in p.name and "passwd" not in p.name for p in stored)
    got = c.get(f"{url}/{ok.json()['id']}")
    assert got.status_code == 200 and got.content == PNG


def test_failed_logins_are_rate_limited(server: Server) -> None:
    server.user(Role.applicant, email=f"victim-{server.backend}@example.org")
    c = server.client()
    codes = [
        c.post(
            "/auth/token",
            json={"email": f"victim-{server.backend}@example.org", "password": "wrong-password"},
        ).status_code
        for _ in range(6)
    ]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    assert (
        c.post(
            "/auth/token",
            json={
                "email": f"victim-{server.backend}@example.org",
                "password": "a-long-test-password",
            },
        ).status_code
        == 429
    )


def test_session_cookie_is_secure_and_posts_need_csrf(server: Server) -> None:
    email = f"cookie-{server.backend}@example.org"
    server.user(Role.applicant, email=email)
    c = server.client()
    r = c.post("/auth/login", json={"email": email, "password": "a-long-test-password"})
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie
    # The cookie is Secure and the test server speaks plain HTTP, so the client's jar would
    # not send it back: send it by hand.
    session = {"Cookie": f"tv_session={r.cookies['tv_session']}"}
    assert c.get("/auth/me", headers=session).status_code == 200
    no_csrf = c.post("/applications", json={}, headers=session)
    assert no_csrf.status_code == 403 and no_csrf.json()["error"]["field"] == "X-CSRF-Token"
    ok = c.post(
        "/applications", json={}, headers={**session, "X-CSRF-Token": r.json()["csrf_token"]}
    )
    assert ok.status_code == 201


def test_passport_numbers_stay_out_of_logs_and_the_audit_trail(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    _, admin = server.user(Role.admin)
    _, emp = server.user(Role.employer)
    season = f"FY{2050 if server.backend == 'sqlite' else 2051}"
    server.client(admin).post(
        "/seasons", json={"season": season, "regular_target": 1, "advanced_target": 0}
    )
    server.client(admin).post(f"/seasons/{season}/open")
    caplog.set_level(logging.DEBUG)
    r = server.client(emp).post(
        f"/seasons/{season}/registrations",
        json={
            "passport_country": "IN",
            "passport_number": "SECRET9876",
            "family_name": "A",
            "date_of_birth": "1990-01-01",
            "wage_level": 2,
            "soc_code": "15-1252",
            "worksite": "Boston, MA",
            "us_advanced_degree": False,
        },
    )
    assert r.status_code == 201
    assert "SECRET9876" not in caplog.text
    assert "SECRET9876" not in r.text  # the response shows only the last four characters
    with server.app.state.runtime.factory() as s:
        events = audit.timeline(s, "registration", r.json()["id"])
    assert events and all("SECRET9876" not in str(e.data) for e in events)


@pytest.mark.parametrize("server", ["sqlite"], indirect=True)  # PostgreSQL has no such lock
def test_the_event_loop_never_waits_for_the_sqlite_writer_lock(server: Server) -> None:
    """A short endpoint runs on the event loop only when the writer lock is free; while
    another thread holds it, the request waits in a worker thread and others are served."""
    from talentvisa.db.engine import writer_lock

    lock = writer_lock(server.engine)
    assert lock is not None
    _, token = server.user(Role.applicant)
    result: dict = {}

    def create() -> None:
        result["r"] = server.client(token).post("/applications", json={"profile": PROFILE})

    with lock:  # as a long write in another thread would
        worker = threading.Thread(target=create)
        worker.start()
        worker.join(timeout=1.0)
        assert worker.is_alive(), "the write should wait for the lock"
        assert server.client().get("/health", timeout=2).status_code == 200
        assert server.client(token).get("/applications", timeout=2).status_code == 200
    worker.join(timeout=10)
    assert result["r"].status_code == 201, result["r"].text
