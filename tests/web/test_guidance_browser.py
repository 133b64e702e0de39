"""The comparison's matrix, the path and the timeline in a real browser (Debian's Chromium),
in English and Chinese: axe clean, keyboard-operable cards, and a 390 px phone that needs no
sideways scrolling and breaks no word mid-letter."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Browser, expect

from .browser import SCREENSHOTS
from .test_browser import (
    FIT_ANSWERS,
    HTML_LANG,
    LANGS,
    PHONE,
    new,
    phone_width,
    serious_violations,
)

PAGES = {
    "result": f"/fit/result?{FIT_ANSWERS}",
    "path": f"/fit/path?{FIT_ANSWERS}",
    "timeline": f"/fit/timeline?{FIT_ANSWERS}",
}
#: Latin words (and numbers) laid out on more than one line, i.e. broken mid-word; text
#: hidden for screen readers only (1 px wide) is not laid out for reading and is skipped.
BROKEN_WORDS = """() => {
  const out = [];
  const walk = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
  const shown = el => { for (; el; el = el.parentElement) {
    if (el.getBoundingClientRect().width <= 1) { return false; } } return true; };
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    if (!shown(node.parentElement)) { continue; }  // visually hidden (the phone's headers)
    for (const m of node.data.matchAll(/[A-Za-z0-9][A-Za-z0-9'’.,]*[A-Za-z0-9]/g)) {
      const r = document.createRange();
      r.setStart(node, m.index);
      r.setEnd(node, m.index + m[0].length);
      const rects = [...r.getClientRects()].filter(x => x.width > 0);
      const lines = new Set(rects.map(x => Math.round(x.top)));
      if (lines.size > 1) { out.push(m[0]); }
    }
  }
  return out.slice(0, 10);
}"""


@pytest.mark.parametrize("lang", LANGS)
def test_the_matrix_links_to_collapsed_cards_that_the_keyboard_opens(
    browser: Browser, live: str, lang: str
) -> None:
    ctx = new(browser, live, lang)
    page = ctx.new_page()
    page.goto(PAGES["result"])
    expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[lang])
    matrix = page.locator("table.matrix")
    expect(matrix).to_be_visible()
    expect(matrix.locator("thead th")).to_have_count(7)
    cards = page.locator("details.program-result")
    expect(cards).to_have_count(matrix.locator("tbody tr").count())
    expect(page.locator("details.program-result[open]")).to_have_count(0)
    h1b = page.locator("#p-us-h1b")
    expect(h1b.locator("dl")).to_be_hidden()
    # a row's link opens its card
    matrix.locator("a[href='#p-us-h1b']").click()
    expect(h1b).to_have_attribute("open", "")
    expect(h1b.locator("dl")).to_be_visible()
    # the keyboard: a card's summary takes focus and Enter toggles it
    summary = page.locator("#p-de-blue-card > summary")
    summary.focus()
    expect(summary).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#p-de-blue-card")).to_have_attribute("open", "")
    page.keyboard.press("Enter")
    expect(page.locator("#p-de-blue-card")).not_to_have_attribute("open", "")
    # a cost asked inline: the answer comes back with the others, and the fee is settled
    page.locator("form.ask #f-employer_fte").fill("1800")
    page.locator("form.ask #f-employer_acwia_exempt").select_option("no")
    page.locator("form.ask #f-petition_type").select_option("new_employment")
    page.locator("form.ask button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"rank=211.*employer_fte=1800"))
    expect(page.locator("section.hinges")).not_to_contain_text("ACWIA")
    ctx.close()


@pytest.mark.parametrize("lang", LANGS)
def test_result_path_and_timeline_are_accessible_and_fit_a_phone(
    browser: Browser, live: str, axe_source: str, lang: str
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    ctx = new(browser, live, lang, bypass_csp=True)
    page = ctx.new_page()
    violations, overflowing, broken = {}, {}, {}
    for name, path in PAGES.items():
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[lang])
        if name == "result":  # with a card open, its contents are checked too
            page.locator("table.matrix a[href='#p-us-h1b']").click()
        if found := serious_violations(page, axe_source):
            violations[name] = found
        if (width := phone_width(page)) > PHONE["width"]:
            overflowing[name] = width
        if words := page.evaluate(BROKEN_WORDS):
            broken[name] = words
        page.screenshot(path=str(SCREENSHOTS / f"phone-fit-{name}-{lang}.png"), full_page=True)
    ctx.close()
    assert not violations, json.dumps(violations, indent=1, ensure_ascii=False)
    assert not overflowing, overflowing
    assert not broken, broken
