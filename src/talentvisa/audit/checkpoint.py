"""Signed checkpoints: the chain's seq and hash at a moment, published outside the database.

A checkpoint is a JSON object ``{format, seq, hash, at, key, signature}``: ``key`` is the
fingerprint of the Ed25519 key that signed it and ``signature`` the base64 Ed25519 signature
of the canonical JSON of the other fields. Anyone holding the public key can check it; the
trail passes against it only if its event ``seq`` still has that ``hash``, so nothing at or
before it was rewritten and the tail was not cut below it, even with the head row rewritten.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import asdict, dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.orm import Session

from talentvisa.audit.keys import fingerprint
from talentvisa.audit.models import AuditEvent
from talentvisa.audit.verification import ChainReport

FORMAT = "talentvisa-audit-checkpoint/1"


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read; `field` names the part at fault."""

    def __init__(self, message: str, field: str | None = None, line: int | None = None):
        super().__init__(message)
        self.field = field
        self.line = line


@dataclass(frozen=True)
class Checkpoint:
    format: str
    seq: int
    hash: str
    at: str
    key: str
    signature: str

    def statement(self) -> bytes:
        doc = {k: v for k, v in asdict(self).items() if k != "signature"}
        return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"


def sign(report: ChainReport, signer: Ed25519PrivateKey, at: dt.datetime) -> Checkpoint:
    unsigned = Checkpoint(
        FORMAT,
        report.last_seq,
        report.last_hash,
        at.astimezone(dt.UTC).isoformat(timespec="seconds"),
        fingerprint(signer.public_key()),
        "",
    )
    signature = base64.b64encode(signer.sign(unsigned.statement())).decode("ascii")
    return Checkpoint(**{**asdict(unsigned), "signature": signature})


_FIELDS: dict[str, type] = {
    "format": str,
    "seq": int,
    "hash": str,
    "at": str,
    "key": str,
    "signature": str,
}


def _line_of(text: str, name: str) -> int:
    """The line that holds key `name`, for the error message; 1 if it is absent."""
    needle = json.dumps(name)
    return next((n for n, line in enumerate(text.splitlines(), 1) if needle in line), 1)


def parse(text: str) -> Checkpoint:
    try:
        doc: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"not JSON: {exc.msg}", line=exc.lineno) from None
    if not isinstance(doc, dict):
        raise CheckpointError("not a JSON object", line=1)
    for name, kind in _FIELDS.items():
        value = doc.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            what = "an integer" if kind is int else "a string"
            raise CheckpointError(f"missing or not {what}", name, _line_of(text, name))
    if doc["format"] != FORMAT:
        raise CheckpointError(
            f"unknown format; expected {FORMAT!r}", "format", _line_of(text, "format")
        )
    if doc["seq"] < 0:
        raise CheckpointError("must not be negative", "seq", _line_of(text, "seq"))
    return Checkpoint(**{name: doc[name] for name in _FIELDS})


def check(cp: Checkpoint, public: Ed25519PublicKey, session: Session) -> str | None:
    """None if the checkpoint is genuine and the trail still agrees with it, else why not."""
    if cp.key != fingerprint(public):
        return (
            f"the checkpoint was signed by key {cp.key}, not by this trail's signing key "
            f"{fingerprint(public)}"
        )
    try:
        public.verify(base64.b64decode(cp.signature, validate=True), cp.statement())
    except (InvalidSignature, ValueError):
        return "the checkpoint's signature is not valid: the checkpoint was altered or forged"
    if cp.seq == 0:
        return None
    event = session.get(AuditEvent, cp.seq)
    if event is None:
        top = session.query(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1).scalar()
        if top is None or top < cp.seq:
            return (
                f"event(s) {(top or 0) + 1}..{cp.seq} are missing: the trail ends at event "
                f"{top or 0}, below the checkpoint's event {cp.seq}: its tail was truncated"
            )
        return f"event {cp.seq} of the checkpoint is gone: it was deleted"
    if event.hash != cp.hash:
        return (
            f"event {cp.seq} no longer has the checkpoint's hash: the trail was rewritten "
            f"at or before event {cp.seq}"
        )
    return None
