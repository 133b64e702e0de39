"""The portal on 2026-12-07, over real HTTP: the contested H-1B payment and what changes soon."""

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
    data_dir: Path = tmp_path_factory.mktemp("law-portal")
    engine = make_engine(f"sqlite:///{data_dir / 'talentvisa.sqlite3'}")
    migrate.upgrade(engine)
    app = create_app(engine, data_dir, secure_cookies=False, today=lambda: ON)
    try:
        with served(app) as url:
            yield url
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("lang", "contested", "orders"),
    [("en", "contested", "Court orders:"), ("zh-CN", "有争议", "法院裁令：")],
)
def test_fit_result_shows_both_readings_and_the_orders(
    portal: str, lang: str, contested: str, orders: str
) -> None:
    r = httpx.get(f"{portal}/fit/result?{FIT_ANSWERS}", headers={"Accept-Language": lang})
    assert r.status_code == 200
    h1b = r.text[r.text.index('id="p-us-h1b"') :]
    h1b = h1b[: h1b.index("</details>")]
    assert 'class="badge status-contested">' + contested in h1b and orders in h1b
    assert "1:25-cv-13829" in h1b and "3:25-cv-08454" in h1b
    readings = "$100,000 due if the proclamation applies" if lang == "en" else "须缴纳100,000美元"
    assert readings in h1b


@pytest.mark.parametrize(
    ("lang", "word"), [("en", "answers turn unknown"), ("zh-CN", "结果将变为不明")]
)
def test_changes_on_7_december_lists_the_end_of_the_visa_free_list(
    portal: str, lang: str, word: str
) -> None:
    r = httpx.get(f"{portal}/changes", headers={"Accept-Language": lang})
    assert r.status_code == 200
    row = r.text[r.text.index('data-program="cn-visa-free"') :]
    row = row[: row.index("</tr>")]
    assert word in row and ("2026" in row and "31" in row)
