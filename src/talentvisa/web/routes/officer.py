"""Officer pages: the queue, the case with its pre-screen trace, and the decisions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Form
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from talentvisa.api.deps import runtime
from talentvisa.audit import service as audit
from talentvisa.auth import directory
from talentvisa.auth.models import STAFF, Role
from talentvisa.cases import approval, checklist, service, terms
from talentvisa.cases import queue as cases_queue
from talentvisa.cases import settings as agency
from talentvisa.cases.models import Application
from talentvisa.cases.schemas import (
    AssignIn,
    BulkAssignIn,
    CancelIn,
    CaseRef,
    DecisionIn,
    EvidenceRequestIn,
    ExtendIn,
    IssueIn,
    NoAnswerIn,
    OverrideCode,
    ReviewIn,
)
from talentvisa.cases.workflow import State
from talentvisa.db.unit_of_work import UnitOfWork
from talentvisa.rules.assessment import Assessment
from talentvisa.service_errors import ServiceError
from talentvisa.web import application_form as af
from talentvisa.web.i18n import N_
from talentvisa.web.messages import Msg, of_error
from talentvisa.web.page import Page, PageDep, Posted, redirect, render
from talentvisa.web.route import Reading, Writing, web_router
from talentvisa.web.templating import tx

router = web_router()
#: The sorts the portal offers, by column; each also descending (cases/queue.py).
SORTS = {
    "submitted_at": N_("date submitted"),
    "reference": N_("reference"),
    "applicant": N_("applicant"),
    "state": N_("status"),
    "prescreen": N_("pre-screen"),
    "program": N_("program"),
    "evidence_due": N_("evidence due"),
    "updated_at": N_("last changed"),
}
PAGE_SIZE = 50


def _filters(state: str, prescreen: str, assigned: str, q: str) -> cases_queue.Filters:
    """The queue's filters from the query string; anything unrecognised means the default."""
    known = state in cases_queue.STATE_GROUPS or (state in State.__members__ and state != "draft")
    return cases_queue.Filters(
        state=state if known else "open",
        prescreen=prescreen if prescreen in ("eligible", "ineligible", "unknown") else None,
        assigned=assigned if assigned in ("me", "unassigned") else None,
        search=q.strip()[:100] or None,
    )


@router.get("/officer", response_class=HTMLResponse)
def queue(
    page: PageDep,
    work: Reading,
    state: str = "open",
    prescreen: str = "",
    assigned: str = "",
    sort: str = "submitted_at",
    q: str = "",
    after: str = "",
) -> HTMLResponse:
    user = page.need(*STAFF)
    f = _filters(state, prescreen, assigned, q)
    sort = sort if sort.removeprefix("-") in SORTS else "submitted_at"
    session = work.session
    try:
        found = service.queue(session, user, f, sort=sort, limit=PAGE_SIZE, after=after or None)
    except ServiceError:  # a stale or edited cursor: start again from the first page
        found = service.queue(session, user, f, sort=sort, limit=PAGE_SIZE)
    apps = found.cases
    names = directory.display_names(
        session, {a.assigned_officer_id for a in apps if a.assigned_officer_id}
    )
    query = {
        "q": f.search or "",
        "state": f.state,
        "prescreen": f.prescreen or "",
        "assigned": f.assigned or "",
    }
    return render(
        page,
        "officer_queue.html",
        apps=apps,
        f=query,
        sort=sort,
        after=after,
        following=found.after,
        names=names,
        sorts=SORTS,
        state_groups={"open": N_("open work"), "closed": N_("closed"), "all": N_("all")},
        states=[s.value for s in State if s != State.draft],
        staff=directory.staff(session) if user.role == Role.supervisor.value else [],
        today=runtime(page.request).cases.today(),
    )


@router.post("/officer/assign", response_class=HTMLResponse)
def bulk_assign(
    page: Posted,
    work: Writing,
    officer_id: Annotated[str, Form()] = "",
    cases: Annotated[list[str] | None, Form()] = None,
    back: Annotated[str, Form()] = "",
) -> Response:
    """A supervisor assigns the ticked cases to one officer; each box holds id:version."""
    user = page.need(Role.supervisor)
    refs = [c.split(":", 1) for c in (cases or [])[:500]]
    back = back if back.startswith("/officer") and "//" not in back else "/officer"
    try:
        body = BulkAssignIn(
            officer_id=int(officer_id) if officer_id.isdigit() else 0,
            cases=[CaseRef(id=i, version=int(v)) for i, v in refs if v.isdigit()],
        )
    except ValidationError:
        return redirect(page, _with(back, "bulk=none"))
    try:
        with work.attempt():
            done = service.bulk_assign(work.session, user, body)
    except ServiceError:
        return redirect(page, _with(back, "bulk=failed"))
    return redirect(page, _with(back, f"bulk={len(done)}"))


