"""Errors on portal pages become HTML pages in the user's language; the API keeps its JSON."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Scope

from talentvisa.api.errors import allowed_methods
from talentvisa.api.inputs import TOO_LARGE_PAGE
from talentvisa.service_errors import ServiceError
from talentvisa.web import times
from talentvisa.web.i18n import LANG_COOKIE, N_, Lang, pick
from talentvisa.web.messages import BY_CODE, GENERIC, Msg, of_error
from talentvisa.web.page import ANON_COOKIE, LoginRequired, Page, WebError, render
from talentvisa.web.route import WebRoute, is_web


def bare_page(request: Request) -> Page:
    """A page for an error: the language is known, the database may not be usable."""
    lang = pick(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )
    anon = request.cookies.get(ANON_COOKIE, "")
    zone = times.viewer_zone(None, request.cookies.get(times.ZONE_COOKIE), times.UTC)
    return Page(request, Lang(lang), None, None, anon, False, zone)


def error_page(request: Request, status: int, message: Msg) -> Response:
    return render(bare_page(request), "error.html", status=status, message=message)


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


def _web_routes(routes: Iterable[Any]) -> Iterator[WebRoute]:
    """The portal's routes, however the framework nests included routers."""
    for route in routes:
        if isinstance(route, WebRoute):
            yield route
        inner = getattr(getattr(route, "original_router", None), "routes", None)
        if inner is not None:
            yield from _web_routes(inner)


def too_large_page(app: FastAPI) -> Callable[[Scope, int], Response | None]:
    """The page for a portal form's body over its limit (api/inputs.py BodyLimit asks)."""

    def page(scope: Scope, limit: int) -> Response | None:
        if not any(r.matches(scope)[0] == Match.FULL for r in _web_routes(app.routes)):
            return None
        message = Msg(
            N_("What you sent is too large: this form takes at most %(mb)s MB. Go back and "
               "send less, or a smaller file."),
            {"mb": max(1, round(limit / (1024 * 1024)))},
        )  # fmt: skip
        return error_page(Request(scope), 413, message)

    return page


def install_error_pages(app: FastAPI) -> None:
    setattr(app.state, TOO_LARGE_PAGE, too_large_page(app))
    handlers: dict[Any, Any] = app.exception_handlers

    def web_or(exc_type: type[Exception], page: Any) -> None:
        original = handlers.get(exc_type)

        async def handle(request: Request, exc: Exception) -> Response:
            if is_web(request) or original is None:
                result: Response = page(request, exc)
                return result
            api: Response = await original(request, exc)
            return api

        app.add_exception_handler(exc_type, handle)

    def service(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServiceError)
        if exc.code == "unauthenticated":
            return login_redirect(request)
        return error_page(request, exc.status, of_error(exc)[1])

    web_or(ServiceError, service)
    web_or(StaleDataError, lambda r, e: error_page(r, 409, Msg(BY_CODE["conflict"])))
    web_or(IntegrityError, lambda r, e: error_page(r, 409, Msg(BY_CODE["conflict"])))
    web_or(
        RequestValidationError,
        lambda r, e: error_page(
            r, 400, Msg(N_("The request was incomplete or malformed. Go back and try again."))
        ),
    )
    web_or(WebError, lambda r, e: error_page(r, e.status, e.message))
    install_http_error_page(app)
    web_or(LoginRequired, lambda r, e: login_redirect(r))


def wants_page(request: Request) -> bool:
    """A portal route, or no route at all and a browser asking for HTML (a mistyped address)."""
    if is_web(request):
        return True
    accept = request.headers.get("accept", "")
    return request.scope.get("route") is None and "text/html" in accept


def install_http_error_page(app: FastAPI) -> None:
    """Unknown addresses and wrong methods: a page for a browser, the API's JSON otherwise."""
    original: Any = app.exception_handlers[StarletteHTTPException]

    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if not wants_page(request):
            api: Response = await original(request, exc)
            return api
        message = BY_CODE["not_found"] if exc.status_code in (404, 405) else GENERIC
        page = error_page(request, exc.status_code, Msg(message))
        if exc.status_code == 405:
            page.headers["Allow"] = ", ".join(allowed_methods(app, request.url.path))
        return page

    app.add_exception_handler(StarletteHTTPException, handle)


def failure_page(request: Request) -> Response:
    """The page for an unexpected error: the request's transaction was rolled back."""
    return error_page(request, 500, Msg(GENERIC))
