"""A non-K application in a real browser, in Chinese: pick the program, answer its own
questions, see its documents."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from talentvisa import demo
from talentvisa.auth.models import Role

from .test_browser import log_in, new


def test_an_opportunity_card_application_asks_its_questions_and_documents(
    browser: Browser, live: str
) -> None:
    ctx = new(browser, live, "zh_Hans")
    page = ctx.new_page()
    log_in(page, demo.ACCOUNTS[Role.applicant])
    page.goto("/my/new")
    page.select_option("#f-program", "de-opportunity-card")
    expect(page.locator("#f-program option:checked")).to_have_text("德国机会卡（Chancenkarte）")
    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/my/[0-9a-f]{32}/you$"))
    app_id = page.url.split("/")[-2]
    page.click(f"nav a[href='/my/{app_id}/program']")
    expect(page.locator("h1")).to_contain_text("本项目的问题")
    expect(page.locator("label[for=f-de_recognition]")).to_contain_text("德国")
    page.select_option("#f-de_recognition", "full")
    page.fill("#f-de_exp5", "9")  # over the declared bound of 5 years
    page.click("button[value=next]")
    expect(page.locator("#f-de_exp5-error")).to_be_visible()
    expect(page.locator("#f-de_recognition")).to_have_value("full")  # kept while corrected
    page.fill("#f-de_exp5", "3")
    page.click("button[value=next]")
    expect(page).to_have_url(re.compile(rf"/my/{app_id}/documents\?saved=1$"))
    expect(page.locator("main")).to_contain_text("语言证书")
    page.goto(f"/my/{app_id}/review")
    expect(page.locator("main")).to_contain_text("完全认可")
    ctx.close()
