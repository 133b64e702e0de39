"""Per-request dependencies: the runtime, the caller, role checks.

A request's database work is one unit of work (db/unit_of_work.py), opened and committed
inside the endpoint with ``with rt.writing() as session`` (or ``rt.reading()`` for a read;
``rt.write()`` and ``rt.read()`` give the unit of work itself). Opening it there, rather
than in a dependency, keeps the transaction inside one call: on SQLite the one writer lock is
then held only while the endpoint runs, not across the event-loop hops between dependencies,
the endpoint and the teardown, which under load cost most of the time. Endpoints marked
`@bounded` run that call on the event loop itself when they can (`Runtime.call`).
Authentication reads on its own read-only connection and never takes the writer lock; its
answers are cached for a few seconds (auth/cache.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
from collections.abc import Callable, Coroutine
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from talentvisa.api import proxies
from talentvisa.auth import service as auth
from talentvisa.auth.cache import TokenCache
from talentvisa.auth.models import ApiToken, Role, User
from talentvisa.cases.service import CaseContext
from talentvisa.db import unit_of_work
from talentvisa.db.engine import session_factory
from talentvisa.db.unit_of_work import UnitOfWork, holding_writer_lock, writer_lock
from talentvisa.service_errors import Forbidden, ServiceError

P = ParamSpec("P")
T = TypeVar("T")
SESSION_COOKIE = "tv_session"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class Unauthenticated(ServiceError):
    status, code = 401, "unauthenticated"


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Runtime:
    engine: Engine
    read_engine: Engine
    cases: CaseContext
    data_dir: Path
    secure_cookies: bool = True
    trusted_proxies: tuple[proxies.Network, ...] = ()
    factory: sessionmaker[Session] = field(init=False)
    reader: sessionmaker[Session] = field(init=False)
    tokens: TokenCache = field(default_factory=TokenCache)
    # The moment a beacon season closes and draws is checked against the beacon round's time;
    # tests replay a recorded round by setting a clock of that day.
    clock: Callable[[], dt.datetime] = field(default_factory=lambda: _utc_now)

    def __post_init__(self) -> None:
        self.factory = session_factory(self.engine)
        self.reader = session_factory(self.read_engine)

    async def authenticate(self, raw: str, kind: str) -> tuple[User, ApiToken] | None:
        """The token's user and token if valid, from the cache or one read-only query."""
        key = f"{kind}:{auth.sha256(raw)}"
        found = self.tokens.get(key)
        if found is None:
            found = await run_in_threadpool(self._resolve, raw, kind)
            if found is not None:
                self.tokens.put(key, found)
        return found

    def _resolve(self, raw: str, kind: str) -> tuple[User, ApiToken] | None:
        with self.read_engine.connect() as conn:
            return auth.resolve_token(conn, raw, kind)

    async def call(self, work: Callable[[], T]) -> T:
        """Run a request's short database work.

        On SQLite, writes are serialized anyway and each statement takes microseconds, so the
        work runs right here on the event loop when the writer lock is free: handing it to a
        worker thread only added hops, and the thread, holding the lock, then waited for the
        interpreter lock behind the event loop, which held up every other writer. When another
        thread holds the writer lock, the work goes to a worker thread, so that the event loop
        never waits for it. Other databases always use a worker thread.
        """
        lock = writer_lock(self.engine)
        if lock is not None and lock.acquire(blocking=False):
            held = holding_writer_lock.set(True)
            try:
                return work()
            finally:
                holding_writer_lock.reset(held)
                lock.release()
        return await run_in_threadpool(work)

    def write(self) -> AbstractContextManager[UnitOfWork]:
        """The request's unit of work: everything commits together, or nothing does."""
        return unit_of_work.write(self.factory)

    def read(self) -> AbstractContextManager[UnitOfWork]:
        """A consistent read that takes no write lock and never commits."""
        return unit_of_work.read(self.reader)

    def writing(self) -> AbstractContextManager[Session]:
        """`write`, yielding its session."""
        return unit_of_work.transaction(self.factory)

    def reading(self) -> AbstractContextManager[Session]:
        """`read`, yielding its session."""
        return unit_of_work.read_only(self.reader)


def bounded(endpoint: Callable[P, T]) -> Callable[P, Coroutine[Any, Any, T]]:
    """Mark an endpoint whose work is short and bounded: it runs through `Runtime.call`.

    The endpoint is written as a plain function with an `rt: RT` parameter; long or unbounded
    work (password hashing, a selection run, exports) stays a plain endpoint, which FastAPI
    runs in a worker thread.
    """

    @functools.wraps(endpoint)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        rt = kwargs["rt"]
        assert isinstance(rt, Runtime), "a bounded endpoint takes `rt: RT`"
        return await rt.call(functools.partial(endpoint, *args, **kwargs))

    return run


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


async def _runtime(request: Request) -> Runtime:
    # async on purpose: FastAPI runs it on the event loop, with no worker-thread hop.
    return runtime(request)


RT = Annotated[Runtime, Depends(_runtime)]
DEVICE_COOKIE = "tv_device"


def client_address(request: Request) -> str:
    """The address that log-in and sign-up limits count against (api/proxies.py)."""
    return proxies.client_address(request, runtime(request).trusted_proxies)


@dataclass(frozen=True)
class Caller:
    """The authenticated user and the credential used. Both are detached from any session:
    change them through the request's own transaction (``session.get``)."""

    user: User
    token: ApiToken
    via_cookie: bool


# Declared as security schemes so that /openapi.json names them and /docs offers Authorize;
# `caller` reads the header itself, to say what is wrong with a malformed one.
BEARER = HTTPBearer(auto_error=False, description="A token from POST /auth/token")
COOKIE = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    description=f"A session from POST /auth/login; unsafe methods also need {CSRF_HEADER}",
)


async def caller(
    request: Request,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)],
    _cookie: Annotated[str | None, Security(COOKIE)],
) -> Caller:
    rt = runtime(request)
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, raw = authorization.partition(" ")
        if scheme.lower() != "bearer":
            raise Unauthenticated("Authorization: use the Bearer scheme")
        found = await rt.authenticate(raw.strip(), "bearer")
        if found is None:
            raise Unauthenticated("Authorization: the bearer token is invalid or expired")
        return Caller(*found, via_cookie=False)
    cookie = request.cookies.get(SESSION_COOKIE)
    found = await rt.authenticate(cookie, "session") if cookie else None
    if found is None:
        raise Unauthenticated("log in first (session cookie or bearer token)")
    user, token = found
    if request.method in UNSAFE:
        if "csrf_token" in request.query_params:
            # A token in the URL leaks through logs, history and Referer.
            msg = f"csrf_token: send the CSRF token in the {CSRF_HEADER} header, not the URL"
            raise Forbidden(msg, "csrf_token")
        sent = request.headers.get(CSRF_HEADER) or ""
        if not token.csrf_token or not hmac.compare_digest(sent, token.csrf_token):
            raise Forbidden(f"{CSRF_HEADER}: missing or wrong CSRF token", CSRF_HEADER)
    return Caller(user, token, via_cookie=True)


CurrentCaller = Annotated[Caller, Depends(caller)]


def require(*roles: Role) -> Callable[[Caller], Coroutine[Any, Any, User]]:
    names = {r.value for r in roles}

    async def check(c: CurrentCaller) -> User:
        if c.user.role not in names:
            raise Forbidden(f"this needs the role {' or '.join(sorted(names))}")
        return c.user

    return check


async def any_user(c: CurrentCaller) -> User:
    return c.user


AnyUser = Annotated[User, Depends(any_user)]
