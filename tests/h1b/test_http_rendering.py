"""H-1B writes render their answer inside the transaction: an answer that cannot be encoded
rolls the change back, and the 500 says so truthfully."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
import sqlalchemy as sa

from talentvisa.api.routers import h1b as h1b_router
from talentvisa.auth.models import Role
from talentvisa.h1b import service as h1b_service
from tests.api.fixtures import Server
from tests.h1b.test_http_races import open_season, registration

UNENCODABLE = "\ud800"  # a lone surrogate: json.dumps accepts it, UTF-8 does not


def _state(server: Server, season: str) -> str | None:
    with server.engine.connect() as c:
        return c.scalar(sa.text("select state from cap_seasons where season = :s"), {"s": season})


def test_a_season_change_that_cannot_render_is_rolled_back(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, admin = server.user(Role.admin)
    season = f"FY{2300 + secrets.randbelow(600)}"
    made = server.client(admin).post(
        "/seasons", json={"season": season, "regular_target": 10, "advanced_target": 0}
    )
    assert made.status_code == 201, made.text
    real = h1b_service.public_view

    def unencodable(s: Any) -> dict[str, Any]:
        return {**real(s), "note": UNENCODABLE}

    monkeypatch.setattr(h1b_service, "public_view", unencodable)
    r = server.client(admin).post(f"/seasons/{season}/open")
    assert r.status_code == 500
    assert "nothing was saved" in r.json()["error"]["message"]
    assert _state(server, season) == "draft"  # the opening was rolled back, as it says
    monkeypatch.setattr(h1b_service, "public_view", real)
    assert server.client(admin).post(f"/seasons/{season}/open").status_code == 200
    assert _state(server, season) == "open"


def test_a_registration_that_cannot_render_is_not_kept(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, admin = server.user(Role.admin)
    _, employer = server.user(Role.employer)
    season = open_season(server, admin, 2900 + secrets.randbelow(90) * 2)
    real = h1b_router._reg_out

    def unencodable(session: Any, reg: Any) -> Any:
        return real(session, reg).model_copy(update={"family_name": UNENCODABLE})

    monkeypatch.setattr(h1b_router, "_reg_out", unencodable)
    passport = f"P{secrets.token_hex(4).upper()}"
    r = server.client(employer).post(
        f"/seasons/{season}/registrations", json=registration(passport)
    )
    assert r.status_code == 500
    assert "nothing was saved" in r.json()["error"]["message"]
    monkeypatch.setattr(h1b_router, "_reg_out", real)
    assert server.client(employer).get("/registrations").json() == []
    again = server.client(employer).post(
        f"/seasons/{season}/registrations", json=registration(passport)
    )
    assert again.status_code == 201, again.text  # not a 409: the first one was never stored
