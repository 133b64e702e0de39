"""Administrator pages: create a cap season, open and close its window, run the draw, and
review passports registered with conflicting identity data."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from talentvisa.api.deps import runtime
from talentvisa.auth.models import Role, User
from talentvisa.h1b import service as h1b
from talentvisa.h1b.context import H1bContext
from talentvisa.h1b.schemas import SeasonIn
from talentvisa.service_errors import ServiceError
from talentvisa.web.i18n import N_
from talentvisa.web.messages import Msg, of_error
from talentvisa.web.page import Page, PageDep, Posted, WebError, redirect, render
from talentvisa.web.route import Reading, Writing, web_router

router = web_router()
ACTIONS = {"open": h1b.open_season, "close": h1b.close_season, "draw": h1b.draw}


def _ctx(page: Page, session: Session, user: User) -> H1bContext:
    rt = runtime(page.request)
    return H1bContext(session, user, rt.cases, rt.clock)


def _page(
    page: Page,
    session: Session,
    errors: dict[str, Msg] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    page.need(Role.admin)
    return render(
        page,
        "admin_seasons.html",
        status=status,
        seasons=[h1b.public_view(s) for s in h1b.seasons(session)],
        errors=errors or {},
        form=form or {"season": "", "regular_target": "", "advanced_target": ""},
    )


@router.get("/admin/seasons", response_class=HTMLResponse)
def seasons(page: PageDep, work: Reading) -> HTMLResponse:
    return _page(page, work.session)


@router.post("/admin/seasons", response_class=HTMLResponse)
def create(
    page: Posted,
    work: Writing,
    season: Annotated[str, Form()] = "",
    regular_target: Annotated[str, Form()] = "",
    advanced_target: Annotated[str, Form()] = "",
) -> Response:
    admin = page.need(Role.admin)
    form = {
        "season": season,
        "regular_target": regular_target,
        "advanced_target": advanced_target,
    }
    errors: dict[str, Msg] = {}
    try:
        body = SeasonIn(
            season=season.strip().upper(),
            regular_target=regular_target or -1,
            advanced_target=advanced_target or -1,
        )
    except ValidationError as exc:
        for e in exc.errors():
            field = str(e["loc"][0]) if e["loc"] else "_form"
            errors[field] = Msg(
                N_("Enter a season like FY2027.")
                if field == "season"
                else N_("Enter a whole number of zero or more.")
            )
        return _page(page, work.session, errors, form, 400)
    try:
        with work.attempt():
            h1b.create_season(_ctx(page, work.session, admin), body)
    except ServiceError as exc:
        where, msg = of_error(exc)
        return _page(page, work.session, {where or "_form": msg}, form, exc.status)
    return redirect(page, "/admin/seasons?done=1")


@router.get("/admin/seasons/{name}/conflicts", response_class=HTMLResponse)
def conflicts(name: str, page: PageDep, work: Reading) -> HTMLResponse:
    ctx = _ctx(page, work.session, page.need(Role.admin))
    return render(page, "admin_conflicts.html", found=h1b.conflicts(ctx, name))


@router.post("/admin/seasons/{name}/{action}", response_class=HTMLResponse)
def act(name: str, action: str, page: Posted, work: Writing) -> Response:
    admin = page.need(Role.admin)
    if action not in ACTIONS:
        raise WebError(404, Msg(N_("We could not find that page or record.")))
    try:
        with work.attempt():
            ACTIONS[action](_ctx(page, work.session, admin), name)
    except ServiceError as exc:
        _, msg = of_error(exc)
        return _page(page, work.session, {"_form": msg}, None, exc.status)
    return redirect(page, "/admin/seasons?done=1")
