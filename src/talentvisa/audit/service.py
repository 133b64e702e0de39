"""Append events to the hash chain and verify it.

Each event's hash is SHA-256 over the canonical JSON (sorted keys, no spaces, UTF-8) of
``{seq, at, actor_id, entity_type, entity_id, action, data, prev_hash}``. The first event's
``prev_hash`` is 64 zeros. Appends lock the single ``audit_head`` row first, so concurrent
transactions queue up instead of forking the chain; a trigger keeps the head's hash equal to
the last event's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from talentvisa.audit.models import AuditEvent, AuditHead
from talentvisa.db.base import now

GENESIS = "0" * 64


def event_hash(
    seq: int,
    at: dt.datetime,
    actor_id: int | None,
    entity_type: str,
    entity_id: str,
    action: str,
    data: dict[str, Any],
    prev_hash: str,
) -> str:
    doc = {
        "seq": seq,
        "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "action": action,
        "data": data,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_HEAD = cast(Table, AuditHead.__table__)
_EVENTS = cast(Table, AuditEvent.__table__)
# Built once: a statement object reused on every append keeps SQLAlchemy's compiled-statement
# cache warm without rebuilding the expression, which cost more than running it.
_TAKE_NEXT = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(seq=_HEAD.c.seq + 1)
    .returning(_HEAD.c.seq, _HEAD.c.hash)
)
# A trigger (migration 0002) copies each inserted event's hash onto the head.
_INSERT = _EVENTS.insert()


def append(
    session: Session,
    *,
    actor_id: int | None,
    entity_type: str,
    entity_id: str,
    action: str,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    data = json.loads(json.dumps(data or {}, default=str))  # exactly what JSON will store
    # Core statements on the session's connection: same transaction, no unit-of-work cost.
    conn = session.connection()
    head = conn.execute(_TAKE_NEXT).first()
    if head is None:
        raise RuntimeError("audit_head row missing: run `talentvisa db upgrade`")
    seq, prev = head
    at = now()
    digest = event_hash(seq, at, actor_id, entity_type, entity_id, action, data, prev)
    values = {
        "seq": seq,
        "at": at,
        "actor_id": actor_id,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "action": action,
        "data": data,
        "prev_hash": prev,
        "hash": digest,
    }
    conn.execute(_INSERT, values)
    return AuditEvent(**values)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    problems: list[str]


def verify_events(events: Iterable[AuditEvent], head: AuditHead | None) -> ChainReport:
    problems: list[str] = []
    prev_hash, expected_seq, count = GENESIS, 1, 0
    for e in events:
        count += 1
        if e.seq != expected_seq:
            problems.append(
                f"event {e.seq}: expected event {expected_seq} here; "
                f"event(s) {expected_seq}..{e.seq - 1} are missing"
            )
        if e.prev_hash != prev_hash:
            problems.append(f"event {e.seq}: prev_hash does not match the event before it")
        recomputed = event_hash(
            e.seq, e.at, e.actor_id, e.entity_type, e.entity_id, e.action, e.data, e.prev_hash
        )
        if recomputed != e.hash:
            problems.append(f"event {e.seq} ({e.action} {e.entity_type} {e.entity_id}) was edited")
        prev_hash, expected_seq = e.hash, e.seq + 1
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        problems.append(
            f"the chain ends at event {expected_seq - 1} but the head records event {head.seq}: "
            "events were deleted from the end"
        )
    return ChainReport(not problems, count, problems)


def verify(session: Session) -> ChainReport:
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq))
    return verify_events(events, session.get(AuditHead, 1))


def timeline(session: Session, entity_type: str, entity_id: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
            .order_by(AuditEvent.seq)
        )
    )
