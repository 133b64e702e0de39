"""The API's one error body, `{"error": {"code", "message", "field"}}`, for Starlette's own errors.

FastAPI answers an unknown route or a wrong method with a bare `{"detail": ...}`; here they
get the envelope every other error has. A 405 names every method of the path in `Allow`:
Starlette names only those of the first route it matched, while a path such as
`/applications` is served by one route per method.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException


class ErrorDetail(BaseModel):
    code: str = Field(description="A stable machine-readable code, e.g. not_found, invalid.")
    message: str = Field(description="What went wrong, for a person to read.")
    field: str | None = Field(description="The request field at fault, if one is.")


class FieldError(BaseModel):
    field: str | None
    message: str


class ErrorOut(BaseModel):
    """Every error the API answers with (4xx and 5xx)."""

    error: ErrorDetail
    errors: list[FieldError] | None = Field(
        default=None, description="On 422: every invalid field, the first of which is `error`."
    )


def envelope(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


def allowed_methods(app: Any, path: str) -> list[str]:
    """Every method some route serves at `path`."""
    methods: set[str] = set()
    # Included routers are resolved lazily; this walks each router's effective routes.
    for route in iter_route_contexts(app.routes):
        regex = getattr(route, "path_regex", None)
        if route.methods and regex is not None and regex.match(path):
            methods |= route.methods
    return sorted(methods)


def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    status = exc.status_code
    headers = dict(exc.headers or {})
    method, path = request.method, request.url.path
    if status == 405:
        allow = allowed_methods(request.app, path)
        headers["Allow"] = ", ".join(allow)
        message = f"{method} is not allowed on {path}; use {' or '.join(allow)}"
        code = "method_not_allowed"
    elif status == 400:
        # FastAPI's answer to a body it cannot decode (not UTF-8, a broken form): the same
        # 422 as a body that decodes to invalid JSON, which is what every operation documents.
        status, code = 422, "invalid"
        message = f"the body could not be read ({exc.detail})"
    elif status == 404:
        message, code = f"no such endpoint: {method} {path}", "not_found"
    else:
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
        message = str(exc.detail) if exc.detail else phrase
        code = phrase.lower().replace(" ", "_") or "error"
    return JSONResponse(envelope(code, message), status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return http_error(request, exc)

    app.add_exception_handler(StarletteHTTPException, handle)
