from __future__ import annotations

from typing import Annotated, Literal

from fastapi import (
    APIRouter,
    Depends,
    File,
    Form,
    Header,
    Path,
    Query,
    Request,
    Response,
    UploadFile,
)
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy.orm import Session

from talentvisa.api.deps import RT, AnyUser, bounded, require
from talentvisa.api.rendering import rendered
from talentvisa.audit import service as audit
from talentvisa.auth.models import Role, User
from talentvisa.cases import letters, queue, service
from talentvisa.cases.models import Application
from talentvisa.cases.schemas import (
    ApplicationCreate,
    ApplicationOut,
    ApplicationUpdate,
    AssignIn,
    BulkAssignIn,
    CancelIn,
    DecisionIn,
    DocumentOut,
    EventOut,
    EvidenceRequestIn,
    EvidenceResponseIn,
    ExtendIn,
    IssueIn,
    LetterOut,
    NoAnswerIn,
    ReviewIn,
    VersionIn,
)
from talentvisa.rules.bounds import INT64_MAX
from talentvisa.service_errors import NotFound

router = APIRouter(tags=["applications"])
Applicant = Annotated[User, Depends(require(Role.applicant))]
Staff = Annotated[User, Depends(require(Role.officer, Role.supervisor))]
Supervisor = Annotated[User, Depends(require(Role.supervisor))]
IdemKey = Annotated[str, Header(alias="Idempotency-Key", min_length=8, max_length=200)]


def _out(
    session: Session, app: Application, user: User, *, new: bool = False, status: int = 200
) -> Response:
    session.flush()  # so the returned version is the one just written
    return rendered(service.to_out(session, app, user, new=new), status)


@router.post("/applications", status_code=201, response_model=ApplicationOut)
@bounded
def create(body: ApplicationCreate, rt: RT, user: Applicant) -> Response:
    with rt.writing() as session:
        app = service.create(session, rt.cases, user, body)
        return _out(session, app, user, new=True, status=201)


@router.get("/applications", response_model=list[ApplicationOut])
@bounded
def list_mine(rt: RT, user: AnyUser) -> Response:
    """Your own applications."""
    with rt.reading() as session:
        return rendered(service.to_outs(session, service.mine(session, user), user))


SortName = Annotated[
    str,
    Query(
        pattern="^(" + "|".join(queue.SORT_NAMES) + ")$",
        description="A column, with - for descending: " + ", ".join(queue.SORTS),
    ),
]


@router.get(
    "/cases",
    response_model=list[ApplicationOut],
    responses={200: {"headers": {"Link": {"description": 'The next page, rel="next"'}}}},
)
@bounded
def list_queue(
    rt: RT,
    user: Staff,
    request: Request,
    state: Annotated[
        str,
        Query(
            pattern=r"^[a-z_]{1,30}$",
            description="open (the default: work still to do), closed, all, or one state",
        ),
    ] = "open",
    program_id: str | None = None,
    assigned: Annotated[
        str | None,
        Query(
            pattern=r"^(me|unassigned|[0-9]{1,18})$", description="me, unassigned or an officer id"
        ),
    ] = None,
    prescreen: Literal["eligible", "ineligible", "unknown"] | None = None,
    sort: SortName = "submitted_at",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=400,
            pattern=r"^[A-Za-z0-9_-]+$",
            description="The cursor of the next page, from the previous page's Link header",
        ),
    ] = None,
    offset: Annotated[
        int, Query(ge=0, le=INT64_MAX, description="Prefer `after`: deep offsets are slow")
    ] = 0,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            pattern=r"^[^\x00-\x1f]*$",
            description="Reference (the start of the case id) or part of the applicant's name",
        ),
    ] = None,
) -> Response:
    """The officer queue, with filters, sorting and keyset paging."""
    filters = queue.Filters(
        state=state, program_id=program_id, assigned=assigned, prescreen=prescreen, search=q
    )
    with rt.reading() as session:
        found = service.queue(
            session, user, filters, sort=sort, limit=limit, after=after, offset=offset
        )
        response = rendered(service.to_outs(session, found.cases, user))
    if found.after is not None:
        following = request.url.remove_query_params("offset").include_query_params(
            after=found.after
        )
        response.headers["Link"] = f'<{following}>; rel="next"'
    return response


