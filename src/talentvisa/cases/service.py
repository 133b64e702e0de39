"""Application use cases. Each function runs inside the caller's one unit of work
(db/unit_of_work.py), and each is what every adapter calls: the API and the portal alike."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import filetype
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from talentvisa.audit import service as audit
from talentvisa.auth.models import STAFF, Role, User
from talentvisa.cases import approval, checklist, letters, notices, workflow, zones
from talentvisa.cases import queue as cases_queue
from talentvisa.cases import settings as agency
from talentvisa.cases.intake import open_program, visa_prefix
from talentvisa.cases.models import (
    Application,
    DecisionProposal,
    Document,
    EvidenceRequest,
    IdempotencyRecord,
    Letter,
)
from talentvisa.cases.schemas import (
    ApplicationCreate,
    ApplicationOut,
    ApplicationUpdate,
    AssignIn,
    BulkAssignIn,
    CancelIn,
    ChecklistItemOut,
    DecisionIn,
    DocumentOut,
    EvidenceOut,
    EvidenceRequestIn,
    EvidenceResponseIn,
    ExtendIn,
    IssueIn,
    LetterOut,
    NoAnswerIn,
    ProposalOut,
    ReviewIn,
)
from talentvisa.cases.terms import issue_terms
from talentvisa.cases.workflow import TRANSITIONS, Guard, State
from talentvisa.db.base import new_id, now
from talentvisa.db.unit_of_work import UnitOfWork
from talentvisa.rules.assessment import Assessment, Outcome
from talentvisa.rules.compiled import CompiledProgram
from talentvisa.rules.engine import assess
from talentvisa.rules.facts import facts_of
from talentvisa.rules.params import Settings
from talentvisa.rules.profile import Profile
from talentvisa.service_errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    ServiceError,
    TooLarge,
    Unsupported,
)

log = logging.getLogger("talentvisa")
MAX_UPLOAD = 10 * 1024 * 1024
#: Documents one application may hold (docs/inputs.md): well above any program's checklist.
MAX_DOCUMENTS = 50
ALLOWED_TYPES = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
REQUIRED_TO_SUBMIT = ("date_of_birth", "nationalities")
#: Programs compared for one profile: eligible first, then those the rules cannot decide yet.
RANK = {Outcome.eligible: 0, Outcome.unknown: 1, Outcome.ineligible: 2}


@dataclass
class CaseContext:
    catalog: dict[str, CompiledProgram]
    settings: Settings
    documents_dir: Path
    today: Any = field(default=dt.date.today)


# --- reading -----------------------------------------------------------------------------


def visible(session: Session, user: User, app_id: str) -> Application:
    """The application if this user may see it; otherwise 404, never 403, to hide its existence.

    Staff see a case once it was submitted: a draft (or a draft withdrawn unsubmitted) is the
    applicant's own, as the queue shows.
    """
    app = session.get(Application, app_id)
    if app is None or not (
        app.applicant_id == user.id or (user.role in STAFF and app.submitted_at is not None)
    ):
        raise NotFound(f"application {app_id} not found")
    return app


# Prebuilt: these run on every response, and rebuilding the expression each time cost more
# than executing it.
_DOCUMENTS = (
    select(Document)
    .where(Document.application_id == bindparam("app_id"))
    .order_by(Document.uploaded_at)
)
_EVIDENCE = (
    select(EvidenceRequest)
    .where(EvidenceRequest.application_id == bindparam("app_id"))
    .order_by(EvidenceRequest.created_at)
)
_IDEMPOTENCY = select(IdempotencyRecord).where(
    IdempotencyRecord.user_id == bindparam("user_id"), IdempotencyRecord.key == bindparam("key")
)


def to_out(session: Session, app: Application, user: User, *, new: bool = False) -> ApplicationOut:
    """The application as its viewer sees it; `new`: just created, so no documents yet."""
    docs = [] if new else list(session.scalars(_DOCUMENTS, {"app_id": app.id}))
    rfes = [] if new else list(session.scalars(_EVIDENCE, {"app_id": app.id}))
    proposal = approval.pending(session, app.id) if app.state == State.pending_approval else None
    decided = not new and app.decided_at is not None  # only a decided case has letters
    return _out(
        app, user, docs, rfes, proposal, letters.of_case(session, app.id) if decided else []
    )


def to_outs(session: Session, apps: list[Application], user: User) -> list[ApplicationOut]:
    """Many applications as their viewer sees them (a page of the queue), with three
    queries in all rather than two or three for each."""
    ids = [a.id for a in apps]
    docs: dict[str, list[Document]] = {i: [] for i in ids}
    rfes: dict[str, list[EvidenceRequest]] = {i: [] for i in ids}
    if ids:
        for d in session.scalars(
            select(Document).where(Document.application_id.in_(ids)).order_by(Document.uploaded_at)
        ):
            docs[d.application_id].append(d)
        for r in session.scalars(
            select(EvidenceRequest)
            .where(EvidenceRequest.application_id.in_(ids))
            .order_by(EvidenceRequest.created_at)
        ):
            rfes[r.application_id].append(r)
    waiting = [a.id for a in apps if a.state == State.pending_approval]
    proposals = approval.pending_of(session, waiting)
    sent = letters.of_cases(session, [a.id for a in apps if a.decided_at is not None])
    return [
        _out(a, user, docs[a.id], rfes[a.id], proposals.get(a.id), sent.get(a.id, [])) for a in apps
    ]


def _out(
    app: Application,
    user: User,
    docs: list[Document],
    rfes: list[EvidenceRequest],
    proposal: DecisionProposal | None,
    written: list[Letter],
) -> ApplicationOut:
    out = ApplicationOut.model_validate(app, from_attributes=True)
    out.documents = [DocumentOut.model_validate(d, from_attributes=True) for d in docs]
    out.evidence_requests = []
    for r in rfes:
        rfe = EvidenceOut.model_validate(r, from_attributes=True)
        answers = [(d.item_id, d.id) for d in docs if d.evidence_request_id == r.id]
        rfe.items = [
            ChecklistItemOut.model_validate(i) for i in checklist.answered(r.items or [], answers)
        ]
        out.evidence_requests.append(rfe)
    if proposal is not None:
        out.pending_decision = ProposalOut.model_validate(proposal, from_attributes=True)
    out.allowed_actions = allowed_actions(app, user, proposal)
    out.letters = [
        LetterOut.model_validate(
            {**_letter_fields(x), "url": f"/applications/{app.id}/letters/{x.kind}"}
        )
        for x in written
    ]
    return out


def _letter_fields(letter: Letter) -> dict[str, Any]:
    return {k: getattr(letter, k) for k in ("kind", "language", "sha256", "size", "created_at")}


#: Actions no caller names: `propose` is what a decision becomes under four eyes.
_IMPLIED = frozenset({"propose"})
_REVIEW = frozenset({"confirm_approve", "confirm_refuse", "send_back"})


def allowed_actions(
    app: Application, user: User, proposal: DecisionProposal | None = None
) -> list[str]:
    out = []
    for t in TRANSITIONS.values():
        if t.action in _IMPLIED or not (
            app.state in t.sources and Role(user.role) in t.roles and _guard_ok(t.guard, app, user)
        ):
            continue
        if t.action in _REVIEW and not _may_review(proposal, user, t.action):
            continue
        if t.action == "assign" and not _may_take(app, user):
            continue
        out.append(t.action)
    return out


def _may_take(app: Application, user: User) -> bool:
    """An officer takes a case nobody holds; a supervisor may (re)assign any."""
    return user.role == Role.supervisor.value or app.assigned_officer_id is None


def _may_review(proposal: DecisionProposal | None, user: User, action: str) -> bool:
    if proposal is None or proposal.proposed_by == user.id:
        return False
    return action == "send_back" or action == f"confirm_{proposal.decision}"


def queue(
    session: Session,
    user: User,
    filters: cases_queue.Filters,
    *,
    sort: str = "submitted_at",
    limit: int = 50,
    after: str | None = None,
    offset: int = 0,
) -> cases_queue.Page:
    """One page of the work queue (cases/queue.py): open work by default, the longest
    waiting first."""
    if user.role not in STAFF:
        raise Forbidden("only officers and supervisors see the queue")
    q = cases_queue.filtered(filters, user.id)
    return cases_queue.page(session, q, sort, limit, after=after, offset=offset)


def take_next(session: Session, user: User) -> Application | None:
    """Assign to `user` the longest-waiting unassigned case the pre-screen found eligible.

    Two officers taking at once get two cases: on PostgreSQL the row is locked with SKIP
    LOCKED, so the second takes the next one; SQLite has one writer at a time anyway (and
    SQLAlchemy leaves FOR UPDATE out there)."""
    if user.role not in STAFF:
        raise Forbidden("only officers and supervisors take cases")
    app = session.scalar(
        select(Application)
        .where(
            Application.state == State.submitted.value,
            Application.assigned_officer_id.is_(None),
            Application.prescreen_outcome == Outcome.eligible.value,
        )
        .order_by(Application.submitted_at, Application.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if app is None:
        return None
    _move(session, app, user, "assign", app.version, {"officer_id": user.id, "previous": None})
    app.assigned_officer_id = user.id
    return app


def mine(session: Session, user: User) -> list[Application]:
    return list(
        session.scalars(
            select(Application)
            .where(Application.applicant_id == user.id)
            .order_by(Application.created_at.desc())
        )
    )


# --- changing ----------------------------------------------------------------------------


def _guard_ok(guard: Guard, app: Application, user: User) -> bool:
    if guard == Guard.owner:
        return app.applicant_id == user.id
    if guard == Guard.assigned:
        return user.role == Role.supervisor.value or app.assigned_officer_id == user.id
    return user.role in STAFF


def _move(
    session: Session,
    app: Application,
    user: User,
    action: str,
    version: int,
    data: dict[str, Any] | None = None,
) -> None:
    t = _check(app, user, action)
    _check_version(app, version)
    previous = app.state
    app.state = t.target.value
    app.updated_at = now()
    _record(
        session,
        user.id,
        app.id,
        action,
        {"from": previous, "to": app.state, **(data or {})},
    )


def _record(
    session: Session, actor_id: int | None, app_id: str, action: str, data: dict[str, Any]
) -> None:
    """One audit event on an application's timeline."""
    audit.append(
        session,
        actor_id=actor_id,
        entity_type="application",
        entity_id=app_id,
        action=action,
        data=data,
    )


