"""The employer's CSV upload in a real browser, both languages: a bad row, then a good file."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from talentvisa import demo
from talentvisa.auth.models import Role
from tests.h1b.test_http_bulk import HEADER, row

from .test_browser import log_in, new

WORDS = {"en": ("Line 3: passport_number", "2 registrations"), "zh_Hans": ("第 3 行：", "2 项登记")}


@pytest.mark.parametrize("lang", ["en", "zh_Hans"])
def test_an_employer_uploads_a_file_with_a_bad_row_then_a_good_one(
    browser: Browser, live: str, lang: str
) -> None:
    bad_line, done = WORDS[lang]
    season = "FY2051" if lang == "en" else "FY2052"
    admin = new(browser, live).new_page()
    log_in(admin, demo.ACCOUNTS[Role.admin])
    admin.goto("/admin/seasons")
    admin.fill("#f-season", season)
    admin.fill("#f-regular_target", "1")
    admin.fill("#f-advanced_target", "0")
    admin.click("form[action='/admin/seasons'] button")
    admin.click(f"form[action='/admin/seasons/{season}/open'] button")
    admin.context.close()

    employer = new(browser, live, lang).new_page()
    log_in(employer, demo.ACCOUNTS[Role.employer])
    employer.goto(f"/employer/seasons/{season}")
    prefix = "U" if lang == "en" else "Z"
    bad = [row(f"{prefix}0000001"), row("no good!"), row(f"{prefix}0000003")]
    upload = employer.locator(f"form[action='/employer/seasons/{season}/upload']")
    upload.locator("#f-file").set_input_files(
        files=[{"name": "r.csv", "mimeType": "text/csv", "buffer": _csv(bad)}]
    )
    upload.locator("button").click()
    expect(employer.locator("#upload-problems li")).to_have_count(1)
    expect(employer.locator("#upload-problems")).to_contain_text(bad_line)
    expect(employer.locator("tr[data-reg]")).to_have_count(0)

    good = [row(f"{prefix}0000001"), row(f"{prefix}0000002", 3, True)]
    upload.locator("#f-file").set_input_files(
        files=[{"name": "r.csv", "mimeType": "text/csv", "buffer": _csv(good)}]
    )
    upload.locator("button").click()
    expect(employer.locator("#upload-done")).to_contain_text(done)
    expect(employer.locator("tr[data-reg]")).to_have_count(2)
    employer.context.close()


def _csv(lines: list[str]) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()