@router.post("/cases/assign", response_model=list[ApplicationOut])
@bounded
def bulk_assign(body: BulkAssignIn, rt: RT, user: Supervisor) -> Response:
    """Supervisors: assign several cases to one officer, all or none."""
    with rt.writing() as session:
        apps = service.bulk_assign(session, user, body)
        session.flush()
        return rendered(service.to_outs(session, apps, user))


@router.post(
    "/cases/take-next",
    response_model=ApplicationOut,
    responses={404: {"description": "No unassigned eligible case is waiting"}},
)
@bounded
def take_next(rt: RT, user: Staff) -> Response:
    """Assign yourself the longest-waiting unassigned case the pre-screen found eligible."""
    with rt.writing() as session:
        app = service.take_next(session, user)
        if app is None:
            raise NotFound("no unassigned eligible case is waiting")
        return _out(session, app, user)


@router.get("/applications/{app_id}", response_model=ApplicationOut)
@bounded
def get(app_id: str, rt: RT, user: AnyUser) -> Response:
    with rt.reading() as session:
        return _out(session, service.visible(session, user, app_id), user)


@router.get("/applications/{app_id}/prescreen")
@bounded
def prescreen(app_id: str, rt: RT, user: AnyUser) -> JSONResponse:
    """The stored pre-screen Assessment: criterion-by-criterion trace, sources, hash, date."""
    with rt.reading() as session:
        app = service.visible(session, user, app_id)
        return JSONResponse(app.prescreen or {})


@router.put("/applications/{app_id}/profile", response_model=ApplicationOut)
@bounded
def update(app_id: str, body: ApplicationUpdate, rt: RT, user: Applicant) -> Response:
    with rt.writing() as session:
        app = service.update_profile(session, user, app_id, body)
        return _out(session, app, user)


@router.post("/applications/{app_id}/documents", status_code=201, response_model=DocumentOut)
@bounded
def upload(
    app_id: str,
    rt: RT,
    user: Applicant,
    file: Annotated[UploadFile, File(description="PDF, PNG or JPEG, at most 10 MB")],
    kind: Annotated[str, Form(min_length=1, max_length=60)] = "supporting_document",
    item: Annotated[
        str | None,
        Form(
            min_length=1,
            max_length=60,
            description="The checklist item of the open request for evidence this file answers.",
        ),
    ] = None,
) -> Response:
    content = file.file.read(service.MAX_UPLOAD + 1)
    with rt.writing() as session:
        doc = service.upload(
            session, rt.cases, user, app_id, kind, file.filename or "upload", content, item
        )
        return rendered(DocumentOut.model_validate(doc, from_attributes=True), 201)


@router.get("/applications/{app_id}/documents/{doc_id}")
@bounded
def download(app_id: str, doc_id: str, rt: RT, user: AnyUser) -> FileResponse:
    with rt.reading() as session:
        doc, path = service.document_path(session, rt.cases, user, app_id, doc_id)
    return FileResponse(path, media_type=doc.content_type, filename=doc.original_name)


@router.post("/applications/{app_id}/submit", response_model=ApplicationOut)
@bounded
def submit(app_id: str, body: VersionIn, rt: RT, user: Applicant, key: IdemKey) -> JSONResponse:
    """Submit once: a retry with the same Idempotency-Key replays the first answer."""
    with rt.writing() as session:
        done = service.submit(session, rt.cases, user, app_id, body.version, key)
        headers = {"Idempotent-Replayed": "true"} if done.replayed else None
        return JSONResponse(done.body, status_code=done.status, headers=headers)


@router.post("/applications/{app_id}/assign", response_model=ApplicationOut)
@bounded
def assign(app_id: str, body: AssignIn, rt: RT, user: Staff) -> Response:
    """Take a case, or (supervisors) reassign it."""
    with rt.writing() as session:
        app = service.assign(session, user, app_id, body)
        return _out(session, app, user)


@router.post("/applications/{app_id}/request-evidence", response_model=ApplicationOut)
@bounded
def request_evidence(app_id: str, body: EvidenceRequestIn, rt: RT, user: Staff) -> Response:
    with rt.writing() as session:
        app = service.request_evidence(session, rt.cases, user, app_id, body)
        return _out(session, app, user)


