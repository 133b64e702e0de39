"""Passwords (argon2), bearer tokens and browser sessions, log-in and sign-up throttling."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.orm import Session

from talentvisa.audit import service as audit
from talentvisa.auth.models import ApiToken, LoginAttempt, Role, User
from talentvisa.cases import zones
from talentvisa.db.base import now
from talentvisa.service_errors import Invalid, NotFound

HASHER = PasswordHasher()
TOKEN_TTL = dt.timedelta(days=30)
SESSION_TTL = dt.timedelta(hours=12)
DEVICE_TTL = dt.timedelta(days=365)
MAX_FAILURES = 5  # per account, or per device token, before the delays start
MAX_CLIENT_FAILURES = 100  # per client address, which many users may share
MAX_SIGNUPS = 20  # per client address and window
FAILURE_WINDOW = dt.timedelta(minutes=15)
BASE_DELAY = dt.timedelta(seconds=2)  # after the free failures, doubling up to the window
MIN_PASSWORD = 10
# Verifying against a real hash when the email is unknown keeps response times alike.
_DUMMY_HASH = HASHER.hash("timing-equaliser-password")


class AuthError(Exception):
    pass


class RateLimited(AuthError):
    def __init__(self, retry_after: int, what: str = "failed log-ins") -> None:
        super().__init__(f"too many {what}; try again in {retry_after} s")
        self.retry_after = retry_after


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def create_user(
    session: Session, email: str, password: str, role: Role, display_name: str | None = None
) -> User:
    email = email.strip().lower()
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"password: must be at least {MIN_PASSWORD} characters")
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise ValueError(f"email: {email} is already registered")
    user = User(
        email=email,
        display_name=display_name or email.split("@")[0],
        role=role.value,
        password_hash=HASHER.hash(password),
    )
    session.add(user)
    session.flush()
    return user


def open_account(
    session: Session,
    email: str,
    password: str,
    role: Role,
    display_name: str | None = None,
    *,
    opened_by: int | None = None,
) -> User:
    """Create an account and put it on the audit trail: signed up by the person themselves, or
    opened by the admin `opened_by`. Raises ValueError("field: reason") as `create_user`."""
    user = create_user(session, email, password, role, display_name)
    audit.append(
        session,
        actor_id=user.id if opened_by is None else opened_by,
        entity_type="user",
        entity_id=str(user.id),
        action="register" if opened_by is None else "create",
        data={"role": user.role},
    )
    return user


def _recent(session: Session, key: str) -> tuple[int, dt.datetime | None]:
    """How many failures `key` has in the window, and when the last one was."""
    since = now() - FAILURE_WINDOW
    row = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            LoginAttempt.key == key, LoginAttempt.at >= since, LoginAttempt.success.is_(False)
        )
    ).one()
    return int(row[0] or 0), row[1]


def _wait(session: Session, key: str, free: int) -> float:
    """Seconds before `key` may try again: none for its first `free` failures, then a delay
    that doubles with each further failure, counted from the last one."""
    failures, last = _recent(session, key)
    if failures < free or last is None:
        return 0.0
    delay = min(BASE_DELAY * 2 ** min(failures - free, 20), FAILURE_WINDOW)
    return max(0.0, (last + delay - now()).total_seconds())


def _device_mac(user: User, body: str) -> str:
    # Keyed with the stored password hash: no extra secret to keep, and a password change
    # retires every device the old password vouched for.
    return hmac.new(user.password_hash.encode(), body.encode(), hashlib.sha256).hexdigest()[:32]


def device_token(user: User) -> str:
    """Proof, for a later log-in, that this client once logged in to `user` successfully:
    the user, the day it was issued (it lapses after DEVICE_TTL) and a nonce, signed."""
    body = f"{user.id}.{now().date().isoformat()}.{secrets.token_urlsafe(12)}"
    return f"{body}.{_device_mac(user, body)}"


def _device(user: User | None, token: str | None) -> str | None:
    """The device's nonce if `token` was issued to this client for `user` and is current."""
    if user is None or not token or token.count(".") != 3:
        return None
    body, _, mac = token.rpartition(".")
    uid, issued, nonce = body.split(".")
    if uid != str(user.id) or not hmac.compare_digest(mac, _device_mac(user, body)):
        return None
    try:
        if dt.date.fromisoformat(issued) < (now() - DEVICE_TTL).date():
            return None
    except ValueError:
        return None
    return nonce


