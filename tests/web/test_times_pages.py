"""Issue 15, item 7, in the portal over real HTTP on both databases, in English and Chinese:
times in the viewer's zone with the zone named, deadlines in the agency's zone too, the status
page's progress from the workflow, a timeline without repeated states, and the issue form
bounded by the program."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from talentvisa.auth import service as auth
from talentvisa.auth.models import Role
from talentvisa.cases.workflow import PROGRESS
from talentvisa.db.engine import transaction
from tests.api.fixtures import PROFILE, TODAY
from tests.cases.test_http_times import approve

from .conftest import PASSWORD, Server, Visitor

STEP = re.compile(r'<li class="(\w+)"[^>]*><span class="step-name">(.*?)</span>')


def _account(server: Server, role: Role) -> tuple[str, httpx.Client]:
    email = f"{role.value}-{secrets.token_hex(4)}@example.org"
    with transaction(server.app.state.runtime.factory) as s:
        auth.create_user(s, email, PASSWORD, role, f"Demo {role.value}")
    token = server.client().post("/auth/token", json={"email": email, "password": PASSWORD})
    return email, server.client(token.json()["access_token"])


def _ok(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _case(server: Server, program_id: str = "cn-k") -> tuple[str, httpx.Client, dict[str, Any]]:
    email, api = _account(server, Role.applicant)
    app = api.post("/applications", json={"program_id": program_id, "profile": PROFILE}).json()
    case = _ok(
        api.post(
            f"/applications/{app['id']}/submit",
            json={"version": 1},
            headers={"Idempotency-Key": f"k-{app['id']}"},
        )
    )
    return email, api, case


def _words(moment: dt.datetime, zone: str, lang: str) -> str:
    """A time as the portal must write it, spelled out here without the portal's helper."""
    local = moment.astimezone(ZoneInfo(zone))
    abbreviation = local.tzname()
    if lang == "zh_Hans":
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M} {abbreviation} ({zone})"
    hour = local.hour % 12 or 12
    noon = "AM" if local.hour < 12 else "PM"
    # CLDR puts a narrow no-break space between the time and AM/PM.
    clock = f"{hour}:{local:%M}\u202f{noon}"
    return f"{local:%b} {local.day}, {local.year}, {clock} {abbreviation} ({zone})"


