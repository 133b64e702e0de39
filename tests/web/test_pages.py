"""The portal's pages over real HTTP, on SQLite and PostgreSQL: languages, forms, journeys."""

from __future__ import annotations

import html
import re
import secrets
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest
import sqlalchemy as sa

from talentvisa.auth import service as auth
from talentvisa.auth.models import Role
from talentvisa.db.engine import transaction, writer_lock
from talentvisa.rules.loader import builtin_catalog
from tests.api.fixtures import PDF, PROFILE

from .conftest import PASSWORD, Server, Visitor, csrf

CK = builtin_catalog()["cn-k"]
CSRF_VALUE = re.compile(r'name="csrf_token" value="[^"]+"')

FIT = (
    "/fit/result?dob=2000-03-14&nationality=IN&degree=master&field=computer_science"
    "&degree_country=IN&rank=211&experience=2&offer_country=US&salary=118000&currency=USD"
    "&wage_level=2"
)


def account(server: Server, role: Role, name: str = "Test user") -> str:
    email = f"{role.value}-{secrets.token_hex(4)}@example.org"
    with transaction(server.app.state.runtime.factory) as s:
        auth.create_user(s, email, PASSWORD, role, name)
    return email


def version(html: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found
    return found.group(1)


# --- languages and headers ----------------------------------------------------------------


def test_language_from_browser_then_switch_is_remembered(server: Server) -> None:
    v = Visitor(server.url, accept_language="zh-CN,zh;q=0.9,en;q=0.5")
    home = v.get("/")
    assert home.status_code == 200 and '<html lang="zh-Hans">' in home.text
    assert "哪种签证适合我？" in home.text
    assert 'hreflang="en"' in home.text and "?lang=en" in home.text
    english = v.get("/programs?lang=en")
    assert '<html lang="en">' in english.text and "China K visa" in english.text
    # The choice is kept in a cookie and beats the browser's preference from then on.
    assert '<html lang="en">' in v.get("/").text
    assert any(c.startswith("tv_lang=en") for c in v.set_cookies)


def test_pages_carry_a_strict_content_security_policy(server: Server) -> None:
    r = httpx_get(server, "/")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in r.text and "style=" not in r.text  # no inline script or style
    assert "content-security-policy" not in httpx_get(server, "/health").headers


def httpx_get(server: Server, path: str):  # type: ignore[no-untyped-def]
    with server.client() as c:
        return c.get(path)


def test_program_page_in_both_languages(server: Server) -> None:
    v = Visitor(server.url)
    en = v.get("/programs/us-h1b").text
    for part in ("Criteria", "Fees", "Benefits", "Open questions", "Parameter history", "Sources"):
        assert f">{part}</h2>" in en
    assert "$215.00" in en  # the registration fee, per locale
    assert "employer" in en and 'id="src-' in en
    zh = v.get("/programs/cn-k?lang=zh_Hans").text
    assert "中国K字签证（外国年轻科技人才）" in zh and "参数历史" in zh and "未公布" in zh
    missing = v.get("/programs/xx-none")
    assert missing.status_code == 404 and "找不到该页面或记录" in missing.text


def test_every_program_page_renders_in_both_languages(server: Server) -> None:
    # A new program folder must show up in the portal without editing web/.
    v = Visitor(server.url)
    for pid, cp in builtin_catalog().items():
        en, zh = v.get(f"/programs/{pid}?lang=en"), v.get(f"/programs/{pid}?lang=zh_Hans")
        assert en.status_code == 200 and html.escape(cp.program.name.en) in en.text, pid
        assert ">Parameter history</h2>" in en.text, pid
        assert zh.status_code == 200 and html.escape(cp.program.name.zh) in zh.text, pid
        assert "参数历史" in zh.text, pid


# --- Which visa fits me? ----------------------------------------------------------------------


def test_comparison_without_an_account_shareable_and_as_json(server: Server) -> None:
    v = Visitor(server.url)
    page = v.get(FIT)
    assert page.status_code == 200
    assert page.text.count('class="program-result"') == len(builtin_catalog())
    assert "Deciding reasons" in page.text and "Cost to the employer" in page.text
    # The H-1B entry gives this person's chance from the pool model, with its season and pool.
    h1b_odds = article(page.text, "us-h1b")
    assert "Your chance:" in h1b_odds and "FY2027" in h1b_odds and "pool:" in h1b_odds
    # Fees whose amount depends on unanswered questions are listed as unknown, not as "$0.00".
    h1b = article(page.text, "us-h1b")
    assert "unknown: " in h1b and "$0.00 + " not in h1b
    assert 'href="/fit/result?dob=2000-03-14' in page.text  # the shareable link
    zh = Visitor(server.url).get(FIT + "&lang=zh_Hans").text
    assert "比较结果" in zh and "决定性原因" in zh and "雇主费用" in zh
    data = v.get(FIT.replace("/fit/result", "/fit/result.json")).json()
    assert data["answers"]["rank"] == "211" and data["on"] == "2026-03-20"
    h1b = data["summary"]["us-h1b"]
    assert h1b["selection"] is not None and "employer" in h1b["costs"]
    assert {a["program_id"] for a in data["assessments"]} >= {"cn-k", "us-h1b"}


def test_bad_answers_show_errors_beside_fields_and_keep_the_rest(server: Server) -> None:
    r = Visitor(server.url).get("/fit/result?dob=not-a-date&rank=-3&nationality=India&hsk=2")
    assert r.status_code == 400
    assert 'class="error-summary"' in r.text and 'href="#f-dob"' in r.text
    assert 'aria-describedby="f-dob-hint f-dob-error"' in r.text
    assert 'id="f-nationality-error"' in r.text and 'aria-invalid="true"' in r.text
    assert 'name="hsk" type="number" value="2"' in r.text  # nothing typed is lost
    j = Visitor(server.url).get("/fit/result.json?dob=x")
    assert j.status_code == 400 and "dob" in j.json()["errors"]


CRS = (
    "/fit/result?dob=1996-05-01&nationality=IN&degree=master&field=computer_science&spouse=no"
    "&ca_class=yes&ca_first=en&clb_en_r=9&clb_en_w=8&clb_en_l=9&clb_en_s=8"
    "&clb_fr_r=0&clb_fr_w=0&clb_fr_l=0&clb_fr_s=0&ca_education=master_or_professional"
    "&ca_work=0&ca_foreign_work=3&ca_study=none&ca_certificate=no&ca_nomination=no"
    "&ca_sibling=no&ca_offer=no"
)


def article(html: str, program_id: str) -> str:
    found = re.search(
        rf'<details class="program-result" id="p-{program_id}".*?</details>', html, re.S
    )
    assert found, f"no result for {program_id}"
    return found.group(0)


def test_further_answers_give_a_crs_score_and_skipping_them_names_what_is_missing(
    server: Server,
) -> None:
    v = Visitor(server.url)
    data = v.get(CRS.replace("/fit/result", "/fit/result.json")).json()
    ca = next(a for a in data["assessments"] if a["program_id"] == "ca-express-entry")
    crs = ca["points"][0]
    assert crs["min"] == crs["max"] > 300, crs  # every answer the CRS needs is given
    page = article(v.get(CRS).text, "ca-express-entry")
    assert "Comprehensive Ranking System" in page and f"<strong>{crs['min']:.0f}</strong>" in page
    assert (
        "cut-off of the round" in page
        and "Unknown unless the agency running this service sets" in page
    )

    # Without the English test the score is a range, and the page says which answers it needs.
    fewer = re.sub(r"&clb_en_\w=\d+", "", CRS)
    page = article(v.get(fewer).text, "ca-express-entry")
    assert " to " in page and "First official language: reading (CLB/NCLC)" in page

    # A visitor who skips the optional step: unknown, the missing answers named in Chinese.
    zh = v.get(FIT + "&lang=zh_Hans").text
    for pid in ("ca-express-entry", "de-opportunity-card", "kr-f27", "uk-hpi"):
        assert 'class="outcome unknown"' in article(zh, pid), pid
    ca_zh = article(zh, "ca-express-entry")
    assert "缺少的回答" in ca_zh and "是否属于快速通道的联邦类别（经评估）" in ca_zh
    assert "第一官方语言：口语（CLB/NCLC）" in ca_zh and "不在有效期内" not in ca_zh
    assert "ca_federal_program_eligible" not in zh and "ca_first_language" not in zh
    assert "学位是否来自英国HPI" in article(zh, "uk-hpi")


def test_the_engine_notes_and_program_notes_in_chinese(server: Server) -> None:
    v = Visitor(server.url, accept_language="zh-CN")
    before = article(v.get("/fit/result?dob=2000-01-01&on=2025-06-01").text, "cn-k")
    assert "2025年6月1日 不在有效期内（自2025年10月1日起生效）。" in before
    assert "not in force" not in before
    cn_k = v.get("/programs/cn-k").text
    assert "国务院第814号令，2025年8月7日签署" in cn_k  # the in-force note
    assert "未公布上限（未知；部署方可自行设定）" in cn_k and "未采纳：" in cn_k  # a conflict
    assert "STEM学科参照美国国土安全部" in cn_k  # a criterion's note
    assert "Age is a stated criterion" not in cn_k and "effective 1 Oct 2025." not in cn_k
    # Citations keep their titles, marked with their language.
    assert 'lang="en">State Council Order No. 814' in cn_k
    cn_r = v.get("/programs/cn-r").text
    assert 'lang="zh-Hans">外国人来华工作分类标准（试行）' in cn_r
    assert "倍" in cn_r  # a parameter's unit (ratio)


def test_program_page_shows_points_groups_with_their_caps(server: Server) -> None:
    en = Visitor(server.url).get("/programs/ca-express-entry").text
    group = re.search(r'<li class="group"><strong>C\. Skill transferability.*?</ul>', en, re.S)
    assert group, "the transferability group is missing"
    assert "at most 100 points together" in group.group(0)
    for factor in ("C. Education with first-language", "C. Foreign work", "C. Certificate"):
        assert factor in group.group(0)
    assert "A. Age on the assessment date" not in group.group(0)
    zh = Visitor(server.url).get("/programs/ca-express-entry?lang=zh_Hans").text
    assert "合计最多100分" in zh and "C. 技能可转移性（最多100分）" in zh


# --- security ---------------------------------------------------------------------------------


def test_a_form_post_without_its_csrf_token_is_refused_and_stores_nothing(
    server: Server,
) -> None:
    v = Visitor(server.url)
    v.get("/signup")
    email = f"csrf-{secrets.token_hex(4)}@example.org"
    data = {"display_name": "X", "email": email, "password": PASSWORD, "role": "applicant"}
    r = v.request("POST", "/signup", data={**data, "csrf_token": "forged"})
    assert r.status_code == 403 and "expired" in r.text
    with server.engine.connect() as c:
        n = c.execute(sa.text("select count(*) from users where email = :e"), {"e": email})
        assert n.scalar_one() == 0


def test_sign_up_answers_alike_for_a_new_and_a_registered_email(server: Server) -> None:
    """Issue 11 item 9: the answer must not tell whether an email already has an account."""
    owner = account(server, Role.employer, "Owner")
    new = f"new-{secrets.token_hex(4)}@example.org"

    def sign_up(email: str) -> tuple[httpx.Response, float, Visitor]:
        v = Visitor(server.url)
        token = csrf(v.get("/signup").text)
        data = {"display_name": "Someone", "email": email, "password": "a-different-pw-9"}
        start = time.perf_counter()
        r = v.request("POST", "/signup", data={"csrf_token": token, **data, "role": "applicant"})
        return r, time.perf_counter() - start, v

    (taken, _, v_taken), (fresh, _, v_fresh) = sign_up(owner), sign_up(new)
    assert taken.status_code == fresh.status_code == 200
    assert taken.history == fresh.history == []
    # The visitors differ, so do their anonymous CSRF tokens; the pages must not otherwise.
    texts = ((taken, owner), (fresh, new))
    bodies = [CSRF_VALUE.sub("", r.text.replace(e, "EMAIL")) for r, e in texts]
    assert bodies[0] == bodies[1]
    assert f'value="{owner}"' in taken.text and 'action="/login"' in taken.text
    assert "If this email address could be used, your account is ready" in fresh.text
    assert [c.split("=")[0] for c in v_taken.set_cookies] == [
        c.split("=")[0] for c in v_fresh.set_cookies
    ]
    assert "tv_session" not in v_taken.jar and "tv_session" not in v_fresh.jar
    # Both hash the submitted password, so a taken email must not answer markedly sooner
    # (without the hash it answers in a tenth of the time). The fastest of three resists
    # a busy machine's pauses.
    t_taken = min(sign_up(owner)[1] for _ in range(3))
    t_fresh = min(sign_up(f"new-{secrets.token_hex(4)}@example.org")[1] for _ in range(3))
    assert t_taken > t_fresh / 4, (t_taken, t_fresh)
    print(f"sign-up timing: taken {t_taken * 1000:.0f} ms, new {t_fresh * 1000:.0f} ms")
    zh = Visitor(server.url, "zh-CN")
    r = zh.submit(
        "/signup",
        "/signup",
        {
            "display_name": "某人",
            "email": owner,
            "password": "a-different-pw-9",
            "role": "applicant",
        },
    )
    assert r.status_code == 200 and "如果该电子邮箱可以使用，您的账户已经开通" in r.text
    # The owner's password still works and the submitted one does not; the new one does.
    Visitor(server.url).login(owner)
    wrong = Visitor(server.url).submit(
        "/login", "/login", {"email": owner, "password": "a-different-pw-9"}
    )
    assert wrong.status_code == 400
    Visitor(server.url).login(new, "a-different-pw-9")
    with server.engine.connect() as c:
        n = c.execute(sa.text("select count(*) from users where email = :e"), {"e": owner})
        assert n.scalar_one() == 1


def test_session_cookies_are_httponly_secure_samesite(server: Server) -> None:
    v = Visitor(server.url)
    v.login(account(server, Role.applicant))
    session = next(c for c in v.set_cookies if c.startswith("tv_session="))
    for flag in ("HttpOnly", "Secure", "SameSite=lax"):
        assert flag.lower() in session.lower()


def test_user_content_is_escaped(server: Server) -> None:
    v = Visitor(server.url)
    email = f"x-{secrets.token_hex(4)}@example.org"
    v.submit(
        "/signup",
        "/signup",
        {
            "display_name": "<script>alert(1)</script>",
            "email": email,
            "password": PASSWORD,
            "role": "applicant",
        },
    )
    v.login(email)
    page = v.get("/my").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_concurrent_pages_neither_fail_nor_leave_the_writer_lock_held(server: Server) -> None:
    """FastAPI opens a page's transaction in one worker thread and may close it in another.

    A thread-owned writer lock refused that release: the page failed with a 500 and the lock
    stayed held, so every later write hung.
    """
    officer = Visitor(server.url)
    officer.login(account(server, Role.officer))

    def load(_: int) -> int:
        v = Visitor(server.url)
        v.jar = dict(officer.jar)
        v.http.timeout = httpx.Timeout(10)
        return v.get("/officer").status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(load, range(48)))
    assert codes == [200] * 48
    lock = writer_lock(server.engine)
    if lock is not None:
        assert lock.acquire(timeout=5), "the writer lock was left held"
        lock.release()
    assert officer.get("/officer").status_code == 200


