"""Deadlines that run themselves: jobs that move a case whose evidence deadline passed and
remind applicants before it, run by APScheduler inside `serve` or by `talentvisa worker`.

Each job is idempotent and safe with several workers at once. A worker claims a case with a
conditional UPDATE (`... WHERE state = 'awaiting_evidence'`): when two workers race, the
database lets one UPDATE through and the other, re-reading the row after the first commits,
matches nothing, so the case moves once and its audit event is written once. On PostgreSQL
candidates are read ``FOR UPDATE SKIP LOCKED``, so workers share the work instead of queueing
on the same rows; SQLite has one writer at a time anyway.

A deadline is a moment, set as a local date and time in the agency's zone and stored in UTC
(cases/zones.py); jobs compare it with the clock in UTC, so a server in any zone moves a case
at the same instant: when the clock is past `due_at`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, CursorResult, Update, and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from talentvisa.audit import service as audit
from talentvisa.cases import mail, notices, zones
from talentvisa.cases import settings as agency
from talentvisa.cases.models import Application, EvidenceRequest
from talentvisa.cases.workflow import DEADLINE_PASSED, TRANSITIONS
from talentvisa.db.base import now
from talentvisa.db.unit_of_work import write

log = logging.getLogger("talentvisa.scheduler")
Clock = Callable[[], dt.datetime]
#: Days before the deadline the applicant is reminded where the agency set none for the
#: program (its setting `remind_days_before`, cases/settings.py). Practice, not law.
REMIND_DAYS_BEFORE = agency.REMIND_DAYS_BY_DEFAULT
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


def lapse_overdue(factory: sessionmaker[Session], at: dt.datetime) -> int:
    """Move every case whose evidence deadline passed to the state the workflow declares
    (`deadline_passed`); the number moved by this call."""
    moved = 0
    while True:
        with write(factory) as work:
            s = work.session
            batch = _candidates(s, EvidenceRequest.due_at < at)
            for rfe in batch:
                moved += _lapse(s, rfe, at)
        if len(batch) < BATCH:
            return moved


def _claimed(s: Session, stmt: Update) -> bool:
    """Whether this conditional UPDATE changed the row (and so this worker owns the step)."""
    result = s.execute(stmt.execution_options(synchronize_session=False))
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def _lapse(s: Session, rfe: EvidenceRequest, at: dt.datetime) -> int:
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
            **zones.record(rfe.due, rfe.due_at, rfe.due_zone),
            "on": at.astimezone(dt.UTC).isoformat(),
        },
    )
    app = s.get(Application, rfe.application_id)
    assert app is not None
    due = zones.record(rfe.due, rfe.due_at, rfe.due_zone)
    notices.queue(s, f"lapsed:{rfe.id}:{due['due_at']}", app, "evidence_overdue", due)
    return 1


def remind(factory: sessionmaker[Session], at: dt.datetime) -> int:
    """Remind each applicant once per deadline, as many days before it as the agency set for
    the program in the settings in force at `at` (`REMIND_DAYS_BEFORE` where it set none)."""
    sent = 0
    with factory() as s:
        leads, default = agency.reminder_leads(s, at.astimezone(dt.UTC).date())
    near = or_(
        *(
            and_(Application.program_id == p, EvidenceRequest.due_at <= at + dt.timedelta(days))
            for p, days in leads.items()
        ),
        and_(
            Application.program_id.not_in(list(leads)),
            EvidenceRequest.due_at <= at + dt.timedelta(days=default),
        ),
    )
    while True:
        with write(factory) as work:
            s = work.session
            batch = _candidates(
                s,
                EvidenceRequest.reminded_at.is_(None),
                EvidenceRequest.due_at >= at,
                near,
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
    due = zones.record(rfe.due, rfe.due_at, rfe.due_zone)
    notices.queue(s, f"reminder:{rfe.id}:{due['due_at']}", app, "evidence_reminder", due)
    audit.append(
        s,
        actor_id=None,
        entity_type="application",
        entity_id=rfe.application_id,
        action="reminder",
        data={"request": rfe.id, **due},
    )
    return 1


@dataclass(frozen=True)
class Job:
    run: Callable[[sessionmaker[Session], dt.datetime], int]
    every_seconds: int
    what: str


#: Every job the scheduler runs, by name.
JOBS: dict[str, Job] = {
    "evidence_deadlines": Job(lapse_overdue, 300, "cases moved: evidence deadline passed"),
    "evidence_reminders": Job(remind, 3600, "reminders queued"),
    # Drains the outbox (reminders, requests, decisions) through SMTP; cases/mail.py.
    "notices": Job(mail.send_due, 60, "notices sent by email"),
}


def run_once(factory: sessionmaker[Session], at: dt.datetime) -> dict[str, int]:
    """Run every job once, at the moment `at`: what `talentvisa worker --once` does."""
    return {name: job.run(factory, at) for name, job in JOBS.items()}


def _guarded(name: str, factory: sessionmaker[Session], clock: Clock) -> None:
    # A failing job is logged and tried again at its next run; it must not stop the others.
    try:
        done = JOBS[name].run(factory, clock())
        if done:
            log.info("%s: %d %s", name, done, JOBS[name].what)
    except Exception:
        log.exception("scheduled job %s failed; it runs again at its next interval", name)


def scheduler(factory: sessionmaker[Session], clock: Clock, *, background: bool):  # type: ignore[no-untyped-def]
    """An APScheduler scheduler with every job of `JOBS`, each run once at start."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    sched = (BackgroundScheduler if background else BlockingScheduler)(timezone=dt.UTC)
    for name, job in JOBS.items():
        sched.add_job(
            _guarded,
            "interval",
            args=(name, factory, clock),
            seconds=job.every_seconds,
            id=name,
            max_instances=1,
            coalesce=True,
            next_run_time=dt.datetime.now(dt.UTC),
        )
    return sched
