"""No internal ids or developer words on the applicant's pages, in English or Chinese.

Every applicant page is rendered over real HTTP: the form, the comparison for several
profiles (the example Indian graduate among them), the path, the timeline, and each page of
an application. The visible text (and the text read aloud: alt, title, aria-label,
placeholder) must hold no snake_case word, no program id, no raw enum value and none of the
developer words the issue found ("deployer", "draw_cutoff", "federal_classes").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml

from talentvisa.api.app import create_app
from talentvisa.auth import service as auth
from talentvisa.auth.models import Role
from talentvisa.db import migrate
from talentvisa.db.engine import make_engine, transaction
from talentvisa.rules.declarations import declarations
from talentvisa.rules.loader import builtin_catalog
from talentvisa.web import application_form as af
from talentvisa.web.form import builtin_form
from tests.api.fixtures import PASSWORD, served
from tests.conftest import EXAMPLES

from .conftest import Visitor, csrf
from .test_browser import FIT_ANSWERS

ON = dt.date(2026, 12, 7)
LANGS = ("en", "zh-CN")
DEVELOPER_WORDS = ("deployer", "draw_cutoff", "federal_classes", "ineligible", "null")
SNAKE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b")
READ_ALOUD = ("alt", "title", "aria-label", "placeholder")


class _Visible(HTMLParser):
    """The text a person sees or hears: no script, style or hidden input."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        self.parts += [v for k, v in attrs if k in READ_ALOUD and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible(html: str) -> str:
    p = _Visible()
    p.feed(html)
    return " ".join(" ".join(p.parts).split())


def _raw_enum_values() -> set[str]:
    """Values a program or fact names by an id that is not itself a word of the page."""
    values = {v for d in declarations().facts.values() for v in (d.values or {})}
    return {v for v in values if "_" in v or "-" in v}


def id_like(text: str) -> list[str]:
    found = set(SNAKE.findall(text))
    found |= {pid for pid in builtin_catalog() if re.search(rf"(?<![\w/.-]){pid}(?![\w-])", text)}
    found |= {w for w in DEVELOPER_WORDS if re.search(rf"\b{re.escape(w)}\b", text)}
    found |= {
        v for v in _raw_enum_values() if re.search(rf"(?<![\w-]){re.escape(v)}(?![\w-])", text)
    }
    return sorted(found)


def test_the_detector_finds_what_it_should() -> None:
    said = "Missing answers: job_offer_country; us-h1b; the deployer's choice; new_employment"
    assert id_like(said) == ["deployer", "job_offer_country", "new_employment", "us-h1b"]
    assert id_like("Germany EU Blue Card: not eligible, EUR 50,700 from 2026-01-01") == []


def answers_of_example(path: Path) -> str:
    """The form's answers that describe an example profile, as /fit/result's query string."""
    profile = yaml.safe_load(path.read_text("utf-8"))
    answers = {q.name: af.shown(profile, q) for q in builtin_form().questions() if q.path}
    return urlencode({k: v for k, v in answers.items() if v})


PROFILES = {
    "indian-graduate": answers_of_example(EXAMPLES / "indian-stem-graduate.yaml"),
    "fit-answers": FIT_ANSWERS,
    "nothing-answered": "",
    "blue-card": "dob=1994-02-01&degree=master&field=computer_science&has_offer=yes"
    "&offer_country=DE&salary=60000&currency=EUR",
    "chinese-researcher": "dob=1990-01-01&nationality=CN&degree=doctorate&field=natural_sciences"
    "&rank=50&experience=6&residence=DE",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    data_dir = tmp_path_factory.mktemp("words-portal")
    engine = make_engine(f"sqlite:///{data_dir / 'talentvisa.sqlite3'}")
    migrate.upgrade(engine)
    app = create_app(engine, data_dir, secure_cookies=False, today=lambda: ON)
    with transaction(app.state.runtime.factory) as s:
        auth.create_user(s, "words-applicant@example.org", PASSWORD, Role.applicant, "Asha")
    try:
        with served(app) as url:
            yield {"url": url}
    finally:
        engine.dispose()


def applicant_pages(v: Visitor, program: str, query: str) -> Iterator[str]:
    """The pages of an application made from a comparison's answers, each step and status."""
    yield "/my"
    yield f"/my/new?program={program}&{query}"
    token = csrf(v.get("/my/new").text)
    from urllib.parse import parse_qsl

    r = v.request(
        "POST", "/my/new", data={"csrf_token": token, "program": program, **dict(parse_qsl(query))}
    )
    app_id = r.url.path.split("/")[2]
    for s in af.steps_for(program):
        yield f"/my/{app_id}/{s.slug}"
    yield f"/my/{app_id}"


@pytest.mark.parametrize("lang", LANGS)
def test_no_internal_ids_on_applicant_pages(site: dict[str, Any], lang: str) -> None:
    v = Visitor(site["url"], lang)
    pages = ["/fit"]
    for query in PROFILES.values():
        pages += [f"/fit/result?{query}", f"/fit/path?{query}", f"/fit/timeline?{query}"]
    v.login("words-applicant@example.org")
    for program in ("cn-k", "de-blue-card"):
        pages += list(applicant_pages(v, program, PROFILES["indian-graduate"]))
    leaks: dict[str, list[str]] = {}
    for path in pages:
        r = v.get(path)
        assert r.status_code == 200, (path, r.text[:300])
        found = id_like(visible(r.text))
        if found:
            leaks[path[:60]] = found
    assert not leaks, leaks