def signed_in_with_draft(server: Server) -> tuple[Visitor, str, str]:
    """An applicant signed in to the portal, their bearer token, and a draft with a profile."""
    email = account(server, Role.applicant)
    applicant = Visitor(server.url)
    applicant.login(email)
    token = httpx.post(
        f"{server.url}/auth/token", json={"email": email, "password": PASSWORD}
    ).json()["access_token"]
    with server.client(token) as api:
        app_id = api.post("/applications", json={"profile": PROFILE}).json()["id"]
    return applicant, token, app_id


@contextmanager
def writer_held(server: Server) -> Iterator[None]:
    """Another thread's write unit of work, open (BEGIN IMMEDIATE, the writer lock) until the
    block ends, as a long submission would hold it."""
    begun, done = threading.Event(), threading.Event()

    def hold() -> None:
        with transaction(server.app.state.runtime.factory) as s:
            s.execute(sa.text("SELECT 1"))  # the connection's BEGIN IMMEDIATE
            begun.set()
            done.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    assert begun.wait(10)
    try:
        yield
    finally:
        done.set()
        holder.join(10)


@pytest.mark.parametrize("server", ["sqlite"], indirect=True)  # PostgreSQL has no such lock
def test_pages_shown_by_get_answer_while_another_write_holds_the_sqlite_writer_lock(
    server: Server,
) -> None:
    """Only a form's post writes: anonymous pages, the comparison and signed-in pages read
    without the writer lock, so they answer at once (the busy timeout is 30 s) while a write
    is open. A post still waits for the lock, so the lock was really held."""
    applicant, _, app_id = signed_in_with_draft(server)
    new_form = applicant.get("/my/new").text
    applicant.http.timeout = httpx.Timeout(5)
    posted: dict[str, httpx.Response] = {}

    def post_new() -> None:
        posted["r"] = applicant.request(
            "POST", "/my/new", follow=False, data={"csrf_token": csrf(new_form)}
        )

    with writer_held(server):
        for path in (
            FIT,
            "/programs",
            "/programs/cn-k",
            "/",
            "/login",
            "/my",
            f"/my/{app_id}",
            f"/my/{app_id}/review",
        ):
            started = time.perf_counter()
            r = applicant.get(path)
            elapsed = time.perf_counter() - started
            assert r.status_code == 200, (path, r.status_code)
            assert elapsed < 2, f"{path} waited {elapsed:.1f} s for the writer lock"
        writer = threading.Thread(target=post_new)
        writer.start()
        writer.join(1.0)
        assert writer.is_alive(), "a post should wait for the writer lock"
    writer.join(10)
    assert posted["r"].status_code == 303