def _check_version(app: Application, version: int) -> None:
    if version != app.version:
        raise Conflict(
            f"application {app.id} changed since you read it (version {version}, now "
            f"{app.version}); reload and try again"
        )


def create(session: Session, ctx: CaseContext, user: User, body: ApplicationCreate) -> Application:
    if user.role != Role.applicant.value:
        raise Forbidden("only applicants create applications")
    open_program(ctx.catalog, body.program_id)
    # Ids and times are chosen here rather than at flush, so one flush writes everything.
    app = Application(
        id=new_id(),
        applicant_id=user.id,
        program_id=body.program_id,
        state=State.draft.value,
        profile=body.profile.model_dump(mode="json", exclude_none=True),
        language=body.language,
    )
    session.add(app)
    _record(session, user.id, app.id, "create", {"program_id": app.program_id})
    return app


def update_profile(
    session: Session, user: User, app_id: str, body: ApplicationUpdate
) -> Application:
    app = visible(session, user, app_id)
    if app.applicant_id != user.id:
        raise Forbidden("only the applicant edits a draft")
    if app.state not in workflow.EDITABLE:
        raise Conflict(f"cannot edit a case that is {app.state} (only drafts are editable)")
    _check_version(app, body.version)
    app.profile = body.profile.model_dump(mode="json", exclude_none=True)
    app.updated_at = now()
    _record(session, user.id, app.id, "update_profile", {})
    return app


