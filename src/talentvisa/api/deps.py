"""Per-request dependencies: one transaction per request, the current user, role checks."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from talentvisa.auth import service as auth
from talentvisa.auth.models import ApiToken, Role, User
from talentvisa.cases.service import CaseContext
from talentvisa.service_errors import Forbidden, ServiceError

SESSION_COOKIE = "tv_session"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class Unauthenticated(ServiceError):
    status, code = 401, "unauthenticated"


@dataclass
class Runtime:
    engine: Engine
    factory: sessionmaker[Session]
    cases: CaseContext
    data_dir: Path
    secure_cookies: bool = True


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def _session(request: Request) -> Iterator[Session]:
    """Everything a request writes commits together, or nothing does."""
    session = runtime(request).factory()
    session.begin()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        for path in session.info.pop("files_on_rollback", []):
            Path(path).unlink(missing_ok=True)
        raise
    finally:
        session.close()


DB = Annotated[Session, Depends(_session, scope="function")]


@dataclass(frozen=True)
class Caller:
    user: User
    token: ApiToken
    via_cookie: bool


def caller(
    request: Request,
    session: DB,
    authorization: Annotated[str | None, Header()] = None,
) -> Caller:
    if authorization:
        scheme, _, raw = authorization.partition(" ")
        found = (
            auth.resolve_token(session, raw.strip(), "bearer")
            if scheme.lower() == "bearer"
            else None
        )
        if found is None:
            raise Unauthenticated("Authorization: the bearer token is invalid or expired")
        return Caller(*found, via_cookie=False)
    cookie = request.cookies.get(SESSION_COOKIE)
    found = auth.resolve_token(session, cookie, "session") if cookie else None
    if found is None:
        raise Unauthenticated("log in first (session cookie or bearer token)")
    user, token = found
    if request.method in UNSAFE:
        sent = request.headers.get(CSRF_HEADER) or request.query_params.get("csrf_token") or ""
        if not token.csrf_token or not hmac.compare_digest(sent, token.csrf_token):
            raise Forbidden(f"{CSRF_HEADER}: missing or wrong CSRF token", CSRF_HEADER)
    return Caller(user, token, via_cookie=True)


CurrentCaller = Annotated[Caller, Depends(caller)]


def require(*roles: Role) -> Callable[[Caller], User]:
    names = {r.value for r in roles}

    def check(c: CurrentCaller) -> User:
        if c.user.role not in names:
            raise Forbidden(f"this needs the role {' or '.join(sorted(names))}")
        return c.user

    return check


def any_user(c: CurrentCaller) -> User:
    return c.user


AnyUser = Annotated[User, Depends(any_user)]
