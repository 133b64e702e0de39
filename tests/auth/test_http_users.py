"""Admins manage accounts over HTTP; a deactivated or re-roled account loses its tokens."""

from __future__ import annotations

import httpx

from talentvisa.auth.models import Role
from tests.api.fixtures import PASSWORD, Server


def test_admin_creates_changes_and_deactivates_accounts(server: Server) -> None:
    admin_id, admin_token = server.user(Role.admin)
    _, applicant_token = server.user(Role.applicant)
    admin = server.client(admin_token)

    assert server.client(applicant_token).get("/users").status_code == 403
    email = f"officer-{server.backend}@agency.example.org"
    made = admin.post(
        "/users",
        json={"email": email, "password": PASSWORD, "display_name": "O", "role": "officer"},
    )
    assert made.status_code == 201, made.text
    officer_id = made.json()["id"]
    again = admin.post(
        "/users",
        json={"email": email, "password": PASSWORD, "display_name": "O", "role": "officer"},
    )
    assert again.status_code == 409 and again.json()["error"]["field"] == "email"
    bad = admin.post("/users", json={"email": "x@y.org", "password": "short", "role": "nobody"})
    assert bad.status_code == 422 and bad.json()["error"]["field"]

    officers = admin.get("/users", params={"role": "officer"}).json()
    assert any(u["id"] == officer_id and u["active"] for u in officers)

    token = httpx.post(
        f"{server.url}/auth/token", json={"email": email, "password": PASSWORD}
    ).json()["access_token"]
    officer = server.client(token)
    assert officer.get("/cases").status_code == 200

    promoted = admin.patch(f"/users/{officer_id}", json={"role": "supervisor"})
    assert promoted.status_code == 200 and promoted.json()["role"] == "supervisor"
    assert officer.get("/cases").status_code == 401  # the old token carried the old role

    token = httpx.post(
        f"{server.url}/auth/token", json={"email": email, "password": PASSWORD}
    ).json()["access_token"]
    supervisor = server.client(token)
    assert supervisor.get("/cases").status_code == 200
    off = admin.patch(f"/users/{officer_id}", json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    assert supervisor.get("/cases").status_code == 401
    relog = httpx.post(f"{server.url}/auth/token", json={"email": email, "password": PASSWORD})
    assert relog.status_code == 401

    self_off = admin.patch(f"/users/{admin_id}", json={"active": False})
    assert self_off.status_code == 422 and self_off.json()["error"]["field"] == "user_id"
    assert admin.patch("/users/999999", json={"active": False}).status_code == 404
    assert admin.get("/auth/me").status_code == 200

    chain = admin.get("/audit/verify").json()
    assert chain["ok"], chain


def test_logout_ends_a_token_at_once_even_when_just_used(server: Server) -> None:
    _, token = server.user(Role.applicant)
    client = server.client(token)
    assert client.get("/auth/me").status_code == 200  # now cached by the server
    assert client.post("/auth/logout").status_code == 204
    assert client.get("/auth/me").status_code == 401
