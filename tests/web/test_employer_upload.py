"""The employer's season page at scale: a CSV upload and keyset-paged registrations.

Real server, real HTTP, SQLite and PostgreSQL, in English and Chinese. The upload goes
through the same service as ``POST /seasons/{s}/registrations.csv`` (all or nothing).
"""

from __future__ import annotations

import re
import secrets

import httpx
import pytest

from talentvisa.auth.models import Role
from talentvisa.web.routes.employer import PAGE_SIZE
from tests.h1b.test_http_bulk import HEADER, open_season, row

from .conftest import Server, Visitor

LANGS = [("en", "Line 3: "), ("zh-CN,zh;q=0.9", "第 3 行：")]
ROW_IDS = re.compile(r'<tr data-reg="([0-9a-f]+)">')


def _employer(server: Server, accept_language: str) -> tuple[Visitor, str]:
    email = f"employer-{secrets.token_hex(4)}@example.org"
    _, token = server.user(Role.employer, email)
    visitor = Visitor(server.url, accept_language=accept_language)
    visitor.login(email)
    return visitor, token


def _send(visitor: Visitor, season: str, lines: list[str]) -> httpx.Response:
    body = ("\n".join([HEADER, *lines]) + "\n").encode()
    return visitor.submit(
        f"/employer/seasons/{season}",
        f"/employer/seasons/{season}/upload",
        {},
        files={"file": ("registrations.csv", body, "text/csv")},
    )


@pytest.mark.parametrize(("lang", "line_3"), LANGS)
def test_a_bad_row_is_named_by_line_and_nothing_is_registered(
    server: Server, lang: str, line_3: str
) -> None:
    _, admin = server.user(Role.admin)
    season = f"FY{2100 + len(lang)}"
    open_season(server, admin, season)
    visitor, token = _employer(server, lang)
    r = _send(visitor, season, [row("B0000001"), row("bad passport!"), row("B0000003")])
    assert r.status_code == 422, r.text[:500]
    html = r.text
    problems = re.search(r'<ul class="field-error" id="upload-problems">(.*?)</ul>', html, re.S)
    assert problems, html[:2000]
    assert f"{line_3}passport_number" in problems.group(1)
    assert "Line 2" not in problems.group(1) and "Line 4" not in problems.group(1)
    listed = server.client(token).get(f"/seasons/{season}/registrations").json()
    assert listed["items"] == [] and listed["counts"] == {}


@pytest.mark.parametrize(("lang", "done"), [("en", "3 registrations"), ("zh-CN", "3 项登记")])
def test_a_good_upload_adds_its_rows_and_says_how_many(
    server: Server, lang: str, done: str
) -> None:
    _, admin = server.user(Role.admin)
    season = f"FY{2200 + len(lang)}"
    open_season(server, admin, season)
    visitor, token = _employer(server, lang)
    r = _send(visitor, season, [row(f"G000000{n}", 2, n == 1) for n in range(1, 4)])
    assert r.status_code == 200, r.text[:500]
    html = r.text
    notice = re.search(r'id="upload-done">([^<]*)<', html)
    assert notice and done in notice.group(1), html[:2000]
    api = server.client(token).get(f"/seasons/{season}/registrations").json()
    assert len(api["items"]) == 3 and sum(api["counts"].values()) == 3
    assert sorted(ROW_IDS.findall(html)) == sorted(i["id"] for i in api["items"])
    assert 'data-status="submitted">3<' in html
    assert f'href="/seasons/{season}/results.csv"' in html
    assert "talentvisa lottery prove --bulletin bulletin.csv" in html
    exported = visitor.get(f"/seasons/{season}/results.csv")
    assert exported.status_code == 200 and len(exported.text.splitlines()) == 4


