""" "Apply" on /fit/result carries the answers already given into the application draft: the
link keeps them through the log-in, and the draft holds them (SQLite and PostgreSQL)."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlsplit

from talentvisa.auth.models import Role

from .conftest import PASSWORD, Server, Visitor, csrf
from .test_browser import FIT_ANSWERS
from .test_form_inputs import stored
from .test_pages import account

#: A profile for which the Blue Card is open: a German offer above the threshold.
ANSWERS = (
    "dob=1996-05-01&nationality=IN&degree=master&field=computer_science&degree_country=IN"
    "&rank=211&experience=4&offer_country=DE&salary=60000&currency=EUR"
)


def _apply_link(v: Visitor, program: str) -> str:
    page = v.get(f"/fit/result?{ANSWERS}").text
    links = [html.unescape(h) for h in re.findall(r'<a class="button apply" href="([^"]+)"', page)]
    (link,) = [h for h in links if f"program={program}&" in h]
    return link


def test_apply_carries_the_answers_through_the_login_into_the_draft(server: Server) -> None:
    v = Visitor(server.url)
    link = _apply_link(v, "de-blue-card")
    assert dict(parse_qsl(urlsplit(link).query)) == {
        "program": "de-blue-card",
        **dict(parse_qsl(ANSWERS)),
    }
    # Not logged in: the log-in page keeps the link as where to go next.
    r = v.get(link)
    assert urlsplit(str(r.url)).path == "/login"
    email = account(server, Role.applicant)
    token = csrf(r.text)
    nxt = html.unescape(re.search(r'name="next" value="([^"]*)"', r.text).group(1))  # type: ignore[union-attr]
    r = v.request(
        "POST",
        "/login",
        data={"csrf_token": token, "email": email, "password": PASSWORD, "next": nxt},
    )
    assert r.status_code == 200 and urlsplit(str(r.url)).path == "/my/new", r.url
    assert "answers from the comparison fill in the draft" in r.text
    hidden = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', r.text))
    hidden.pop("csrf_token")
    assert hidden == dict(parse_qsl(ANSWERS))
    r = v.request(
        "POST", "/my/new", data={"csrf_token": csrf(r.text), "program": "de-blue-card", **hidden}
    )
    assert r.url.path.endswith("/you"), r.url
    app_id = r.url.path.split("/")[2]
    draft = stored(server, app_id)
    assert draft["date_of_birth"] == "1996-05-01" and draft["nationalities"] == ["IN"]
    assert draft["job_offer"]["country"] == "DE" and draft["job_offer"]["annual_salary"] == 60000
    assert draft["degrees"][0]["level"] == "master"
    # and the applicant's form shows them, prefilled
    assert 'value="1996-05-01"' in r.text


def test_the_k_visa_button_carries_them_too(server: Server) -> None:
    v = Visitor(server.url)
    v.login(account(server, Role.applicant))
    page = v.get(f"/fit/result?{FIT_ANSWERS}").text
    links = [html.unescape(h) for h in re.findall(r'<a class="button apply" href="([^"]+)"', page)]
    assert links and all("dob=2000-03-14" in h and "rank=211" in h for h in links)


def test_carried_answers_that_are_not_valid_are_refused_and_nothing_is_stored(
    server: Server,
) -> None:
    v = Visitor(server.url)
    v.login(account(server, Role.applicant))
    token = csrf(v.get("/my/new").text)
    r = v.request(
        "POST", "/my/new", data={"csrf_token": token, "program": "cn-k", "dob": "yesterday"}
    )
    assert r.status_code == 400 and "not valid" in r.text
    assert "/you" not in str(r.url)
    assert not re.search(r'href="/my/[0-9a-f]{32}"', v.get("/my").text)  # no draft was made
