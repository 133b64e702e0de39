"""'What changes soon' (/changes) and the legal-status badges, in a real browser, both languages.

The live portal's today is 2026-03-20 (tests/api/fixtures.py TODAY), so the window of 180
days holds Korea's GNI change of 1 Apr 2026 and the H-1B payment turning contested on 8 Jun 2026.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from .browser import SCREENSHOTS

WORDS = {
    "en": {
        "nav": "What changes soon",
        "contested": "contested",
        "proposed": "proposed, not law",
        "gni": "GNI per capita",
        "pending": "Pending:",
    },
    "zh_Hans": {
        "nav": "近期变化",
        "contested": "有争议",
        "proposed": "拟议，非法律",
        "gni": "人均国民总收入",
        "pending": "待决：",
    },
}


@pytest.mark.parametrize("lang", ["en", "zh_Hans"])
def test_changes_page_and_status_badges(browser: Browser, live: str, lang: str) -> None:
    w: dict[str, Any] = WORDS[lang]
    ctx = browser.new_context(base_url=live, locale="zh-CN" if lang == "zh_Hans" else "en-US")
    page = ctx.new_page()
    page.goto("/programs")
    page.click(f"nav a[href='/changes']:has-text('{w['nav']}')")
    expect(page.locator("h1")).to_have_text(w["nav"])
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans" if lang == "zh_Hans" else "en")

    became = page.locator("#changes-dated tr[data-program='us-h1b'][data-kind='contested']")
    expect(became).to_have_count(1)
    expect(became).to_contain_text(w["contested"])
    expect(became).to_contain_text("2026")
    korea = page.locator("#changes-dated tr[data-program='kr-top-tier']").first
    expect(korea).to_contain_text(w["gni"])

    pending = page.locator("#changes-pending li[data-program='us-h1b'][data-kind='contested']")
    expect(pending).to_contain_text(w["pending"])
    proposed = page.locator("#changes-pending li[data-program='us-h1b'][data-kind='proposed']")
    expect(proposed).to_contain_text(w["proposed"])
    expect(proposed).to_contain_text("USCIS-2026-0298")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"changes-{lang}.png"), full_page=True)

    page.goto("/programs/us-h1b")
    badges = page.locator("#history .status-contested, .param .status-contested")
    expect(badges.first).to_have_text(w["contested"])
    assert badges.count() == 2  # the two contested periods of the payment
    expect(page.locator(".orders").first).to_contain_text("1:25-cv-13829")
    expect(page.locator(".scenarios .status-proposed")).to_have_text(w["proposed"])
    ctx.close()