def test_a_submit_is_one_use_case_for_the_portal_and_the_api(server: Server) -> None:
    """The portal and the API submit through the same service call, idempotency included: a
    retry through the API with the portal form's key replays the portal's submission."""
    applicant, token, app_id = signed_in_with_draft(server)
    with server.client(token) as api:
        review = applicant.get(f"/my/{app_id}/review").text
        assert "What the rules say now" in review  # the same pre-screen the submit stores
        fields = dict(re.findall(r'name="(version|idem_key)" value="([^"]+)"', review))
        r = applicant.request(
            "POST", f"/my/{app_id}/submit", data={"csrf_token": csrf(review), **fields}
        )
        assert r.status_code == 200 and r.url.path == f"/my/{app_id}"
        again = api.post(
            f"/applications/{app_id}/submit",
            json={"version": int(fields["version"])},
            headers={"Idempotency-Key": fields["idem_key"]},
        )
        assert again.status_code == 200, again.text
        assert again.headers.get("Idempotent-Replayed") == "true"
        body = again.json()
        assert body["id"] == app_id and body["state"] == "submitted"
        assert (
            body["prescreen_outcome"]
            == api.get(f"/applications/{app_id}").json()["prescreen_outcome"]
        )
        other = api.post(
            f"/applications/{app_id}/submit",
            json={"version": int(fields["version"]) + 1},
            headers={"Idempotency-Key": fields["idem_key"]},
        )
        assert other.status_code == 422 and other.json()["error"]["field"] == "Idempotency-Key"


