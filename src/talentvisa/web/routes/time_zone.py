"""The account's time zone: the zone its times are shown in (web/times.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form
from fastapi.responses import HTMLResponse, Response

from talentvisa.api.deps import runtime
from talentvisa.auth import service as auth
from talentvisa.cases import zones
from talentvisa.service_errors import ServiceError
from talentvisa.web.messages import Msg, of_error
from talentvisa.web.page import Page, PageDep, Posted, redirect, render
from talentvisa.web.route import Writing, web_router

router = web_router()


def _page(page: Page, errors: dict[str, Msg] | None = None, status: int = 200) -> HTMLResponse:
    user = page.need()
    return render(
        page,
        "account_zone.html",
        status=status,
        errors=errors or {},
        chosen=user.time_zone or "",
        zones=[(z, z) for z in zones.names()],
        done=page.request.query_params.get("done", ""),
    )


@router.get("/account", response_class=HTMLResponse)
def account(page: PageDep) -> HTMLResponse:
    return _page(page)


@router.post("/account/time-zone", response_class=HTMLResponse)
def set_time_zone(page: Posted, work: Writing, time_zone: Annotated[str, Form()] = "") -> Response:
    user = page.need()
    try:
        with work.attempt():
            auth.set_time_zone(work.session, user, time_zone.strip()[:64] or None)
    except ServiceError as exc:
        field, msg = of_error(exc)
        return _page(page, {field or "_form": msg}, exc.status)
    # The cached sign-in holds the account as it was: forget it, so the next page uses the zone.
    runtime(page.request).tokens.forget_user(user.id)
    return redirect(page, "/account?done=saved")
