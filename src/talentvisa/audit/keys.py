"""The secrets that anchor the audit trail outside the database.

- The **audit key** (HMAC-SHA256) keys each event's hash, so that someone who can write to
  the database but cannot read this key cannot recompute the chain after an edit. It comes
  from ``$TALENTVISA_AUDIT_KEY`` (64 or more hex digits) or else ``<data_dir>/audit.key``,
  created with mode 0600 on first use.
- The **signing key** (Ed25519) signs checkpoints, which are published away from the
  database: ``<data_dir>/audit-signing.key``, created with mode 0600 on first use.

Each entry point binds its database engines to the data directory whose key they use (`bind`):
``create_app`` for the server and the portal, ``cli.service`` for the command line.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Engine
from sqlalchemy.orm import Session

ENV_KEY = "TALENTVISA_AUDIT_KEY"
KEY_FILE = "audit.key"
SIGNING_KEY_FILE = "audit-signing.key"
MIN_KEY_BYTES = 32


class AuditKeyError(ValueError):
    """A key that is present but unusable; the message names the file or variable."""


@dataclass(frozen=True)
class AuditKey:
    secret: bytes

    @property
    def key_id(self) -> str:
        """Names the key without revealing it, so events say which key wrote them."""
        return hashlib.sha256(b"talentvisa audit key id\0" + self.secret).hexdigest()[:16]

    def mac(self, message: bytes) -> str:
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()


def _create_once(path: Path, content: bytes) -> None:
    """Write `content` to `path` with mode 0600 unless the file exists already.

    Written beside it and linked into place, so a second process starting at the same moment
    either wins or reads the whole key, never half of it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, content)
        os.fsync(fd)
        os.close(fd)
        with contextlib.suppress(FileExistsError):  # another process made it first
            os.link(tmp, path)
    finally:
        os.unlink(tmp)


def _parse_hex(text: str, where: str) -> AuditKey:
    try:
        secret = bytes.fromhex(text.strip())
    except ValueError:
        raise AuditKeyError(f"{where}: the audit key must be hexadecimal") from None
    if len(secret) < MIN_KEY_BYTES:
        raise AuditKeyError(
            f"{where}: the audit key must have at least {MIN_KEY_BYTES} bytes "
            f"({2 * MIN_KEY_BYTES} hex digits)"
        )
    return AuditKey(secret)


def load_audit_key(data_dir: Path) -> AuditKey:
    env = os.environ.get(ENV_KEY)
    if env:
        return _parse_hex(env, f"${ENV_KEY}")
    path = data_dir / KEY_FILE
    if not path.exists():
        _create_once(path, os.urandom(MIN_KEY_BYTES).hex().encode() + b"\n")
    return _parse_hex(path.read_text(encoding="ascii", errors="replace"), str(path))


def load_signing_key(data_dir: Path) -> Ed25519PrivateKey:
    path = data_dir / SIGNING_KEY_FILE
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _create_once(path, pem)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError:
        raise AuditKeyError(f"{path}: not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditKeyError(f"{path}: not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise AuditKeyError(f"{path}: not a readable PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise AuditKeyError(f"{path}: not an Ed25519 public key")
    return key


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


_BOUND: weakref.WeakKeyDictionary[Engine, AuditKey] = weakref.WeakKeyDictionary()


def bind(engine: Engine, data_dir: Path) -> AuditKey:
    """Use `data_dir`'s audit key for sessions on `engine`; load (or create) it now, so a bad
    key stops start-up rather than the first request that writes an event."""
    key = load_audit_key(data_dir)
    _BOUND[engine] = key
    return key


def for_session(session: Session) -> AuditKey:
    key = _BOUND.get(session.get_bind().engine)
    if key is None:
        # A programming error, not a user's: every entry point binds its engines at start-up.
        raise AuditKeyError(
            "no audit key is bound to this database engine: call "
            "talentvisa.audit.keys.bind(engine, data_dir) where the engine is made"
        )
    return key
