"""Notices to applicants, queued in an outbox (the `notices` table) in the same transaction
as the change they tell of, so a notice is never lost nor sent for a change that rolled back.

Nothing here sends mail: a sender reads `unsent`, delivers, and sets `sent_at`. Each notice
has a key naming the event it tells of, so queuing it twice (two workers, a retry) keeps one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from talentvisa.cases.models import Application, Notice
from talentvisa.db.base import new_id, now


def queue(session: Session, key: str, app: Application, kind: str, data: dict[str, Any]) -> None:
    """Queue one notice to the case's applicant, unless one with this key is queued."""
    if session.scalar(select(Notice.id).where(Notice.key == key)) is not None:
        return
    session.add(
        Notice(
            id=new_id(),
            key=key,
            application_id=app.id,
            recipient_id=app.applicant_id,
            kind=kind,
            data=data,
            created_at=now(),
            attempts=0,
        )
    )


def unsent(session: Session, limit: int = 100) -> list[Notice]:
    return list(
        session.scalars(
            select(Notice).where(Notice.sent_at.is_(None)).order_by(Notice.created_at).limit(limit)
        )
    )


def of_case(session: Session, app_id: str) -> list[Notice]:
    return list(
        session.scalars(
            select(Notice).where(Notice.application_id == app_id).order_by(Notice.created_at)
        )
    )