def upload(
    session: Session,
    ctx: CaseContext,
    user: User,
    app_id: str,
    kind: str,
    filename: str,
    content: bytes,
    item: str | None = None,
) -> Document:
    app = visible(session, user, app_id)
    if app.applicant_id != user.id:
        raise Forbidden("only the applicant uploads documents")
    if app.state not in workflow.UPLOADABLE:
        raise Conflict(f"cannot upload to a case that is {app.state}")
    rfe = None
    if item:
        rfe = open_request(session, app.id)
        if rfe is None or item not in checklist.item_ids(rfe.items or []):
            raise Invalid(f"item: {item} is not an item of an open request for evidence", "item")
        found = next(i for i in rfe.items if i["id"] == item)
        kind = found.get("document") or kind
    held = session.scalar(
        select(func.count()).select_from(Document).where(Document.application_id == app.id)
    )
    if (held or 0) >= MAX_DOCUMENTS:
        raise Invalid(f"file: an application holds at most {MAX_DOCUMENTS} documents", "file")
    if len(content) > MAX_UPLOAD:
        raise TooLarge(
            f"file: {len(content):,} bytes is over the {MAX_UPLOAD:,}-byte limit", "file"
        )
    if not content:
        raise Invalid("file: the file is empty", "file")
    guessed = filetype.guess(content)
    mime = guessed.mime if guessed else None
    if mime not in ALLOWED_TYPES:
        raise Unsupported(
            f"file: content is {mime or 'not a recognised type'}; allowed: PDF, PNG, JPEG", "file"
        )
    stored = f"{secrets.token_hex(16)}.{ALLOWED_TYPES[mime]}"
    ctx.documents_dir.mkdir(parents=True, exist_ok=True)
    tmp = ctx.documents_dir / f".{stored}.part"
    tmp.write_bytes(content)
    tmp.replace(ctx.documents_dir / stored)
    # If the unit of work rolls back, the file goes too: nothing half-stored remains.
    UnitOfWork.of(session).on_rollback(ctx.documents_dir / stored)
    doc = Document(
        id=new_id(),
        uploaded_at=now(),
        application_id=app.id,
        kind=kind,
        original_name=filename[:255] or "upload",
        stored_name=stored,
        content_type=mime,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=user.id,
        evidence_request_id=rfe.id if rfe else None,
        item_id=item if rfe else None,
    )
    session.add(doc)
    app.updated_at = doc.uploaded_at
    if rfe is not None:
        app.evidence_received_at = doc.uploaded_at
    _record(
        session,
        user.id,
        app.id,
        "upload",
        {"document": doc.id, "kind": kind, "sha256": doc.sha256, **({"item": item} if rfe else {})},
    )
    return doc


