"""Admins manage accounts: list them, create staff accounts, change roles, deactivate."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from talentvisa.api.deps import RT, bounded, require
from talentvisa.api.rendering import rendered
from talentvisa.audit import service as audit
from talentvisa.auth import service as auth
from talentvisa.auth.models import Role, User
from talentvisa.service_errors import Conflict, Invalid, NotFound

router = APIRouter(prefix="/users", tags=["users"])
Admin = Annotated[User, Depends(require(Role.admin))]


class AccountOut(BaseModel):
    id: int
    email: str
    display_name: str
    role: str
    active: bool
    created_at: dt.datetime


class AccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
    password: Annotated[str, Field(min_length=auth.MIN_PASSWORD, max_length=200)]
    display_name: Annotated[str, Field(min_length=1, max_length=200)]
    role: Role


class AccountChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role | None = None
    active: bool | None = None


def _out(user: User) -> AccountOut:
    return AccountOut.model_validate(user, from_attributes=True)


@router.get("", response_model=list[AccountOut])
@bounded
def list_accounts(
    rt: RT, admin: Admin, role: Annotated[Role | None, Query()] = None
) -> list[AccountOut]:
    with rt.reading() as session:
        return [_out(u) for u in auth.users(session, role)]


@router.post("", status_code=201, response_model=AccountOut)
def create_account(body: AccountIn, rt: RT, admin: Admin) -> Response:
    """Create an account with any role, e.g. an officer or a supervisor."""
    with rt.writing() as session:
        try:
            user = auth.open_account(
                session, body.email, body.password, body.role, body.display_name, opened_by=admin.id
            )
        except ValueError as exc:
            field, _, message = str(exc).partition(": ")
            raise Conflict(message, field) from None
        return rendered(_out(user), 201)


@router.patch("/{user_id}", response_model=AccountOut)
@bounded
def change_account(user_id: int, body: AccountChange, rt: RT, admin: Admin) -> Response:
    """Change a role or deactivate an account; its sessions and tokens stop working at once."""
    with rt.writing() as session:
        try:
            user, changed = auth.change_user(
                session, admin, user_id, role=body.role, active=body.active
            )
        except LookupError as exc:
            raise NotFound(str(exc)) from None
        except ValueError as exc:
            field, _, message = str(exc).partition(": ")
            raise Invalid(message, field) from None
        if changed:
            rt.tokens.forget_user(user.id)
            audit.append(
                session,
                actor_id=admin.id,
                entity_type="user",
                entity_id=str(user.id),
                action="update",
                data=changed,
            )
        return rendered(_out(user))