def test_an_empty_draft_is_not_submitted_and_the_language_link_opens_the_form_page(
    server: Server,
) -> None:
    applicant = Visitor(server.url)
    applicant.login(account(server, Role.applicant))
    app_id = applicant.submit("/my/new", "/my/new", {}).url.path.split("/")[2]
    review = applicant.get(f"/my/{app_id}/review").text
    fields = dict(re.findall(r'name="(version|idem_key)" value="([^"]+)"', review))
    referer = {"Referer": f"{server.url}/my/{app_id}/review"}
    r = applicant.request(
        "POST",
        f"/my/{app_id}/submit",
        data={"csrf_token": csrf(review), **fields},
        headers=referer,
    )
    assert r.status_code == 422
    assert "Enter your date of birth (step 1, About you) before you submit." in r.text
    # The form's action accepts only POST: the switch must lead back to the review page.
    assert f'href="/my/{app_id}/review?lang=zh_Hans"' in r.text
    assert applicant.get(f"/my/{app_id}").status_code == 200
    assert "draft" in applicant.get(f"/my/{app_id}").text.lower()


def test_wrong_password_and_the_api_keeps_json(server: Server) -> None:
    v = Visitor(server.url)
    email = account(server, Role.applicant)
    r = v.submit("/login", "/login", {"email": email, "password": "wrong-password-1"})
    assert r.status_code == 400 and 'id="f-email-error"' in r.text
    api = httpx_get(server, "/applications/none")
    assert api.status_code == 401 and api.json()["error"]["code"] == "unauthenticated"
    assert Visitor(server.url).get("/my", follow=False).headers["location"] == "/login?next=/my"