def test_times_are_in_the_viewers_zone_with_the_zone_named(server: Server) -> None:
    email, api, case = _case(server)
    submitted = dt.datetime.fromisoformat(case["submitted_at"])
    you = Visitor(server.url)
    you.login(email)
    for lang in ("en", "zh_Hans"):
        page = f"/my/{case['id']}?lang={lang}"
        you.jar.pop("tv_tz", None)
        html = you.get(page).text
        # No account setting and no browser zone: the agency's (the K visa's, Beijing).
        assert _words(submitted, "Asia/Shanghai", lang) in html
        assert f'<time datetime="{case["submitted_at"]}">' in html
        you.jar["tv_tz"] = "Europe/Berlin"  # what portal.js sets from the browser
        html = you.get(page).text
        assert _words(submitted, "Europe/Berlin", lang) in html
        assert "(Asia/Shanghai)" not in html
        you.jar["tv_tz"] = "Mars/Olympus_Mons"  # not a zone: ignored, never an error
        assert _words(submitted, "Asia/Shanghai", lang) in you.get(page).text

    # The account's own setting comes before the browser's.
    you.jar["tv_tz"] = "Europe/Berlin"
    wrong = you.submit("/account", "/account/time-zone", {"time_zone": "Nowhere/Land"})
    assert wrong.status_code == 422 and 'href="#f-time_zone"' in wrong.text
    saved = you.submit("/account", "/account/time-zone", {"time_zone": "America/New_York"})
    assert saved.status_code == 200 and "America/New_York" in saved.text
    html = you.get(f"/my/{case['id']}?lang=zh_Hans").text
    assert _words(submitted, "America/New_York", "zh_Hans") in html
    assert "时间按America/New_York显示。" in html
    you.submit("/account", "/account/time-zone", {"time_zone": ""})
    assert _words(submitted, "Europe/Berlin", "en") in you.get(f"/my/{case['id']}?lang=en").text

    # The same setting over the API, whose own times stay UTC.
    bad = api.patch("/auth/me", json={"time_zone": "Asia/Nowhere"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "time_zone", bad.text
    assert api.patch("/auth/me", json={"time_zone": "Asia/Kolkata"}).json()["time_zone"] == (
        "Asia/Kolkata"
    )
    assert _words(submitted, "Asia/Kolkata", "en") in you.get(f"/my/{case['id']}?lang=en").text
    assert api.get(f"/applications/{case['id']}").json()["submitted_at"] == case["submitted_at"]


def test_progress_shows_every_state_from_the_workflow(server: Server) -> None:
    email, api, case = _case(server)
    _, officer = _account(server, Role.officer)
    case = _ok(officer.post(f"/applications/{case['id']}/assign", json={"version": 2}))
    due = TODAY + dt.timedelta(days=5)
    case = _ok(
        officer.post(
            f"/applications/{case['id']}/request-evidence",
            json={"message": "Your CV please.", "due": due.isoformat(), "version": 3},
        )
    )
    you = Visitor(server.url)
    you.login(email)
    you.jar["tv_tz"] = "Europe/Berlin"
    html = you.get(f"/my/{case['id']}?lang=en").text
    steps = STEP.findall(html)
    assert len(steps) == len(PROGRESS)
    assert steps[:4] == [
        ("done", "draft"),
        ("done", "submitted"),
        ("done", "pre-screen by the rules"),
        ("done", "under review"),
    ]
    assert steps[4] == ("current", "awaiting evidence")
    assert steps[6] == ("ahead", "decision: approved, refused, or withdrawn")
    # The deadline: 23:59 in Beijing, shown in Berlin and in the agency's time.
    deadline = dt.datetime.combine(due, dt.time(23, 59), tzinfo=ZoneInfo("Asia/Shanghai"))
    shown = f"{_words(deadline, 'Europe/Berlin', 'en')}</time> (agency time: "
    assert shown + _words(deadline, "Asia/Shanghai", "en") + ")" in html

    withdrawn = _ok(
        api.post(f"/applications/{case['id']}/withdraw", json={"version": case["version"]})
    )
    assert withdrawn["state"] == "withdrawn"
    for lang, current, after in (
        ("en", "withdrawn", "not_reached"),
        ("zh_Hans", "已撤回", "not_reached"),
    ):
        steps = STEP.findall(you.get(f"/my/{case['id']}?lang={lang}").text)
        assert steps[6] == ("current", current), steps
        assert steps[5][0] == "skipped" and steps[7][0] == after
        assert steps[4][0] == "done"  # evidence was asked for on the way


def test_the_timeline_names_each_state_once(server: Server) -> None:
    email, _, case = _case(server)
    _, officer = _account(server, Role.officer)
    _, supervisor = _account(server, Role.supervisor)
    me = _ok(officer.get("/auth/me"))
    case = _ok(officer.post(f"/applications/{case['id']}/assign", json={"version": 2}))
    for _ in range(2):  # a supervisor reassigns twice: under review stays under review
        case = _ok(
            supervisor.post(
                f"/applications/{case['id']}/assign",
                json={"officer_id": me["id"], "version": case["version"]},
            )
        )
    events: list[dict[str, Any]] = officer.get(f"/applications/{case['id']}/timeline").json()
    assigned = [e for e in events if e["action"] == "assign"]
    assert len(assigned) == 3  # the audit trail keeps every event
    you = Visitor(server.url)
    you.login(email)
    for lang, under_review, twice in (
        ("en", "under review", "(2 times)"),
        ("zh_Hans", "审核中", "(2次)"),
    ):
        html = you.get(f"/my/{case['id']}?lang={lang}").text
        timeline = html[html.index('<ol class="timeline">') :]
        timeline = timeline[: timeline.index("</ol>")]
        assert timeline.count(f"→ {under_review}") == 1, timeline
        assert timeline.count("<li>") == 5, timeline  # create, submit, pre-screen, 2 assigns
        assert twice in timeline


def test_the_issue_form_is_bounded_by_the_program(server: Server) -> None:
    _, _, case = _case(server, "cn-r")
    officer_email, officer = _account(server, Role.officer)
    case = approve(
        officer, _ok(officer.post(f"/applications/{case['id']}/assign", json={"version": 2}))
    )
    you = Visitor(server.url)
    you.login(officer_email)
    page = f"/officer/cases/{case['id']}"
    html = you.get(f"{page}?lang=en").text
    form = html[html.index('action="' + page + '/issue"') :]
    form = form[: form.index("</form>")]
    # cn-r.yaml: multiple entries only; valid 5 to 10 years (60 to 120 months); 180 days a stay.
    entries = re.search(r'<select id="f-entries".*?</select>', form, re.S)
    assert entries and re.findall(r'<option value="([^"]*)"', entries.group(0)) == ["multiple"]
    assert re.search(r'id="f-validity"[^>]*min="60" max="120"', form), form
    assert re.search(r'id="f-stay_days"[^>]*value="180"[^>]*max="180"', form), form
    assert 'name="validity_unit" value="months"' in form

    for lang, said in (
        ("en", "Enter a validity within the range shown."),
        ("zh_Hans", "请输入所示范围内的有效期。"),
    ):
        refused = you.submit(
            f"{page}?lang={lang}",
            f"{page}/issue",
            {
                "version": case["version"],
                "valid_from": "2026-04-01",
                "entries": "multiple",
                "validity": "130",
                "validity_unit": "months",
                "stay_days": "180",
            },
        )
        assert refused.status_code == 422
        assert 'href="#f-validity"' in refused.text and said in refused.text
        assert 'value="130"' in refused.text  # the form comes back with what was typed
    issued = you.submit(
        f"{page}?lang=en",
        f"{page}/issue",
        {
            "version": case["version"],
            "valid_from": "2026-04-01",
            "entries": "multiple",
            "validity": "60",
            "validity_unit": "months",
            "stay_days": "90",
        },
    )
    assert issued.status_code == 200 and "visa issued" in issued.text
    terms = _ok(officer.get(f"/applications/{case['id']}"))["issued"]
    assert terms["valid_until"]["value"] == "2031-03-31"
    assert terms["max_stay_days"] == {
        "value": 90,
        "origin": "officer, within the program's terms",
    }
