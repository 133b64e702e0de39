"""Log-in throttling nobody can turn against a victim, and the smaller leaks of issue 11.

Over real HTTP on SQLite and PostgreSQL: an attacker's failures never stop the owner's
device; the per-address limit believes X-Forwarded-For only from a configured proxy; sign-up
answers alike for new and registered emails; personal answers are `no-store`; the CSRF token
is refused in the URL; /openapi.json declares the bearer and cookie schemes.
"""

from __future__ import annotations

import os
import re
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select

from talentvisa.api import proxies
from talentvisa.api.app import create_app
from talentvisa.auth import service as auth
from talentvisa.auth.models import LoginAttempt, Role, User
from talentvisa.db.base import now
from talentvisa.db.engine import transaction
from tests.api.fixtures import PASSWORD, Server


def _email(server: Server, who: str) -> str:
    return f"{who}-{server.backend}-{secrets.token_hex(3)}@example.org"


def _log_in(
    server: Server, email: str, password: str = PASSWORD, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    """POST /auth/token: status, headers, and the device cookie if one was set."""
    r = server.client().post(
        "/auth/token", json={"email": email, "password": password}, headers=headers or {}
    )
    return r.status_code, dict(r.headers), r.cookies.get("tv_device", "")


def _device(token: str) -> dict[str, str]:
    # The cookie is Secure and the test server speaks plain HTTP: send it by hand.
    return {"Cookie": f"tv_device={token}"}


def _seed_failures(server: Server, key: str, n: int) -> None:
    with transaction(server.app.state.runtime.factory) as s:
        s.add_all(LoginAttempt(key=key, success=False, at=now()) for _ in range(n))


@contextmanager
def _proxies(server: Server, value: str) -> Iterator[None]:
    """The running server's trusted proxies, as `serve --trusted-proxies` would set them;
    address counts are cleared afterwards so that other tests may log in from 127.0.0.1."""
    rt = server.app.state.runtime
    before = rt.trusted_proxies
    _clear_addresses(server)
    rt.trusted_proxies = proxies.networks(value)
    try:
        yield
    finally:
        rt.trusted_proxies = before
        _clear_addresses(server)


def _clear_addresses(server: Server) -> None:
    with transaction(server.app.state.runtime.factory) as s:
        for kind in ("client:%", "signup:%"):
            s.execute(delete(LoginAttempt).where(LoginAttempt.key.like(kind)))


def test_attackers_failures_do_not_lock_the_owner_out(server: Server) -> None:
    victim, attacker = _email(server, "victim"), _email(server, "attacker")
    server.user(Role.applicant, email=victim)
    server.user(Role.applicant, email=attacker)
    status, _, device = _log_in(server, victim)  # the owner's earlier log-in on their device
    assert status == 200 and device.count(".") == 3
    own_device = _log_in(server, attacker)[2]

    codes = [_log_in(server, victim, "wrong-password")[0] for _ in range(7)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    # A device token is bound to its account: the attacker's own one does not help, nor
    # does a forged one.
    assert _log_in(server, victim, "wrong-password", headers=_device(own_device))[0] == 429
    forged = f"{device.rsplit('.', 1)[0]}.{'0' * 32}"
    assert _log_in(server, victim, headers=_device(forged))[0] == 429
    with transaction(server.app.state.runtime.factory) as s:
        owner = s.scalars(select(User).where(User.email == victim)).one()
        uid, _, nonce, _ = device.split(".")
        body = f"{uid}.2020-01-01.{nonce}"
        lapsed = f"{body}.{auth._device_mac(owner, body)}"  # signed, but older than DEVICE_TTL
    assert _log_in(server, victim, headers=_device(lapsed))[0] == 429

    started = time.perf_counter()
    status, headers, _ = _log_in(server, victim, headers=_device(device))
    owner_seconds = time.perf_counter() - started
    assert status == 200, "the owner's device is not slowed by the attacker's failures"
    assert owner_seconds < 3
    assert headers["cache-control"] == "no-store"
    # The owner mistyping on their own device is counted for that device alone.
    assert _log_in(server, victim, "typo-password", headers=_device(device))[0] == 401

    # A delay, not a lock: the attacker may try again once it ends, and it then grows.
    status, headers, _ = _log_in(server, victim, "wrong-password")
    if status == 429:
        assert int(headers["retry-after"]) <= 2
        time.sleep(int(headers["retry-after"]) + 0.2)
        status = _log_in(server, victim, "wrong-password")[0]
    assert status == 401
    status, headers, _ = _log_in(server, victim, "wrong-password")
    assert status == 429 and 2 < int(headers["retry-after"]) <= 4


def test_shared_address_without_a_trusted_proxy(server: Server) -> None:
    colleague = _email(server, "colleague")
    server.user(Role.applicant, email=colleague)
    device = _log_in(server, colleague)[2]
    with _proxies(server, ""):
        # Someone at the shared address fails often; a forged X-Forwarded-For does not help.
        _seed_failures(server, "client:127.0.0.1", auth.MAX_CLIENT_FAILURES - 1)
        spoofed = {"X-Forwarded-For": "198.51.100.7"}
        assert _log_in(server, _email(server, "nobody"), "wrong", headers=spoofed)[0] == 401
        other = {"X-Forwarded-For": "198.51.100.8"}
        assert _log_in(server, colleague, headers=other)[0] == 429
        # The colleague's own device still logs in, though the address is limited.
        assert _log_in(server, colleague, headers=_device(device))[0] == 200


def test_shared_address_behind_a_trusted_proxy(server: Server) -> None:
    colleague = _email(server, "colleague")
    server.user(Role.applicant, email=colleague)
    with _proxies(server, "127.0.0.1, 10.0.0.0/8"):
        _seed_failures(server, "client:203.0.113.9", auth.MAX_CLIENT_FAILURES - 1)
        attacker = {"X-Forwarded-For": "203.0.113.9"}
        assert _log_in(server, _email(server, "nobody"), "wrong", headers=attacker)[0] == 401
        assert _log_in(server, _email(server, "nobody"), "wrong", headers=attacker)[0] == 429
        # Prepending a forged hop does not escape: the proxies' own entries are on the right.
        forged = {"X-Forwarded-For": "192.0.2.1, 203.0.113.9, 10.1.2.3"}
        assert _log_in(server, _email(server, "nobody"), "wrong", headers=forged)[0] == 429
        # Another person behind the same proxy is counted on their own address.
        assert _log_in(server, colleague, headers={"X-Forwarded-For": "203.0.113.10"})[0] == 200


def test_trusted_proxies_setting_is_checked() -> None:
    with pytest.raises(ValueError, match=r"TALENTVISA_TRUSTED_PROXIES: 'proxy\.local'"):
        proxies.networks("10.0.0.1, proxy.local")
    assert [str(n) for n in proxies.networks("10.0.0.1, fd00::/8")] == ["10.0.0.1/32", "fd00::/8"]


def test_create_app_refuses_a_bad_trusted_proxy(server: Server) -> None:
    with pytest.raises(ValueError, match="TALENTVISA_TRUSTED_PROXIES"):
        create_app(server.engine, server.data_dir, trusted_proxies="not-an-address")


def _sign_up(server: Server, email: str, password: str, xff: str) -> tuple[int, Any, float]:
    started = time.perf_counter()
    r = server.client().post(
        "/auth/register",
        json={"email": email, "password": password, "display_name": "Someone"},
        headers={"X-Forwarded-For": xff},
    )
    return r.status_code, r.json(), time.perf_counter() - started


def test_sign_up_does_not_reveal_registered_emails(server: Server) -> None:
    with _proxies(server, "127.0.0.1"):
        taken = _email(server, "taken")
        first = _sign_up(server, taken, "the-owners-password", "192.0.2.20")
        again = _sign_up(server, taken, "an-intruders-password", "192.0.2.20")
        assert first[:2] == again[:2] and first[0] == 202
        assert taken not in str(again[1]) and "error" not in str(again[1])
        # The owner's account is untouched.
        assert _log_in(server, taken, "the-owners-password")[0] == 200
        assert _log_in(server, taken, "an-intruders-password")[0] == 401

        new = [_sign_up(server, _email(server, "new"), PASSWORD, "192.0.2.21") for _ in range(3)]
        old = [_sign_up(server, taken, PASSWORD, "192.0.2.22") for _ in range(3)]
        new_time = statistics.median(t for _, _, t in new)
        old_time = statistics.median(t for _, _, t in old)
        assert {(s, str(b)) for s, b, _ in new + old} == {(202, str(first[1]))}
        # Both hash the password; a fast "taken" answer would tell the two apart.
        assert old_time > new_time / 3, (old_time, new_time)


def test_sign_up_is_throttled_per_address(server: Server) -> None:
    with _proxies(server, "127.0.0.1"):
        sweep = [
            _sign_up(server, _email(server, "sweep"), PASSWORD, "192.0.2.30")
            for _ in range(auth.MAX_SIGNUPS + 1)
        ]
        assert [s for s, _, _ in sweep] == [202] * auth.MAX_SIGNUPS + [429]
        refused = sweep[-1][1]["error"]
        assert refused["code"] == "rate_limited" and "sign-ups" in refused["message"]
        assert _sign_up(server, _email(server, "elsewhere"), PASSWORD, "192.0.2.31")[0] == 202


def test_personal_json_is_not_stored(server: Server) -> None:
    _, token = server.user(Role.applicant)
    c = server.client(token)
    created = c.post("/applications", json={})
    for r in (c.get("/auth/me"), c.get("/applications"), created):
        assert r.status_code in (200, 201) and r.headers["cache-control"] == "no-store", r.url
    login = server.client().post("/auth/login", json={"email": "x@example.org", "password": "x"})
    assert login.headers["cache-control"] == "no-store"
    assert "cache-control" not in server.client().get("/health").headers


def test_csrf_token_in_the_query_is_refused(server: Server) -> None:
    email = _email(server, "csrf")
    server.user(Role.applicant, email=email)
    c = server.client()
    r = c.post("/auth/login", json={"email": email, "password": PASSWORD})
    session, csrf = {"Cookie": f"tv_session={r.cookies['tv_session']}"}, r.json()["csrf_token"]
    in_query = c.post("/applications", json={}, params={"csrf_token": csrf}, headers=session)
    assert in_query.status_code == 403 and in_query.json()["error"]["field"] == "csrf_token"
    both = c.post(
        "/applications",
        json={},
        params={"csrf_token": csrf},
        headers={**session, "X-CSRF-Token": csrf},
    )
    assert both.status_code == 403
    ok = c.post("/applications", json={}, headers={**session, "X-CSRF-Token": csrf})
    assert ok.status_code == 201


def test_openapi_declares_security_schemes(server: Server) -> None:
    doc = server.client().get("/openapi.json").json()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A token from POST /auth/token",
    }
    assert schemes["APIKeyCookie"]["in"] == "cookie"
    assert schemes["APIKeyCookie"]["name"] == "tv_session"
    me = doc["paths"]["/auth/me"]["get"]
    assert {name for entry in me["security"] for name in entry} == {"HTTPBearer", "APIKeyCookie"}
    assert "401" in me["responses"]
    assert "security" not in doc["paths"]["/auth/token"]["post"]
    header_params = [
        (path, p["name"])
        for path, ops in doc["paths"].items()
        for op in ops.values()
        for p in op.get("parameters", [])
        if p["in"] == "header" and p["name"].lower() == "authorization"
    ]
    assert header_params == []
    assert "swagger-ui" in server.client().get("/docs").text


def test_portal_sign_up_is_throttled_per_address(server: Server) -> None:
    c = server.client()
    form = c.get("/signup")
    anon = {"Cookie": f"tv_form={form.cookies['tv_form']}"}
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf is not None

    def post(address: str) -> int:
        data = {
            "csrf_token": csrf.group(1),
            "display_name": "Someone",
            "email": _email(server, "portal"),
            "password": PASSWORD,
            "role": "applicant",
        }
        headers = {**anon, "X-Forwarded-For": address}
        return c.post("/signup", data=data, headers=headers).status_code

    with _proxies(server, "127.0.0.1"):
        sweep = [post("192.0.2.40") for _ in range(auth.MAX_SIGNUPS + 1)]
        assert sweep[: auth.MAX_SIGNUPS] == [200] * auth.MAX_SIGNUPS and sweep[-1] == 429
        assert post("192.0.2.41") == 200


def test_serve_refuses_a_bad_trusted_proxy_in_one_line(tmp_path: Path) -> None:
    cli = str(Path(sys.executable).parent / "talentvisa")
    env = {**os.environ, "TALENTVISA_DATA_DIR": str(tmp_path), "COLUMNS": "400"}
    env.pop("TALENTVISA_DATABASE_URL", None)
    subprocess.run([cli, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    for args, extra in (
        (["--trusted-proxies", "10.0.0.1,proxy.local"], {}),
        ([], {"TALENTVISA_TRUSTED_PROXIES": "proxy.local"}),
    ):
        done = subprocess.run(
            [cli, "serve", "--port", "1", *args],
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 2, done.stdout + done.stderr
        lines = done.stderr.strip().splitlines()
        assert lines == [
            "error: TALENTVISA_TRUSTED_PROXIES: 'proxy.local' is not an IP address or network"
        ]