# --- journeys ---------------------------------------------------------------------------------


def test_applicant_to_officer_to_visa(server: Server) -> None:
    applicant = Visitor(server.url)
    email = f"wei-{secrets.token_hex(4)}@example.org"
    r = applicant.submit(
        "/signup",
        "/signup",
        {"display_name": "Wei", "email": email, "password": PASSWORD, "role": "applicant"},
    )
    assert r.url.path == "/signup" and f'value="{email}"' in r.text
    r = applicant.request(
        "POST", "/login", data={"csrf_token": csrf(r.text), "email": email, "password": PASSWORD}
    )
    assert r.url.path == "/my"
    r = applicant.submit("/my/new", "/my/new", {})
    app_id = r.url.path.split("/")[2]
    assert r.url.path.endswith("/you")
    you = {"name": "Wei Test", "dob": "1999-05-01", "nationality": "in", "passport": "ordinary"}
    r = applicant.request(
        "POST",
        f"/my/{app_id}/you",
        data={"csrf_token": csrf(r.text), "version": version(r.text), "go": "next", **you},
    )
    assert r.url.path.endswith("/education") and "Your draft was saved." in r.text
    bad = {"degree": "master", "field": "computer_science", "rank": "many", "cip": "11.0701"}
    r = applicant.request(
        "POST",
        f"/my/{app_id}/education",
        data={"csrf_token": csrf(r.text), "version": version(r.text), **bad},
    )
    assert r.status_code == 400 and 'href="#f-rank"' in r.text and 'value="11.0701"' in r.text
    r = applicant.request(
        "POST",
        f"/my/{app_id}/education",
        data={"csrf_token": csrf(r.text), "version": version(r.text), **bad, "rank": "120"},
    )
    assert r.url.path.endswith("/work")
    r = applicant.get(f"/my/{app_id}/documents")
    up = applicant.request(
        "POST",
        f"/my/{app_id}/documents",
        data={"csrf_token": csrf(r.text), "kind": "degree_certificate"},
        files={"file": ("degree.pdf", PDF, "application/pdf")},
    )
    assert up.status_code == 200 and "degree.pdf" in up.text
    wrong = applicant.request(
        "POST",
        f"/my/{app_id}/documents",
        data={"csrf_token": csrf(r.text), "kind": "degree_certificate"},
        files={"file": ("x.pdf", b"not a pdf", "application/pdf")},
    )
    assert wrong.status_code == 415 and 'id="f-file-error"' in wrong.text
    review = applicant.get(f"/my/{app_id}/review")
    key = re.search(r'name="idem_key" value="([^"]+)"', review.text)
    assert key
    form = {"csrf_token": csrf(review.text), "version": version(review.text), "idem_key": key[1]}
    first = applicant.request("POST", f"/my/{app_id}/submit", data=form)
    again = applicant.request("POST", f"/my/{app_id}/submit", data=form)  # a double click
    assert first.status_code == again.status_code == 200
    assert "Your application was submitted" in again.text
    with server.engine.connect() as c:
        n = c.execute(
            sa.text(
                "select count(*) from applications where applicant_id = "
                "(select id from users where email = :e)"
            ),
            {"e": email},
        )
        assert n.scalar_one() == 1
        events = c.execute(
            sa.text("select count(*) from audit_events where entity_id = :a and action = 'submit'"),
            {"a": app_id},
        )
        assert events.scalar_one() == 1

    officer = Visitor(server.url, accept_language="zh-CN")
    officer.login(account(server, Role.officer, "Officer Li"))
    queue = officer.get("/officer?state=submitted&sort=-submitted_at").text
    assert f"/officer/cases/{app_id}" in queue and "案件队列" in queue
    case = officer.get(f"/officer/cases/{app_id}").text
    assert "逐项条件" in case and "degree.pdf" in case and "stem_degree_level" in case
    assert "学位证书（STEM学士及以上）" in case  # the document's kind, in the program's words
    link = re.search(r'href="(/applications/[0-9a-f]+/documents/[0-9a-f]+)"', case)
    assert link and officer.get(link[1]).content == PDF
    r = officer.submit(
        f"/officer/cases/{app_id}", f"/officer/cases/{app_id}/assign", {"version": version(case)}
    )
    assert "审核中" in r.text
    r = officer.request(
        "POST",
        f"/officer/cases/{app_id}/request-evidence",
        data={
            "csrf_token": csrf(r.text),
            "version": version(r.text),
            "message": "Please upload the degree transcript.",
            "due": "2026-01-01",
        },
    )
    assert (
        r.status_code == 422 and 'id="f-due-error"' in r.text and "截止日期必须晚于今天" in r.text
    )
    assert "Please upload the degree transcript." in r.text  # kept for another try
    r = officer.request(
        "POST",
        f"/officer/cases/{app_id}/request-evidence",
        data={
            "csrf_token": csrf(r.text),
            "version": version(r.text),
            "message": "Please upload the degree transcript.",
            "due": "2026-04-30",
        },
    )
    assert "等待补充材料" in r.text

    status = applicant.get(f"/my/{app_id}")
    assert "Please upload the degree transcript." in status.text
    r = applicant.request(
        "POST",
        f"/my/{app_id}/respond",
        data={
            "csrf_token": csrf(status.text),
            "version": version(status.text),
            "response": "Uploaded the transcript.",
        },
    )
    assert "Your answer was sent to the officer." in r.text

    case = officer.get(f"/officer/cases/{app_id}").text
    decision = {
        "version": version(case),
        "decision": "approve",
        "reasons": ["graduate_route"],
        "text": "Degree verified.",
    }
    r = officer.request(
        "POST", f"/officer/cases/{app_id}/decide", data={"csrf_token": csrf(case), **decision}
    )
    assert r.status_code == 422 and 'id="f-override_code-error"' in r.text
    r = officer.request(
        "POST",
        f"/officer/cases/{app_id}/decide",
        data={"csrf_token": csrf(r.text), **decision, "override_code": "deployer_policy"},
    )
    # An override on the K visa takes effect once a supervisor approves it (four eyes).
    assert "等待主管批准" in r.text
    supervisor = Visitor(server.url)
    supervisor.login(account(server, Role.supervisor))
    page = f"/officer/cases/{app_id}"
    r = supervisor.submit(
        page, f"{page}/approval", {"version": version(supervisor.get(page).text), "confirm": "yes"}
    )
    assert "approval confirmed by a supervisor" in r.text
    r = officer.get(page)
    r = officer.request(
        "POST",
        f"/officer/cases/{app_id}/issue",
        data={
            "csrf_token": csrf(r.text),
            "version": version(r.text),
            "valid_from": "2026-03-20",
            "validity": "60",
            "validity_unit": "months",
            "entries": "multiple",
            "stay_days": "180",
        },
    )
    assert "签证已签发" in r.text
    mine = applicant.get(f"/my/{app_id}").text
    assert 'id="visa-number">K2026' in mine and "Mar 19, 2031" in mine
    assert "set by the officer" in mine
    # The applicant is told what the decision rests on, in the program's words and the officer's.
    assert "Criteria the decision rests on" in mine and "Degree verified." in mine
    assert CK.program.criteria["graduate_route"].label.en in mine


