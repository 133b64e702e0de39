"""Portal tests: a real server over real HTTP (SQLite and PostgreSQL) and a real browser.

`Visitor` is a small cookie-keeping client. It keeps Secure cookies over the test's plain
HTTP on purpose, so the server under test runs with its production cookie flags.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from talentvisa.rules.compiled import CompiledProgram
from talentvisa.rules.expr import names
from tests.api.fixtures import PASSWORD, TODAY, Server, server

from .browser import axe_source, browser_type_launch_args, chromium, live

__all__ = [
    "PASSWORD",
    "TODAY",
    "Server",
    "Visitor",
    "axe_source",
    "browser_type_launch_args",
    "chromium",
    "csrf",
    "facts_read",
    "live",
    "server",
]

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def facts_read(cp: CompiledProgram) -> set[str]:
    """The facts a program's rules read anywhere: criteria, exceptions, points, fees..."""
    nodes = [*cp.criteria.values(), cp.eligibility]
    nodes += [node for excs in cp.exceptions.values() for _, node, _ in excs]
    nodes += [n for table in cp.factor_nodes.values() for ns in table.values() for n in ns]
    nodes += [n for pair in cp.fee_nodes.values() for n in pair]
    nodes += [n for _, n in cp.tier_nodes] + [n for _, n in cp.document_nodes]
    return {name for n in nodes for name in names(n) if cp.kinds.get(name) == "fact"}


class Visitor:
    def __init__(self, url: str, accept_language: str = "en") -> None:
        self.http = httpx.Client(base_url=url, timeout=30)
        self.jar: dict[str, str] = {}
        self.accept_language = accept_language
        self.set_cookies: list[str] = []

    def request(self, method: str, path: str, follow: bool = True, **kw: Any) -> httpx.Response:
        for _ in range(10):
            headers = {"Accept-Language": self.accept_language, **kw.pop("headers", {})}
            if self.jar:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
            r = self.http.request(method, path, headers=headers, **kw)
            for raw in r.headers.get_list("set-cookie"):
                self.set_cookies.append(raw)
                name, _, rest = raw.partition("=")
                value = rest.split(";")[0]
                if "max-age=0" in raw.lower() or value in ('""', ""):
                    self.jar.pop(name, None)
                else:
                    self.jar[name] = value
            if follow and r.status_code in (301, 302, 303, 307):
                method, path, kw = "GET", r.headers["location"], {}
                continue
            return r
        raise AssertionError("too many redirects")

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def submit(self, page: str, action: str, data: dict[str, Any], **kw: Any) -> httpx.Response:
        """Open `page`, then post its form to `action` with the page's CSRF token."""
        token = csrf(self.get(page).text)
        return self.request("POST", action, data={"csrf_token": token, **data}, **kw)

    def login(self, email: str, password: str = PASSWORD) -> httpx.Response:
        r = self.submit("/login", "/login", {"email": email, "password": password})
        assert r.status_code == 200, r.text[:500]
        return r


@pytest.fixture
def visitor(server: Server) -> Visitor:
    return Visitor(server.url)
