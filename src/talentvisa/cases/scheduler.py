"""Deadlines that run themselves: jobs that move a case whose evidence deadline passed and
remind applicants before it, run by APScheduler inside `serve` or by `talentvisa worker`.

Each job is idempotent and safe with several workers at once. A worker claims a case with a
conditional UPDATE (`... WHERE state = 'awaiting_evidence'`): when two workers race, the
database lets one UPDATE through and the other, re-reading the row after the first commits,
matches nothing, so the case moves once and its audit event is written once. On PostgreSQL
candidates are read ``FOR UPDATE SKIP LOCKED``, so workers share the work instead of queueing
on the same rows; SQLite has one writer at a time anyway.

A deadline is a date: it passes when the day after it begins (`today > due`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, CursorResult, Update, and_, select, update
from sqlalchemy.orm import Session, sessionmaker

from talentvisa.audit import service as audit
from talentvisa.cases import mail, notices
from talentvisa.cases.models import Application, EvidenceRequest
from talentvisa.cases.workflow import DEADLINE_PASSED, TRANSITIONS
from talentvisa.db.base import now
from talentvisa.db.unit_of_work import write

log = logging.getLogger("talentvisa.scheduler")
Today = Callable[[], dt.date]
#: Days before the deadline the applicant is reminded. An agency's practice, not the law's
#: (no program publishes one): assumed, and meant to move to the agency's settings.
REMIND_DAYS_BEFORE = 3
#: Cases one job run claims per transaction, so a long backlog never holds one long lock.
BATCH = 100
_LAPSE = TRANSITIONS[DEADLINE_PASSED]
(_WAITING,) = _LAPSE.sources


def _candidates(session: Session, *conditions: ColumnElement[bool]) -> list[EvidenceRequest]:
    q = (
        select(EvidenceRequest)
        .join(Application, Application.id == EvidenceRequest.application_id)
        .where(EvidenceRequest.status == "open", Application.state == _WAITING.value, *conditions)
        .order_by(EvidenceRequest.due, EvidenceRequest.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True, of=EvidenceRequest)
    )
    return list(session.scalars(q))


def lapse_overdue(factory: sessionmaker[Session], today: dt.date) -> int:
    """Move every case whose evidence deadline passed to the state the workflow declares
    (`deadline_passed`); the number moved by this call."""
    moved = 0
    while True:
        with write(factory) as work:
            s = work.session
            batch = _candidates(s, EvidenceRequest.due < today)
            for rfe in batch:
                moved += _lapse(s, rfe, today)
        if len(batch) < BATCH:
            return moved


def _claimed(s: Session, stmt: Update) -> bool:
    """Whether this conditional UPDATE changed the row (and so this worker owns the step)."""
    result = s.execute(stmt.execution_options(synchronize_session=False))
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def _lapse(s: Session, rfe: EvidenceRequest, today: dt.date) -> int:
    if not _claimed(
        s,
        update(Application)
        .where(and_(Application.id == rfe.application_id, Application.state == _WAITING.value))
        .values(state=_LAPSE.target.value, version=Application.version + 1, updated_at=now()),
    ):
        return 0  # another worker moved it, or the applicant answered first
    rfe.status, rfe.closed_at = "lapsed", now()
    audit.append(
        s,
        actor_id=None,
        entity_type="application",
        entity_id=rfe.application_id,
        action=DEADLINE_PASSED,
        data={
            "from": _WAITING.value,
            "to": _LAPSE.target.value,
            "request": rfe.id,
            "due": rfe.due.isoformat(),
            "on": today.isoformat(),
        },
    )
    app = s.get(Application, rfe.application_id)
    assert app is not None
    notices.queue(s, f"lapsed:{rfe.id}:{rfe.due}", app, "evidence_overdue", {"due": str(rfe.due)})
    return 1


def remind(factory: sessionmaker[Session], today: dt.date) -> int:
    """Remind each applicant once per deadline, `REMIND_DAYS_BEFORE` days before it."""
    sent = 0
    horizon = today + dt.timedelta(days=REMIND_DAYS_BEFORE)
    while True:
        with write(factory) as work:
            s = work.session
            batch = _candidates(
                s,
                EvidenceRequest.reminded_at.is_(None),
                EvidenceRequest.due >= today,
                EvidenceRequest.due <= horizon,
            )
            for rfe in batch:
                sent += _remind(s, rfe)
        if len(batch) < BATCH:
            return sent


def _remind(s: Session, rfe: EvidenceRequest) -> int:
    if not _claimed(
        s,
        update(EvidenceRequest)
        .where(EvidenceRequest.id == rfe.id, EvidenceRequest.reminded_at.is_(None))
        .values(reminded_at=now()),
    ):
        return 0
    app = s.get(Application, rfe.application_id)
    assert app is not None
    due = rfe.due.isoformat()
    notices.queue(s, f"reminder:{rfe.id}:{due}", app, "evidence_reminder", {"due": due})
    audit.append(
        s,
        actor_id=None,
        entity_type="application",
        entity_id=rfe.application_id,
        action="reminder",
        data={"request": rfe.id, "due": due},
    )
    return 1


@dataclass(frozen=True)
class Job:
    run: Callable[[sessionmaker[Session], dt.date], int]
    every_seconds: int
    what: str


#: Every job the scheduler runs, by name.
JOBS: dict[str, Job] = {
    "evidence_deadlines": Job(lapse_overdue, 300, "cases moved: evidence deadline passed"),
    "evidence_reminders": Job(remind, 3600, "reminders queued"),
    # Drains the outbox (reminders, requests, decisions) through SMTP; cases/mail.py.
    "notices": Job(mail.send_due, 60, "notices sent by email"),
}


def run_once(factory: sessionmaker[Session], today: dt.date) -> dict[str, int]:
    """Run every job once, now: what `talentvisa worker --once` does."""
    return {name: job.run(factory, today) for name, job in JOBS.items()}


def _guarded(name: str, factory: sessionmaker[Session], today: Today) -> None:
    # A failing job is logged and tried again at its next run; it must not stop the others.
    try:
        done = JOBS[name].run(factory, today())
        if done:
            log.info("%s: %d %s", name, done, JOBS[name].what)
    except Exception:
        log.exception("scheduled job %s failed; it runs again at its next interval", name)


def scheduler(factory: sessionmaker[Session], today: Today, *, background: bool):  # type: ignore[no-untyped-def]
    """An APScheduler scheduler with every job of `JOBS`, each run once at start."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    sched = (BackgroundScheduler if background else BlockingScheduler)(timezone=dt.UTC)
    for name, job in JOBS.items():
        sched.add_job(
            _guarded,
            "interval",
            args=(name, factory, today),
            seconds=job.every_seconds,
            id=name,
            max_instances=1,
            coalesce=True,
            next_run_time=dt.datetime.now(dt.UTC),
        )
    return sched