def document_path(
    session: Session, ctx: CaseContext, user: User, app_id: str, doc_id: str
) -> tuple[Document, Path]:
    app = visible(session, user, app_id)
    doc = session.get(Document, doc_id)
    if doc is None or doc.application_id != app.id:
        raise NotFound(f"document {doc_id} not found")
    path = ctx.documents_dir / doc.stored_name
    if not path.is_file():
        # Lost from disk (see cases/leftovers.py and `db fsck`): say so rather than fail.
        log.error("document %s of application %s: %s is missing", doc.id, app.id, path)
        raise NotFound(f"document {doc_id}: its file is missing on the server; upload it again")
    return doc, path


def request_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def replay(session: Session, user: User, key: str, fingerprint: str) -> IdempotencyRecord | None:
    rec = session.scalar(_IDEMPOTENCY, {"user_id": user.id, "key": key})
    if rec is not None and rec.request_hash != fingerprint:
        raise Invalid("Idempotency-Key: already used for a different request", "Idempotency-Key")
    return rec


def remember(
    session: Session, user: User, key: str, fingerprint: str, status: int, body: dict[str, Any]
) -> None:
    session.add(
        IdempotencyRecord(
            user_id=user.id, key=key, request_hash=fingerprint, status_code=status, body=body
        )
    )
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("Idempotency-Key: a request with this key is in progress; retry") from None


def _program(ctx: CaseContext, program_id: str) -> CompiledProgram:
    cp = ctx.catalog.get(program_id)
    if cp is None:
        raise Invalid(f"program_id: {program_id} is not in the catalog", "program_id")
    return cp


def prescreen(
    ctx: CaseContext,
    program_id: str,
    profile: Profile,
    on: dt.date | None = None,
    settings: Settings | None = None,
) -> Assessment:
    """The pre-screen of a profile for one program, on `on` (default today), under `settings`
    (default: the deployer's file alone)."""
    day = on or ctx.today()
    return assess(_program(ctx, program_id), profile, day, settings or ctx.settings)


