"""Employer pages: cap seasons, registering beneficiaries, results and the published draw."""

from __future__ import annotations

import json
import re
from typing import Annotated

from fastapi import File, Query, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from talentvisa.api.deps import runtime
from talentvisa.api.inputs import BULK_BODY_MAX
from talentvisa.auth.models import Role, User
from talentvisa.db.unit_of_work import UnitOfWork
from talentvisa.h1b import service as h1b
from talentvisa.h1b.context import H1bContext
from talentvisa.h1b.schemas import RegistrationIn
from talentvisa.h1b.workflow import WAS_SELECTED
from talentvisa.service_errors import ServiceError
from talentvisa.web.i18n import N_
from talentvisa.web.messages import Msg, of_error
from talentvisa.web.page import Page, PageDep, Posted, WebError, redirect, render
from talentvisa.web.route import Reading, Writing, web_router

router = web_router()
FIELDS = (
    "family_name",
    "given_name",
    "date_of_birth",
    "passport_country",
    "passport_number",
    "wage_level",
    "soc_code",
    "worksite",
    "us_advanced_degree",
)
ERROR_OF = {
    "family_name": N_("Enter the beneficiary's family name."),
    "given_name": N_("Check this answer."),
    "date_of_birth": N_("Enter a date as YYYY-MM-DD."),
    "passport_country": N_("Enter the passport's country code in capitals, for example IN."),
    "passport_number": N_("Enter the passport number: 5 to 20 capital letters and digits."),
    "wage_level": N_("Choose the wage level."),
    "soc_code": N_("Enter an SOC code like 15-1252."),
    "worksite": N_("Enter the worksite, for example Austin, TX."),
    "us_advanced_degree": N_("Say whether the beneficiary holds a US master's or higher."),
}


def _ctx(page: Page, session: Session, user: User) -> H1bContext:
    rt = runtime(page.request)
    return H1bContext(session, user, rt.cases, rt.clock)


@router.get("/employer", response_class=HTMLResponse)
def seasons(page: PageDep, work: Reading) -> HTMLResponse:
    ctx = _ctx(page, work.session, page.need(Role.employer))
    rows = [(s, sum(h1b.employer_counts(ctx, s).values())) for s in h1b.seasons(work.session)]
    return render(page, "employer_seasons.html", rows=rows)


#: Registrations per portal page: a screenful; the full list is the results.csv export.
PAGE_SIZE = 50
#: One upload file's bytes: the API's bound on the same CSV.
MAX_UPLOAD = BULK_BODY_MAX
#: An upload problem as h1b/upload.py words it: "<file>:<line>: <field>: <message>".
PROBLEM = re.compile(r"^[^:]*:(\d+): (.*)$")


def _season_page(
    page: Page,
    session: Session,
    name: str,
    errors: dict[str, Msg] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
    after: str | None = None,
    problems: list[tuple[int | None, str]] | None = None,
) -> HTMLResponse:
    ctx = _ctx(page, session, page.need(Role.employer))
    season = h1b.season_named(session, name)
    regs, nxt = h1b.employer_page(ctx, season, after, PAGE_SIZE)
    previous = h1b.employer_previous(ctx, season, regs[0].id, PAGE_SIZE) if regs else None
    counts = h1b.employer_counts(ctx, season)
    view = h1b.public_view(season)
    return render(
        page,
        "employer_season.html",
        status=status,
        s=view,
        bulletin_root=h1b.bulletin_root(session, season),
        regs=regs,
        next_after=nxt,
        previous_after=previous,
        counts=sorted(counts.items()),
        total=sum(counts.values()),
        problems=problems or [],
        errors=errors or {},
        form=form or {},
        selected=sum(n for st, n in counts.items() if st in WAS_SELECTED),
    )


@router.get("/employer/seasons/{name}", response_class=HTMLResponse)
def season(
    name: str,
    page: PageDep,
    work: Reading,
    after: Annotated[str | None, Query(max_length=32, pattern=r"^[0-9a-f]*$")] = None,
) -> HTMLResponse:
    return _season_page(page, work.session, name, after=after or None)


