"""Every error the API answers has its envelope; staff do not see drafts before submission."""

from __future__ import annotations

import httpx

from talentvisa.api.deps import SESSION_COOKIE
from talentvisa.auth.models import Role
from tests.api.fixtures import PASSWORD, PROFILE, Server


def assert_envelope(body: dict, code: str) -> None:
    assert set(body["error"]) == {"code", "message", "field"}, body
    assert body["error"]["code"] == code, body
    assert body["error"]["message"], body
    assert "detail" not in body


def test_malformed_json_is_a_422_envelope(server: Server) -> None:
    _, token = server.user(Role.applicant)
    with server.client(token) as c:
        r = c.post(
            "/applications", content=b'{"profile": {', headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 422, r.text
        assert_envelope(r.json(), "invalid")
        assert r.json()["error"]["field"] is None  # not the character offset it arrives with
        assert "not valid JSON" in r.json()["error"]["message"]
        assert c.get("/applications").json() == []  # nothing was created


def test_unknown_route_is_a_404_envelope(server: Server) -> None:
    with server.client() as c:
        r = c.get("/no-such-endpoint")
        assert r.status_code == 404 and r.headers["content-type"] == "application/json"
        assert_envelope(r.json(), "not_found")
        # A browser that mistypes an address gets the portal's page instead.
        page = c.get("/no-such-page", headers={"Accept": "text/html"})
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert "We could not find that page or record." in page.text


def test_405_names_every_method_of_the_path(server: Server) -> None:
    _, token = server.user(Role.applicant)
    with server.client(token) as c:
        # GET and POST /applications are two routes; Starlette named only the first one's.
        r = c.delete("/applications")
        assert r.status_code == 405
        assert r.headers["allow"] == "GET, POST"
        assert_envelope(r.json(), "method_not_allowed")
        assert c.request("PATCH", "/health").headers["allow"] == "GET"
        # A portal page keeps its HTML error page, with the right Allow too.
        page = c.delete("/officer")
        assert page.status_code == 405 and page.headers["content-type"].startswith("text/html")
        assert page.headers["allow"] == "GET"


def test_staff_get_a_404_for_an_unsubmitted_draft(server: Server) -> None:
    _, applicant = server.user(Role.applicant)
    _, officer = server.user(Role.officer)
    _, supervisor = server.user(Role.supervisor)
    draft = server.client(applicant).post("/applications", json={"profile": PROFILE}).json()
    withdrawn = server.client(applicant).post("/applications", json={"profile": PROFILE}).json()
    server.client(applicant).post(
        f"/applications/{withdrawn['id']}/withdraw", json={"version": withdrawn["version"]}
    ).raise_for_status()
    missing = server.client(applicant).get("/applications/0123456789abcdef0123456789abcdef")
    for token in (officer, supervisor):
        with server.client(token) as c:
            queue = {a["id"] for a in c.get("/cases", params={"limit": 500}).json()}
            for app in (draft, withdrawn):
                assert app["id"] not in queue
                for sub in ("", "/prescreen", "/timeline"):
                    r = c.get(f"/applications/{app['id']}{sub}")
                    assert r.status_code == 404, (sub, r.text)
                    # Told apart from a missing record by nothing but its id.
                    assert r.json()["error"]["code"] == missing.json()["error"]["code"]
                r = c.post(f"/applications/{app['id']}/assign", json={"version": app["version"]})
                assert r.status_code == 404, r.text
    # The portal's case page hides it the same way.
    email = f"officer-page-{draft['id'][:8]}@example.org"
    server.user(Role.officer, email)
    login = httpx.post(f"{server.url}/auth/login", json={"email": email, "password": PASSWORD})
    cookie = {"Cookie": f"{SESSION_COOKIE}={login.cookies[SESSION_COOKIE]}"}
    with server.client() as c:
        assert c.get("/officer", headers=cookie).status_code == 200  # logged in
        page = c.get(f"/officer/cases/{draft['id']}", headers=cookie)
        assert page.status_code == 404 and "We could not find" in page.text
    # Once submitted, it reaches the officer.
    server.client(applicant).post(
        f"/applications/{draft['id']}/submit",
        json={"version": draft["version"]},
        headers={"Idempotency-Key": f"submit-{draft['id']}"},
    ).raise_for_status()
    assert server.client(officer).get(f"/applications/{draft['id']}").status_code == 200


def test_an_undecodable_body_is_a_422_envelope(server: Server) -> None:
    with server.client() as c:
        r = c.post(
            "/auth/token", content=b"\xff\xfe{", headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 422, r.text
        assert_envelope(r.json(), "invalid")


def test_openapi_documents_each_operations_errors_with_the_envelope(server: Server) -> None:
    spec = server.client().get("/openapi.json").json()
    paths = spec["paths"]
    envelope = {"$ref": "#/components/schemas/ErrorOut"}
    for operations in paths.values():
        for op in operations.values():
            for code, response in op["responses"].items():
                if code.startswith(("4", "5")):
                    assert response["content"]["application/json"]["schema"] == envelope
    codes = {(m, p): set(op["responses"]) for p, ops in paths.items() for m, op in ops.items()}
    assert codes[("get", "/health")] == {"200"}
    assert codes[("get", "/cases")] == {"200", "401", "403", "422"}
    assert codes[("post", "/applications/{app_id}/documents")] == {
        *("201", "401", "403", "404", "409", "413", "415", "422")
    }
    assert {"401", "422", "429"} <= codes[("post", "/auth/token")]
    error = spec["components"]["schemas"]["ErrorOut"]
    assert error["required"] == ["error"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    # What a 422 actually sends matches what the schema promises.
    r = server.client().post("/auth/token", json={"email": "x"})
    assert r.status_code == 422 and set(r.json()) == {"error", "errors"}
