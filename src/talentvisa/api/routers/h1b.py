from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import PlainTextResponse, StreamingResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from talentvisa.api.deps import RT, AnyUser, Runtime, bounded, require
from talentvisa.api.rendering import rendered
from talentvisa.auth.models import Role, User
from talentvisa.h1b import service
from talentvisa.h1b.context import H1bContext
from talentvisa.h1b.models import Registration
from talentvisa.h1b.schemas import (
    PAGE_MAX,
    BulkRegistrationsOut,
    DrandIn,
    PetitionIn,
    RegistrationIn,
    RegistrationOut,
    RegistrationPage,
    RoundIn,
    SeasonIn,
)

router = APIRouter(tags=["h1b"])
Admin = Annotated[User, Depends(require(Role.admin))]
Employer = Annotated[User, Depends(require(Role.employer))]


def _ctx(rt: Runtime, session: Session, user: User) -> H1bContext:
    return H1bContext(session, user, rt.cases, rt.clock)


def _reg_out(session: Session, reg: Registration, season: str | None = None) -> RegistrationOut:
    return RegistrationOut(
        id=reg.id,
        season=season or service.season_of(session, reg).season,
        passport_country=reg.passport_country,
        passport_number_last4=reg.passport_number[-4:],
        family_name=reg.family_name,
        wage_level=reg.wage_level,
        soc_code=reg.soc_code,
        worksite=reg.worksite,
        us_advanced_degree=reg.us_advanced_degree,
        fee_amount=reg.fee_amount,
        fee_currency=reg.fee_currency,
        status=reg.status,
        created_at=reg.created_at,
        petition=reg.petition,
    )


@router.post("/seasons", status_code=201, response_model=dict[str, Any])
@bounded
def create_season(body: SeasonIn, rt: RT, admin: Admin) -> Response:
    """Create a cap season; its commitment (SHA-256 of a secret seed) is fixed now."""
    with rt.writing() as session:
        season = service.create_season(_ctx(rt, session, admin), body)
        return rendered(service.public_view(season), 201)


@router.get("/seasons/{season}")
@bounded
def get_season(season: str, rt: RT, user: AnyUser) -> dict[str, Any]:
    """The season, its published commitment and, after the draw, the reveal."""
    with rt.reading() as session:
        return service.public_view(service.season_named(session, season))


@router.post("/seasons/{season}/open", response_model=dict[str, Any])
@bounded
def open_window(season: str, rt: RT, admin: Admin) -> Response:
    with rt.writing() as session:
        return rendered(service.public_view(service.open_season(_ctx(rt, session, admin), season)))


@router.post("/seasons/{season}/close", response_model=dict[str, Any])
@bounded
def close_window(season: str, rt: RT, admin: Admin) -> Response:
    with rt.writing() as session:
        return rendered(service.public_view(service.close_season(_ctx(rt, session, admin), season)))


@router.post("/seasons/{season}/beacon", response_model=dict[str, Any])
def enter_beacon(season: str, body: DrandIn, rt: RT, admin: Admin) -> Response:
    """Enter the named drand round's JSON (``/<chain hash>/public/<round>``) after it is out.

    Its BLS signature is checked under the chain's pinned key before it is kept (422 if not).
    """
    with rt.writing() as session:
        return rendered(
            service.public_view(service.store_beacon(_ctx(rt, session, admin), season, body))
        )


@router.get("/seasons/{season}/bulletin.csv", response_class=StreamingResponse)
def bulletin_csv(season: str, rt: RT) -> StreamingResponse:
    """The public bulletin fixed at the close: units, entries, flag, ids; no personal data."""
    with rt.reading() as session:
        rows = service.bulletin_of(session, season).rows
    return StreamingResponse(_chunks(rows), media_type="text/csv")


