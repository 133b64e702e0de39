"""Each operation's error responses in /openapi.json, all with the envelope's schema.

FastAPI documents only a 422 (with its own `{"detail": [...]}` body, which this API never
sends). The codes an operation can answer follow from what the schema already says of it:
a caller's credentials (401, 403), a record named in the path (404), a write (409), an upload
(413, 415), any parameter or body (422). Codes an operation declares itself (`responses=`,
such as 429 on the log-ins) keep their description and get the envelope too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from talentvisa.api.errors import ErrorOut

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
DESCRIPTIONS = {
    "401": "Not authenticated: no, or an invalid or expired, token or session",
    "403": "Authenticated, but not allowed (role, CSRF token, or the case's state)",
    "404": "No such record, or one the caller may not see",
    "409": "Conflicts with the record's current state or version, or with another record",
    "413": "The upload is too large",
    "415": "The upload is not a type the API accepts",
    "422": "The request is malformed or a field is invalid",
}
UNSAFE = {"post", "put", "patch", "delete"}
FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


def error_codes(method: str, path: str, operation: dict[str, Any]) -> set[str]:
    """The error statuses this operation can answer, read from its own description."""
    params = operation.get("parameters", [])
    body = operation.get("requestBody", {}).get("content", {})
    codes = set()
    if operation.get("security") or any(
        p["in"] == "header" and p["name"].lower() == "authorization" for p in params
    ):
        codes |= {"401", "403"}
    if "{" in path:
        codes.add("404")
    if method in UNSAFE:
        codes.add("409")
    if "multipart/form-data" in body:
        codes |= {"413", "415"}
    if params or body:
        codes.add("422")
    return codes


def add_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Add, in place and idempotently, the error responses of every operation."""
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            declared = {c for c in responses if c[:1] in "45"}
            for code in sorted(error_codes(method, path, operation) | declared):
                description = responses.get(code, {}).get("description")
                if code in DESCRIPTIONS and (code not in declared or code == "422"):
                    description = DESCRIPTIONS[code]
                responses[code] = {
                    "description": description or "Error",
                    "content": {"application/json": {"schema": ERROR_REF}},
                }
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error_schema.pop("$defs", {}))
    components["ErrorOut"] = error_schema
    for unused in FASTAPI_VALIDATION:
        components.pop(unused, None)
    return schema


def document_errors(app: FastAPI) -> None:
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        return add_error_responses(build())

    app.openapi = openapi  # type: ignore[method-assign]


def document_choices(app: FastAPI, model: str, field: str, values: list[str]) -> None:
    """A field checked against what the server loaded (the catalog) rather than a fixed type:
    its allowed values as the enum of its schema, listed when the app starts."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        prop = schema["components"]["schemas"][model]["properties"][field]
        prop["enum"] = list(values)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
