"""The FastAPI application: routers, error mapping, security headers, start-up checks."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from talentvisa import __version__, web
from talentvisa.api import errors, inputs, openapi, proxies
from talentvisa.api.deps import SESSION_COOKIE, Runtime
from talentvisa.api.routers.audit import router as audit_router
from talentvisa.api.routers.auth import router as auth_router
from talentvisa.api.routers.cases import router as cases_router
from talentvisa.api.routers.h1b import router as h1b_router
from talentvisa.api.routers.settings import router as settings_router
from talentvisa.api.routers.users import router as users_router
from talentvisa.audit import keys as audit_keys
from talentvisa.cases import intake
from talentvisa.cases.service import CaseContext
from talentvisa.db import migrate
from talentvisa.db.engine import read_engine
from talentvisa.db.unit_of_work import commits as engine_commits
from talentvisa.rules.loader import builtin_catalog, settings_from_env
from talentvisa.service_errors import ServiceError

log = logging.getLogger("talentvisa")

HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]

NO_STORE = [(b"cache-control", b"no-store")]


def _personal(scope: Scope) -> bool:
    """Whether the answer may be about the caller: it carries credentials, or it is a log-in
    or sign-up, whose answer holds a token. Such answers must not sit in any cache."""
    if scope["path"].startswith("/auth/"):
        return True
    for name, value in scope["headers"]:
        if name == b"authorization" or (name == b"cookie" and SESSION_COOKIE.encode() in value):
            return True
    return False


class SecurityHeaders:
    """Security headers on every response, and a JSON 500 that leaks nothing.

    A plain ASGI middleware rather than Starlette's BaseHTTPMiddleware, which wraps every
    request in an extra task and stream.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        committed = engine_commits.set([])
        headers = HEADERS + NO_STORE if _personal(scope) else HEADERS

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in headers if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            # Responses are rendered inside their transaction, so an error normally rolls it
            # back; if a transaction of this request did commit, say so rather than invite a
            # retry that would do it twice. Nothing internal is leaked either way.
            if engine_commits.get():
                msg = "internal error after your change was saved; reload before retrying"
            else:
                msg = "internal error; nothing was saved, you may retry"
            response = JSONResponse(
                {"error": {"code": "internal", "message": msg, "field": None}}, status_code=500
            )
            await response(scope, receive, send_with_headers)
        finally:
            engine_commits.reset(committed)


def _field_error(e: Any) -> dict[str, str | None]:
    if e["type"] == "json_invalid":
        # Its location is a character offset into the body, not a field.
        reason = e.get("ctx", {}).get("error", "")
        return {"field": None, "message": f"the body is not valid JSON ({reason})"}
    field = ".".join(str(p) for p in e["loc"] if p != "body")
    return {"field": field or None, "message": e["msg"]}


def create_app(
    engine: Engine,
    data_dir: Path,
    *,
    secure_cookies: bool = True,
    today: object = dt.date.today,
    check_schema: bool = True,
    trusted_proxies: str | None = None,
) -> FastAPI:
    if check_schema:
        migrate.check(engine)
    catalog = builtin_catalog()
    app = FastAPI(
        dependencies=[Depends(inputs.check_request)],
        title="talentvisa",
        version=__version__,
        description="Case management for skilled-talent visa programs run as code.",
    )
    app.state.runtime = Runtime(
        engine=engine,
        read_engine=read_engine(engine),
        cases=CaseContext(catalog, settings_from_env(catalog), data_dir / "documents", today),
        data_dir=data_dir,
        secure_cookies=secure_cookies,
        trusted_proxies=proxies.networks(trusted_proxies),
    )
    for bound in (engine, app.state.runtime.read_engine):
        audit_keys.bind(bound, data_dir)  # the audit key lives beside the data, not in it

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if exc.status == 429:
            headers = {"Retry-After": str(getattr(exc, "retry_after", 900))}
        body = {"error": {"code": exc.code, "message": exc.message, "field": exc.field}}
        return JSONResponse(body, status_code=exc.status, headers=headers)

    @app.exception_handler(StaleDataError)
    async def stale(request: Request, exc: StaleDataError) -> JSONResponse:
        msg = "someone else changed this record at the same time; reload and try again"
        return JSONResponse(
            {"error": {"code": "conflict", "message": msg, "field": "version"}}, status_code=409
        )

    @app.exception_handler(IntegrityError)
    async def integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        msg = "the request conflicts with a record that exists already"
        return JSONResponse(
            {"error": {"code": "conflict", "message": msg, "field": None}}, status_code=409
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_field_error(e) for e in exc.errors()]
        first = errors[0] if errors else {"field": None, "message": "invalid request"}
        body = {
            "error": {
                "code": "invalid",
                "message": f"{first['field']}: {first['message']}"
                if first["field"]
                else first["message"],
                "field": first["field"],
            },
            "errors": errors,
        }
        return JSONResponse(body, status_code=422)

    errors.install(app)
    app.add_middleware(inputs.BodyLimit)
    app.add_middleware(SecurityHeaders)

    @app.get("/health", tags=["meta"])
    async def health() -> dict[str, str]:
        """Liveness, and the no-database ceiling in the service benchmark."""
        return {"status": "ok", "version": __version__}

    for r in (auth_router, users_router, cases_router, h1b_router, audit_router, settings_router):
        app.include_router(r)
    web.install(app)  # the portal's pages, after the API so that its errors stay JSON
    openapi.document_errors(app)
    openapi.document_choices(app, "ApplicationCreate", "program_id", intake.individual(catalog))
    inputs.document(app)
    return app
