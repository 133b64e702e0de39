"""Responses rendered while their transaction is still open.

FastAPI encodes an endpoint's return value after the endpoint returns, which for a write is
after COMMIT: a value that then failed to encode (a lone surrogate) left the change saved
behind a 500 claiming the opposite. Endpoints that write return `rendered(...)` from inside
`with rt.writing()`, so a failure to render rolls the change back.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Response
from pydantic import BaseModel


def rendered(value: BaseModel | Sequence[BaseModel], status_code: int = 200) -> Response:
    body = (
        value.model_dump_json()
        if isinstance(value, BaseModel)
        else "[" + ",".join(v.model_dump_json() for v in value) + "]"
    )
    return Response(body.encode("utf-8"), status_code=status_code, media_type="application/json")
