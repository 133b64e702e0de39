"""Errors the domains raise; the HTTP adapter maps each to one status code with a JSON body."""

from __future__ import annotations


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


class NotFound(ServiceError):
    status, code = 404, "not_found"


class Forbidden(ServiceError):
    status, code = 403, "forbidden"


class Conflict(ServiceError):
    status, code = 409, "conflict"


class Invalid(ServiceError):
    status, code = 422, "invalid"


class TooLarge(ServiceError):
    status, code = 413, "too_large"


class Unsupported(ServiceError):
    status, code = 415, "unsupported_media_type"


class BadInput(Invalid):
    """Input no field may hold (bad characters, an unstorable number): the field is named."""
