"""Applicant pages: the multi-step application to any program taking individual ones, uploads,
submit, status, evidence."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Annotated

from fastapi import File, Form, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from talentvisa.api.deps import runtime
from talentvisa.audit import service as audit
from talentvisa.auth import directory
from talentvisa.auth.models import Role
from talentvisa.cases import intake, progress, service, workflow
from talentvisa.cases.schemas import ApplicationCreate, ApplicationUpdate, EvidenceResponseIn
from talentvisa.db.unit_of_work import UnitOfWork
from talentvisa.rules.model import Program
from talentvisa.rules.profile import Profile
from talentvisa.service_errors import ServiceError
from talentvisa.web import application_form as af
from talentvisa.web import fit
from talentvisa.web.i18n import N_
from talentvisa.web.messages import Msg, of_error
from talentvisa.web.page import Page, PageDep, Posted, WebError, redirect, render
from talentvisa.web.route import Reading, Writing, web_router

router = web_router()
CARRIED_INVALID = N_(
    "The answers from your comparison are not valid: change them there, then apply again."
)


def _errors(exc: ServiceError, default_field: str = "_form") -> dict[str, Msg]:
    field, msg = of_error(exc)
    return {field or default_field: msg}


def _program(page: Page, program_id: str) -> Program:
    return runtime(page.request).cases.catalog[program_id].program


def _new_page(
    page: Page,
    chosen: str,
    errors: dict[str, Msg] | None = None,
    status: int = 200,
    carried: dict[str, str] | None = None,
) -> HTMLResponse:
    catalog = runtime(page.request).cases.catalog
    programs = [catalog[pid].program for pid in intake.individual(catalog)]
    return render(
        page,
        "my_new.html",
        status=status,
        programs=programs,
        chosen=chosen,
        errors=errors or {},
        carried=carried or {},
    )


def _carried(form: Mapping[str, str]) -> dict[str, str]:
    """The answers of "Which visa fits me?" that came with "Apply" (only those given)."""
    return {k: v for k, v in fit.answers_of(form).items() if v}


@router.get("/my", response_class=HTMLResponse)
def my_applications(page: PageDep, work: Reading) -> HTMLResponse:
    user = page.need(Role.applicant)
    catalog = runtime(page.request).cases.catalog
    names = {pid: cp.program.name for pid, cp in catalog.items()}
    return render(page, "my_list.html", apps=service.mine(work.session, user), names=names)


@router.get("/my/new", response_class=HTMLResponse)
def new_form(page: PageDep, program: str = intake.DEFAULT_PROGRAM) -> HTMLResponse:
    page.need(Role.applicant)
    return _new_page(page, program, carried=_carried(page.request.query_params))


@router.post("/my/new", response_class=HTMLResponse)
async def new(page: Posted, work: Writing) -> Response:
    # The answers carried from the comparison vary, so the form is read whole (as a step's).
    form = {k: str(v) for k, v in (await page.request.form()).items()}
    return await run_in_threadpool(_create_sync, page, work, form)


def _create_sync(page: Page, work: UnitOfWork, form: dict[str, str]) -> Response:
    user = page.need(Role.applicant)
    program = form.get("program", intake.DEFAULT_PROGRAM)[:100]
    carried = _carried(form)
    profile, _, refused = fit.profile_of(carried)
    if refused:
        errors = {"_form": Msg(CARRIED_INVALID)}
        return _new_page(page, program, errors, 400, carried)
    try:
        with work.attempt():
            app = service.create(
                work.session,
                runtime(page.request).cases,
                user,
                ApplicationCreate(
                    program_id=program,
                    profile=Profile.model_validate(profile),
                    language=page.lang.code,
                ),
            )
    except ServiceError as exc:
        errors = {"program": Msg(N_("Choose a program from the list."))}
        return _new_page(page, intake.DEFAULT_PROGRAM, errors, exc.status, carried)
    return redirect(page, f"/my/{app.id}/{af.FIRST}")


def _step_page(
    page: Page,
    session: Session,
    app_id: str,
    slug: str,
    errors: dict[str, Msg] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    user = page.need(Role.applicant)
    app = service.visible(session, user, app_id)
    steps = af.steps_for(app.program_id)
    s = af.step(slug, steps)
    if s is None:
        raise WebError(404, Msg(N_("We could not find that page or record.")))
    if app.state not in workflow.EDITABLE:
        return redirect(page, f"/my/{app.id}")
    out = service.to_out(session, app, user)
    if values is None:
        values = {f.name: af.shown(app.profile, f) for f in s.answers()}
    assessment = None
    if slug == "review":
        assessment = service.prescreen(
            runtime(page.request).cases, app.program_id, Profile.model_validate(app.profile)
        )
    return render(
        page,
        "my_step.html",
        status=status,
        app=out,
        program=_program(page, app.program_id),
        step=s,
        steps=steps,
        values=values,
        errors=errors or {},
        documents=_program(page, app.program_id).documents,
        assessment=assessment,
        idem_key=secrets.token_urlsafe(18),
        fields_all=[f for st in steps for f in st.fields],
        asked_all=[q for st in steps for q in st.asked],
        shown=af.shown,
        profile=app.profile,
    )


@router.post("/my/{app_id}/documents", response_class=HTMLResponse)
def upload(
    app_id: str,
    page: Posted,
    work: Writing,
    file: Annotated[UploadFile | None, File()] = None,
    kind: Annotated[str, Form(max_length=60)] = "supporting_documents",
    back: Annotated[str, Form()] = "",
    item: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    user = page.need(Role.applicant)
    target = f"/my/{app_id}" if back == "status" else f"/my/{app_id}/documents"
    try:
        app = service.visible(work.session, user, app_id)
        known = {d.id for d in _program(page, app.program_id).documents}
        if file is None or not file.filename:
            raise ServiceError("file: choose a file", "file")
        content = file.file.read(service.MAX_UPLOAD + 1)
        with work.attempt():
            service.upload(
                work.session,
                runtime(page.request).cases,
                user,
                app_id,
                kind if kind in known else "supporting_documents",
                file.filename,
                content,
                item or None,
            )
    except ServiceError as exc:
        errors = {"file": Msg(N_("Upload a PDF, PNG or JPEG file of at most 10 MB."))}
        if exc.code not in ("invalid", "too_large", "unsupported_media_type", "bad_request"):
            errors = _errors(exc, "file")
        if back == "status":
            return _status_page(page, work.session, app_id, errors=errors, status=exc.status)
        return _step_page(page, work.session, app_id, "documents", errors=errors, status=exc.status)
    return redirect(page, target)


@router.post("/my/{app_id}/submit", response_class=HTMLResponse)
def submit(
    app_id: str,
    page: Posted,
    work: Writing,
    version: Annotated[int, Form()],
    idem_key: Annotated[str, Form(min_length=8, max_length=200)],
) -> Response:
    user = page.need(Role.applicant)
    try:
        # A double click sends the same key: the second request finds the first's answer.
        with work.attempt():
            service.submit(
                work.session, runtime(page.request).cases, user, app_id, version, idem_key
            )
    except ServiceError as exc:
        return _step_page(
            page, work.session, app_id, "review", errors=_errors(exc), status=exc.status
        )
    return redirect(page, f"/my/{app_id}?done=submitted")


def _status_page(
    page: Page,
    session: Session,
    app_id: str,
    errors: dict[str, Msg] | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    user = page.need(Role.applicant)
    app = service.visible(session, user, app_id)
    out = service.to_out(session, app, user)
    program = _program(page, app.program_id)
    events = audit.timeline(session, "application", app.id)
    names = directory.display_names(session, {e.actor_id for e in events if e.actor_id})
    return render(
        page,
        "my_status.html",
        status=status,
        app=out,
        events=events,
        names=names,
        steps=progress.progress(app.state, (e.data.get("to", "") for e in events)),
        terminal=workflow.TERMINAL,
        errors=errors or {},
        form=form or {},
        documents=program.documents,
        program=program,
        criteria=program.criteria,
        done=page.request.query_params.get("done", ""),
    )


@router.get("/my/{app_id}", response_class=HTMLResponse)
def status_page(app_id: str, page: PageDep, work: Reading) -> HTMLResponse:
    return _status_page(page, work.session, app_id)


@router.post("/my/{app_id}/respond", response_class=HTMLResponse)
def respond(
    app_id: str,
    page: Posted,
    work: Writing,
    version: Annotated[int, Form()],
    response: Annotated[str, Form()] = "",
) -> Response:
    user = page.need(Role.applicant)
    if not response.strip():
        return _status_page(
            page,
            work.session,
            app_id,
            errors={"response": Msg(N_("Write your answer to the request."))},
            status=400,
        )
    try:
        with work.attempt():
            service.respond(
                work.session,
                runtime(page.request).cases,
                user,
                app_id,
                EvidenceResponseIn(response=response[:20000], version=version),
            )
    except ServiceError as exc:
        return _status_page(
            page,
            work.session,
            app_id,
            errors=_errors(exc),
            status=exc.status,
            form={"response": response},
        )
    return redirect(page, f"/my/{app_id}?done=responded")


@router.post("/my/{app_id}/withdraw", response_class=HTMLResponse)
def withdraw(app_id: str, page: Posted, work: Writing, version: Annotated[int, Form()]) -> Response:
    user = page.need(Role.applicant)
    try:
        with work.attempt():
            service.withdraw(work.session, user, app_id, version)
    except ServiceError as exc:
        return _status_page(page, work.session, app_id, errors=_errors(exc), status=exc.status)
    return redirect(page, f"/my/{app_id}?done=withdrawn")


@router.get("/my/{app_id}/{slug}", response_class=HTMLResponse)
def step_form(app_id: str, slug: str, page: PageDep, work: Reading) -> Response:
    return _step_page(page, work.session, app_id, slug)


@router.post("/my/{app_id}/{slug}", response_class=HTMLResponse)
async def save_step(app_id: str, slug: str, page: Posted, work: Writing) -> Response:
    # The step's fields vary, so the form is read whole; the database work runs in the
    # thread pool like every sync endpoint, so a lock wait never blocks the event loop.
    form = {k: str(v) for k, v in (await page.request.form()).items()}
    return await run_in_threadpool(_save_sync, app_id, slug, page, work, form)


def _save_sync(
    app_id: str, slug: str, page: Page, work: UnitOfWork, form: dict[str, str]
) -> Response:
    user = page.need(Role.applicant)
    session = work.session
    app = service.visible(session, user, app_id)
    steps = af.steps_for(app.program_id)
    s = af.step(slug, steps)
    if s is None or not s.saves:
        raise WebError(404, Msg(N_("We could not find that page or record.")))
    profile, errors = af.apply(app.profile, s, form)
    values = {f.name: form.get(f.name, "") for f in s.answers()}
    try:
        version = int(form.get("version", "0"))
    except ValueError:
        version = 0
    if not errors:
        try:
            with work.attempt():
                service.update_profile(
                    session,
                    user,
                    app_id,
                    ApplicationUpdate(
                        profile=Profile.model_validate(profile), version=max(version, 1)
                    ),
                )
        except ServiceError as exc:
            errors = _errors(exc)
    if errors:
        return _step_page(page, session, app_id, slug, errors=errors, values=values, status=400)
    order = af.slugs(steps)
    index = order.index(slug)
    target = slug if form.get("go") == "stay" else order[min(index + 1, len(order) - 1)]
    return redirect(page, f"/my/{app_id}/{target}?saved=1")
