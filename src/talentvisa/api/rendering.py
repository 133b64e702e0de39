"""Responses rendered while their transaction is still open.

FastAPI encodes an endpoint's return value after the endpoint returns, which for a write is
after COMMIT: a value that then failed to encode (a lone surrogate) left the change saved
behind a 500 claiming the opposite. Endpoints that write return `rendered(...)` from inside
`with rt.writing()`, so a failure to render rolls the change back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel


def rendered(
    value: BaseModel | Sequence[BaseModel] | Mapping[str, Any], status_code: int = 200
) -> Response:
    if isinstance(value, Mapping):
        # JSONResponse encodes in its constructor, that is here, inside the transaction.
        return JSONResponse(jsonable_encoder(value), status_code=status_code)
    body = (
        value.model_dump_json()
        if isinstance(value, BaseModel)
        else "[" + ",".join(v.model_dump_json() for v in value) + "]"
    )
    return Response(body.encode("utf-8"), status_code=status_code, media_type="application/json")
