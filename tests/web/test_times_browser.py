"""Issue 15, item 7, in a real browser (Chromium, axe): the status page in the browser's
own time zone with its progress, and the officer's bounded issue form, in both languages."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from talentvisa import demo
from talentvisa.auth.models import Role
from tests.api.fixtures import PROFILE
from tests.cases.test_http_times import approve

LANGS = ("en", "zh_Hans")
AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ["violations"]});
  return r.violations.filter(v => ["serious", "critical"].includes(v.impact))
                     .map(v => ({id: v.id, help: v.help, nodes: v.nodes.length}));
}"""
STATE = {"en": "awaiting evidence", "zh_Hans": "等待补充材料"}
ISSUED = {"en": "visa issued", "zh_Hans": "签证已签发"}


@pytest.fixture
def context(browser: Browser, live: str, lang: str) -> Iterator[BrowserContext]:
    # A viewer in Berlin: the agency (the K visa's) keeps Beijing time.
    ctx = browser.new_context(
        base_url=live,
        locale="zh-CN" if lang == "zh_Hans" else "en-US",
        timezone_id="Europe/Berlin",
        bypass_csp=True,  # lets the test inject axe; the portal itself allows no such script
    )
    yield ctx
    ctx.close()


def _log_in(page: Page, role: Role) -> None:
    page.goto("/login")
    page.fill("#f-email", demo.ACCOUNTS[role])
    page.fill("#f-password", demo.PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.locator("header .who")).to_be_visible()


def _axe_clean(page: Page, axe_source: str) -> None:
    page.add_script_tag(content=axe_source)
    assert page.evaluate(AXE_RUN) == []


@pytest.mark.parametrize("lang", LANGS)
def test_status_page_in_the_browsers_zone(
    context: BrowserContext, axe_source: str, lang: str
) -> None:
    page = context.new_page()
    _log_in(page, Role.applicant)
    page.goto(f"/my?lang={lang}")
    page.locator("tr", has_text=STATE[lang]).locator("a").first.click()
    # portal.js told the server the browser's zone and showed the page again in it.
    expect(page.locator("body")).to_have_attribute("data-zone", "Europe/Berlin")
    expect(page.locator("dl.facts time").first).to_contain_text("(Europe/Berlin)")
    deadline = page.locator("section.panel p.meta").first
    expect(deadline).to_contain_text(re.compile(r"CET \(Europe/Berlin\).*CST \(Asia/Shanghai\)"))
    current = page.locator("ol.progress li[aria-current=step]")
    expect(current).to_have_count(1)
    expect(current).to_contain_text(STATE[lang])
    expect(page.locator("ol.progress li")).to_have_count(8)
    _axe_clean(page, axe_source)


def _approved_r_visa(live: str) -> str:
    """An R visa case the demo officer approved, made over the API."""
    api = httpx.Client(base_url=live, timeout=30)

    def token(email: str, password: str = demo.PASSWORD) -> dict[str, str]:
        r = api.post("/auth/token", json={"email": email, "password": password})
        r.raise_for_status()
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    officer = token(demo.ACCOUNTS[Role.officer])
    applicant = token(demo.ACCOUNTS[Role.applicant])
    app = api.post(
        "/applications", json={"program_id": "cn-r", "profile": PROFILE}, headers=applicant
    ).json()
    case = api.post(
        f"/applications/{app['id']}/submit",
        json={"version": 1},
        headers={**applicant, "Idempotency-Key": f"s-{app['id']}"},
    ).json()
    case = api.post(
        f"/applications/{case['id']}/assign", json={"version": 2}, headers=officer
    ).json()
    case = approve(httpx.Client(base_url=live, headers=officer, timeout=30), case)
    assert case["state"] == "approved", case
    return str(case["id"])


@pytest.mark.parametrize("lang", LANGS)
def test_issue_form_is_bounded_and_refuses_out_of_range(
    context: BrowserContext, live: str, axe_source: str, lang: str
) -> None:
    app_id = _approved_r_visa(live)
    page = context.new_page()
    _log_in(page, Role.officer)
    page.goto(f"/officer/cases/{app_id}?lang={lang}")
    entries = page.locator("#f-entries option")
    expect(entries).to_have_count(1)
    expect(entries).to_have_attribute("value", "multiple")
    validity = page.locator("#f-validity")
    expect(validity).to_have_attribute("min", "60")
    expect(validity).to_have_attribute("max", "120")
    expect(page.locator("#f-stay_days")).to_have_attribute("max", "180")
    _axe_clean(page, axe_source)

    validity.fill("130")
    page.click("form[action$='/issue'] button")
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#f-validity']")).to_be_visible()
    expect(page.locator("#f-validity")).to_have_attribute("aria-invalid", "true")
    _axe_clean(page, axe_source)

    page.fill("#f-validity", "120")
    page.click("form[action$='/issue'] button")
    expect(page.locator("h1")).to_contain_text(ISSUED[lang])
