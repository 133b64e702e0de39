"""Notices by email: the sender that drains the outbox (cases/notices.py) through SMTP.

Configured by environment (docs/operations.md):

    TALENTVISA_SMTP_HOST       the server; unset, nothing is sent and notices stay queued
    TALENTVISA_SMTP_PORT       default 25 (587 with STARTTLS)
    TALENTVISA_SMTP_USER       with TALENTVISA_SMTP_PASSWORD: log in (after STARTTLS if set)
    TALENTVISA_SMTP_FROM       the From address, default talentvisa@localhost
    TALENTVISA_SMTP_STARTTLS   1/true/yes: upgrade the connection before anything else
    TALENTVISA_PUBLIC_URL      where the portal is, for the links in notices

Mail is sent outside any database transaction: a notice is claimed, then sent, then marked,
each step its own short transaction, so a slow or absent server never holds a lock, never
blocks a decision and never rolls one back. Each notice is written in its recipient's
language (the case's `language`), from the message catalogs; a decision or grant notice
carries its letter as a PDF attachment and a link to the case page.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage

from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from talentvisa.auth.models import User
from talentvisa.cases import letters, notices
from talentvisa.cases.models import Application, Letter, Notice
from talentvisa.db.base import now
from talentvisa.db.unit_of_work import read
from talentvisa.i18n import LANGUAGES, N_, Lang

log = logging.getLogger("talentvisa.mail")
TRUE = {"1", "true", "yes", "on"}
TIMEOUT_SECONDS = 20


class MailConfigError(ValueError):
    """A mail setting in the environment that cannot be used; the message names it."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str | None
    password: str | None
    sender: str
    starttls: bool
    public_url: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings | None:
        """The settings in the environment, or None when no SMTP host is set."""
        env = os.environ if env is None else env
        host = env.get("TALENTVISA_SMTP_HOST", "").strip()
        if not host:
            return None
        starttls = env.get("TALENTVISA_SMTP_STARTTLS", "").strip().lower() in TRUE
        raw_port = env.get("TALENTVISA_SMTP_PORT", "").strip() or ("587" if starttls else "25")
        if not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
            raise MailConfigError(f"TALENTVISA_SMTP_PORT: {raw_port!r} is not a port number")
        user = env.get("TALENTVISA_SMTP_USER") or None
        password = env.get("TALENTVISA_SMTP_PASSWORD") or None
        if user and password is None:
            raise MailConfigError("TALENTVISA_SMTP_PASSWORD: needed with TALENTVISA_SMTP_USER")
        return cls(
            host=host,
            port=int(raw_port),
            user=user,
            password=password,
            sender=env.get("TALENTVISA_SMTP_FROM", "").strip() or "talentvisa@localhost",
            starttls=starttls,
            public_url=env.get("TALENTVISA_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
        )


#: Each kind of notice: its subject and its first paragraph, in the catalogs.
WORDING: dict[str, tuple[str, str]] = {
    "evidence_requested": (
        N_("The agency asks you for evidence (%(ref)s)"),
        N_(
            "The officer asks you for more documents about application %(ref)s. "
            "Please answer by %(due)s."
        ),
    ),
    "evidence_extended": (
        N_("Your deadline was extended (%(ref)s)"),
        N_("The deadline to answer about application %(ref)s is now %(due)s."),
    ),
    "evidence_reminder": (
        N_("Reminder: evidence due on %(due)s (%(ref)s)"),
        N_("Your answer to the request about application %(ref)s is due on %(due)s."),
    ),
    "evidence_overdue": (
        N_("The deadline for your evidence has passed (%(ref)s)"),
        N_(
            "The deadline of %(due)s passed without an answer. The officer may now decide "
            "application %(ref)s without it."
        ),
    ),
    "decision_approve": (
        N_("Your application %(ref)s is approved"),
        N_("Your application %(ref)s is approved. The decision letter is attached."),
    ),
    "decision_refuse": (
        N_("A decision on your application %(ref)s"),
        N_(
            "Your application %(ref)s is refused. The decision letter, with the reasons, "
            "is attached."
        ),
    ),
    "issued": (
        N_("Your visa has been issued (%(ref)s)"),
        N_("Your visa is issued. The grant notice with its terms is attached."),
    ),
}
OTHER = (
    N_("News about your application %(ref)s"),
    N_("There is news about your application %(ref)s."),
)


@dataclass(frozen=True)
class Outgoing:
    notice_id: str
    message: EmailMessage


def _wording(notice: Notice) -> tuple[str, str]:
    kind = notice.kind
    if kind == "decision":
        kind = f"decision_{notice.data.get('decision')}"
    return WORDING.get(kind, OTHER)


def compose(session: Session, notice: Notice, settings: SmtpSettings) -> EmailMessage:
    """The email for one notice, in the case's language, with its letter attached."""
    app = session.get(Application, notice.application_id)
    recipient = session.get(User, notice.recipient_id)
    assert app is not None and recipient is not None  # foreign keys
    lang = Lang(app.language if app.language in LANGUAGES else "en")
    due = notice.data.get("due")
    values = {
        "ref": app.id[:8],
        "due": format_date(dt.date.fromisoformat(due), "long", locale=lang.locale) if due else "",
    }
    subject, first = (lang.gettext(m) % values for m in _wording(notice))
    page = f"{settings.public_url}/my/{app.id}"
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = settings.sender
    msg["To"] = Address(recipient.display_name, addr_spec=recipient.email)
    msg["Message-ID"] = f"<notice-{notice.id}@talentvisa>"
    msg.set_content(
        "\n\n".join(
            (
                first,
                lang.gettext("Your case page: %(url)s") % {"url": page},
                lang.gettext("This message was sent by talentvisa; replies are not read."),
            )
        )
        + "\n"
    )
    msg["Content-Language"] = lang.html  # after set_content, which clears Content-* headers
    kind = notice.data.get("letter")
    letter = (
        session.scalar(select(Letter).where(Letter.application_id == app.id, Letter.kind == kind))
        if kind
        else None
    )
    if letter is not None:
        msg.add_attachment(
            letter.content,
            maintype="application",
            subtype="pdf",
            filename=letters.filename(letter),
        )
    return msg


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
    try:
        if settings.starttls:
            smtp.starttls()
        if settings.user and settings.password is not None:
            smtp.login(settings.user, settings.password)
    except BaseException:
        smtp.close()
        raise
    return smtp


@dataclass
class Drained:
    sent: int = 0
    failed: int = 0


def drain(
    factory: sessionmaker[Session],
    settings: SmtpSettings,
    *,
    at: dt.datetime | None = None,
    limit: int = 100,
) -> Drained:
    """Send the notices due at `at` (default now), once each; failures stay queued."""
    at = at or now()
    sender = secrets.token_hex(16)
    done = Drained()
    ids = notices.claim(factory, sender, at, limit)
    if not ids:
        return done
    outgoing: list[Outgoing] = []
    broken: list[tuple[str, str]] = []
    with read(factory) as work:
        for notice_id in ids:
            notice = work.session.get(Notice, notice_id)
            assert notice is not None  # claimed, and notices are never deleted
            try:
                outgoing.append(Outgoing(notice_id, compose(work.session, notice, settings)))
            except (ValueError, KeyError, TypeError) as exc:  # e.g. an address no header can hold
                broken.append((notice_id, f"cannot compose: {exc}"))
    for notice_id, why in broken:
        notices.failed(factory, notice_id, sender, why, at)
    done.failed = len(broken)
    try:
        smtp = _connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        why = f"cannot reach {settings.host}:{settings.port}: {exc}"
        log.warning("%s; %d notices stay queued", why, len(outgoing))
        for o in outgoing:
            notices.failed(factory, o.notice_id, sender, why, at)
        done.failed += len(outgoing)
        return done
    with smtp:
        for o in outgoing:
            try:
                smtp.send_message(o.message)
            except (OSError, smtplib.SMTPException) as exc:
                notices.failed(factory, o.notice_id, sender, f"{type(exc).__name__}: {exc}", at)
                done.failed += 1
                continue
            notices.delivered(factory, o.notice_id, sender)
            done.sent += 1
    return done


def send_due(factory: sessionmaker[Session], at: dt.datetime) -> int:
    """The scheduler's job: drain the outbox with the environment's settings; the number sent.

    Without TALENTVISA_SMTP_HOST nothing is sent and the notices wait in the outbox."""
    settings = SmtpSettings.from_env()
    if settings is None:
        return 0
    return drain(factory, settings).sent
