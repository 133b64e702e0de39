"""Portal forms refuse infinity, huge numbers, bad characters and oversized posts, and store
nothing, on both databases: each was a 500 (or a stored record that broke later pages)."""

from __future__ import annotations

import json
import secrets

import httpx
import pytest
import sqlalchemy as sa

from talentvisa.auth.models import Role

from .conftest import PASSWORD, Server, Visitor, csrf
from .test_pages import account, version


def draft(server: Server) -> tuple[Visitor, str]:
    """A signed-in applicant with a new draft, on its first step."""
    v = Visitor(server.url)
    v.login(account(server, Role.applicant))
    r = v.submit("/my/new", "/my/new", {})
    assert r.url.path.endswith("/you"), r.url
    return v, r.url.path.split("/")[2]


def post_step(v: Visitor, app_id: str, slug: str, fields: dict[str, str]) -> httpx.Response:
    page = v.get(f"/my/{app_id}/{slug}")
    data = {"csrf_token": csrf(page.text), "version": version(page.text), **fields}
    return v.request("POST", f"/my/{app_id}/{slug}", data=data)


def stored(server: Server, app_id: str) -> dict:
    with server.engine.connect() as c:
        row = c.execute(sa.text("select profile from applications where id = :i"), {"i": app_id})
        value = row.scalar_one()
    return value if isinstance(value, dict) else json.loads(value)


@pytest.mark.parametrize("number", ["1e400", "1e309", "inf", "nan"])
def test_infinite_numbers_in_the_application_form(server: Server, number: str) -> None:
    v, app_id = draft(server)
    for slug, field in (("education", "rank"), ("work", "years")):
        r = post_step(v, app_id, slug, {field: number})
        assert r.status_code == 400, r.text[:300]
        assert f'href="#f-{field}"' in r.text
    assert stored(server, app_id) == {}


@pytest.mark.parametrize("text", ["Wei\x00Test", "Wei\x07Test"])
def test_bad_characters_in_a_form_are_refused_naming_the_field(server: Server, text: str) -> None:
    v, app_id = draft(server)
    page = v.get(f"/my/{app_id}/you")
    body = {"csrf_token": csrf(page.text), "version": version(page.text), "name": text}
    # (A lone surrogate cannot arrive in a form: its bytes are not UTF-8, and the form
    # parser replaces them with U+FFFD.)
    r = v.request("POST", f"/my/{app_id}/you", data=body)
    assert r.status_code in (400, 422), r.text[:300]
    assert "name" in r.text
    assert stored(server, app_id) == {}
    assert v.get("/my").status_code == 200


def test_an_oversized_form_post_is_refused(server: Server) -> None:
    v = Visitor(server.url)
    email = f"big-{secrets.token_hex(4)}@example.org"
    page = v.get("/signup")
    data = {
        "csrf_token": csrf(page.text),
        "display_name": "x" * (2 * 1024 * 1024),
        "email": email,
        "password": PASSWORD,
        "role": "applicant",
    }
    r = v.request("POST", "/signup", data=data)
    assert r.status_code == 413  # a page a person reads, not the API's JSON
    assert r.headers["content-type"].startswith("text/html"), r.text[:300]
    assert "too large" in r.text and "at most 1 MB" in r.text
    with server.engine.connect() as c:  # nothing stored
        found = c.execute(sa.text("select count(*) from users where email = :e"), {"e": email})
        assert found.scalar_one() == 0


def test_integers_beyond_64_bits_in_forms(server: Server) -> None:
    admin = Visitor(server.url)
    admin.login(account(server, Role.admin))
    data = {"season": "FY2040", "regular_target": str(2**70), "advanced_target": "1"}
    r = admin.submit("/admin/seasons", "/admin/seasons", data)
    assert r.status_code == 422 and "regular_target" in r.text, r.text[:300]
    assert "FY2040" not in admin.get("/admin/seasons").text
