from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from talentvisa.db.base import Base, UTCDateTime


class AuditEvent(Base):
    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(60))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # The audit key's id for keyed events; None for events hashed with plain SHA-256 before
    # keying (migration 0003).
    key_id: Mapped[str | None] = mapped_column(String(16))


class AuditHead(Base):
    """One row; updating it first serializes appends so the chain never forks."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    # Events from this seq on must be keyed; older ones may carry plain SHA-256.
    keyed_from: Mapped[int] = mapped_column(Integer, server_default="1")
    # HMAC of `keyed_from` under the audit key, so the boundary cannot be moved unnoticed.
    seal: Mapped[str | None] = mapped_column(String(64))
