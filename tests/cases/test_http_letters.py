"""Issue 15, item 6, over real HTTP on both databases: decision letters and grant notices as
PDF in the applicant's language, made when the decision takes effect (after four eyes), kept
with their SHA-256 and downloadable by the applicant and the staff; and their notices by email
through a real SMTP server, sent once, retried when the server refuses or is down."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from talentvisa.audit import keys
from talentvisa.auth.models import Role
from talentvisa.cases import letters, mail, scheduler
from talentvisa.cases.models import Notice
from talentvisa.db.engine import make_engine, session_factory
from tests.api.fixtures import PROFILE, TODAY, Server, free_port
from tests.cases.mailbox import Mailbox, cjk_font, mailbox
from tests.conftest import run_cli

__all__ = ["cjk_font", "mailbox"]  # fixtures
pytestmark = pytest.mark.usefixtures("cjk_font")
LATER = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)  # past any backoff
NOON = dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC)  # the scheduler runs at a moment


def _ok(r: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    return body


def _case(
    server: Server, officer: httpx.Client, name: str, language: str
) -> tuple[httpx.Client, str, dict[str, Any]]:
    """A submitted K visa case under review by `officer`: applicant client, email, case."""
    email = f"applicant-{secrets.token_hex(6)}@example.org"
    _, token = server.user(Role.applicant, email)
    applicant = server.client(token)
    body = {"profile": {**PROFILE, "name": name}, "language": language}
    app = _ok(applicant.post("/applications", json=body), 201)
    key = {"Idempotency-Key": f"submit-{app['id']}"}
    case = _ok(
        applicant.post(f"/applications/{app['id']}/submit", json={"version": 1}, headers=key)
    )
    case = _ok(
        officer.post(f"/applications/{case['id']}/assign", json={"version": case["version"]})
    )
    return applicant, email, case


def _decided(
    server: Server, officer: httpx.Client, supervisor: httpx.Client, case: dict[str, Any], how: str
) -> dict[str, Any]:
    """Decide the case against its (unknown) pre-screen; a supervisor confirms (four eyes)."""
    decision = {
        "decision": how,
        "reasons": ["graduate_route", "age_requirement"],
        "text": "Checked against the passport and the degree certificate.",
        "override_code": "evidence_resolves_unknown",
        "version": case["version"],
    }
    case = _ok(officer.post(f"/applications/{case['id']}/decision", json=decision))
    assert case["state"] == "pending_approval" and case["letters"] == []
    return _ok(
        supervisor.post(
            f"/applications/{case['id']}/approval",
            json={"confirm": True, "version": case["version"]},
        )
    )


def _pdf_text(content: bytes) -> str:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def _download(client: httpx.Client, case_id: str, kind: str) -> httpx.Response:
    r = client.get(f"/applications/{case_id}/letters/{kind}")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    return r


def _staff(server: Server) -> tuple[httpx.Client, httpx.Client]:
    return server.client(server.user(Role.officer)[1]), server.client(
        server.user(Role.supervisor)[1]
    )


def test_letters_in_english_and_chinese(server: Server) -> None:
    officer, supervisor = _staff(server)
    en_client, _, en_case = _case(server, officer, "Ada Lovelace", "en")
    zh_client, _, zh_case = _case(server, officer, "李明", "zh")

    early = en_client.get(f"/applications/{en_case['id']}/letters/decision")
    assert early.status_code == 404 and early.json()["error"]["code"] == "not_found"

    approved = _decided(server, officer, supervisor, en_case, "approve")
    assert approved["state"] == "approved"
    (listed,) = approved["letters"]
    assert listed["kind"] == "decision" and listed["language"] == "en"
    first = _download(en_client, approved["id"], "decision")
    digest = hashlib.sha256(first.content).hexdigest()
    assert digest == listed["sha256"] == first.headers["x-content-sha256"]
    assert len(first.content) == listed["size"]
    again = _download(officer, approved["id"], "decision")  # the officer too, same bytes
    assert again.content == first.content
    text = _pdf_text(first.content)
    assert "Ada Lovelace" in text and "Your application is approved." in text
    assert "India" in text and en_case["id"][:8] in text

    refused = _decided(server, officer, supervisor, zh_case, "refuse")
    assert refused["state"] == "refused" and refused["language"] == "zh_Hans"
    zh_pdf = _download(zh_client, refused["id"], "decision").content
    zh_text = _pdf_text(zh_pdf)
    assert "李明" in zh_text and "您的申请未获批准。" in zh_text
    assert "印度" in zh_text and "决定所依据的条件" in zh_text
    assert "Your application" not in zh_text  # the catalog's words, not English

    # Only the case's own applicant, and staff, may read it; others do not learn it exists.
    assert en_client.get(f"/applications/{refused['id']}/letters/decision").status_code == 404
    listing = zh_client.get(f"/applications/{refused['id']}/letters").json()
    assert [x["sha256"] for x in listing] == [hashlib.sha256(zh_pdf).hexdigest()]


def test_grant_notice_on_issue(server: Server) -> None:
    officer, supervisor = _staff(server)
    applicant, _, case = _case(server, officer, "Grace Hopper", "en")
    case = _decided(server, officer, supervisor, case, "approve")
    issued = _ok(
        officer.post(
            f"/applications/{case['id']}/issue",
            json={
                "version": case["version"],
                "valid_from": TODAY.isoformat(),
                "validity": 12,
                "validity_unit": "months",
                "entries": "multiple",
                "stay_days": 180,
            },
        )
    )
    assert [x["kind"] for x in issued["letters"]] == ["decision", "grant"]
    text = _pdf_text(_download(applicant, case["id"], "grant").content)
    assert "Visa grant notice" in text and issued["visa_number"] in text
    assert "Grace Hopper" in text and "March 20, 2026" in text


def _drain_all(server: Server, box: Mailbox, minutes: int = 0, **settings: Any) -> mail.Drained:
    """Drain the outbox as it stands `minutes` after `LATER`."""
    at = LATER + dt.timedelta(minutes=minutes)
    return mail.drain(server.app.state.runtime.factory, box.settings(**settings), at=at)


def test_notices_reach_the_smtp_server_in_the_applicants_language(
    server: Server, mailbox: Mailbox
) -> None:
    officer, supervisor = _staff(server)
    _, zh_email, zh_case = _case(server, officer, "王芳", "zh_Hans")
    _, en_email, en_case = _case(server, officer, "Alan Turing", "en")
    due = TODAY + dt.timedelta(days=2)  # inside the reminder window
    r = officer.post(
        f"/applications/{zh_case['id']}/request-evidence",
        json={
            "message": "Please send these.",
            "due": due.isoformat(),
            "version": zh_case["version"],
        },
    )
    _ok(r)
    factory = server.app.state.runtime.factory
    assert scheduler.remind(factory, NOON) >= 1
    _decided(server, officer, supervisor, en_case, "refuse")
    drained = _drain_all(server, mailbox)
    assert drained.failed == 0 and drained.sent >= 3, drained

    zh_mail = mailbox.to(zh_email)
    subjects = sorted(str(m["Subject"]) for m in zh_mail)
    assert len(zh_mail) == 2, subjects  # the request and the reminder
    assert all(m["Content-Language"] == "zh-Hans" for m in zh_mail), [
        (m["Subject"], m["Content-Language"]) for m in zh_mail
    ]
    assert any("2026年3月22日" in s and "提醒" in s for s in subjects), subjects
    (en_mail,) = mailbox.to(en_email)
    assert en_mail["Subject"] == f"A decision on your application {en_case['id'][:8]}"
    assert en_mail["From"] == "visas@agency.example"
    body = en_mail.get_body(("plain",))
    assert body is not None and f"https://portal.example/my/{en_case['id']}" in body.get_content()
    (attached,) = list(en_mail.iter_attachments())
    assert attached.get_content_type() == "application/pdf"
    assert "Your application is refused." in _pdf_text(attached.get_content())

    _drain_all(server, mailbox)  # a second run sends nothing again
    assert len(mailbox.to(zh_email)) == 2 and len(mailbox.to(en_email)) == 1


def test_a_refusing_or_absent_server_leaves_notices_queued(
    server: Server, mailbox: Mailbox
) -> None:
    officer, _ = _staff(server)
    _, email, case = _case(server, officer, "Katherine Johnson", "en")
    body = {"message": "Please send these.", "due": "2026-04-30", "version": case["version"]}
    _ok(officer.post(f"/applications/{case['id']}/request-evidence", json=body))

    down = _drain_all(server, mailbox, port=free_port())  # bound and released: no one listens
    assert down.sent == 0 and down.failed >= 1
    state = _outbox(server, case["id"])
    assert state["attempts"] == 1 and state["sent_at"] is None
    assert "cannot reach" in state["last_error"] and state["next_attempt_at"] is not None

    # Not due again before its backoff: a run now leaves it alone.
    _drain_all(server, mailbox, minutes=0)  # not due again before its backoff (1 minute)
    assert mailbox.to(email) == [] and _outbox(server, case["id"])["attempts"] == 1

    mailbox.refuse = "550 5.7.1 mailbox unavailable"
    try:
        refused = _drain_all(server, mailbox, minutes=2)
    finally:
        mailbox.refuse = None
    assert refused.failed >= 1 and mailbox.to(email) == []
    state = _outbox(server, case["id"])
    assert state["attempts"] == 2 and "550" in state["last_error"]

    assert _drain_all(server, mailbox, minutes=3).sent == 0  # backoff doubled: 2 minutes
    _drain_all(server, mailbox, minutes=5)
    _drain_all(server, mailbox, minutes=60)
    assert len(mailbox.to(email)) == 1  # sent once, after two failures
    state = _outbox(server, case["id"])
    assert state["sent_at"] is not None and state["attempts"] == 3 and state["last_error"] is None


def test_two_senders_do_not_send_twice(server: Server, mailbox: Mailbox) -> None:
    officer, _ = _staff(server)
    emails = []
    for i in range(6):
        _, email, case = _case(server, officer, f"Person{i} Sender", "en")
        body = {"message": "Please send these.", "due": "2026-04-30", "version": case["version"]}
        _ok(officer.post(f"/applications/{case['id']}/request-evidence", json=body))
        emails.append(email)
    url = server.engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url) for _ in range(2)]
    for e in engines:
        keys.bind(e, server.data_dir)
    start = threading.Barrier(2)
    sent = [0, 0]
    failed: list[BaseException] = []

    def work(i: int) -> None:
        start.wait()
        try:
            sent[i] = mail.drain(
                session_factory(engines[i]), mailbox.settings(), at=LATER, limit=3
            ).sent
            sent[i] += mail.drain(session_factory(engines[i]), mailbox.settings(), at=LATER).sent
        except BaseException as exc:
            failed.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for e in engines:
        e.dispose()
    assert not failed, failed
    assert [len(mailbox.to(e)) for e in emails] == [1] * 6
    ids = [str(r.message["Message-ID"]) for r in mailbox.received]
    assert len(ids) == len(set(ids))  # no notice went out twice, whoever sent it


def _outbox(server: Server, app_id: str) -> dict[str, Any]:
    with server.engine.connect() as c:
        row = c.execute(
            sa.select(
                Notice.attempts, Notice.sent_at, Notice.last_error, Notice.next_attempt_at
            ).where(Notice.application_id == app_id, Notice.kind == "evidence_requested")
        ).one()
        return dict(row._mapping)


def test_the_scheduler_sends_reminders_through_smtp(
    server: Server, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer, _ = _staff(server)
    _, email, case = _case(server, officer, "Mary Jackson", "zh")
    due = (TODAY + dt.timedelta(days=1)).isoformat()
    body = {"message": "Please send these.", "due": due, "version": case["version"]}
    _ok(officer.post(f"/applications/{case['id']}/request-evidence", json=body))
    monkeypatch.setenv("TALENTVISA_SMTP_HOST", mailbox.host)
    monkeypatch.setenv("TALENTVISA_SMTP_PORT", str(mailbox.port))
    monkeypatch.setenv("TALENTVISA_PUBLIC_URL", "https://visas.example")
    done = scheduler.run_once(server.app.state.runtime.factory, NOON)
    assert done["evidence_reminders"] >= 1 and done["notices"] >= 2
    got = {str(m["Subject"]): m for m in mailbox.to(email)}
    assert len(got) == 2, list(got)
    (reminder,) = [m for s, m in got.items() if s.startswith("提醒")]
    text = reminder.get_body(("plain",))
    assert text is not None and f"https://visas.example/my/{case['id']}" in text.get_content()
    assert scheduler.run_once(server.app.state.runtime.factory, NOON)["notices"] == 0


def test_without_a_chinese_font_the_decision_does_not_take_effect(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer, supervisor = _staff(server)
    _, _, case = _case(server, officer, "Dorothy Vaughan", "en")
    decision = {
        "decision": "approve",
        "reasons": ["graduate_route"],
        "text": "Checked.",
        "override_code": "evidence_resolves_unknown",
        "version": case["version"],
    }
    case = _ok(officer.post(f"/applications/{case['id']}/decision", json=decision))
    monkeypatch.setenv(letters.FONT_ENV, "/nonexistent/cjk.ttc")
    confirm = {"confirm": True, "version": case["version"]}
    r = supervisor.post(f"/applications/{case['id']}/approval", json=confirm)
    assert r.status_code == 503, r.text
    error = r.json()["error"]
    assert error["field"] == letters.FONT_ENV and "/nonexistent/cjk.ttc" in error["message"]
    still = _ok(officer.get(f"/applications/{case['id']}"))
    assert still["state"] == "pending_approval" and still["decision"] is None
    assert _decision_notices(server, case["id"]) == []  # nothing half-written
    monkeypatch.delenv(letters.FONT_ENV)
    done = _ok(supervisor.post(f"/applications/{case['id']}/approval", json=confirm))
    assert done["state"] == "approved" and [x["kind"] for x in done["letters"]] == ["decision"]


def test_the_font_error_names_the_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(letters.FONT_ENV, raising=False)
    monkeypatch.setattr(letters, "CJK_FONTS", ())
    with pytest.raises(letters.LetterFontMissing, match="fonts-wqy-microhei"):
        letters.font_file()


def test_mail_settings_from_the_environment() -> None:
    assert mail.SmtpSettings.from_env({}) is None  # no host: notices stay queued
    tls = mail.SmtpSettings.from_env(
        {
            "TALENTVISA_SMTP_HOST": "smtp.example",
            "TALENTVISA_SMTP_STARTTLS": "yes",
            "TALENTVISA_SMTP_USER": "u",
            "TALENTVISA_SMTP_PASSWORD": "p",
        }
    )
    assert tls is not None and (tls.port, tls.starttls, tls.user) == (587, True, "u")
    with pytest.raises(mail.MailConfigError, match="TALENTVISA_SMTP_PORT"):
        mail.SmtpSettings.from_env({"TALENTVISA_SMTP_HOST": "h", "TALENTVISA_SMTP_PORT": "x"})
    with pytest.raises(mail.MailConfigError, match="TALENTVISA_SMTP_PASSWORD"):
        mail.SmtpSettings.from_env({"TALENTVISA_SMTP_HOST": "h", "TALENTVISA_SMTP_USER": "u"})


def _decision_notices(server: Server, app_id: str) -> list[str]:
    with server.engine.connect() as c:
        rows = c.execute(
            sa.select(Notice.kind).where(Notice.application_id == app_id, Notice.kind == "decision")
        )
        return [r[0] for r in rows]


def test_the_worker_refuses_unusable_mail_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TALENTVISA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TALENTVISA_DATABASE_URL", raising=False)
    monkeypatch.setenv("TALENTVISA_SMTP_HOST", "smtp.example")
    monkeypatch.setenv("TALENTVISA_SMTP_PORT", "twenty-five")
    done = run_cli("worker", "--once")
    assert done.returncode == 2
    assert done.stderr.strip() == "error: TALENTVISA_SMTP_PORT: 'twenty-five' is not a port number"
    assert "Traceback" not in done.stderr


def test_an_unknown_kind_of_letter_is_not_found(server: Server) -> None:
    officer, _ = _staff(server)
    applicant, _, case = _case(server, officer, "Hedy Lamarr", "en")
    r = applicant.get(f"/applications/{case['id']}/letters/verdict")
    assert r.status_code == 404 and "decision, grant" in r.json()["error"]["message"]