def test_employer_registers_and_sees_the_draw(server: Server) -> None:
    admin = Visitor(server.url)
    admin.login(account(server, Role.admin))
    season = f"FY20{30 + secrets.randbelow(60)}"
    r = admin.submit(
        "/admin/seasons",
        "/admin/seasons",
        {"season": season.lower(), "regular_target": "1", "advanced_target": "0"},
    )
    assert f"{season}: not open yet" in r.text
    r = admin.submit("/admin/seasons", f"/admin/seasons/{season}/open", {})
    employer = Visitor(server.url)
    employer.login(account(server, Role.employer, "Acme"))
    page = f"/employer/seasons/{season}"
    person = {
        "family_name": "Kumar",
        "given_name": "Asha",
        "date_of_birth": "1998-02-03",
        "passport_country": "IN",
        "passport_number": "Z1234567",
        "wage_level": "2",
        "soc_code": "15-1252",
        "worksite": "Austin, TX",
        "us_advanced_degree": "yes",
    }
    r = employer.submit(page, f"{page}/register", person)
    assert "The beneficiary is registered." in r.text and "$215.00" in r.text
    again = employer.submit(page, f"{page}/register", person)
    assert again.status_code == 409 and 'id="f-passport_number-error"' in again.text
    bad = employer.submit(page, f"{page}/register", {**person, "soc_code": "x"})
    assert bad.status_code == 400 and 'href="#f-soc_code"' in bad.text
    admin.submit("/admin/seasons", f"/admin/seasons/{season}/close", {})
    r = admin.submit("/admin/seasons", f"/admin/seasons/{season}/draw", {})
    assert f"{season}: drawn" in r.text
    result = employer.get(page + "?lang=zh_Hans").text
    assert "已抽中" in result and "talentvisa lottery verify" in result
    reveal = employer.get(f"{page}/reveal.json").json()
    assert reveal["season"] == season


