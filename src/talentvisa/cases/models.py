from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from talentvisa.db.base import Base, UTCDateTime, new_id, now


class Application(Base):
    __tablename__ = "applications"
    # One index per sort of the queue, each ending in the id that breaks ties (cases/queue.py).
    __table_args__ = (
        Index("ix_applications_queue_submitted", "submitted_at", "id"),
        Index("ix_applications_queue_state", "state", "submitted_at", "id"),
        Index("ix_applications_queue_updated", "updated_at", "id"),
        Index("ix_applications_queue_due", "evidence_due", "id"),
        Index("ix_applications_queue_name", "applicant_name", "id"),
        Index("ix_applications_queue_program", "program_id", "id"),
        Index("ix_applications_queue_prescreen", "prescreen_outcome", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    program_id: Mapped[str] = mapped_column(String(60))
    state: Mapped[str] = mapped_column(String(30), index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    assigned_officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    prescreen_outcome: Mapped[str | None] = mapped_column(String(20))
    # The stored Assessment is large and few views need it: load it only when read.
    prescreen: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)
    program_hash: Mapped[str | None] = mapped_column(String(64))
    #: The agency settings version the pre-screen ran with (cases/settings.py).
    settings_version: Mapped[int | None] = mapped_column(Integer)
    prescreen_on: Mapped[dt.date | None] = mapped_column(Date)
    decision: Mapped[str | None] = mapped_column(String(20))
    decision_reasons: Mapped[list[str] | None] = mapped_column(JSON)
    decision_text: Mapped[str | None] = mapped_column(Text)
    override_code: Mapped[str | None] = mapped_column(String(40))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    visa_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    issued: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Copies the queue sorts by (0011_queue): the name as submitted, the due date of the
    # request still waiting, and when evidence last arrived.
    applicant_name: Mapped[str | None] = mapped_column(String(200))
    evidence_due: Mapped[dt.date | None] = mapped_column(Date)
    evidence_received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: The language the applicant is written to in (letters, notices): a catalog language.
    language: Mapped[str] = mapped_column(String(10), default="en", server_default="en")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's API


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    # The checklist item of a request for evidence this file answers (cases/checklist.py).
    evidence_request_id: Mapped[str | None] = mapped_column(ForeignKey("evidence_requests.id"))
    item_id: Mapped[str | None] = mapped_column(String(60))


class EvidenceRequest(Base):
    __tablename__ = "evidence_requests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    message: Mapped[str] = mapped_column(Text)
    #: The deadline's local date in `due_zone` (what the officer chose, and the letters say).
    due: Mapped[dt.date] = mapped_column(Date)
    #: The deadline itself, a moment (UTC): the scheduler compares it with the clock.
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    #: The IANA zone the deadline was set in: the agency's (cases/zones.py).
    due_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    response: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: open, answered, lapsed (the deadline passed), cancelled.
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    #: The checklist (cases/checklist.py): [{"id", "label", "document"?}].
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class IdempotencyRecord(Base):
    """A completed request, replayed when a client retries with the same key."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)


class DecisionProposal(Base):
    """A decision waiting for a second person (cases/approval.py): who proposed it, who
    confirmed it or sent it back."""

    __tablename__ = "decision_proposals"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    decision: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)
    override_code: Mapped[str | None] = mapped_column(String(40))
    why: Mapped[str] = mapped_column(String(40))  # override, refusal
    proposed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(20))  # confirmed, sent_back
    note: Mapped[str | None] = mapped_column(Text)


class Notice(Base):
    """A notice queued for a person (the outbox): a mail sender delivers it and sets
    `sent_at`; `key` makes queuing the same notice twice a no-op."""

    __tablename__ = "notices"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: After a failed send: not before this moment (backoff), and why it failed.
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: The sender run delivering it now, and until when its claim holds (cases/mail.py).
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Letter(Base):
    """A letter to the applicant as the PDF it was sent as (cases/letters.py): made once, when
    the decision takes effect or the visa is issued, and never re-rendered, so every download
    is the same bytes with the same SHA-256."""

    __tablename__ = "letters"
    __table_args__ = (
        UniqueConstraint("application_id", "kind", name="uq_letters_application_kind"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # decision, grant
    language: Mapped[str] = mapped_column(String(10))
    # Deferred: listing a case's letters should not read their bytes.
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