def test_paging_shows_each_registration_once_forwards_and_back(server: Server) -> None:
    _, admin = server.user(Role.admin)
    season = "FY2300"
    open_season(server, admin, season)
    visitor, token = _employer(server, "zh-CN")
    total = 2 * PAGE_SIZE + 7
    r = _send(visitor, season, [row(f"P{n:07d}") for n in range(total)])
    assert r.status_code == 200, r.text[:500]
    seen: list[str] = []
    pages = []
    path: str | None = f"/employer/seasons/{season}"
    while path:
        page = visitor.get(path)
        assert page.status_code == 200, page.text[:500]
        pages.append(path)
        ids = ROW_IDS.findall(page.text)
        assert ids == sorted(ids) and len(ids) <= PAGE_SIZE
        seen += ids
        assert "下一页" in page.text or len(pages) == 3
        found = re.search(r'rel="next" id="page-next" href="([^"]+)"', page.text)
        path = found.group(1).replace("&amp;", "&") if found else None
    assert len(pages) == 3 and len(seen) == total == len(set(seen))
    everyone = server.client(token).get(f"/seasons/{season}/registrations?limit=500").json()
    assert seen == [i["id"] for i in everyone["items"]]
    last = visitor.get(pages[-1]).text
    back = re.search(r'rel="prev" id="page-prev" href="([^"]+)"', last)
    assert back and back.group(1) == pages[1], last[:2000]
    middle = visitor.get(pages[1]).text
    first = re.search(r'rel="prev" id="page-prev" href="([^"]+)"', middle)
    assert first and first.group(1) == f"/employer/seasons/{season}"
    assert 'rel="prev"' not in visitor.get(pages[0]).text


def test_no_file_or_a_bad_cursor_is_answered_with_a_page_not_a_traceback(server: Server) -> None:
    _, admin = server.user(Role.admin)
    season = "FY2400"
    open_season(server, admin, season)
    visitor, _ = _employer(server, "en")
    r = visitor.submit(f"/employer/seasons/{season}", f"/employer/seasons/{season}/upload", {})
    assert r.status_code == 400 and "Choose a CSV file of registrations." in r.text
    assert "Traceback" not in r.text
    bad = visitor.get(f"/employer/seasons/{season}?after=not-hex")
    assert 400 <= bad.status_code < 500 and "Traceback" not in bad.text


def test_a_file_over_the_portals_usual_body_limit_is_taken_whole(server: Server) -> None:
    _, admin = server.user(Role.admin)
    season = "FY2450"
    open_season(server, admin, season)
    visitor, token = _employer(server, "en")
    lines = [row(f"L{n:07d}") for n in range(15_000)]
    assert len("\n".join(lines)) > 1024 * 1024  # the 1 MB that bounds other form posts
    r = _send(visitor, season, lines)
    assert r.status_code == 200, r.text[:500]
    counts = server.client(token).get(f"/seasons/{season}/registrations").json()["counts"]
    assert counts == {"submitted": 15_000}


@pytest.mark.parametrize(("lang", "words"), [("en", "at most 16 MB"), ("zh-CN", "16 MB")])
def test_a_file_over_the_upload_limit_gets_a_page_not_json(
    server: Server, lang: str, words: str
) -> None:
    _, admin = server.user(Role.admin)
    season = f"FY{2460 + len(lang)}"
    open_season(server, admin, season)
    visitor, token = _employer(server, lang)
    huge = HEADER + "\n" + row("H0000001") + "\n" + "#" * (17 * 1024 * 1024)
    r = visitor.submit(
        f"/employer/seasons/{season}",
        f"/employer/seasons/{season}/upload",
        {},
        files={"file": ("registrations.csv", huge.encode(), "text/csv")},
    )
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/html"), r.text[:300]
    assert words in r.text and '<html lang="' in r.text and '"error"' not in r.text
    api = server.client(token).post(
        f"/seasons/{season}/registrations.csv",
        content=huge.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert api.status_code == 413 and api.json()["error"]["code"] == "too_large"
    counts = server.client(token).get(f"/seasons/{season}/registrations").json()["counts"]
    assert counts == {}


def test_the_upload_form_has_a_progress_bar_the_script_drives(server: Server) -> None:
    _, admin = server.user(Role.admin)
    season = "FY2470"
    open_season(server, admin, season)
    visitor, _ = _employer(server, "en")
    html = visitor.get(f"/employer/seasons/{season}").text
    form = re.search(r'<form[^>]*action="/employer/seasons/FY2470/upload"[^>]*>', html)
    assert form and "data-upload " in form.group(0) and "checking and registering" in form.group(0)
    assert 'id="upload-progress"' in html and "data-upload-status" in html