def compare(ctx: CaseContext, profile: Profile, on: dt.date) -> list[Assessment]:
    """Every program of the catalog assessed for one profile, eligible first (`RANK`)."""
    facts = facts_of(profile)  # once, not once per program
    results = [assess(cp, facts, on, ctx.settings) for cp in ctx.catalog.values()]
    return sorted(results, key=lambda a: RANK[a.outcome])


@dataclass(frozen=True)
class Submitted:
    """A submission's answer: the application as the applicant now sees it, or, for a retry
    with the same idempotency key, the first answer again (`replayed`)."""

    status: int
    body: dict[str, Any]
    replayed: bool


def submit(
    session: Session,
    ctx: CaseContext,
    user: User,
    app_id: str,
    version: int,
    key: str | None = None,
) -> Submitted:
    """Submit a draft once: a retry with the same idempotency key (a double click, a lost
    answer) finds the first answer; the same key for another request is refused. Without a
    key (a caller that never retries, such as the demo loader) nothing is remembered."""
    fingerprint = request_hash({"submit": app_id, "version": version})
    previous = None if key is None else replay(session, user, key, fingerprint)
    if previous is not None:
        return Submitted(previous.status_code, previous.body, replayed=True)
    app = _submit(session, ctx, user, app_id, version)
    session.flush()  # so the answer carries the version just written
    body = to_out(session, app, user).model_dump(mode="json")
    if key is not None:
        remember(session, user, key, fingerprint, 200, body)
    return Submitted(200, body, replayed=False)


def _submit(
    session: Session, ctx: CaseContext, user: User, app_id: str, version: int
) -> Application:
    app = visible(session, user, app_id)
    _program(ctx, app.program_id)  # an unknown program is refused before the profile
    profile = Profile.model_validate(app.profile)  # once: for the checks and the pre-screen
    # Who is applying must be known before an officer sees the case; everything else may stay
    # unknown and is then asked for through a request for evidence.
    missing = [f for f in REQUIRED_TO_SUBMIT if not getattr(profile, f)]
    if missing:
        raise Invalid(
            f"profile.{missing[0]}: required before submitting "
            f"(still missing: {', '.join(missing)})",
            f"profile.{missing[0]}",
        )
    on = ctx.today()
    settings_version, settings = agency.effective(session, ctx.settings, on)
    assessment = prescreen(ctx, app.program_id, profile, on, settings)
    _move(session, app, user, "submit", version, {"prescreen": assessment.outcome.value})
    app.settings_version = settings_version
    app.submitted_at = now()
    app.applicant_name = (profile.name or "")[:200] or None
    app.prescreen = assessment.model_dump(mode="json")
    app.prescreen_outcome = assessment.outcome.value
    app.program_hash = assessment.program_hash
    app.prescreen_on = on
    _record(
        session,
        None,
        app.id,
        "prescreen",
        {
            "outcome": assessment.outcome.value,
            "program_hash": assessment.program_hash,
            "on": on.isoformat(),
            "settings_version": settings_version,
            "reasons": assessment.reasons,
        },
    )
    return app


def assign(session: Session, user: User, app_id: str, body: AssignIn) -> Application:
    app = visible(session, user, app_id)
    return _assign(session, user, app, body.officer_id or user.id, body.version)


def _assign(
    session: Session, user: User, app: Application, officer_id: int, version: int, **data: Any
) -> Application:
    if officer_id != user.id and user.role != Role.supervisor.value:
        raise Forbidden("only a supervisor assigns a case to someone else")
    if app.assigned_officer_id not in (None, user.id) and user.role != Role.supervisor.value:
        raise Forbidden("the case is assigned to another officer; a supervisor may reassign it")
    officer = session.get(User, officer_id)
    if officer is None or officer.role not in STAFF:
        raise Invalid(f"officer_id: {officer_id} is not an officer", "officer_id")
    _move(
        session,
        app,
        user,
        "assign",
        version,
        {"officer_id": officer_id, "previous": app.assigned_officer_id, **data},
    )
    app.assigned_officer_id = officer_id
    return app


