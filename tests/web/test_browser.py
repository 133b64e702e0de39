"""The portal in a real browser: the journeys, both languages, axe, a phone, screenshots.

The tests of this module share one live portal with demo data and run in order: the
officer works the case the applicant submitted before. Screenshots of each main page, in
English and Chinese, go to artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from talentvisa import demo
from talentvisa.auth.models import Role
from talentvisa.rules.loader import builtin_catalog
from tests.api.fixtures import PDF

from .browser import SCREENSHOTS
from .conftest import PASSWORD

LANGS = ("en", "zh_Hans")
PROGRAMS = len(builtin_catalog())
HTML_LANG = {"en": "en", "zh_Hans": "zh-Hans"}
FIT_ANSWERS = (
    "dob=2000-03-14&nationality=IN&degree=master&field=computer_science&degree_country=IN"
    "&rank=211&experience=2&offer_country=US&salary=118000&currency=USD&wage_level=2"
)


@pytest.fixture(scope="module")
def state() -> dict[str, Any]:
    """What one journey leaves for the next (the application, the applicant's cookies)."""
    return {}


@pytest.fixture(scope="module", autouse=True)
def screenshots() -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)


def shot(page: Page, name: str, lang: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{lang}.png"), full_page=True)


def new(browser: Browser, live: str, lang: str = "en", **kw: Any) -> BrowserContext:
    locale = "zh-CN" if lang == "zh_Hans" else "en-US"
    return browser.new_context(base_url=live, locale=locale, **kw)


def log_in(page: Page, email: str, password: str = demo.PASSWORD) -> None:
    page.goto("/login")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("main form button[type=submit]")
    expect(page.locator("header .who")).to_be_visible()


@pytest.fixture
def anonymous(browser: Browser, live: str) -> Iterator[Page]:
    ctx = new(browser, live)
    yield ctx.new_page()
    ctx.close()


# --- public ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_compare_without_an_account(browser: Browser, live: str, lang: str) -> None:
    ctx = new(browser, live, lang, accept_downloads=True)
    page = ctx.new_page()
    page.goto("/")  # the language comes from the browser's Accept-Language
    expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[lang])
    page.locator("main a[href='/fit']").first.click()
    page.fill("#f-dob", "2000-03-14")
    # Countries and currencies are chosen by name in the page's language (CLDR, via Babel),
    # so a typed "Germany" can no longer become GE (Georgia).
    germany, georgia = ("Germany", "Georgia") if lang == "en" else ("德国", "格鲁吉亚")
    expect(page.locator("#f-nationality option[value='DE']")).to_have_text(germany)
    expect(page.locator("#f-residence option[value='GE']")).to_have_text(georgia)
    euro = "Euro (EUR)" if lang == "en" else "欧元 (EUR)"
    expect(page.locator("#f-funds_currency option[value='EUR']")).to_have_text(euro)
    expect(page.locator("#f-nationality option")).to_have_count(250)  # 249 and "don't know"
    # "None" and "no job offer" are answers of their own, apart from "I don't know".
    expect(page.locator("#f-german option[value='none']")).to_have_count(1)
    expect(page.locator("#f-degree option[value='none']")).to_have_count(1)
    expect(page.locator("#f-has_offer option[value='no']")).to_have_count(1)
    page.select_option("#f-nationality", "IN")
    page.select_option("#f-degree", "master")
    page.select_option("#f-field", "computer_science")
    page.select_option("#f-degree_country", "IN")
    page.fill("#f-rank", "211")
    page.fill("#f-experience", "2")
    page.select_option("#f-has_offer", "yes")
    page.select_option("#f-offer_country", "US")
    page.fill("#f-salary", "118000")
    page.select_option("#f-currency", "USD")
    page.select_option("#f-wage_level", "2")
    # The optional step: closed until opened; its answers reach the Canadian score.
    expect(page.locator("#f-clb_en_r")).to_be_hidden()
    page.click("#more-canada summary")
    page.select_option("#f-ca_first", "en")
    for ability, level in zip("rwls", (9, 8, 9, 8), strict=True):
        page.fill(f"#f-clb_en_{ability}", str(level))
    page.click("form[action='/fit/result'] button[type=submit]")
    expect(page.locator("h1")).to_have_text("Your comparison" if lang == "en" else "比较结果")
    expect(page.locator(".program-result")).to_have_count(PROGRAMS)
    h1b = page.locator("#p-us-h1b")
    expect(h1b).to_contain_text("Cost to the employer" if lang == "en" else "雇主费用")
    expect(h1b).to_contain_text("lottery" if lang == "en" else "抽签")
    crs = page.locator("#p-ca-express-entry .points-result")
    expect(crs).to_contain_text("Comprehensive Ranking System" if lang == "en" else "综合排名系统")

    # Someone else opens the shared link and sees the same answer.
    link = page.get_attribute("#share-link", "href")
    assert link and "rank=211" in link
    other = new(browser, live, lang).new_page()
    other.goto(link)
    expect(other.locator(".program-result")).to_have_count(PROGRAMS)
    expect(other.locator("#p-cn-k .outcome").first).to_have_text(
        page.locator("#p-cn-k .outcome").first.inner_text()
    )
    other.context.close()

    with page.expect_download() as download:
        page.click("a[download]")
    data = json.loads(download.value.path().read_text("utf-8"))
    assert set(data["summary"]) == {a["program_id"] for a in data["assessments"]}
    assert data["answers"]["nationality"] == "IN"

    # The switch changes the language, and the choice is remembered on the next page.
    switch_to = "zh_Hans" if lang == "en" else "en"
    page.click(f"header .langs a[hreflang='{HTML_LANG[switch_to]}']")
    expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[switch_to])
    expect(page.locator(".program-result")).to_have_count(PROGRAMS)
    page.goto("/programs")
    expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[switch_to])
    ctx.close()