def _with(url: str, param: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{param}"


@router.post("/officer/take-next", response_class=HTMLResponse)
def take_next(page: Posted, work: Writing) -> Response:
    user = page.need(*STAFF)
    with work.attempt():
        app = service.take_next(work.session, user)
    if app is None:
        return redirect(page, "/officer?none=1")
    return redirect(page, f"/officer/cases/{app.id}?done=assigned")


def _case(
    page: Page,
    session: Session,
    app_id: str,
    errors: dict[str, Msg] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    user = page.need(*STAFF)
    app = service.visible(session, user, app_id)
    out = service.to_out(session, app, user)
    events = audit.timeline(session, "application", app.id)
    staff = directory.staff(session)
    names = {u.id: u.display_name for u in staff}
    names |= directory.display_names(
        session, {e.actor_id for e in events if e.actor_id and e.actor_id not in names}
    )
    names |= directory.display_names(session, {app.applicant_id})
    cp = runtime(page.request).cases.catalog[app.program_id]
    prescreen = Assessment.model_validate(app.prescreen) if app.prescreen else None
    today: dt.date = runtime(page.request).cases.today()
    rescreens = [e.data for e in events if e.action == "rescreen"]
    return render(
        page,
        "officer_case.html",
        status=status,
        app=out,
        events=events,
        names=names,
        staff=staff,
        program=cp.program,
        doc_labels={d.id: d.label for d in cp.program.documents},
        prescreen=prescreen,
        errors=errors or {},
        form=form or {},
        steps=af.STEPS,
        shown=af.shown,
        overrides=[c.value for c in OverrideCode],
        today=today,
        default_due=(today + dt.timedelta(days=30)).isoformat(),
        unset=_unset(page, session, app),
        checklist=[(d["id"], tx(d["label"])) for d in checklist.applicable(app.prescreen)],
        doc_names={d.id: d.original_name for d in out.documents},
        rescreened=rescreens[-1] if rescreens else None,
        terms=terms.bounds(cp.program.benefits),
        agency_zone=service.agency_zone(runtime(page.request).cases, app.program_id).key,
    )


def _unset(page: Page, session: Session, app: Application) -> list[agency.Unset]:
    """The settings the agency had not made when the case was pre-screened, as of the
    version the pre-screen ran with (none named: before versioned settings existed)."""
    if app.prescreen_on is None:
        return []
    ctx = runtime(page.request).cases
    version = app.settings_version or 0
    _, used = agency.effective(session, ctx.settings, app.prescreen_on, version)
    return agency.unset(ctx.catalog[app.program_id], app.prescreen_on, used)


@router.get("/officer/cases/{app_id}", response_class=HTMLResponse)
def case(app_id: str, page: PageDep, work: Reading) -> HTMLResponse:
    return _case(page, work.session, app_id)


def _failed(
    page: Page,
    work: UnitOfWork,
    app_id: str,
    exc: ServiceError | None,
    form: dict[str, Any],
    errors: dict[str, Msg] | None = None,
) -> HTMLResponse:
    """The case page again with the errors; a refused action was undone by `work.attempt`."""
    if exc is not None:
        field, msg = of_error(exc)
        errors = {field or "_form": msg}
    status = exc.status if exc else 400
    return _case(page, work.session, app_id, errors=errors, form=form, status=status)


@router.post("/officer/cases/{app_id}/assign", response_class=HTMLResponse)
def assign(
    app_id: str,
    page: Posted,
    work: Writing,
    version: Annotated[int, Form()],
    officer_id: Annotated[str, Form()] = "",
) -> Response:
    user = page.need(*STAFF)
    chosen = int(officer_id) if officer_id.isdigit() else None
    try:
        with work.attempt():
            service.assign(work.session, user, app_id, AssignIn(officer_id=chosen, version=version))
    except ServiceError as exc:
        return _failed(page, work, app_id, exc, {"officer_id": officer_id})
    return redirect(page, f"/officer/cases/{app_id}?done=assigned")


@router.post("/officer/cases/{app_id}/request-evidence", response_class=HTMLResponse)
def request_evidence(
    app_id: str,
    page: Posted,
    work: Writing,
    version: Annotated[int, Form()],
    message: Annotated[str, Form()] = "",
    due: Annotated[str, Form()] = "",
    documents: Annotated[list[str] | None, Form()] = None,
    items: Annotated[str, Form()] = "",
    due_time: Annotated[str, Form()] = "",
) -> Response:
    user = page.need(*STAFF)
    form = {
        "message": message,
        "due": due,
        "due_time": due_time,
        "documents": documents or [],
        "items": items,
    }
    extra = [line.strip()[:5000] for line in items.splitlines() if line.strip()][:20]
    errors: dict[str, Msg] = {}
    if not 5 <= len(message.strip()) <= 5000:
        errors["message"] = Msg(N_("Say what evidence you need, in at least 5 characters."))
    try:
        due_date = dt.date.fromisoformat(due)
    except ValueError:
        errors["due"] = Msg(N_("Enter a date as YYYY-MM-DD."))
    at = _clock_time(due_time, "due_time", errors)
    if errors:
        return _failed(page, work, app_id, None, form, errors)
    try:
        with work.attempt():
            service.request_evidence(
                work.session,
                runtime(page.request).cases,
                user,
                app_id,
                EvidenceRequestIn(
                    message=message.strip(),
                    due=due_date,
                    due_time=at,
                    version=version,
                    documents=[d[:200] for d in documents or []][:50],
                    items=extra,
                ),
            )
    except ServiceError as exc:
        return _failed(page, work, app_id, exc, form)
    return redirect(page, f"/officer/cases/{app_id}?done=requested")


@router.post("/officer/cases/{app_id}/decide", response_class=HTMLResponse)
def decide(
    app_id: str,
    page: Posted,
    work: Writing,
    version: Annotated[int, Form()],
    decision: Annotated[str, Form()] = "",
    reasons: Annotated[list[str] | None, Form()] = None,
    text: Annotated[str, Form()] = "",
    override_code: Annotated[str, Form()] = "",
) -> Response:
    user = page.need(*STAFF)
    form = {
        "decision": decision,
        "reasons": reasons or [],
        "text": text,
        "override_code": override_code,
    }
    errors: dict[str, Msg] = {}
    if decision not in ("approve", "refuse"):
        errors["decision"] = Msg(N_("Choose approve or refuse."))
    if not reasons:
        errors["reasons"] = Msg(N_("Choose the criteria the decision rests on."))
    if not text.strip():
        errors["text"] = Msg(N_("Explain the decision in words."))
    if override_code and override_code not in OverrideCode.__members__:
        errors["override_code"] = Msg(N_("Choose an override code from the list."))
    if errors:
        return _failed(page, work, app_id, None, form, errors)
    try:
        body = DecisionIn(
            decision=decision,
            reasons=reasons or [],
            text=text.strip()[:10000],
            override_code=OverrideCode(override_code) if override_code else None,
            version=version,
        )
        with work.attempt():
            service.decide(work.session, runtime(page.request).cases, user, app_id, body)
    except ServiceError as exc:
        return _failed(page, work, app_id, exc, form)
    return redirect(page, f"/officer/cases/{app_id}?done=decided")


@router.post("/officer/cases/{app_id}/issue", response_class=HTMLResponse)
def issue(
    app_id: str,
    page: Posted,
    work: Writing,
    version: Annotated[int, Form()],
    valid_from: Annotated[str, Form()] = "",
    entries: Annotated[str, Form()] = "",
    validity: Annotated[str, Form()] = "",
    validity_unit: Annotated[str, Form()] = "",
    stay_days: Annotated[str, Form()] = "",
) -> Response:
    user = page.need(*STAFF)
    form = {
        "valid_from": valid_from,
        "entries": entries,
        "validity": validity,
        "validity_unit": validity_unit,
        "stay_days": stay_days,
    }
    try:
        body = IssueIn(
            version=version,
            valid_from=valid_from,
            entries=int(entries) if entries.isdigit() else entries.strip()[:40] or None,
            validity=_whole(validity),
            validity_unit=validity_unit or None,
            stay_days=_whole(stay_days),
        )
    except ValidationError as exc:
        errors = {str(e["loc"][0]): Msg(N_("Check this answer.")) for e in exc.errors() if e["loc"]}
        return _failed(page, work, app_id, None, form, errors)
    try:
        with work.attempt():
            service.issue(work.session, runtime(page.request).cases, user, app_id, body)
    except ServiceError as exc:
        return _failed(page, work, app_id, exc, form)
    return redirect(page, f"/officer/cases/{app_id}?done=issued")


def _whole(value: str) -> int | str | None:
    """A number input's value: a whole number, or as typed so that validation names it."""
    value = value.strip()
    return int(value) if value.isdigit() and len(value) < 10 else value or None


def _clock_time(value: str, name: str, errors: dict[str, Msg]) -> dt.time | None:
    """A time of day as HH:MM (a time input's value); empty: the end of the day."""
    if not value.strip():
        return None
    try:
        return dt.time.fromisoformat(value.strip())
    except ValueError:
        errors[name] = Msg(N_("Enter a time as HH:MM, for example 17:00."))
        return None


def _act(page: Page, work: UnitOfWork, app_id: str, form: dict[str, Any], act: Any) -> Response:
    """Run one officer action on the case; the case page again with the error if refused."""
    try:
        with work.attempt():
            act()
    except ServiceError as exc:
        return _failed(page, work, app_id, exc, form)
    return redirect(page, f"/officer/cases/{app_id}?done=saved")


@router.post("/officer/cases/{app_id}/extend-evidence", response_class=HTMLResponse)
def extend_evidence(
    app_id: str,
    page: Posted,
    work: Writing,
    version: Annotated[int, Form()],
    new_due: Annotated[str, Form()] = "",
    new_due_time: Annotated[str, Form()] = "",
) -> Response:
    user = page.need(*STAFF)
    form = {"new_due": new_due, "new_due_time": new_due_time}
    errors: dict[str, Msg] = {}
    at = _clock_time(new_due_time, "new_due_time", errors)
    try:
        due = dt.date.fromisoformat(new_due)
    except ValueError:
        errors["new_due"] = Msg(N_("Enter a date as YYYY-MM-DD."))
    if errors:
        return _failed(page, work, app_id, None, form, errors)
    ctx = runtime(page.request).cases
    body = ExtendIn(due=due, due_time=at, version=version)
    return _act(
        page,
        work,
        app_id,
        form,
        lambda: service.extend_evidence(work.session, ctx, user, app_id, body),
    )


@router.post("/officer/cases/{app_id}/cancel-evidence", response_class=HTMLResponse)
def cancel_evidence(
    app_id: str,
    page: Posted,
    work: Writing,
    version: Annotated[int, Form()],
    reason: Annotated[str, Form()] = "",
) -> Response:
    user = page.need(*STAFF)
    form = {"reason": reason}
    if not reason.strip():
        return _failed(page, work, app_id, None, form, {"reason": Msg(N_("Say why."))})
    body = CancelIn(reason=reason.strip()[:5000], version=version)
    return _act(
        page, work, app_id, form, lambda: service.cancel_evidence(work.session, user, app_id, body)
    )


@router.post("/officer/cases/{app_id}/refuse-no-answer", response_class=HTMLResponse)
def refuse_no_answer(
    app_id: str,
    page: Posted,
    work: Writing,
    version: Annotated[int, Form()],
    no_answer_text: Annotated[str, Form()] = "",
) -> Response:
    user = page.need(*STAFF)
    form = {"no_answer_text": no_answer_text}
    if not no_answer_text.strip():
        errors = {"no_answer_text": Msg(N_("Explain the decision in words."))}
        return _failed(page, work, app_id, None, form, errors)
    ctx = runtime(page.request).cases
    body = NoAnswerIn(text=no_answer_text.strip()[:10000], version=version)
    return _act(
        page,
        work,
        app_id,
        form,
        lambda: service.refuse_no_answer(work.session, ctx, user, app_id, body),
    )


@router.post("/officer/cases/{app_id}/approval", response_class=HTMLResponse)
def review(
    app_id: str,
    page: Posted,
    work: Writing,
    version: Annotated[int, Form()],
    confirm: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    user = page.need(Role.supervisor)
    body = ReviewIn(confirm=confirm == "yes", note=note.strip()[:10000], version=version)
    return _act(
        page, work, app_id, {"note": note}, lambda: service.review(work.session, user, app_id, body)
    )


@router.get("/officer/approvals", response_class=HTMLResponse)
def approvals(page: PageDep, work: Reading) -> HTMLResponse:
    """The supervisor's screen: every decision waiting for a second person."""
    page.need(Role.supervisor)
    waiting = approval.waiting(work.session)
    names = directory.display_names(work.session, {p.proposed_by for p in waiting})
    return render(page, "officer_approvals.html", waiting=waiting, names=names)