def authenticate(
    session: Session, email: str, password: str, client: str, device: str | None = None
) -> User | None:
    """Check a password without letting anyone else lock the owner out.

    A client that shows a device token from an earlier successful log-in to this account
    (`device_token`) is throttled on its own: strangers' failures for the account or from its
    address do not slow it. Any other client is throttled per account and per address with a
    delay that grows with each failure, rather than a fixed lock-out.

    Returns None on a wrong password, rather than raising, so that the caller commits the
    recorded failure (rate limiting must survive the failed request).
    """
    email = email.strip().lower()
    user = session.scalar(select(User).where(User.email == email))
    nonce = _device(user, device)
    if nonce is not None:
        limits = {f"device:{nonce}": MAX_FAILURES}
    else:
        limits = {f"email:{email}": MAX_FAILURES, f"client:{client[:64]}": MAX_CLIENT_FAILURES}
    wait = max(_wait(session, key, free) for key, free in limits.items())
    if wait > 0:
        raise RateLimited(math.ceil(wait))
    try:
        HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
        ok = user is not None and user.active
    except (VerificationError, InvalidHashError):
        ok = False
    for key in limits:
        session.add(LoginAttempt(key=key, success=ok))
    return user if ok else None


def sign_up(
    session: Session, email: str, password: str, role: Role, display_name: str, client: str
) -> User | None:
    """Open an account unless the email has one; the answer must not tell which.

    Returns the new user, or None when the email is taken: then nothing changes, but the
    password is hashed all the same so that both answers take as long. Sign-ups are limited
    per client address, so that nobody can sweep a list of addresses.
    """
    key = f"signup:{client[:64]}"
    wait = _wait(session, key, MAX_SIGNUPS)
    if wait > 0:
        raise RateLimited(math.ceil(wait), "sign-ups from this address")
    session.add(LoginAttempt(key=key, success=False))
    taken = session.scalar(select(User.id).where(User.email == email.strip().lower()))
    if taken is not None:
        HASHER.hash(password)
        return None
    return open_account(session, email, password, role, display_name)


def issue_token(session: Session, user: User, kind: str = "bearer") -> tuple[str, ApiToken]:
    raw = secrets.token_urlsafe(32)
    ttl = TOKEN_TTL if kind == "bearer" else SESSION_TTL
    token = ApiToken(
        user_id=user.id,
        token_sha256=sha256(raw),
        kind=kind,
        csrf_token=secrets.token_urlsafe(24) if kind == "session" else None,
        expires_at=now() + ttl,
    )
    session.add(token)
    session.flush()
    return raw, token


# Every authenticated request runs this, so it is one prebuilt Core statement on a plain
# connection: no ORM session or identity map, which cost three times the query itself.
_BY_TOKEN = (
    select(
        User.id,
        User.email,
        User.display_name,
        User.role,
        User.active,
        User.time_zone,
        ApiToken.id.label("token_id"),
        ApiToken.csrf_token,
        ApiToken.expires_at,
        ApiToken.revoked,
    )
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_sha256 == bindparam("sha"), ApiToken.kind == bindparam("kind"))
)


def resolve_token(conn: Connection | Session, raw: str, kind: str) -> tuple[User, ApiToken] | None:
    """The token's user and the token, detached (not in any session), if it is valid now."""
    row = conn.execute(_BY_TOKEN, {"sha": sha256(raw), "kind": kind}).first()
    if row is None or row.revoked or row.expires_at <= now() or not row.active:
        return None
    user = User(
        id=row.id,
        email=row.email,
        display_name=row.display_name,
        role=row.role,
        active=True,
        time_zone=row.time_zone,
    )
    token = ApiToken(
        id=row.token_id,
        user_id=row.id,
        kind=kind,
        csrf_token=row.csrf_token,
        expires_at=row.expires_at,
        revoked=False,
    )
    return user, token


def revoke(session: Session, token_id: int) -> None:
    token = session.get(ApiToken, token_id)
    if token is not None:
        token.revoked = True


def users(session: Session, role: Role | None = None) -> list[User]:
    q = select(User).order_by(User.id)
    return list(session.scalars(q.where(User.role == role.value) if role else q))


def set_time_zone(session: Session, user: User, zone: str | None) -> User:
    """The zone the account's times are shown in (an IANA name such as Asia/Shanghai), or
    None to follow the browser's."""
    if zone is not None and zones.known(zone) is None:
        raise Invalid(
            f"time_zone: {zone!r} is not an IANA time zone (e.g. Asia/Shanghai)", "time_zone"
        )
    row = session.get(User, user.id)
    if row is None:
        raise NotFound(f"user {user.id} not found")
    row.time_zone = zone
    return row


def change_user(
    session: Session, admin: User, user_id: int, *, role: Role | None, active: bool | None
) -> tuple[User, dict[str, object]]:
    """Change an account's role or deactivate it; returns the user and what changed.

    Deactivating, or changing the role, revokes every token the account holds, so that no
    session keeps the old rights.
    """
    user = session.get(User, user_id)
    if user is None:
        raise LookupError(f"user {user_id} not found")
    if user.id == admin.id and (active is False or (role and role.value != user.role)):
        raise ValueError("user_id: an admin cannot demote or deactivate their own account")
    changed: dict[str, object] = {}
    if role is not None and role.value != user.role:
        changed["role"] = [user.role, role.value]
        user.role = role.value
    if active is not None and active != user.active:
        changed["active"] = [user.active, active]
        user.active = active
    if changed:
        for token in session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False))
        ):
            token.revoked = True
    return user, changed