def _problems(text: str) -> list[tuple[int | None, str]]:
    """Each line of the service's refusal, with its row's line number where it names one."""
    out: list[tuple[int | None, str]] = []
    for said in text.splitlines():
        found = PROBLEM.match(said)
        out.append((int(found.group(1)), found.group(2)) if found else (None, said))
    return out


@router.post("/employer/seasons/{name}/upload", response_class=HTMLResponse)
def upload(
    name: str,
    page: Posted,
    work: Writing,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """A CSV of registrations, all or nothing, through the API's own service call."""
    user = page.need(Role.employer)
    errors: dict[str, Msg] = {}
    problems: list[tuple[int | None, str]] = []
    status = 400
    if file is None or not file.filename:
        errors["file"] = Msg(N_("Choose a CSV file of registrations."))
    else:
        data = file.file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            errors["file"] = Msg(N_("The file is larger than 16 MB: send several files."))
            status = 413
        else:
            try:
                with work.attempt():
                    done = h1b.register_many(_ctx(page, work.session, user), name, data)
            except ServiceError as exc:
                status = exc.status
                if exc.field == "file":
                    errors["file"] = Msg(
                        N_("No row was registered: correct these rows, then send the whole file.")
                    )
                    problems = _problems(str(exc))
                else:
                    where, msg = of_error(exc)
                    errors[where or "_form"] = msg
    if errors:
        return _season_page(
            page, work.session, name, errors=errors, status=status, problems=problems
        )
    return redirect(page, f"/employer/seasons/{name}?done=uploaded&count={len(done)}")


@router.get("/employer/seasons/{name}/reveal.json")
def reveal(name: str, page: PageDep, work: Reading) -> Response:
    page.need()
    s = h1b.season_named(work.session, name)
    if s.reveal is None:
        raise WebError(404, Msg(N_("The draw has not happened yet.")))
    return Response(
        json.dumps(s.reveal, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{s.season}.reveal.json"'},
    )


@router.get("/employer/registrations/{reg_id}/proof.json")
def proof(reg_id: str, page: PageDep, work: Reading) -> Response:
    """One's own registration's inclusion proof, as a file for `talentvisa lottery prove`."""
    ctx = _ctx(page, work.session, page.need(Role.employer))
    try:
        doc = h1b.registration_proof(ctx, reg_id)
    except ServiceError:
        raise WebError(404, Msg(N_("There is no proof for this registration."))) from None
    return Response(
        json.dumps(doc, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{reg_id}.proof.json"'},
    )


@router.post("/employer/seasons/{name}/register", response_class=HTMLResponse)
async def register(name: str, page: Posted, work: Writing) -> Response:
    posted = await page.request.form()
    form = {k: str(posted.get(k, "")).strip() for k in FIELDS}
    return await run_in_threadpool(_register, name, page, work, form)


def _register(name: str, page: Page, work: UnitOfWork, form: dict[str, str]) -> Response:
    user = page.need(Role.employer)
    errors: dict[str, Msg] = {}
    status = 400
    body = None
    try:
        body = RegistrationIn(
            passport_country=form["passport_country"].upper(),
            passport_number=form["passport_number"].upper().replace(" ", ""),
            family_name=form["family_name"],
            given_name=form["given_name"],
            date_of_birth=form["date_of_birth"],
            wage_level=form["wage_level"] or 0,
            soc_code=form["soc_code"],
            worksite=form["worksite"],
            us_advanced_degree={"yes": True, "no": False}.get(form["us_advanced_degree"]),
        )
    except ValidationError as exc:
        for e in exc.errors():
            field = str(e["loc"][0]) if e["loc"] else "_form"
            errors[field] = Msg(ERROR_OF.get(field, N_("Check this answer.")))
    if body is not None:
        try:
            with work.attempt():
                h1b.register(_ctx(page, work.session, user), name, body)
        except ServiceError as exc:
            where, msg = of_error(exc)
            errors[where or "_form"] = msg
            status = exc.status
    if errors:
        return _season_page(page, work.session, name, errors=errors, form=form, status=status)
    return redirect(page, f"/employer/seasons/{name}?done=registered")