def test_supervisor_reassigns_and_the_applicant_withdraws(server: Server) -> None:
    applicant = Visitor(server.url)
    applicant.login(account(server, Role.applicant))
    r = applicant.submit("/my/new", "/my/new", {})
    app_id = r.url.path.split("/")[2]
    you = {"name": "Ana Test", "dob": "1998-02-01", "nationality": "br", "passport": "ordinary"}
    r = applicant.request(
        "POST",
        f"/my/{app_id}/you",
        data={"csrf_token": csrf(r.text), "version": version(r.text), "go": "next", **you},
    )
    review = applicant.get(f"/my/{app_id}/review")
    key = re.search(r'name="idem_key" value="([^"]+)"', review.text)
    assert key
    submitted = applicant.request(
        "POST",
        f"/my/{app_id}/submit",
        data={"csrf_token": csrf(review.text), "version": version(review.text), "idem_key": key[1]},
    )
    assert submitted.url.path == f"/my/{app_id}", submitted.text[:300]
    first = Visitor(server.url)
    first.login(account(server, Role.officer, "Officer One"))
    first.submit(
        f"/officer/cases/{app_id}",
        f"/officer/cases/{app_id}/assign",
        {"version": version(first.get(f"/officer/cases/{app_id}").text)},
    )
    second_email = account(server, Role.officer, "Officer Two")
    with server.engine.connect() as c:
        second_id = c.execute(
            sa.text("select id from users where email = :e"), {"e": second_email}
        ).scalar_one()
    supervisor = Visitor(server.url)
    supervisor.login(account(server, Role.supervisor, "Supervisor"))
    case = supervisor.get(f"/officer/cases/{app_id}").text
    assert 'id="f-officer_id"' in case and "Officer Two" in case
    r = supervisor.request(
        "POST",
        f"/officer/cases/{app_id}/assign",
        data={"csrf_token": csrf(case), "version": version(case), "officer_id": str(second_id)},
    )
    assert r.status_code == 200 and "<dd>Officer Two</dd>" in r.text
    # The first officer no longer holds the case: the decision form is not offered.
    assert (
        'action="/officer/cases/' + app_id + '/decide"'
        not in first.get(f"/officer/cases/{app_id}").text
    )
    status = applicant.get(f"/my/{app_id}")
    r = applicant.request(
        "POST",
        f"/my/{app_id}/withdraw",
        data={"csrf_token": csrf(status.text), "version": version(status.text)},
    )
    assert "Your application was withdrawn." in r.text and "withdraw" not in r.text.split(
        "<h2>Timeline</h2>"
    )[0].split("</h1>")[1].lower().replace("withdrawn", "")
    stale = applicant.request(
        "POST",
        f"/my/{app_id}/withdraw",
        data={"csrf_token": csrf(status.text), "version": version(status.text)},
    )
    assert stale.status_code == 409 and 'class="error-summary"' in stale.text


def test_logging_out_revokes_the_session(server: Server) -> None:
    v = Visitor(server.url)
    v.login(account(server, Role.applicant))
    old = dict(v.jar)
    v.submit("/my", "/logout", {})
    assert "tv_session" not in v.jar
    v.jar = old  # someone replays the old cookie
    assert v.get("/my", follow=False).status_code == 303


def test_an_unexpected_error_is_a_page_without_internals(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("talentvisa.web.routes.public.fit.profile_of", broken)
    r = Visitor(server.url, accept_language="zh-CN").get("/fit/result?dob=2000-01-01")
    assert r.status_code == 500 and r.headers["content-type"].startswith("text/html")
    assert "出现了问题，未保存任何内容" in r.text and "secret" not in r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]