@router.post("/applications/{app_id}/respond", response_model=ApplicationOut)
@bounded
def respond(app_id: str, body: EvidenceResponseIn, rt: RT, user: Applicant) -> Response:
    with rt.writing() as session:
        app = service.respond(session, rt.cases, user, app_id, body)
        return _out(session, app, user)


@router.post("/applications/{app_id}/extend-evidence", response_model=ApplicationOut)
@bounded
def extend_evidence(app_id: str, body: ExtendIn, rt: RT, user: Staff) -> Response:
    """Move the open request's deadline later (also once it passed)."""
    with rt.writing() as session:
        app = service.extend_evidence(session, rt.cases, user, app_id, body)
        return _out(session, app, user)


@router.post("/applications/{app_id}/cancel-evidence", response_model=ApplicationOut)
@bounded
def cancel_evidence(app_id: str, body: CancelIn, rt: RT, user: Staff) -> Response:
    """Withdraw the open request; the case goes back to review."""
    with rt.writing() as session:
        app = service.cancel_evidence(session, user, app_id, body)
        return _out(session, app, user)


@router.post("/applications/{app_id}/refuse-no-answer", response_model=ApplicationOut)
@bounded
def refuse_no_answer(app_id: str, body: NoAnswerIn, rt: RT, user: Staff) -> Response:
    """Refuse a case whose request went unanswered past its deadline (four eyes may apply)."""
    with rt.writing() as session:
        app = service.refuse_no_answer(session, rt.cases, user, app_id, body)
        return _out(session, app, user)


@router.post("/applications/{app_id}/approval", response_model=ApplicationOut)
@bounded
def review(app_id: str, body: ReviewIn, rt: RT, user: Supervisor) -> Response:
    """Four eyes: confirm the proposed decision, or send it back; not its proposer."""
    with rt.writing() as session:
        app = service.review(session, user, app_id, body)
        return _out(session, app, user)


@router.post("/applications/{app_id}/decision", response_model=ApplicationOut)
@bounded
def decide(app_id: str, body: DecisionIn, rt: RT, user: Staff) -> Response:
    with rt.writing() as session:
        app = service.decide(session, rt.cases, user, app_id, body)
        return _out(session, app, user)


@router.post("/applications/{app_id}/issue", response_model=ApplicationOut)
@bounded
def issue(app_id: str, body: IssueIn, rt: RT, user: Staff) -> Response:
    with rt.writing() as session:
        app = service.issue(session, rt.cases, user, app_id, body)
        return _out(session, app, user)


@router.post("/applications/{app_id}/withdraw", response_model=ApplicationOut)
@bounded
def withdraw(app_id: str, body: VersionIn, rt: RT, user: Applicant) -> Response:
    with rt.writing() as session:
        app = service.withdraw(session, user, app_id, body.version)
        return _out(session, app, user)


@router.get("/applications/{app_id}/timeline", response_model=list[EventOut])
@bounded
def timeline(app_id: str, rt: RT, user: AnyUser) -> Response:
    with rt.reading() as session:
        app = service.visible(session, user, app_id)
        return rendered(
            [
                EventOut.model_validate(e, from_attributes=True)
                for e in audit.timeline(session, "application", app.id)
            ]
        )


@router.get("/applications/{app_id}/letters", response_model=list[LetterOut])
@bounded
def list_letters(app_id: str, rt: RT, user: AnyUser) -> Response:
    """The case's letters (decision letter, grant notice) with their SHA-256."""
    with rt.reading() as session:
        app = service.visible(session, user, app_id)
        return rendered(service.to_out(session, app, user).letters)


@router.get(
    "/applications/{app_id}/letters/{kind}",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The letter as PDF"}},
)
@bounded
def download_letter(
    app_id: str,
    # A plain string, not an enum: whose case it is is checked first, so that someone else's
    # case answers 404 whatever the kind, as every other record route does.
    kind: Annotated[str, Path(max_length=20, description="decision or grant")],
    rt: RT,
    user: AnyUser,
) -> Response:
    """The letter as it was made: the same bytes on every download (header X-Content-SHA256)."""
    with rt.reading() as session:
        app = service.visible(session, user, app_id)
        letter = letters.one(session, app.id, kind)
        content, name, digest = letter.content, letters.filename(letter), letter.sha256
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-SHA256": digest,
            "ETag": f'"{digest}"',
            "Cache-Control": "private, no-store",
        },
    )