def bulk_assign(session: Session, user: User, body: BulkAssignIn) -> list[Application]:
    """A supervisor assigns several cases to one officer, all or none: the first case that
    cannot be assigned (changed since read, closed, unknown) refuses the whole batch, and
    names itself. Each case's timeline records its assignment, marked as one of a batch."""
    if user.role != Role.supervisor.value:
        raise Forbidden("only a supervisor assigns cases in bulk")
    batch = new_id()
    done = []
    for n, ref in enumerate(body.cases):
        try:
            app = visible(session, user, ref.id)
            done.append(_assign(session, user, app, body.officer_id, ref.version, batch=batch))
        except ServiceError as exc:
            field = exc.field if exc.field == "officer_id" else f"cases[{n}]"
            raise type(exc)(f"cases[{n}] ({ref.id}): {exc.message}", field) from None
    return done


def open_request(session: Session, app_id: str) -> EvidenceRequest | None:
    """The request for evidence still waiting for an answer (open, or lapsed unanswered)."""
    return session.scalar(
        select(EvidenceRequest)
        .where(
            EvidenceRequest.application_id == app_id,
            EvidenceRequest.status.in_(("open", "lapsed")),
        )
        .order_by(EvidenceRequest.created_at.desc())
    )


def agency_zone(ctx: CaseContext, program_id: str) -> zones.ZoneInfo:
    """The zone the agency running `program_id` sets its deadlines in."""
    return zones.agency_zone(_program(ctx, program_id).program.country)


def _deadline(due: dt.date, at: dt.time | None, zone: zones.ZoneInfo) -> dt.datetime:
    try:
        return zones.deadline(due, at, zone)
    except ValueError as exc:
        raise Invalid(f"due: {exc}", "due") from None


def request_evidence(
    session: Session, ctx: CaseContext, user: User, app_id: str, body: EvidenceRequestIn
) -> Application:
    app = visible(session, user, app_id)
    if body.due <= ctx.today():
        raise Invalid("due: the deadline must be in the future", "due")
    zone = agency_zone(ctx, app.program_id)
    due_at = _deadline(body.due, body.due_time, zone)
    try:
        items = checklist.build(app.prescreen, body.documents, body.items)
    except ValueError as exc:
        raise Invalid(f"documents: {exc}", "documents") from None
    due = zones.record(body.due, due_at, zone.key)
    _move(
        session,
        app,
        user,
        "request_evidence",
        body.version,
        {**due, "items": [i["id"] for i in items]},
    )
    rfe = EvidenceRequest(
        id=new_id(),
        application_id=app.id,
        requested_by=user.id,
        message=body.message,
        due=body.due,
        due_at=due_at,
        due_zone=zone.key,
        items=items,
        status="open",
    )
    session.add(rfe)
    app.evidence_due = body.due
    notices.queue(session, f"requested:{rfe.id}", app, "evidence_requested", due)
    return app


def _asked(session: Session, app: Application) -> EvidenceRequest:
    rfe = open_request(session, app.id)
    if rfe is None:  # only a case from before checklists (0007) can be in this state
        raise Conflict(f"application {app.id} has no open request for evidence")
    return rfe


def respond(
    session: Session, ctx: CaseContext, user: User, app_id: str, body: EvidenceResponseIn
) -> Application:
    app = visible(session, user, app_id)
    rfe = open_request(session, app.id) if app.state in workflow.ASKED else None
    _move(session, app, user, "respond", body.version)
    if rfe is not None:
        rfe.response, rfe.responded_at = body.response, now()
        rfe.status, rfe.closed_at = "answered", rfe.responded_at
    app.evidence_due, app.evidence_received_at = None, now()
    rescreen(session, ctx, app)
    return app


