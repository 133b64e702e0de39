"""The agency's settings over HTTP: admins record new versions, supervisors read them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from talentvisa.api.deps import RT, bounded, require
from talentvisa.api.rendering import rendered
from talentvisa.auth.models import Role, User
from talentvisa.cases import settings
from talentvisa.rules.bounds import AMOUNT_MAX, FreeText

router = APIRouter(tags=["settings"])
Admin = Annotated[User, Depends(require(Role.admin))]
Reader = Annotated[User, Depends(require(Role.admin, Role.supervisor))]
ProgramId = Annotated[str, Path(pattern=r"^[a-z][a-z0-9-]{0,59}$")]
Parameter = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,59}$")]
ReadingId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,59}$")]
Number = Annotated[float, Field(ge=0, le=AMOUNT_MAX, allow_inf_nan=False)]


class SettingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: bool | int | Number | ReadingId | None = Field(
        description="A number for a silent parameter, a reading's id for contested law, true "
        "or false for four eyes (four_eyes_overrides, four_eyes_refusals), whole days for "
        "remind_days_before, or null to withdraw the agency's setting from `effective` on."
    )
    effective: dt.date = Field(description="First day it applies.")
    note: FreeText = Field(min_length=1, description="Why the agency chose it (shown with it).")


class SettingOut(BaseModel):
    version: int = Field(validation_alias="id")
    program_id: str
    parameter: str
    value: bool | int | float | str | None
    effective: dt.date
    note: str
    set_by: int
    set_at: dt.datetime


class CurrentOut(BaseModel):
    version: int
    on: dt.date
    settings: list[SettingOut]


def _out(row: settings.AgencySetting) -> SettingOut:
    return SettingOut.model_validate(row, from_attributes=True)


@router.get("/settings", response_model=list[SettingOut])
@bounded
def history(
    rt: RT,
    user: Reader,
    program_id: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9-]{0,59}$")] = None,
) -> Response:
    """Every version of the agency's settings, newest first."""
    with rt.reading() as session:
        return rendered([_out(r) for r in settings.history(session, user, program_id)])


@router.get("/settings/current", response_model=CurrentOut)
@bounded
def current(
    rt: RT,
    user: Reader,
    on: dt.date | None = None,
) -> Response:
    """The settings in force on a day (default today): the newest version's rows that apply."""
    day = on or rt.cases.today()
    with rt.reading() as session:
        version, rows = settings.in_force(session, user, day)
        return rendered(CurrentOut(version=version, on=day, settings=[_out(r) for r in rows]))


@router.post("/settings/{program_id}/{parameter}", status_code=201, response_model=SettingOut)
@bounded
def set_value(
    program_id: ProgramId, parameter: Parameter, body: SettingIn, rt: RT, user: Admin
) -> Response:
    """Record a new version of one setting; the previous versions are kept."""
    with rt.writing() as session:
        row = settings.set_value(
            session,
            rt.cases.catalog,
            user,
            program_id=program_id,
            parameter=parameter,
            value=body.value,
            effective_from=body.effective,
            note=body.note,
        )
        return rendered(_out(row), 201)
