"""/fit/result over real HTTP: the matrix first, collapsed cards, the share link, and the costs
that hinge on one answer asked inline with their range (issue 14, items 1 and 3)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from talentvisa.rules.loader import builtin_catalog

from .test_browser import FIT_ANSWERS
from .test_guidance_pages import portal

__all__ = ["portal"]
COLUMNS = {
    "en": [
        "Program",
        "Outcome",
        "Cost to you",
        "Cost to an employer",
        "Odds",
        "Job offer needed",
        "Route to PR",
    ],
    "zh-CN": [
        "项目",
        "结果",
        "您需支付的费用",
        "雇主费用",
        "中签概率",
        "是否需要工作邀请",
        "永久居留途径",
    ],
}


def _get(portal: str, query: str, lang: str = "en") -> str:
    r = httpx.get(f"{portal}/fit/result?{query}", headers={"Accept-Language": lang}, timeout=60)
    assert r.status_code == 200, r.text[:500]
    return r.text


def _matrix(html: str) -> str:
    found = re.search(r'<table class="matrix">.*?</table>', html, re.S)
    assert found, "no matrix on the page"
    return found.group(0)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_result_opens_with_the_matrix_and_rows_link_to_collapsed_cards(
    portal: str, lang: str
) -> None:
    html = _get(portal, FIT_ANSWERS, lang)
    table = _matrix(html)
    assert html.index('<table class="matrix">') < html.index('<details class="program-result"')
    heads = re.findall(r'<th scope="col">([^<]+)</th>', table)
    assert heads == COLUMNS[lang]
    anchors = re.findall(r'<a href="#p-([a-z0-9-]+)">', table)
    assert sorted(anchors) == sorted(builtin_catalog())
    cards = re.findall(r'<details class="program-result" id="p-([a-z0-9-]+)"( open)?>', html)
    assert sorted(c for c, _ in cards) == sorted(anchors)
    assert all(not opened for _, opened in cards), "cards are collapsed by default"
    # The matrix's H-1B row says the person's chance and what "eligible" means there.
    h1b = re.search(r'<a href="#p-us-h1b">.*?</tr>', table, re.S)
    assert h1b and "%" in h1b.group(0)


def test_the_share_link_carries_only_the_answers_given(portal: str) -> None:
    html = _get(portal, FIT_ANSWERS + "&german=&funds=")
    link = re.search(r'<a href="([^"]+)" id="share-link">', html)
    assert link
    query = dict(parse_qsl(urlsplit(link.group(1).replace("&amp;", "&")).query))
    assert query == dict(parse_qsl(FIT_ANSWERS))


def _hinges(html: str) -> str:
    found = re.search(r'<section class="hinges".*?</section>', html, re.S)
    assert found, "no costs that depend on answers"
    return found.group(0)


def test_fees_that_hinge_on_an_answer_ask_for_it_and_show_the_range(portal: str) -> None:
    html = _get(portal, FIT_ANSWERS)
    section = _hinges(html)
    # ACWIA: 750 or 1,500 by the employer's size, nothing if exempt; the engine's own range.
    acwia = re.search(r"<li>ACWIA training fee[^<]*:([^<]*)<br>", section)
    assert acwia and "$0.00 to $1,500.00" in acwia.group(1), section[:2000]
    # the $100,000 payment: due or not by where the worker is
    assert "Proclamation payment" in section and "Country where you live now" in section
    form = re.search(
        r'<form method="get" action="/fit/result" class="ask".*?</form>', section, re.S
    )
    assert form
    asked = set(re.findall(r'<(?:select|input)[^>]* name="([a-z_]+)"', form.group(0)))
    assert {"employer_fte", "employer_acwia_exempt", "petition_type", "residence"} <= asked
    hidden = dict(
        re.findall(r'<input type="hidden" name="([a-z_0-9]+)" value="([^"]*)">', form.group(0))
    )
    assert hidden == dict(parse_qsl(FIT_ANSWERS))  # the answers given travel with the form
    # The matrix shows the employer's total as a range, not "unknown".
    row = re.search(r'<a href="#p-us-h1b">.*?</tr>', _matrix(html), re.S)
    assert row and " to " in row.group(0)


def test_answering_inline_settles_the_fee(portal: str) -> None:
    answered = "&employer_fte=1800&employer_acwia_exempt=no&petition_type=new_employment"
    html = _get(portal, FIT_ANSWERS + answered)
    section = _hinges(html)
    assert "ACWIA" not in section  # now known: 1,500
    # given now, it travels hidden and is no longer asked
    assert '<input type="hidden" name="employer_fte" value="1800">' in section
    assert not re.search(r'<(?:select|input) [^>]*id="f-employer_fte"', section)
    small = _get(portal, FIT_ANSWERS + answered.replace("1800", "20"))
    assert "ACWIA" not in _hinges(small)
    big_row = re.search(r'<a href="#p-us-h1b">.*?</tr>', _matrix(html), re.S)
    small_row = re.search(r'<a href="#p-us-h1b">.*?</tr>', _matrix(small), re.S)
    assert big_row and small_row and big_row.group(0) != small_row.group(0)