def rescreen(session: Session, ctx: CaseContext, app: Application) -> None:
    """Run the pre-screen again (evidence arrived; the date or the rules may have moved on)
    and record, criterion by criterion, what changed, for the officer to see."""
    on = ctx.today()
    settings_version, settings = agency.effective(session, ctx.settings, on)
    new = prescreen(ctx, app.program_id, Profile.model_validate(app.profile), on, settings)
    before = {c["id"]: c["outcome"] for c in (app.prescreen or {}).get("criteria", [])}
    changed = [
        {"id": c.id, "from": before.get(c.id), "to": c.outcome.value}
        for c in new.criteria
        if before.get(c.id) != c.outcome.value
    ]
    data = {
        "from": app.prescreen_outcome,
        "to": new.outcome.value,
        "changed": changed,
        "program_hash": new.program_hash,
        "on": on.isoformat(),
        "settings_version": settings_version,
    }
    app.settings_version = settings_version
    app.prescreen = new.model_dump(mode="json")
    app.prescreen_outcome = new.outcome.value
    app.program_hash = new.program_hash
    app.prescreen_on = on
    _record(session, None, app.id, "rescreen", data)


def extend_evidence(
    session: Session, ctx: CaseContext, user: User, app_id: str, body: ExtendIn
) -> Application:
    app = visible(session, user, app_id)
    rfe = _asked(session, app) if app.state in workflow.ASKED else None
    zone = zones.known(rfe.due_zone) if rfe else None
    zone = zone or agency_zone(ctx, app.program_id)
    due_at = _deadline(body.due, body.due_time, zone)
    if rfe is not None and (body.due <= ctx.today() or due_at <= rfe.due_at):
        after = max(rfe.due, ctx.today()) if body.due <= ctx.today() else rfe.due
        raise Invalid(f"due: the new deadline must be after {after.isoformat()}", "due")
    previous = rfe.due.isoformat() if rfe else None
    due = zones.record(body.due, due_at, zone.key)
    _move(session, app, user, "extend_evidence", body.version, {**due, "previous": previous})
    assert rfe is not None  # _move refused every state without an open request
    # A fresh deadline earns a fresh reminder.
    rfe.due, rfe.due_at, rfe.due_zone = body.due, due_at, zone.key
    rfe.status, rfe.reminded_at, rfe.closed_at = "open", None, None
    app.evidence_due = body.due
    notices.queue(session, f"extended:{rfe.id}:{due_at.isoformat()}", app, "evidence_extended", due)
    return app


def cancel_evidence(session: Session, user: User, app_id: str, body: CancelIn) -> Application:
    app = visible(session, user, app_id)
    rfe = open_request(session, app.id) if app.state in workflow.ASKED else None
    _move(session, app, user, "cancel_evidence", body.version, {"reason": body.reason})
    if rfe is not None:
        rfe.status, rfe.closed_at = "cancelled", now()
    app.evidence_due = None
    return app


def refuse_no_answer(
    session: Session, ctx: CaseContext, user: User, app_id: str, body: NoAnswerIn
) -> Application:
    """Refuse a case whose request for evidence went unanswered past its deadline."""
    app = visible(session, user, app_id)
    _program(ctx, app.program_id)
    return _take_effect(
        session,
        app,
        user,
        "refuse_no_answer",
        "refuse",
        [],
        body.text,
        None,
        body.version,
        ctx.today(),
    )


def decide(
    session: Session, ctx: CaseContext, user: User, app_id: str, body: DecisionIn
) -> Application:
    app = visible(session, user, app_id)
    cp = _program(ctx, app.program_id)
    unknown = [r for r in body.reasons if r not in cp.program.criteria]
    if unknown:
        raise Invalid(f"reasons: {', '.join(unknown)} are not criteria of {cp.id}", "reasons")
    agrees = (body.decision == "approve" and app.prescreen_outcome == "eligible") or (
        body.decision == "refuse" and app.prescreen_outcome == "ineligible"
    )
    if not agrees and body.override_code is None:
        raise Invalid(
            f"override_code: the pre-screen found {app.prescreen_outcome}; to {body.decision} "
            "anyway give an override_code and explain it in text",
            "override_code",
        )
    code = None if agrees else (body.override_code.value if body.override_code else None)
    return _take_effect(
        session,
        app,
        user,
        body.decision,
        body.decision,
        body.reasons,
        body.text,
        code,
        body.version,
        ctx.today(),
    )


