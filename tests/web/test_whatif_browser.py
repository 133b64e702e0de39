"""/what-if in a real browser: axe finds nothing serious, and a phone needs no sideways scroll."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, expect

from .browser import SCREENSHOTS

AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ["violations"]});
  return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
                     .map(v => ({id: v.id, help: v.help}));
}"""


@pytest.mark.parametrize(("lang", "html_lang"), [("en", "en"), ("zh_Hans", "zh-Hans")])
def test_what_if_is_accessible_and_its_commands_wrap_on_a_phone(
    browser: Browser, live: str, axe_source: str, lang: str, html_lang: str
) -> None:
    # bypass_csp lets the test inject axe; the portal itself allows no injected script.
    ctx = browser.new_context(
        base_url=live, bypass_csp=True, viewport={"width": 390, "height": 844}
    )
    page = ctx.new_page()
    page.goto(f"/what-if?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    expect(page.locator("pre.command")).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # A figure is never broken across lines: the table scrolls inside its frame instead.
    lines = page.locator("#whatif-country td").evaluate_all(
        "cells => cells.map(c => { const r = document.createRange(); r.selectNodeContents(c);"
        " return r.getClientRects().length; })"
    )
    assert lines and set(lines) == {1}
    command = page.locator("pre.command").nth(1)
    assert command.evaluate("e => getComputedStyle(e).whiteSpace") == "pre-wrap"
    assert command.evaluate("e => e.getBoundingClientRect().height") > 40  # wrapped lines
    assert page.locator("#whatif-chart").evaluate("e => e.naturalWidth") == 800
    page.add_script_tag(content=axe_source)
    violations = page.evaluate(AXE_RUN)
    assert not violations, json.dumps(violations, ensure_ascii=False)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"phone-what-if-{lang}.png"), full_page=True)
    ctx.close()
