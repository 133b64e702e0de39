"""What an event's hash is computed over, and how each scheme hashes it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from talentvisa.audit.keys import AuditKey

GENESIS = "0" * 64


def canonical(
    seq: int,
    at: dt.datetime,
    actor_id: int | None,
    entity_type: str,
    entity_id: str,
    action: str,
    data: dict[str, Any],
    prev_hash: str,
) -> bytes:
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
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def plain_hash(body: bytes) -> str:
    """The unkeyed hash of events written before keying."""
    return hashlib.sha256(body).hexdigest()


def seal(key: AuditKey, keyed_from: int) -> str:
    return key.mac(f"talentvisa audit keyed_from={keyed_from}".encode())
