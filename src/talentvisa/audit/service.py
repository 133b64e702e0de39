"""Append events to the keyed hash chain, and verify it.

Each event's hash is HMAC-SHA256, under the audit key (keys.py), of the canonical JSON
(sorted keys, no spaces, UTF-8) of ``{seq, at, actor_id, entity_type, entity_id, action, data,
prev_hash}``; the first event's ``prev_hash`` is 64 zeros. Events written before migration
0003 (seq below the head's ``keyed_from``) keep their plain SHA-256 of the same JSON. Appends
lock the single ``audit_head`` row first, so concurrent transactions queue up instead of
forking the chain; a trigger keeps the head's hash equal to the last event's.
"""

from __future__ import annotations

import json
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from talentvisa.audit import keys
from talentvisa.audit.hashing import canonical, seal
from talentvisa.audit.models import AuditEvent, AuditHead
from talentvisa.audit.verification import ChainReport, verify_events
from talentvisa.db.base import now

_HEAD = cast(Table, AuditHead.__table__)
_EVENTS = cast(Table, AuditEvent.__table__)
# Built once: a statement object reused on every append keeps SQLAlchemy's compiled-statement
# cache warm without rebuilding the expression, which cost more than running it.
_TAKE_NEXT = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(seq=_HEAD.c.seq + 1)
    .returning(_HEAD.c.seq, _HEAD.c.hash, _HEAD.c.keyed_from, _HEAD.c.seal)
)
_SEAL = update(_HEAD).where(_HEAD.c.id == 1)
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
    seq, prev, keyed_from, sealed = head
    key = keys.for_session(session)
    if sealed is None:  # the first keyed append since migration 0003
        conn.execute(_SEAL, {"seal": seal(key, keyed_from)})
    at = now()
    digest = key.mac(canonical(seq, at, actor_id, entity_type, entity_id, action, data, prev))
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
        "key_id": key.key_id,
    }
    conn.execute(_INSERT, values)
    return AuditEvent(**values)


def verify(session: Session) -> ChainReport:
    events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    return verify_events(events, session.get(AuditHead, 1), keys.for_session(session))


def timeline(session: Session, entity_type: str, entity_id: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
            .order_by(AuditEvent.seq)
        )
    )
