"""An officer's day in a real browser, in English and in Chinese, with axe on every screen
(issue 15): the officer takes the next case from the queue, reviews its criteria, requests
evidence; the applicant answers; the officer refuses against the pre-screen, which four eyes
holds for a supervisor; the supervisor approves it at /officer/approvals; the case shows the
decision and both people on its audit trail. On a 390 px phone the queue needs no sideways
scrolling and breaks no word inside its letters.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy.orm import Session

from talentvisa import demo
from talentvisa.auth.models import Role, User
from talentvisa.cases.service import CaseContext

from .browser import SCREENSHOTS, demo_portal

WORDS = {
    "en": {
        "take": "Take the next eligible case",
        "awaiting": "awaiting evidence",
        "under_review": "under review",
        "pending": "waiting for a supervisor's approval",
        "refused": "refused",
        "approvals": "Decisions waiting for approval",
        "answered": "Your answer was sent to the officer.",
        "eligible": "(eligible)",
    },
    "zh_Hans": {
        "take": "领取下一个符合条件的案件",
        "awaiting": "等待补充材料",
        "under_review": "审核中",
        "pending": "等待主管批准",
        "refused": "已拒绝",
        "approvals": "待批准的决定",
        "answered": "您的答复已发送给审核官。",
        "eligible": "(符合条件)",
    },
}
AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ["violations"]});
  return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""
#: Latin words split over two lines: a word broken inside its letters.
BROKEN_WORDS = """(selector) => {
  const broken = [];
  const walker = document.createTreeWalker(document.querySelector(selector), NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    for (const m of n.data.matchAll(/[A-Za-z0-9]{2,}/g)) {
      const r = document.createRange();
      r.setStart(n, m.index);
      r.setEnd(n, m.index + m[0].length);
      const tops = new Set([...r.getClientRects()].filter(x => x.width > 0)
        .map(x => Math.round(x.top)));
      if (tops.size > 1) broken.push(m[0]);
    }
  }
  return broken;
}"""


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo portal with one more eligible case waiting, so each language takes one."""

    def second_case(s: Session, ctx: CaseContext) -> None:
        applicant = s.query(User).filter_by(email=demo.ACCOUNTS[Role.applicant]).one()
        demo.submitted_application(s, ctx, applicant, "Second graduate")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with demo_portal(tmp_path_factory.mktemp("officer-day"), second_case) as url:
        yield url


def _context(browser: Browser, portal: str, lang: str, **kw: Any) -> BrowserContext:
    locale = "zh-CN" if lang == "zh_Hans" else "en-US"
    # bypass_csp lets the test inject axe; the portal itself allows no injected script.
    return browser.new_context(base_url=portal, locale=locale, bypass_csp=True, **kw)


def _log_in(page: Page, role: Role) -> None:
    page.goto("/login")
    page.fill("#f-email", demo.ACCOUNTS[role])
    page.fill("#f-password", demo.PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.locator("header .who")).to_be_visible()


def _axe_clean(page: Page, axe_source: str, name: str, lang: str) -> None:
    page.add_script_tag(content=axe_source)
    found = page.evaluate(AXE_RUN)
    page.screenshot(path=str(SCREENSHOTS / f"officer-day-{name}-{lang}.png"), full_page=True)
    assert not found, f"{name}: {json.dumps(found, ensure_ascii=False, indent=1)}"


@pytest.mark.parametrize("lang", ["en", "zh_Hans"])
def test_an_officers_day(browser: Browser, portal: str, axe_source: str, lang: str) -> None:
    w = WORDS[lang]
    officer = _context(browser, portal, lang).new_page()
    _log_in(officer, Role.officer)
    officer.goto("/officer")
    _axe_clean(officer, axe_source, "queue", lang)
    officer.click(f"form[action='/officer/take-next'] button:has-text('{w['take']}')")
    expect(officer.locator("h1")).to_contain_text(w["under_review"])
    case_url = officer.url
    app_id = case_url.rstrip("/").split("/")[-1].split("?")[0]
    expect(officer.locator("form[action$='/assign']")).to_have_count(0)  # taken: gone

    # The criteria, each with its pre-screen result beside the box the officer would tick.
    expect(officer.locator("table:has(caption) tbody tr").first).to_be_visible()
    expect(officer.locator("fieldset#f-reasons")).to_contain_text(w["eligible"])
    _axe_clean(officer, axe_source, "case", lang)

    officer.fill("#f-message", "Please upload your degree certificate.")
    officer.locator("input[name=documents]").first.check()
    officer.click("form[action$='/request-evidence'] button")
    expect(officer.locator("h1")).to_contain_text(w["awaiting"])

    applicant = _context(browser, portal, lang).new_page()
    _log_in(applicant, Role.applicant)
    applicant.goto(f"/my/{app_id}")
    applicant.fill("#f-response", "The certificate is attached.")
    applicant.click("form[action$='/respond'] button")
    expect(applicant.locator(".notice.ok")).to_contain_text(w["answered"])
    applicant.context.close()

    # The pre-screen found the case eligible: refusing it overrides the pre-screen, so four
    # eyes holds the decision for a supervisor.
    officer.goto(case_url)
    expect(officer.locator("h1")).to_contain_text(w["under_review"])
    expect(officer.locator("#f-decision option:checked")).to_have_attribute("value", "")
    officer.select_option("#f-decision", "refuse")
    officer.check("input[name=reasons][value=graduate_route]")
    officer.fill("#f-text", "The certificate does not match the university's register.")
    officer.select_option("#f-override_code", index=1)
    officer.click("form[action$='/decide'] button")
    expect(officer.locator("h1")).to_contain_text(w["pending"])

    supervisor = _context(browser, portal, lang).new_page()
    _log_in(supervisor, Role.supervisor)
    supervisor.goto("/officer/approvals")
    expect(supervisor.locator("h1")).to_have_text(w["approvals"])
    _axe_clean(supervisor, axe_source, "approvals", lang)
    supervisor.click(f"a[href='/officer/cases/{app_id}']")
    supervisor.fill("#f-note", "Checked the register myself.")
    supervisor.click("form[action$='/approval'] button[value=yes]")
    expect(supervisor.locator("h1")).to_contain_text(w["refused"])
    supervisor.goto("/admin/settings")
    _axe_clean(supervisor, axe_source, "settings", lang)
    supervisor.context.close()

    officer.goto(case_url)
    expect(officer.locator("h1")).to_contain_text(w["refused"])
    expect(officer.locator("dl.facts").first).to_contain_text(
        "The certificate does not match the university's register."
    )
    trail = officer.locator("ol.timeline")
    expect(trail).to_contain_text("(Demo officer)")
    expect(trail).to_contain_text("(Demo supervisor)")
    officer.context.close()


@pytest.mark.parametrize("lang", ["en", "zh_Hans"])
def test_the_queue_on_a_phone(browser: Browser, portal: str, lang: str) -> None:
    ctx = _context(browser, portal, lang, viewport={"width": 390, "height": 844})
    page = ctx.new_page()
    _log_in(page, Role.supervisor)
    page.goto("/officer?state=all")
    expect(page.locator(".queue tbody tr").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate(BROKEN_WORDS, ".queue") == []
    page.screenshot(path=str(SCREENSHOTS / f"phone-officer-queue-{lang}.png"), full_page=True)
    ctx.close()