def test_errors_are_summarised_and_focused_and_keyboard_works(anonymous: Page) -> None:
    page = anonymous
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    expect(skip).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.goto("/fit/result?dob=not-a-date&nationality=India")
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    summary.locator("a[href='#f-dob']").click()
    expect(page.locator("#f-dob")).to_be_focused()
    expect(page.locator("#f-dob")).to_have_attribute("aria-invalid", "true")


# --- the applicant, the officer, the issued visa -----------------------------------------


def test_applicant_signs_up_and_submits(
    browser: Browser, live: str, state: dict[str, Any], tmp_path: Any
) -> None:
    ctx = new(browser, live)
    page = ctx.new_page()
    page.goto("/signup")
    page.click("main form button[type=submit]")  # nothing filled in
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#f-email-error")).to_be_visible()
    page.fill("#f-display_name", "Ana Example")
    email = f"ana-{secrets.token_hex(4)}@example.org"
    page.fill("#f-email", email)
    page.fill("#f-password", PASSWORD)
    page.click("main form button[type=submit]")
    # No session yet: the same log-in page as for a taken email, with the address filled in.
    expect(page.locator(".notice.ok")).to_contain_text("your account is ready")
    expect(page.locator("#f-email")).to_have_value(email)
    page.fill("#f-password", PASSWORD)
    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/my$"))
    page.click("main a[href='/my/new']")
    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/my/[0-9a-f]{32}/you$"))
    app_id = page.url.split("/")[-2]
    state["app_id"] = app_id

    # What submitting requires is marked required from the first step, never "(optional)".
    for required in ("dob", "nationality"):
        expect(page.locator(f"#f-{required}")).to_have_attribute("required", "")
        expect(page.locator(f"label[for=f-{required}] .optional")).to_have_count(0)
    expect(page.locator("label[for=f-name] .optional")).to_have_count(1)
    page.fill("#f-name", "Ana Example")
    page.fill("#f-dob", "1999-05-01")
    page.select_option("#f-nationality", "BR")
    page.select_option("#f-passport", "ordinary")
    page.click("button[value=next]")
    expect(page.locator(".notice.ok")).to_be_visible()  # the draft was saved
    page.select_option("#f-degree", "master")
    page.select_option("#f-field", "computer_science")
    page.fill("#f-cip", "11.0701")
    page.fill("#f-institution", "Universidade de São Paulo")
    page.select_option("#f-institution_country", "BR")
    page.fill("#f-rank", "92")
    page.click("button[value=next]")
    page.select_option("#f-job_kind", "research")
    page.fill("#f-years", "2")
    page.select_option("#f-academic", "yes")
    page.click("button[value=next]")
    expect(page).to_have_url(re.compile(r"/documents(\?saved=1)?$"))

    # The upload goes through XMLHttpRequest (with progress) and lands back on the page.
    pdf = tmp_path / "degree.pdf"
    pdf.write_bytes(PDF + b"%" * 300_000)
    uploads: list[str] = []
    page.on("request", lambda r: uploads.append(r.resource_type) if "/documents" in r.url else None)
    page.select_option("#f-kind", "degree_certificate")
    page.set_input_files("#f-file", str(pdf))
    page.click("form[data-upload] button[type=submit]")
    expect(page.locator("main")).to_contain_text("degree.pdf")
    assert "xhr" in uploads
    page.click(f"a[href='/my/{app_id}/review']")
    expect(page.locator("main")).to_contain_text("Universidade de São Paulo")
    page.locator("form[action$='/submit'] button").dblclick()  # one case, however many clicks
    expect(page).to_have_url(re.compile(rf"/my/{app_id}\?done=submitted$"))
    expect(page.locator("h1")).to_contain_text("submitted")
    page.goto("/my")
    expect(page.locator(f"a[href='/my/{app_id}']")).to_have_count(1)
    expect(page.locator("tbody tr")).to_have_count(1)
    state["applicant"] = ctx.storage_state()
    ctx.close()


