from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from talentvisa.api.deps import RT, AnyUser, bounded, require
from talentvisa.api.rendering import rendered
from talentvisa.auth.models import Role, User
from talentvisa.h1b import bulletin as bulletins
from talentvisa.h1b import service
from talentvisa.h1b.service import PetitionIn, RegistrationIn, RoundIn, SeasonIn

router = APIRouter(tags=["h1b"])
Admin = Annotated[User, Depends(require(Role.admin))]
Employer = Annotated[User, Depends(require(Role.employer))]


class RegistrationOut(BaseModel):
    id: str
    season: str
    passport_country: str
    passport_number_last4: str
    family_name: str
    wage_level: int
    soc_code: str
    worksite: str
    us_advanced_degree: bool
    fee_amount: float
    fee_currency: str
    status: str
    created_at: dt.datetime
    petition: dict[str, Any] | None


def _reg_out(session: Session, reg: Any) -> RegistrationOut:
    season = session.get(service.CapSeason, reg.season_id)
    return RegistrationOut(
        id=reg.id,
        season=season.season if season else "?",
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
        return rendered(service.public_view(service.create_season(session, admin, body)), 201)


@router.get("/seasons/{season}")
@bounded
def get_season(season: str, rt: RT, user: AnyUser) -> dict[str, Any]:
    """The season, its published commitment and, after the draw, the reveal."""
    with rt.reading() as session:
        return service.public_view(service._season(session, season))


@router.post("/seasons/{season}/open", response_model=dict[str, Any])
@bounded
def open_window(season: str, rt: RT, admin: Admin) -> Response:
    with rt.writing() as session:
        return rendered(service.public_view(service.open_season(session, admin, season)))


@router.post("/seasons/{season}/close", response_model=dict[str, Any])
@bounded
def close_window(season: str, rt: RT, admin: Admin) -> Response:
    with rt.writing() as session:
        return rendered(
            service.public_view(service.close_season(session, admin, season, rt.clock()))
        )


@router.post("/seasons/{season}/beacon", response_model=dict[str, Any])
def enter_beacon(season: str, body: bulletins.DrandIn, rt: RT, admin: Admin) -> Response:
    """Enter the named drand round's JSON (``/<chain hash>/public/<round>``) after it is out.

    Its BLS signature is checked under the chain's pinned key before it is kept (422 if not).
    """
    with rt.writing() as session:
        return rendered(
            service.public_view(service.store_beacon(session, admin, season, body, rt.clock()))
        )


@router.get("/seasons/{season}/bulletin.csv", response_class=PlainTextResponse)
def bulletin_csv(season: str, rt: RT) -> PlainTextResponse:
    """The public bulletin fixed at the close: units, entries, flag, ids; no personal data."""
    with rt.reading() as session:
        record = bulletins.published(session, service._season(session, season))
        return PlainTextResponse(record.rows, media_type="text/csv")


@router.get("/seasons/{season}/bulletin.json")
def bulletin_json(season: str, rt: RT) -> dict[str, Any]:
    """The manifest published with the bulletin: root, commitment, beacon round, close."""
    with rt.reading() as session:
        return dict(bulletins.published(session, service._season(session, season)).manifest)


def _drawn_from_bulletin(session: Session, season: str) -> service.CapSeason:
    s = service._season(session, season)
    bulletins.published(session, s)
    if s.reveal is None or s.selected_csv is None:
        raise service.Conflict(f"season {s.season} has not been drawn yet")
    return s


@router.get("/seasons/{season}/bulletin/reveal.json")
def bulletin_reveal(season: str, rt: RT) -> dict[str, Any]:
    """A beacon season's reveal (secret, beacon value, rounds), public once it is drawn."""
    with rt.reading() as session:
        return dict(_drawn_from_bulletin(session, season).reveal or {})


@router.get("/seasons/{season}/bulletin/selected.csv", response_class=PlainTextResponse)
def bulletin_selected(season: str, rt: RT) -> PlainTextResponse:
    """The selection by unit and registration id: with the bulletin and reveal, all to verify."""
    with rt.reading() as session:
        return PlainTextResponse(
            _drawn_from_bulletin(session, season).selected_csv or "", media_type="text/csv"
        )


@router.post("/seasons/{season}/draw", response_model=dict[str, Any])
def draw(season: str, rt: RT, admin: Admin) -> Response:
    """Run the selection through the cap-selection library and publish the reveal."""
    with rt.writing() as session:
        return rendered(service.public_view(service.draw(session, admin, season, rt.clock())))


@router.post("/seasons/{season}/rounds", response_model=dict[str, Any])
def further_round(season: str, body: RoundIn, rt: RT, admin: Admin) -> Response:
    """Select more after the draw (e.g. too few petitions filed): same seed, next stream."""
    with rt.writing() as session:
        return rendered(
            service.public_view(service.further_round(session, admin, season, body, rt.clock()))
        )


@router.get("/seasons/{season}/selected.csv", response_class=PlainTextResponse)
def selected_csv(season: str, rt: RT, user: AnyUser) -> PlainTextResponse:
    with rt.reading() as session:
        s = service._season(session, season)
    if s.selected_csv is None:
        raise service.Conflict(f"season {s.season} has not been drawn yet")
    return PlainTextResponse(s.selected_csv, media_type="text/csv")


@router.get("/seasons/{season}/registrations.csv", response_class=PlainTextResponse)
def registrations_csv(season: str, rt: RT, user: AnyUser) -> PlainTextResponse:
    """The canonical registration list (personal data: officers, supervisors, admins only)."""
    with rt.reading() as session:
        data = service.canonical_registrations(session, user, season)
    return PlainTextResponse(data.decode("utf-8"), media_type="text/csv")


@router.get("/seasons/{season}/conflicts")
@bounded
def identity_conflicts(season: str, rt: RT, user: AnyUser) -> dict[str, Any]:
    """Passports registered with conflicting identity data, and how each was counted.

    For officers, supervisors and admins: it names every employer's registration, so an
    employer is refused (403). The draw is never blocked by a conflict (docs/h1b.md).
    """
    with rt.reading() as session:
        return service.conflicts(session, user, season)


@router.post("/seasons/{season}/registrations", status_code=201, response_model=RegistrationOut)
@bounded
def register(season: str, body: RegistrationIn, rt: RT, employer: Employer) -> Response:
    with rt.writing() as session:
        reg = service.register(
            session, rt.cases.catalog, rt.cases.settings, employer, season, body, rt.cases.today()
        )
        return rendered(_reg_out(session, reg), 201)


@router.get("/registrations", response_model=list[RegistrationOut])
@bounded
def my_registrations(rt: RT, employer: Employer) -> list[RegistrationOut]:
    with rt.reading() as session:
        regs = session.scalars(
            service.select(service.Registration)
            .where(service.Registration.employer_id == employer.id)
            .order_by(service.Registration.created_at)
        )
        return [_reg_out(session, r) for r in regs]


@router.get("/registrations/{reg_id}", response_model=RegistrationOut)
@bounded
def get_registration(reg_id: str, rt: RT, employer: Employer) -> RegistrationOut:
    with rt.reading() as session:
        return _reg_out(session, service.employer_registration(session, employer, reg_id))


@router.get("/registrations/{reg_id}/proof")
def registration_proof(reg_id: str, rt: RT, employer: Employer) -> dict[str, Any]:
    """The inclusion proof of one's own registration on the season's bulletin.

    Check it with ``talentvisa lottery prove --bulletin bulletin.csv --registration ID
    --proof proof.json``; another employer's registration is 404, as if it did not exist.
    """
    with rt.reading() as session:
        reg = service.employer_registration(session, employer, reg_id)
        season = session.get(service.CapSeason, reg.season_id)
        assert season is not None
        return bulletins.proof(bulletins.published(session, season), reg.id)


@router.post("/registrations/{reg_id}/petition", response_model=RegistrationOut)
@bounded
def petition(reg_id: str, body: PetitionIn, rt: RT, employer: Employer) -> Response:
    """File the petition for a selected registration; the rules decide the fees due."""
    with rt.writing() as session:
        reg = service.file_petition(
            session, rt.cases.catalog, rt.cases.settings, employer, reg_id, body, rt.cases.today()
        )
        return rendered(_reg_out(session, reg))
