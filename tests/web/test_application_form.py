"""The portal's application form for a program other than the K visa: its picker, its own
questions (from its fact declarations) and its documents, on both databases."""

from __future__ import annotations

import html

from talentvisa.auth.models import Role

from .conftest import Server, Visitor, csrf
from .test_form_inputs import post_step, stored
from .test_pages import account


def applicant(server: Server, lang: str = "en") -> Visitor:
    v = Visitor(server.url, lang)
    v.login(account(server, Role.applicant))
    return v


def test_the_picker_offers_the_programs_taking_individual_applications_in_the_page_language(
    server: Server,
) -> None:
    v = applicant(server)
    page = v.get("/my/new").text
    assert '<option value="de-blue-card">Germany EU Blue Card</option>' in page
    assert '<option value="cn-k" selected>' in page  # the K visa stays the default
    assert 'value="us-h1b"' not in page and 'value="cn-visa-free"' not in page
    zh = v.get("/my/new?lang=zh_Hans&program=de-blue-card").text
    assert '<option value="de-blue-card" selected>德国欧盟蓝卡</option>' in zh


def test_a_blue_card_form_asks_its_own_questions_and_lists_its_documents(server: Server) -> None:
    v = applicant(server)
    r = v.submit("/my/new", "/my/new", {"program": "de-blue-card"})
    assert r.url.path.endswith("/you"), r.url
    app_id = r.url.path.split("/")[2]
    first = r.text
    assert "Germany EU Blue Card: About you" in html.unescape(first)
    steps = [f'href="/my/{app_id}/{s}"' for s in ("you", "work", "program", "documents")]
    assert all(s in first for s in steps)

    own = v.get(f"/my/{app_id}/program").text
    for question in (
        "Is the job offered in a shortage occupation?",
        "Is the job offered for an IT specialist?",
        'name="salary"',
        'name="currency"',
    ):
        assert question in own, question
    assert 'name="wage_level"' not in own  # an H-1B question, not read by the Blue Card

    bad = post_step(v, app_id, "program", {"salary": "lots"})
    assert bad.status_code == 400 and 'id="f-salary-error"' in bad.text
    assert "job_offer" not in stored(server, app_id)
    saved = post_step(
        v,
        app_id,
        "program",
        {
            "has_offer": "yes",
            "offer_country": "DE",
            "salary": "60000",
            "currency": "EUR",
            "offer_shortage": "no",
            "go": "next",
        },
    )
    assert saved.url.path.endswith("/documents"), saved.url
    profile = stored(server, app_id)
    assert profile["has_job_offer"] is True
    assert profile["job_offer"] == {
        "country": "DE",
        "annual_salary": 60000,
        "currency": "EUR",
        "shortage_occupation": False,
    }
    docs = saved.text
    assert "Employment contract or binding job offer stating the gross annual salary" in docs
    assert '<option value="contract">' in docs and "degree_certificate" not in docs
    review = v.get(f"/my/{app_id}/review").text
    assert "Is the job offered in a shortage occupation?" in review and "60000" in review


def test_a_program_without_individual_intake_is_refused_and_nothing_is_created(
    server: Server,
) -> None:
    v = applicant(server)
    page = v.get("/my/new").text
    r = v.request("POST", "/my/new", data={"csrf_token": csrf(page), "program": "us-h1b"})
    assert r.status_code == 422 and 'id="f-program-error"' in r.text
    assert "<td>" not in v.get("/my").text  # no application listed


def test_the_k_visa_form_keeps_its_five_steps(server: Server) -> None:
    v = applicant(server)
    r = v.submit("/my/new", "/my/new", {})
    app_id = r.url.path.split("/")[2]
    assert f'href="/my/{app_id}/program"' not in r.text
    assert v.get(f"/my/{app_id}/program").status_code == 404


def test_a_comparison_links_each_open_program_to_its_application(server: Server) -> None:
    v = Visitor(server.url)
    page = v.get(
        "/fit/result?dob=1994-02-01&degree=master&field=computer_science&has_offer=yes"
        "&offer_country=DE&salary=60000&currency=EUR&on=2026-03-20"
    ).text
    assert 'href="/my/new?program=de-blue-card&amp;dob=1994-02-01' in page  # with the answers
    assert 'href="/my/new?program=us-h1b' not in page  # employers register for the H-1B