def test_officer_requests_evidence_then_approves_and_the_applicant_sees_the_visa(
    browser: Browser, live: str, state: dict[str, Any]
) -> None:
    app_id = state["app_id"]
    officer = new(browser, live, "zh_Hans").new_page()
    log_in(officer, demo.ACCOUNTS[Role.officer])
    officer.goto("/officer")
    officer.select_option("#f-state", "submitted")
    officer.select_option("#f-sort", "-submitted_at")
    officer.click("form.filters button")
    officer.click(f"a[href='/officer/cases/{app_id}']")
    expect(officer.locator("main")).to_contain_text("逐项条件")  # the pre-screen trace
    expect(officer.locator("main")).to_contain_text("degree.pdf")
    officer.click(f"form[action$='/{app_id}/assign'] button")
    officer.fill("#f-message", "Please upload your degree transcript.")
    officer.click("form[action$='/request-evidence'] button")
    expect(officer.locator("h1")).to_contain_text("等待补充材料")

    applicant = browser.new_context(base_url=live, storage_state=state["applicant"]).new_page()
    applicant.goto(f"/my/{app_id}")
    expect(applicant.locator("main")).to_contain_text("Please upload your degree transcript.")
    applicant.fill("#f-response", "The transcript is attached.")
    applicant.click("form[action$='/respond'] button")
    expect(applicant.locator(".notice.ok")).to_be_visible()

    officer.reload()
    officer.select_option("#f-decision", "approve")
    officer.check("input[name=reasons][value=graduate_route]")
    officer.fill("#f-text", "Degree and transcript verified with the university.")
    # Under the demo agency's settings the pre-screen found her eligible: no override needed.
    officer.click("form[action$='/decide'] button")
    expect(officer.locator("h1")).to_contain_text("已批准")
    officer.fill("#f-validity", "60")
    officer.select_option("#f-validity_unit", "months")
    officer.select_option("#f-entries", "multiple")
    officer.fill("#f-stay_days", "180")
    officer.click("form[action$='/issue'] button")
    expect(officer.locator("h1")).to_contain_text("签证已签发")
    officer.context.close()

    for lang in LANGS:
        applicant.goto(f"/my/{app_id}?lang={lang}")
        expect(applicant.locator("#visa-number")).to_have_text(re.compile(r"^K2026[0-9A-F]{8}$"))
        # 14 events; the consecutive draft saves show as one entry with their count.
        expect(applicant.locator(".timeline li")).to_have_count(12)
        expect(applicant.locator(".timeline li").nth(1)).to_contain_text(
            "(3 times)" if lang == "en" else "(3次)"
        )
        shot(applicant, "applicant-visa-issued", lang)
    # The grant notice and the decision letter, downloaded from the links as the PDF kept.
    for kind in ("grant", "decision"):
        link = applicant.locator(f"a[data-letter={kind}]")
        with applicant.expect_download() as got:
            link.click()
        content = Path(got.value.path()).read_bytes()
        digest = hashlib.sha256(content).hexdigest()
        assert content.startswith(b"%PDF-")
        expect(link.locator("xpath=..").locator(".hash")).to_have_text(digest)
    applicant.context.close()


# --- the employer and the draw -------------------------------------------------------------


def test_employer_registers_and_sees_the_draw(browser: Browser, live: str) -> None:
    admin = new(browser, live).new_page()
    log_in(admin, demo.ACCOUNTS[Role.admin])
    admin.goto("/admin/seasons")
    admin.fill("#f-season", "FY2031")
    admin.fill("#f-regular_target", "1")
    admin.fill("#f-advanced_target", "0")
    admin.click("form[action='/admin/seasons'] button")
    admin.click("form[action='/admin/seasons/FY2031/open'] button")
    expect(admin.locator("#s-FY2031")).to_contain_text("open for registrations")

    employer = new(browser, live).new_page()
    log_in(employer, demo.ACCOUNTS[Role.employer])
    employer.click("a[href='/employer/seasons/FY2031']")
    commitment = employer.locator("#commitment").inner_text()
    employer.fill("#f-family_name", "Okafor")
    employer.fill("#f-given_name", "Chidi")
    employer.fill("#f-date_of_birth", "1997-08-09")
    employer.fill("#f-passport_country", "NG")
    employer.fill("#f-passport_number", "A12345678")
    employer.select_option("#f-wage_level", "3")
    employer.fill("#f-soc_code", "15-1252")
    employer.fill("#f-worksite", "Seattle, WA")
    employer.select_option("#f-us_advanced_degree", "no")
    employer.click("form[action$='/register'] button")
    expect(employer.locator(".notice.ok")).to_be_visible()
    expect(employer.locator(".reg-status")).to_have_text(["registered"])

    admin.click("form[action='/admin/seasons/FY2031/close'] button")
    admin.click("form[action='/admin/seasons/FY2031/draw'] button")
    expect(admin.locator("#s-FY2031")).to_contain_text("drawn")
    admin.context.close()

    for lang in LANGS:
        employer.goto(f"/employer/seasons/FY2031?lang={lang}")
        expect(employer.locator(".reg-status")).to_have_text(
            ["selected" if lang == "en" else "已抽中"]
        )
        expect(employer.locator("#verify-command")).to_contain_text(
            f"talentvisa lottery verify registrations.csv --reveal reveal.json "
            f"--selected selected.csv --commitment {commitment}"
        )
        shot(employer, "employer-season-drawn", lang)
    employer.context.close()