@router.get("/seasons/{season}/bulletin.json")
def bulletin_json(season: str, rt: RT) -> dict[str, Any]:
    """The manifest published with the bulletin: root, commitment, beacon round, close."""
    with rt.reading() as session:
        return dict(service.bulletin_of(session, season).manifest)


@router.get("/seasons/{season}/bulletin/reveal.json")
def bulletin_reveal(season: str, rt: RT) -> dict[str, Any]:
    """A beacon season's reveal (secret, beacon value, rounds), public once it is drawn."""
    with rt.reading() as session:
        return dict(service.drawn_from_bulletin(session, season).reveal or {})


@router.get("/seasons/{season}/bulletin/selected.csv", response_class=StreamingResponse)
def bulletin_selected(season: str, rt: RT) -> StreamingResponse:
    """The selection by unit and registration id: with the bulletin and reveal, all to verify."""
    with rt.reading() as session:
        selected = service.drawn_from_bulletin(session, season).selected_csv or ""
    return StreamingResponse(_chunks(selected), media_type="text/csv")


@router.post("/seasons/{season}/draw", response_model=dict[str, Any])
def draw(season: str, rt: RT, admin: Admin) -> Response:
    """Run the selection through the cap-selection library and publish the reveal."""
    with rt.writing() as session:
        return rendered(service.public_view(service.draw(_ctx(rt, session, admin), season)))


@router.post("/seasons/{season}/rounds", response_model=dict[str, Any])
def further_round(season: str, body: RoundIn, rt: RT, admin: Admin) -> Response:
    """Select more after the draw (e.g. too few petitions filed): same seed, next stream."""
    with rt.writing() as session:
        return rendered(
            service.public_view(service.further_round(_ctx(rt, session, admin), season, body))
        )


@router.get("/seasons/{season}/selected.csv", response_class=PlainTextResponse)
def selected_csv(season: str, rt: RT, user: AnyUser) -> PlainTextResponse:
    with rt.reading() as session:
        data = service.selected_csv(session, season)
    return PlainTextResponse(data, media_type="text/csv")


@router.get("/seasons/{season}/registrations.csv", response_class=PlainTextResponse)
def registrations_csv(season: str, rt: RT, user: AnyUser) -> PlainTextResponse:
    """The canonical registration list (personal data: officers, supervisors, admins only)."""
    with rt.reading() as session:
        data = service.canonical_registrations(_ctx(rt, session, user), season)
    return PlainTextResponse(data.decode("utf-8"), media_type="text/csv")


@router.get("/seasons/{season}/conflicts")
@bounded
def identity_conflicts(season: str, rt: RT, user: AnyUser) -> dict[str, Any]:
    """Passports registered with conflicting identity data, and how each was counted.

    For officers, supervisors and admins: it names every employer's registration, so an
    employer is refused (403). The draw is never blocked by a conflict (docs/h1b.md).
    """
    with rt.reading() as session:
        return service.conflicts(_ctx(rt, session, user), season)


@router.post("/seasons/{season}/registrations", status_code=201, response_model=RegistrationOut)
@bounded
def register(season: str, body: RegistrationIn, rt: RT, employer: Employer) -> Response:
    with rt.writing() as session:
        reg = service.register(_ctx(rt, session, employer), season, body)
        return rendered(_reg_out(session, reg), 201)


CSV_BODY = {
    "requestBody": {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string", "maxLength": 16 * 1024 * 1024}}},
    }
}


@router.post(
    "/seasons/{season}/registrations.csv",
    status_code=201,
    response_model=BulkRegistrationsOut,
    openapi_extra=CSV_BODY,
)
async def register_many(season: str, request: Request, rt: RT, employer: Employer) -> Response:
    """Register many beneficiaries from one CSV (header: the registration's fields).

    All or nothing: a bad row refuses the file (422, field ``file``) and the message names
    every bad row by its line. The same checks as ``POST /seasons/{season}/registrations``.
    """
    data = await request.body()

    def work() -> Response:
        with rt.writing() as session:
            done = service.register_many(_ctx(rt, session, employer), season, data)
            out = BulkRegistrationsOut(
                season=season.upper(),
                accepted=len(done),
                registrations=[{"line": line, "id": rid} for line, rid in done],
            )
            return rendered(out, 201)

    return await run_in_threadpool(work)


