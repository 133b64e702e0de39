from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from talentvisa.api.deps import RT, require
from talentvisa.audit import service
from talentvisa.auth.models import Role, User

router = APIRouter(tags=["audit"])


class ChainOut(BaseModel):
    ok: bool
    events: int
    problems: list[str]
    first_bad: int | None = None


@router.get("/audit/verify", response_model=ChainOut)
def verify(
    rt: RT, user: Annotated[User, Depends(require(Role.admin, Role.supervisor))]
) -> ChainOut:
    with rt.reading() as session:
        r = service.verify(session)
    return ChainOut(ok=r.ok, events=r.events, problems=r.problems, first_bad=r.first_bad)
