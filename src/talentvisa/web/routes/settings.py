"""The agency's settings in the portal: admins record a new version, supervisors read them."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import Form
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from talentvisa.api.deps import runtime
from talentvisa.auth import directory
from talentvisa.auth.models import Role
from talentvisa.cases import settings as agency
from talentvisa.rules.compiled import settable
from talentvisa.service_errors import ServiceError
from talentvisa.web.i18n import N_
from talentvisa.web.messages import Msg, of_error
from talentvisa.web.page import Page, PageDep, Posted, redirect, render
from talentvisa.web.route import Reading, Writing, web_router

router = web_router()
#: Versions listed below the form; older ones stay in the database and the API.
HISTORY_SHOWN = 50
FIELD_ERRORS = {
    "key": Msg(N_("Choose the setting to change.")),
    "value": Msg(
        N_(
            "This value does not suit the setting: give a number in its unit (whole years, a "
            "ranking position, days), yes or no for four eyes, or for contested law the id of "
            "a reading."
        )
    ),
    "note": Msg(N_("Say why the agency sets this value.")),
}


#: Yes and no as an admin may type them, in both languages.
YES_NO = {"yes": True, "true": True, "是": True, "no": False, "false": False, "否": False}


def _page(
    page: Page,
    session: Session,
    errors: dict[str, Msg] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    user = page.need(Role.admin, Role.supervisor)
    rt = runtime(page.request)
    today = rt.cases.today()
    version, rows = agency.in_force(session, user, today)
    current = {(r.program_id, r.parameter): r for r in rows}
    history = agency.history(session, user)[:HISTORY_SHOWN]
    names = directory.display_names(session, {r.set_by for r in history} | {r.set_by for r in rows})
    parameters = [
        (cp.id, name, p, current.get((cp.id, name)))
        for cp in rt.cases.catalog.values()
        for name, p in cp.program.parameters.items()
        if settable(p)
    ]
    casework = [
        (pid, name, c, current.get((pid, name)), agency.casework_default(pid, name))
        for pid in rt.cases.catalog
        for name, c in agency.CASEWORK.items()
    ]
    return render(
        page,
        "admin_settings.html",
        status=status,
        version=version,
        today=today,
        parameters=parameters,
        casework=casework,
        choices=[(f"{pid}.{name}", f"{pid} · {name}") for pid, name, _, _ in parameters]
        + [(f"{pid}.{name}", f"{pid} · {name}") for pid, name, _, _, _ in casework],
        history=history,
        names=names,
        may_write=user.role == Role.admin.value,
        errors=errors or {},
        form=form or {"key": "", "value": "", "effective": today.isoformat(), "note": ""},
    )


@router.get("/admin/settings", response_class=HTMLResponse)
def settings_page(page: PageDep, work: Reading) -> HTMLResponse:
    return _page(page, work.session)


def _value(raw: str) -> Any:
    """A number as a number, yes or no for four eyes, `none` to withdraw, anything else as a
    reading's id."""
    text = raw.strip()
    if text.lower() in ("none", "null"):
        return None
    if text.lower() in YES_NO:
        return YES_NO[text.lower()]
    try:
        number = json.loads(text)
    except ValueError:
        return text
    return number if isinstance(number, int | float) else text


@router.post("/admin/settings", response_class=HTMLResponse)
def set_value(
    page: Posted,
    work: Writing,
    key: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
    effective: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    admin = page.need(Role.admin)
    form = {"key": key, "value": value, "effective": effective, "note": note}
    errors: dict[str, Msg] = {}
    program_id, _, parameter = key.partition(".")
    if not parameter:
        errors["key"] = FIELD_ERRORS["key"]
    if not value.strip():
        errors["value"] = Msg(N_("Enter a value, or none to withdraw the setting."))
    try:
        day = dt.date.fromisoformat(effective)
    except ValueError:
        errors["effective"] = Msg(N_("Enter a date as YYYY-MM-DD."))
    if not note.strip():
        errors["note"] = FIELD_ERRORS["note"]
    if errors:
        return _page(page, work.session, errors, form, 400)
    try:
        with work.attempt():
            agency.set_value(
                work.session,
                runtime(page.request).cases.catalog,
                admin,
                program_id=program_id,
                parameter=parameter,
                value=_value(value),
                effective_from=day,
                note=note.strip()[:5000],
            )
    except ServiceError as exc:
        field = {"parameter": "key", "value": "value", "note": "note"}.get(exc.field or "")
        msg = FIELD_ERRORS[field] if field else of_error(exc)[1]
        return _page(page, work.session, {field or "_form": msg}, form, exc.status)
    return redirect(page, "/admin/settings?done=1")
