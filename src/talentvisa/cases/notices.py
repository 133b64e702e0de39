"""Notices to applicants, queued in an outbox (the `notices` table) in the same transaction
as the change they tell of, so a notice is never lost nor sent for a change that rolled back.

Nothing here sends mail: the sender (cases/mail.py) `claim`s due notices, delivers them
outside any transaction, and marks each `delivered` or `failed`. Each notice has a key naming
the event it tells of, so queuing it twice (two workers, a retry) keeps one.

A claim is a conditional UPDATE, so two senders never hold the same notice: on PostgreSQL the
candidates are read ``FOR UPDATE SKIP LOCKED`` and the UPDATE re-checks the claim after any
wait; SQLite has one writer at a time. A claim lasts `LEASE`: a sender that dies mid-run
leaves its notices to the next run once the lease ends. That is the one case in which a
notice can go out twice (sent, then the process died before marking it), and its Message-ID
is the notice's, so the recipient's mail system can recognise the copy.

A failed send stays queued: `attempts` counts the tries, `last_error` says why the last one
failed, and `next_attempt_at` backs off (`backoff`) so a server that is down is not hammered.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from talentvisa.cases.models import Application, Notice
from talentvisa.db.base import new_id, now
from talentvisa.db.unit_of_work import write

#: How long a sender's claim on a notice holds: far longer than one SMTP conversation.
LEASE = dt.timedelta(minutes=10)
#: The wait after the first failure, doubled after each further one, up to `BACKOFF_MAX`.
BACKOFF_FIRST = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=6)
#: The last error is kept to this length: enough for any SMTP reply.
ERROR_MAX = 1000


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


def backoff(attempts: int) -> dt.timedelta:
    """The wait before the next try after `attempts` failed ones (1, 2, 4 ... minutes)."""
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def _due(at: dt.datetime) -> Any:
    return and_(
        Notice.sent_at.is_(None),
        or_(Notice.next_attempt_at.is_(None), Notice.next_attempt_at <= at),
        or_(Notice.claimed_until.is_(None), Notice.claimed_until < at),
    )


def claim(
    factory: sessionmaker[Session], sender: str, at: dt.datetime, limit: int = 100
) -> list[str]:
    """Claim up to `limit` notices due at `at` for `sender`, oldest first; their ids."""
    with write(factory) as work:
        s = work.session
        ids = list(
            s.scalars(
                select(Notice.id)
                .where(_due(at))
                .order_by(Notice.created_at, Notice.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if not ids:
            return []
        s.execute(
            update(Notice)
            .where(Notice.id.in_(ids), _due(at))
            .values(claimed_by=sender, claimed_until=at + LEASE)
            .execution_options(synchronize_session=False)
        )
        return list(
            s.scalars(
                select(Notice.id)
                .where(Notice.id.in_(ids), Notice.claimed_by == sender)
                .order_by(Notice.created_at, Notice.id)
            )
        )


def delivered(factory: sessionmaker[Session], notice_id: str, sender: str) -> None:
    with write(factory) as work:
        work.session.execute(
            update(Notice)
            .where(Notice.id == notice_id, Notice.claimed_by == sender)
            .values(
                sent_at=now(),
                attempts=Notice.attempts + 1,
                last_error=None,
                next_attempt_at=None,
                claimed_by=None,
                claimed_until=None,
            )
            .execution_options(synchronize_session=False)
        )


def failed(
    factory: sessionmaker[Session], notice_id: str, sender: str, error: str, at: dt.datetime
) -> None:
    """Leave the notice queued, with the error and the time of its next try."""
    with write(factory) as work:
        s = work.session
        notice = s.get(Notice, notice_id)
        if notice is None or notice.claimed_by != sender:
            return
        notice.attempts = (notice.attempts or 0) + 1
        notice.last_error = error[:ERROR_MAX]
        notice.next_attempt_at = at + backoff(notice.attempts)
        notice.claimed_by, notice.claimed_until = None, None