@router.get("/seasons/{season}/registrations", response_model=RegistrationPage)
@bounded
def my_season_registrations(
    season: str,
    rt: RT,
    employer: Employer,
    after: Annotated[str | None, Query(max_length=32, pattern=r"^[0-9a-f]*$")] = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 100,
) -> RegistrationPage:
    """One's own registrations in a season, a page at a time (``next`` is the next ``after``)."""
    with rt.reading() as session:
        ctx = _ctx(rt, session, employer)
        s = service.season_named(session, season)
        regs, nxt = service.employer_page(ctx, s, after, limit)
        return RegistrationPage(
            season=s.season,
            counts=service.employer_counts(ctx, s),
            items=[_reg_out(session, r, s.season) for r in regs],
            next=nxt,
        )


RESULTS_HEADER = "id,passport_country,passport_number_last4,family_name,wage_level,status\n"


@router.get("/seasons/{season}/results.csv", response_class=StreamingResponse)
def my_results_csv(season: str, rt: RT, employer: Employer) -> StreamingResponse:
    """One's own registrations and their outcomes, streamed a page at a time."""
    with rt.reading() as session:
        name = service.season_named(session, season).season

    def pages() -> Iterator[bytes]:
        yield RESULTS_HEADER.encode()
        after: str | None = None
        while True:
            with rt.reading() as session:
                ctx = _ctx(rt, session, employer)
                s = service.season_named(session, name)
                regs, after = service.employer_page(ctx, s, after, PAGE_MAX)
                buf = io.StringIO()
                csv.writer(buf, lineterminator="\n").writerows(
                    (r.id, r.passport_country, r.passport_number[-4:], r.family_name,
                     r.wage_level, r.status)
                    for r in regs
                )  # fmt: skip
            yield buf.getvalue().encode()
            if after is None:
                return

    return StreamingResponse(
        pages(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.results.csv"'},
    )


def _chunks(text: str, size: int = 1 << 20) -> Iterator[bytes]:
    data = text.encode()
    for start in range(0, len(data), size):
        yield data[start : start + size]


@router.get("/registrations", response_model=list[RegistrationOut])
@bounded
def my_registrations(rt: RT, employer: Employer) -> list[RegistrationOut]:
    with rt.reading() as session:
        regs = service.employer_registrations(_ctx(rt, session, employer))
        return [_reg_out(session, r) for r in regs]


@router.get("/registrations/{reg_id}", response_model=RegistrationOut)
@bounded
def get_registration(reg_id: str, rt: RT, employer: Employer) -> RegistrationOut:
    with rt.reading() as session:
        return _reg_out(session, service.employer_registration(_ctx(rt, session, employer), reg_id))


@router.get("/registrations/{reg_id}/proof")
def registration_proof(reg_id: str, rt: RT, employer: Employer) -> dict[str, Any]:
    """The inclusion proof of one's own registration on the season's bulletin.

    Check it with ``talentvisa lottery prove --bulletin bulletin.csv --registration ID
    --proof proof.json``; another employer's registration is 404, as if it did not exist.
    """
    with rt.reading() as session:
        return service.registration_proof(_ctx(rt, session, employer), reg_id)


@router.post("/registrations/{reg_id}/petition", response_model=RegistrationOut)
@bounded
def petition(reg_id: str, body: PetitionIn, rt: RT, employer: Employer) -> Response:
    """File the petition for a selected registration; the rules decide the fees due."""
    with rt.writing() as session:
        reg = service.file_petition(_ctx(rt, session, employer), reg_id, body)
        return rendered(_reg_out(session, reg))