def _take_effect(
    session: Session,
    app: Application,
    user: User,
    action: str,
    decision: str,
    reasons: list[str],
    text: str,
    override_code: str | None,
    version: int,
    on: dt.date,
) -> Application:
    """Record a decision, or, under four eyes (approval.py), propose it for a supervisor;
    either names the agency settings version that decided which."""
    rules = agency.casework(session, app.program_id, on)
    why = approval.why(rules, decision, override_code is not None)
    data = {"reasons": reasons, "override_code": override_code, "settings_version": rules.version}
    if why is None:
        _move(session, app, user, action, version, data)
        _apply(session, app, decision, reasons, text, override_code)
        return app
    # The decision itself must be open here (a refusal for no answer only once overdue).
    _check(app, user, action)
    proposal = DecisionProposal(
        id=new_id(),
        application_id=app.id,
        decision=decision,
        reasons=reasons,
        text=text,
        override_code=override_code,
        why=why,
        proposed_by=user.id,
        proposed_at=now(),
    )
    _move(
        session,
        app,
        user,
        "propose",
        version,
        {**data, "decision": decision, "why": why, "proposal": proposal.id, "as": action},
    )
    session.add(proposal)
    return app


def _check(app: Application, user: User, action: str) -> workflow.Transition:
    try:
        t = workflow.check(action, app.state, user.role)
    except workflow.IllegalTransition as exc:
        raise Conflict(str(exc)) from None
    except workflow.NotPermitted as exc:
        raise Forbidden(str(exc)) from None
    if not _guard_ok(t.guard, app, user):
        raise Forbidden(f"you may not {action.replace('_', ' ')} this case", None)
    return t


def _apply(
    session: Session,
    app: Application,
    decision: str,
    reasons: list[str],
    text: str,
    override_code: str | None,
) -> None:
    app.decision = decision
    app.decision_reasons = reasons
    app.decision_text = text
    app.override_code = override_code
    app.decided_at = now()
    # The letter is part of the decision: made in its transaction, or neither is stored.
    letters.make(session, app, "decision")
    notices.queue(
        session, f"decided:{app.id}", app, "decision", {"decision": decision, "letter": "decision"}
    )


def review(session: Session, user: User, app_id: str, body: ReviewIn) -> Application:
    """A supervisor, not the one who proposed it, confirms a proposed decision or sends it
    back to review."""
    app = visible(session, user, app_id)
    proposal = approval.pending(session, app.id) if app.state == State.pending_approval else None
    if proposal is None:
        raise Conflict(f"application {app.id} has no decision waiting for approval")
    if proposal.proposed_by == user.id:
        raise Forbidden("four eyes: a decision is approved by someone other than its proposer")
    action = f"confirm_{proposal.decision}" if body.confirm else "send_back"
    _move(
        session,
        app,
        user,
        action,
        body.version,
        {"proposal": proposal.id, "proposed_by": proposal.proposed_by, "note": body.note},
    )
    proposal.reviewed_by, proposal.reviewed_at = user.id, now()
    proposal.outcome, proposal.note = ("confirmed" if body.confirm else "sent_back"), body.note
    if body.confirm:
        _apply(
            session, app, proposal.decision, proposal.reasons, proposal.text, proposal.override_code
        )
    return app


def issue(
    session: Session, ctx: CaseContext, user: User, app_id: str, body: IssueIn
) -> Application:
    app = visible(session, user, app_id)
    benefits = _program(ctx, app.program_id).program.benefits
    terms = issue_terms(
        benefits,
        body.valid_from,
        body.entries,
        body.validity,
        body.validity_unit,
        body.stay_days,
    )
    _move(session, app, user, "issue", body.version)
    app.visa_number = f"{visa_prefix(app.program_id)}{ctx.today():%Y}{secrets.token_hex(4).upper()}"
    app.issued = terms
    _record(session, user.id, app.id, "issued", {"visa_number": app.visa_number, **terms})
    letters.make(session, app, "grant")
    notices.queue(
        session,
        f"issued:{app.id}",
        app,
        "issued",
        {"visa_number": app.visa_number, "letter": "grant"},
    )
    return app


def withdraw(session: Session, user: User, app_id: str, version: int) -> Application:
    app = visible(session, user, app_id)
    _move(session, app, user, "withdraw", version)
    return app
