"""/fit/path and /fit/timeline over real HTTP, in English and Chinese."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from talentvisa.api.app import create_app
from talentvisa.db import migrate
from talentvisa.db.engine import make_engine
from tests.api.fixtures import served

from .test_browser import FIT_ANSWERS

ON = dt.date(2026, 12, 7)


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("guidance-portal")
    engine = make_engine(f"sqlite:///{data_dir / 'talentvisa.sqlite3'}")
    migrate.upgrade(engine)
    app = create_app(engine, data_dir, secure_cookies=False, today=lambda: ON)
    try:
        with served(app) as url:
            yield url
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("lang", "title", "blue_card"),
    [
        ("en", "What would make you eligible", "Germany EU Blue Card"),
        ("zh-CN", "怎样", "德国欧盟蓝卡"),
    ],
)
def test_path_page_in_both_languages(portal: str, lang: str, title: str, blue_card: str) -> None:
    r = httpx.get(f"{portal}/fit/path?{FIT_ANSWERS}", headers={"Accept-Language": lang})
    assert r.status_code == 200, r.text[:500]
    assert title in r.text and blue_card in r.text
    assert "draw_cutoff" not in r.text and "job_offer_country" not in r.text


@pytest.mark.parametrize(("lang", "why"), [("en", "Why this date"), ("zh-CN", "此日期的原因")])
def test_timeline_page_has_a_chart_with_a_text_alternative(
    portal: str, lang: str, why: str
) -> None:
    r = httpx.get(f"{portal}/fit/timeline?{FIT_ANSWERS}", headers={"Accept-Language": lang})
    assert r.status_code == 200, r.text[:500]
    assert '<svg role="img" aria-labelledby="chart-title chart-desc"' in r.text
    assert why in r.text and "2031" in r.text


def test_the_result_page_links_to_both(portal: str) -> None:
    r = httpx.get(f"{portal}/fit/result?{FIT_ANSWERS}")
    assert 'href="/fit/path?' in r.text and 'href="/fit/timeline?' in r.text
