"""Input that no endpoint may take, refused before any endpoint runs (docs/inputs.md).

Two guards sit under the per-field types of the request models:

- `check_request`, an app-wide dependency: path and query parameters, JSON bodies and form
  fields hold valid Unicode without control characters, integers that fit in 64 bits and
  finite numbers, or the request gets a 422 naming the first bad field. A lone surrogate
  once reached the database this way and then broke every page that showed the record.
- `BodyLimit`, an ASGI middleware: a request body is counted while it streams in and refused
  with 413 as soon as it passes its limit (at once when Content-Length announces it), so a
  200 MB upload is never read in full.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from talentvisa.api.errors import envelope
from talentvisa.cases.service import MAX_UPLOAD
from talentvisa.rules.bounds import TEXT_PATTERN, Loc, first_invalid
from talentvisa.service_errors import BadInput

#: Any request body but an upload: far above the largest valid one (a full profile is ~50 KB).
BODY_MAX = 1024 * 1024
#: The largest integer the OpenAPI document promises (2**53 - 1, exact in every JSON parser).
JSON_INT_MAX = 2**53 - 1
#: A document upload: the file's own limit plus room for the multipart envelope and fields.
UPLOAD_BODY_MAX = MAX_UPLOAD + 64 * 1024
#: An employer's CSV of registrations (h1b/upload.py: at most 50,000 rows of ~150 bytes).
BULK_BODY_MAX = 16 * 1024 * 1024


def _name(loc: Loc) -> str:
    name = ".".join(str(p) for p in loc)
    # A bad key is itself the fault: shown escaped, so the answer stays valid text.
    return name if first_invalid(name) is None else name.encode("unicode_escape").decode()


def _refuse(where: str, loc: Loc, message: str) -> None:
    field = _name(loc) if loc else where
    raise BadInput(f"{field}: {message}", field)


def _text_or_number(key: str, value: str, *, with_key: bool = True) -> tuple[Loc, str] | None:
    found = (with_key and first_invalid(key, (key,))) or first_invalid(value, (key,))
    if found is None and value.lstrip("-").isdigit() and len(value) > 18:
        # Ids, versions, limits and offsets: a number the database cannot hold is refused
        # here, not when the driver overflows.
        found = first_invalid(int(value), (key,))
    return found


def _check_params(where: str, params: Any) -> None:
    for key, value in params.items():
        found = _text_or_number(key, value)
        if found:
            _refuse(where, *found)


async def check_request(request: Request) -> None:
    _check_params("path", request.path_params)
    _check_params("query", request.query_params)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        try:
            body = await request.json()  # parsed once: FastAPI reads the cached value
        except (ValueError, UnicodeDecodeError):
            return  # the body model's own json_invalid error names the problem
        found = first_invalid(body)
    elif kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        declared = _declared_fields(request)
        found = None
        for key, value in form.multi_items():
            # A field the endpoint does not declare is ignored, key and value: it never reaches
            # the endpoint, so refusing it would refuse a valid request.
            if declared is not None and key not in declared:
                continue
            if not isinstance(value, UploadFile):
                found = _text_or_number(key, value, with_key=False)
            elif value.filename is not None:
                found = first_invalid(value.filename, (key, "filename"))
            if found:
                break
    else:
        return
    if found:
        _refuse("body", *found)


def _declared_fields(request: Request) -> set[str] | None:
    """The form fields the endpoint declares, or None where it reads the form itself (the
    portal's pages), so that every field is checked there."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    params = getattr(dependant, "body_params", None)
    if not params:
        return None
    return {p.alias for p in params}


def body_limit(scope: Scope) -> int:
    """The most bytes this request's body may have."""
    path: str = scope.get("path", "")
    if path.endswith("/registrations.csv"):
        return BULK_BODY_MAX
    if path.startswith("/employer/seasons/") and path.endswith("/upload"):
        return BULK_BODY_MAX + 64 * 1024  # the portal's multipart form of the same CSV
    return UPLOAD_BODY_MAX if path.endswith("/documents") else BODY_MAX


class TooLarge(Exception):
    pass


#: ``app.state`` attribute: the portal's page for a body over its limit, or None off the portal.
TOO_LARGE_PAGE = "too_large_page"
TooLargePage = Callable[[Scope, int], Response | None]


class BodyLimit:
    """Refuse a request body over its limit while it streams in, with the API's 413."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope)
        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(limit, scope, receive, send)
            return
        seen = 0
        over = False
        started = False

        async def counting() -> Message:
            nonlocal seen, over
            if over:
                raise TooLarge
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    over = True
                    raise TooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if over:
                return  # the 413 is the answer, whatever the app made of the cut-off body
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting, guarded)
        except TooLarge:
            pass
        except Exception:
            if not over:
                raise
        if over and not started:
            await self._refuse(limit, scope, receive, send)

    @staticmethod
    async def _refuse(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
        # A portal page answers a browser with an HTML page (web/errors.py sets the hook).
        page: TooLargePage | None = getattr(scope["app"].state, TOO_LARGE_PAGE, None)
        response = page(scope, limit) if page is not None else None
        if response is None:
            message = f"the request body is over the {limit:,}-byte limit of {scope.get('path')}"
            response = JSONResponse(envelope("too_large", message, "body"), status_code=413)
        # Close the connection: the rest of the body is never read.
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


def _constrain(node: Any) -> None:
    """Publish what `check_request` refuses, on every string and integer schema."""
    if isinstance(node, list):
        for item in node:
            _constrain(item)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind == "string" and not {"enum", "const", "format"} & node.keys():
        if "pattern" not in node:
            node["pattern"] = TEXT_PATTERN
        elif node["pattern"] != TEXT_PATTERN and "allOf" not in node:
            node["allOf"] = [{"pattern": TEXT_PATTERN}]
    elif kind == "integer":
        # Published as the integers every JSON client holds exactly; the server takes up to
        # 64 bits, and a float-based generator or client rounds 2**63 - 1 up past it.
        node["minimum"] = max(node.get("minimum", -JSON_INT_MAX), -JSON_INT_MAX)
        node["maximum"] = min(node.get("maximum", JSON_INT_MAX), JSON_INT_MAX)
    for value in node.values():
        _constrain(value)


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref.rsplit("/", 1)[-1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for item in node:
            _refs(item, found)


def _request_schemas(schema: dict[str, Any]) -> list[Any]:
    """Every schema a request may carry (parameters and bodies, with the components they
    use); response schemas are left as they are."""
    inputs: list[Any] = []
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict):
                inputs += [operation.get("parameters"), operation.get("requestBody")]
    components = schema.get("components", {}).get("schemas", {})
    names: set[str] = set()
    _refs(inputs, names)
    pending = set(names)
    while pending:
        more: set[str] = set()
        _refs([components.get(n) for n in pending], more)
        pending = more - names
        names |= more
    return inputs + [components[n] for n in sorted(names) if n in components]


def document(app: FastAPI) -> None:
    """The OpenAPI document states the limits every operation enforces (docs/inputs.md)."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        if not schema.get("x-input-limits"):
            _constrain(_request_schemas(schema))
            schema["x-input-limits"] = "docs/inputs.md"
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
