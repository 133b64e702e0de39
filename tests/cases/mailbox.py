"""A real SMTP server (aiosmtpd) on a free local port, that keeps what it receives and can be
told to refuse mail; and Debian's Chinese font for the letters, installed when missing."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from talentvisa.cases import letters
from talentvisa.cases.mail import SmtpSettings
from tests.api.fixtures import free_port
from tests.web.browser import _apt_install


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class Mailbox:
    host: str
    port: int
    received: list[Received] = field(default_factory=list)
    #: While set, every message is refused with this SMTP reply.
    refuse: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return self.refuse
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 OK"

    def settings(self, **overrides: Any) -> SmtpSettings:
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "user": None,
            "password": None,
            "sender": "visas@agency.example",
            "starttls": False,
            "public_url": "https://portal.example",
        }
        return SmtpSettings(**(values | overrides))

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [r.message for r in self.received if address in r.recipients]


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox("127.0.0.1", free_port())
    controller = Controller(box, hostname=box.host, port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def cjk_font() -> None:
    """A Chinese TrueType font from Debian's packages, as the letters need."""
    try:
        letters.font_file()
    except letters.LetterFontMissing:
        _apt_install("fonts-wqy-microhei")
        letters.font_file()