# --- accessibility, phones, screenshots ------------------------------------------------------

PUBLIC = {
    "home": "/",
    "programs": "/programs",
    "program": "/programs/cn-k",
    "fit-form": "/fit",
    # every section of the optional step open (a section with an answer shows open)
    "fit-form-more": "/fit?ca_class=yes&de_basic=yes&university=MIT&kr_category=yes"
    "&permanent=yes&months_here=1",
    "program-points": "/programs/ca-express-entry",
    "fit-result": f"/fit/result?{FIT_ANSWERS}",
    "fit-errors": "/fit/result?dob=not-a-date&rank=x",
    "login": "/login",
    "signup": "/signup",
}
AS = {
    Role.applicant: {"my-applications": "/my", "my-status": "@status", "my-step": "@step"},
    Role.officer: {"officer-queue": "/officer", "officer-case": "@case"},
    Role.employer: {"employer-seasons": "/employer", "employer-season": "/employer/seasons/FY2028"},
    Role.admin: {"admin-seasons": "/admin/seasons"},
}


def _resolve(page: Page, path: str) -> str:
    """Pages of demo cases, found the way a user finds them: by following the links."""
    if path == "@case":
        page.goto("/officer")
        return page.locator("tbody a").first.get_attribute("href") or "/officer"
    if path in ("@status", "@step"):
        page.goto("/my")
        rows = page.locator("tbody tr")
        for i in range(rows.count()):
            href = rows.nth(i).locator("a").get_attribute("href") or ""
            draft = "draft" in rows.nth(i).inner_text().lower()
            if path == "@step" and draft:
                return href + "/you"
            if path == "@status" and "evidence" in rows.nth(i).inner_text().lower():
                return href
    return path


def pages_of(browser: Browser, live: str, **kw: Any) -> Iterator[tuple[str, Page, str]]:
    """(name, page, path) for every main page, logged in as the role that sees it."""
    ctx = new(browser, live, **kw)
    page = ctx.new_page()
    for name, path in PUBLIC.items():
        yield name, page, path
    ctx.close()
    for role, paths in AS.items():
        ctx = new(browser, live, **kw)
        page = ctx.new_page()
        log_in(page, demo.ACCOUNTS[role])
        for name, path in paths.items():
            yield name, page, _resolve(page, path)
        ctx.close()


AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ["violations"]});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                 nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""


PHONE = {"width": 390, "height": 844}


def serious_violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    """axe's serious and critical findings on the page as it is now."""
    page.add_script_tag(content=axe_source)
    return [v for v in page.evaluate(AXE_RUN) if v["impact"] in ("serious", "critical")]


def phone_width(page: Page) -> int:
    """The page's width on a 390 px phone: more than 390 means sideways scrolling."""
    page.set_viewport_size(PHONE)
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


@pytest.mark.parametrize("lang", LANGS)
def test_main_pages_are_accessible_and_fit_a_phone(
    browser: Browser, live: str, axe_source: str, lang: str
) -> None:
    """axe finds nothing serious or critical, and a 390 px wide phone needs no sideways
    scrolling, on every main page. Each page is shot on a desktop and on the phone."""
    violations, overflowing = {}, {}
    # bypass_csp lets the test inject axe; the portal itself allows no injected script.
    for name, page, path in pages_of(browser, live, bypass_csp=True):
        sep = "&" if "?" in path else "?"
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{path}{sep}lang={lang}")
        expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[lang])
        shot(page, name, lang)
        found = serious_violations(page, axe_source)
        if found:
            violations[name] = found
        width = phone_width(page)
        if width > PHONE["width"]:
            overflowing[name] = width
        page.screenshot(path=str(SCREENSHOTS / f"phone-{name}-{lang}.png"))
    assert not violations, json.dumps(violations, indent=1, ensure_ascii=False)
    assert not overflowing, overflowing
