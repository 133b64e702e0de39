"""Cap seasons and registrations: window, commitment, dedupe, draw, results, petition fees."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from talentvisa.audit import service as audit
from talentvisa.auth.models import Role, User
from talentvisa.db.base import now
from talentvisa.h1b import bulletin as bulletins
from talentvisa.h1b.bulletin import BeaconIn
from talentvisa.h1b.models import CapSeason, Registration
from talentvisa.lottery import run as lottery
from talentvisa.lottery.registrations import (
    RegistrationError,
    canonical_bytes,
    identity_conflicts,
    normalize,
    resolve,
)
from talentvisa.lottery.rules import SeasonError, parse_season, rule_for
from talentvisa.lottery.select import ALGORITHM
from talentvisa.rules.codes import UnknownCode, alpha2_table, country_alpha2
from talentvisa.rules.compiled import CompiledProgram
from talentvisa.rules.engine import assess
from talentvisa.rules.params import Settings
from talentvisa.rules.params import resolve as resolve_param
from talentvisa.rules.profile import Profile
from talentvisa.service_errors import Conflict, Forbidden, Invalid, NotFound

PROGRAM = "us-h1b"


class SeasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    season: str = Field(pattern=r"^FY\d{4}$", examples=["FY2027"])
    regular_target: int = Field(ge=0, description="Units to select in the regular round.")
    advanced_target: int = Field(ge=0, description="Units to select in the advanced round.")
    beacon: BeaconIn | None = Field(
        None,
        description="Name a drand round after the planned close: the season then publishes a "
        "bulletin at the close and draws with the beacon-mixed seed (docs/bulletin.md).",
    )


class RegistrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    passport_country: str = Field(
        min_length=2,
        max_length=3,
        description="ISO 3166-1 alpha-2 or alpha-3 (IND and IN are one country); stored alpha-2.",
        examples=["IN"],
        # Documented as the codes pycountry knows, so clients and fuzzers send real ones.
        json_schema_extra={"enum": list[JsonValue](sorted(alpha2_table()))},
    )
    passport_number: str = Field(pattern=r"^[A-Z0-9]{5,20}$")
    family_name: str = Field(min_length=1, max_length=200)
    given_name: str = Field("", max_length=200)
    date_of_birth: dt.date
    wage_level: int = Field(ge=1, le=4, description="Lowest OEWS level among worksites, 1-4.")
    soc_code: str = Field(pattern=r"^\d{2}-\d{4}$")
    worksite: str = Field(min_length=2, max_length=200)
    us_advanced_degree: bool

    @field_validator("passport_country")
    @classmethod
    def _alpha2(cls, value: str) -> str:
        try:
            return country_alpha2(value)
        except UnknownCode as exc:
            raise ValueError(str(exc)) from None


class EmployerFacts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fte: int = Field(ge=0)
    nonprofit: bool
    acwia_exempt: bool = False
    h1b_dependent: bool = False


class PetitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    beneficiary_location: str = Field(pattern=r"^[A-Z]{2}$", description="Country now.")
    immigration_status: str = Field(min_length=1, max_length=40, examples=["F-1", "none"])
    petition_type: Literal["new_employment", "change_of_status", "change_of_employer"]
    consular_notification: bool
    exception_granted: bool = False
    employer: EmployerFacts
    highest_degree: Literal["bachelor", "master", "doctorate"]


def _season(session: Session, name: str, lock: bool = False) -> CapSeason:
    q = select(CapSeason).where(CapSeason.season == name.upper())
    season = session.scalar(q.with_for_update() if lock else q)
    if season is None:
        raise NotFound(f"season {name} not found")
    return season


def _require(user: User, *roles: Role) -> None:
    if user.role not in {r.value for r in roles}:
        raise Forbidden(f"this needs the role {' or '.join(r.value for r in roles)}")


def create_season(session: Session, admin: User, body: SeasonIn) -> CapSeason:
    _require(admin, Role.admin)
    try:
        rule_for(parse_season(body.season))
    except SeasonError as exc:
        raise Invalid(f"season: {exc}", "season") from None
    if session.scalar(select(CapSeason).where(CapSeason.season == body.season)) is not None:
        raise Conflict(f"season: {body.season} already exists", "season")
    seed = lottery.new_seed()
    season = CapSeason(
        season=body.season,
        state="draft",
        regular_target=body.regular_target,
        advanced_target=body.advanced_target,
        seed_hex=seed.hex(),
        commitment=lottery.commitment(seed),
    )
    if body.beacon is not None:
        bulletins.name_beacon(season, body.beacon)
    session.add(season)
    session.flush()
    audit.append(
        session,
        actor_id=admin.id,
        entity_type="season",
        entity_id=season.season,
        action="create",
        data={
            "commitment": season.commitment,
            "targets": [body.regular_target, body.advanced_target],
        }
        | _beacon_named(season),
    )
    return season


def _transition(session: Session, admin: User, name: str, frm: str, to: str) -> CapSeason:
    _require(admin, Role.admin)
    season = _season(session, name, lock=True)
    if season.state != frm:
        raise Conflict(f"season {season.season} is {season.state}; it must be {frm} to become {to}")
    season.state = to
    stamp = {"open": "opened_at", "closed": "closed_at", "drawn": "drawn_at"}[to]
    setattr(season, stamp, now())
    audit.append(
        session,
        actor_id=admin.id,
        entity_type="season",
        entity_id=season.season,
        action=to,
        data={"commitment": season.commitment},
    )
    return season


def open_season(session: Session, admin: User, name: str) -> CapSeason:
    return _transition(session, admin, name, "draft", "open")


def _beacon_named(season: CapSeason) -> dict[str, Any]:
    if season.beacon_round is None:
        return {}
    return {"beacon": {"chain": season.beacon_chain, "round": season.beacon_round}}


def close_season(
    session: Session, admin: User, name: str, at: dt.datetime | None = None
) -> CapSeason:
    """Close the window; a beacon season publishes its bulletin in the same transaction."""
    season = _transition(session, admin, name, "open", "closed")
    if season.beacon_round is None:
        return season
    season.closed_at = at or season.closed_at
    assert season.closed_at is not None
    record = bulletins.publish(
        session, season, _frame(registrations_of(session, season)), season.closed_at
    )
    audit.append(
        session,
        actor_id=admin.id,
        entity_type="season",
        entity_id=season.season,
        action="bulletin_published",
        data={
            k: record.manifest[k]
            for k in ("root", "commitment", "sha256", "rows", "registrations", "closed_at")
        }
        | _beacon_named(season),
    )
    return season


def store_beacon(
    session: Session, admin: User, name: str, doc: bulletins.DrandIn, at: dt.datetime
) -> CapSeason:
    """Keep the named drand round's value (its signature checked) for the draw."""
    _require(admin, Role.admin)
    season = _season(session, name, lock=True)
    bulletins.store_beacon(season, doc, at)
    audit.append(
        session,
        actor_id=admin.id,
        entity_type="season",
        entity_id=season.season,
        action="beacon_value",
        data={"beacon": season.beacon_value},
    )
    return season


def register(
    session: Session,
    catalog: dict[str, CompiledProgram],
    settings: Settings,
    employer: User,
    name: str,
    body: RegistrationIn,
    today: dt.date,
) -> Registration:
    _require(employer, Role.employer)
    # The lock that close and draw take too: a registration either commits before the window
    # closes and is in the draw, or sees the closed state. (SQLite: the writer lock.)
    season = _season(session, name, lock=True)
    if season.state != "open":
        raise Conflict(f"the registration window for {season.season} is {season.state}, not open")
    clash = session.scalar(
        select(Registration).where(
            Registration.season_id == season.id,
            Registration.employer_id == employer.id,
            Registration.passport_country == body.passport_country,
            Registration.passport_number == body.passport_number,
        )
    )
    if clash is not None:
        raise _already_registered()
    fee = resolve_param(catalog[PROGRAM].program, "registration_fee", today, settings)
    reg = Registration(
        season_id=season.id,
        employer_id=employer.id,
        fee_amount=float(fee.value),
        fee_currency="USD",
        **body.model_dump(),
    )
    session.add(reg)
    try:
        session.flush()
    except IntegrityError:
        # The unique index's answer when the check above was passed by a concurrent twin.
        raise _already_registered() from None
    # Passport data stays out of the audit trail and logs; the id identifies the registration.
    audit.append(
        session,
        actor_id=employer.id,
        entity_type="registration",
        entity_id=reg.id,
        action="register",
        data={"season": season.season, "fee": reg.fee_amount},
    )
    return reg


def _already_registered() -> Conflict:
    # Only the employer's own registrations are compared: another employer's is never hinted.
    return Conflict(
        "passport_number: you already registered this beneficiary this season; a second "
        "registration would make both invalid (8 CFR 214.2(h)(8)(iii)(A)(2))",
        "passport_number",
    )


def _frame(regs: list[Registration]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "registration_id": [r.id for r in regs],
            "employer_id": [str(r.employer_id) for r in regs],
            "passport_country": [r.passport_country for r in regs],
            "passport_number": [r.passport_number for r in regs],
            "family_name": [r.family_name for r in regs],
            "given_name": [r.given_name for r in regs],
            "date_of_birth": [r.date_of_birth.isoformat() for r in regs],
            "wage_level": [str(r.wage_level) for r in regs],
            "soc_code": [r.soc_code for r in regs],
            "worksite": [r.worksite for r in regs],
            "us_advanced_degree": ["true" if r.us_advanced_degree else "false" for r in regs],
        },
        schema={
            c: pl.Utf8
            for c in (
                "registration_id",
                "employer_id",
                "passport_country",
                "passport_number",
                "family_name",
                "given_name",
                "date_of_birth",
                "wage_level",
                "soc_code",
                "worksite",
                "us_advanced_degree",
            )
        },
    )


# Set only by migration 0004_h1b on copies that the old check-then-insert let through.
WITHDRAWN_DUPLICATE = "withdrawn_duplicate"


def algorithm_of(season: CapSeason) -> str:
    """The unit definition a season was drawn with (published in its reveal), or the current."""
    return str(season.reveal["algorithm"]) if season.reveal else ALGORITHM


def registrations_of(session: Session, season: CapSeason) -> list[Registration]:
    return list(
        session.scalars(
            select(Registration)
            .where(
                Registration.season_id == season.id,
                Registration.status != WITHDRAWN_DUPLICATE,
            )
            .order_by(Registration.id)
        )
    )


class RoundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cap: Literal["regular", "advanced"] = Field(
        description="regular: from every unselected unit; advanced: unselected US advanced degrees"
    )
    target: int = Field(ge=1, description="Units to select in this further round.")


def _rounds(season: CapSeason) -> list[lottery.RoundSpec]:
    """The rounds drawn so far: the initial two, then any further rounds, as published."""
    if season.reveal is None:
        return [
            lottery.RoundSpec("regular", season.regular_target),
            lottery.RoundSpec("advanced", season.advanced_target),
        ]
    return [lottery.RoundSpec(r["cap"], int(r["target"])) for r in season.reveal["rounds"]]


def _select(
    session: Session, season: CapSeason, rounds: list[lottery.RoundSpec]
) -> lottery.SelectionRun:
    """Run every round from the season's seed and store statuses, reveal and selection.

    Each round draws from its own stream of the committed seed, so re-running the earlier
    rounds reproduces them exactly: a further round only adds selections.
    """
    regs = registrations_of(session, season)
    if not regs:
        raise Conflict(f"season {season.season} has no registrations to draw from")
    try:
        run = lottery.draw(
            _frame(regs),
            parse_season(season.season),
            bytes.fromhex(season.seed_hex),
            rounds,
            algorithm=algorithm_of(season),
        )
    except RegistrationError as exc:  # only rows stored before today's validation
        raise Conflict(
            f"season {season.season} holds registrations the draw refuses: {exc}"
        ) from None
    statuses = run.status_of()
    for r in regs:
        # A petition already filed keeps its status; selection never takes one back.
        if r.status != "petition_filed":
            r.status = statuses[r.id]
    season.reveal = run.reveal()
    season.selected_csv = run.selected_csv().decode("utf-8")
    return run


def _select_from_bulletin(
    session: Session, season: CapSeason, rounds: list[lottery.RoundSpec], at: dt.datetime
) -> None:
    """A beacon season's rounds over its bulletin, refused if the list changed since."""
    regs = registrations_of(session, season)
    record = bulletins.published(session, season)
    run, reveal = bulletins.draw(season, record, _frame(regs), rounds, at)
    rows = run.bulletin.rows
    chosen = {rid for c in run.chosen for i in c.tolist() for rid in rows[i].registrations}
    on_bulletin = run.bulletin.index_of
    for r in regs:
        if r.status != "petition_filed":
            r.status = (
                "selected"
                if r.id in chosen
                else "not_selected"
                if r.id in on_bulletin
                else "invalid_duplicate"
            )
    season.reveal = reveal
    season.selected_csv = run.selected_csv().decode("utf-8")


def _record_run(session: Session, admin: User, season: CapSeason, action: str) -> None:
    assert season.reveal is not None
    if season.beacon_round is None:
        keys = ("seed", "registrations_sha256", "selected_sha256", "rounds", "variant")
        data = {k: season.reveal[k] for k in keys}
    else:
        data = {k: season.reveal[k] for k in ("seed", "selected_sha256", "rounds")}
        data["root"] = season.reveal["bulletin"]["root"]
        data["beacon_round"] = season.beacon_round
    audit.append(
        session,
        actor_id=admin.id,
        entity_type="season",
        entity_id=season.season,
        action=action,
        data=data,
    )


def _run_rounds(
    session: Session, season: CapSeason, rounds: list[lottery.RoundSpec], at: dt.datetime | None
) -> None:
    if season.beacon_round is None:
        _select(session, season, rounds)
    else:
        _select_from_bulletin(session, season, rounds, at or now())


def draw(session: Session, admin: User, name: str, at: dt.datetime | None = None) -> CapSeason:
    _require(admin, Role.admin)
    season = _season(session, name, lock=True)
    if season.state != "closed":
        raise Conflict(f"season {season.season} is {season.state}; close the window first")
    _run_rounds(session, season, _rounds(season), at)
    _transition(session, admin, name, "closed", "drawn")
    _record_run(session, admin, season, "selection_run")
    return season


def further_round(
    session: Session, admin: User, name: str, body: RoundIn, at: dt.datetime | None = None
) -> CapSeason:
    """Select more units after the draw, e.g. when too few selected petitions were filed.

    The published order of selection is fixed by the committed seed; the round's target is
    recorded in the reveal and the audit trail, and the whole run re-verifies as before.
    """
    _require(admin, Role.admin)
    season = _season(session, name, lock=True)
    if season.state != "drawn":
        raise Conflict(
            f"season {season.season} is {season.state}; a further round follows the draw"
        )
    before = {r.id for r in registrations_of(session, season) if r.status == "selected"}
    _run_rounds(session, season, [*_rounds(season), lottery.RoundSpec(body.cap, body.target)], at)
    _record_run(session, admin, season, "selection_round")
    lost = before - {r.id for r in registrations_of(session, season) if r.status == "selected"}
    if lost:  # the rounds are nested by construction; this guards the invariant
        raise RuntimeError(f"a further round unselected {len(lost)} registrations")
    return season


def canonical_registrations(session: Session, user: User, name: str) -> bytes:
    _require(user, Role.admin, Role.supervisor, Role.officer)
    season = _season(session, name)
    frame = _frame(registrations_of(session, season))
    return canonical_bytes(normalize(frame, algorithm=algorithm_of(season)))


def conflicts(session: Session, user: User, name: str) -> dict[str, Any]:
    """Passports whose registrations disagree on identity, for officers' review.

    The rule (docs/h1b.md): such a beneficiary is one unit, at the lowest wage level among
    its valid registrations, advanced only if all of them say so. Nothing here reaches an
    employer: each of them sees only its own registrations.
    """
    _require(user, Role.admin, Role.supervisor, Role.officer)
    season = _season(session, name)
    regs = registrations_of(session, season)
    frame = normalize(_frame(regs), algorithm=algorithm_of(season))
    found = identity_conflicts(frame)
    counted = {
        b["beneficiary"]: b
        for b in resolve(
            frame.filter(frame["beneficiary"].is_in(list(found)))
        ).beneficiaries.iter_rows(named=True)
    }
    by_key: dict[str, list[Registration]] = {}
    for key, reg in zip(frame["beneficiary"], regs, strict=True):
        by_key.setdefault(key, []).append(reg)
    items = []
    for key, fields in found.items():
        unit = counted.get(key)
        items.append(
            {
                "beneficiary": key,
                "fields": fields,
                "counted_as": None
                if unit is None
                else {"wage_level": unit["level"], "us_advanced_degree": unit["advanced"]},
                "registrations": [
                    {
                        "id": r.id,
                        "employer_id": r.employer_id,
                        "family_name": r.family_name,
                        "given_name": r.given_name,
                        "date_of_birth": r.date_of_birth.isoformat(),
                        "wage_level": r.wage_level,
                        "us_advanced_degree": r.us_advanced_degree,
                        "status": r.status,
                    }
                    for r in by_key[key]
                ],
            }
        )
    return {"season": season.season, "algorithm": algorithm_of(season), "conflicts": items}


def public_view(season: CapSeason) -> dict[str, Any]:
    out: dict[str, Any] = {
        "season": season.season,
        "state": season.state,
        "commitment": season.commitment,
        "variant": rule_for(parse_season(season.season)).variant.value,
        "regular_target": season.regular_target,
        "advanced_target": season.advanced_target,
        "opened_at": season.opened_at,
        "closed_at": season.closed_at,
        "drawn_at": season.drawn_at,
    }
    if season.beacon_round is not None:
        out["beacon"] = {
            "chain": season.beacon_chain,
            "round": season.beacon_round,
            "planned_close": season.planned_close,
            "value": season.beacon_value,
        }
    if season.state == "drawn" and season.reveal is not None:
        out["reveal"] = season.reveal
        out["verify_command"] = (
            f"talentvisa lottery verify registrations.csv --reveal reveal.json "
            f"--selected selected.csv --commitment {season.commitment}"
            if season.beacon_round is None
            else "talentvisa lottery verify --bulletin bulletin.csv --reveal reveal.json "
            f"--selected selected.csv --commitment {season.commitment} "
            f"--root {season.reveal['bulletin']['root']} --beacon-round {season.beacon_round}"
        )
    return out


def employer_registration(session: Session, employer: User, reg_id: str) -> Registration:
    reg = session.get(Registration, reg_id)
    if reg is None or reg.employer_id != employer.id:
        raise NotFound(f"registration {reg_id} not found")
    return reg


def file_petition(
    session: Session,
    catalog: dict[str, CompiledProgram],
    settings: Settings,
    employer: User,
    reg_id: str,
    body: PetitionIn,
    today: dt.date,
) -> Registration:
    reg = employer_registration(session, employer, reg_id)
    if reg.status != "selected":
        raise Conflict(
            f"only a selected registration may file a petition (this one is {reg.status})"
        )
    if reg.petition is not None:
        raise Conflict("a petition was already filed for this registration")
    profile = Profile.model_validate(
        {
            "current_country": body.beneficiary_location,
            "immigration_status": body.immigration_status,
            "degrees": [
                {
                    "level": body.highest_degree,
                    "institution_country": "US" if reg.us_advanced_degree else None,
                }
            ],
            "job_offer": {
                "country": "US",
                "occupation_code": reg.soc_code,
                "wage_level": reg.wage_level,
                "specialty_occupation": True,
                "employer": {**body.employer.model_dump(), "cap_exempt": False},
                "petition": {
                    "type": body.petition_type,
                    "consular_notification": body.consular_notification,
                    "exception_granted": body.exception_granted,
                },
            },
        }
    )
    a = assess(catalog[PROGRAM], profile, today, settings)
    reg.petition = {
        "filed_on": today.isoformat(),
        "program_hash": a.program_hash,
        "outcome": a.outcome.value,
        "fees": [f.model_dump(mode="json") for f in a.fees],
        "totals": [t.model_dump(mode="json") for t in a.totals],
        "trace": [c.model_dump(mode="json") for c in a.criteria],
    }
    reg.status = "petition_filed"
    proclamation = next(f for f in a.fees if f.id == "proclamation")
    audit.append(
        session,
        actor_id=employer.id,
        entity_type="registration",
        entity_id=reg.id,
        action="petition_filed",
        data={
            "proclamation": proclamation.status.value,
            "amount": proclamation.amount,
            "program_hash": a.program_hash,
        },
    )
    return reg


def seasons(session: Session) -> list[CapSeason]:
    """Every cap season, newest first."""
    return list(session.scalars(select(CapSeason).order_by(CapSeason.season.desc())))


def season_named(session: Session, name: str) -> CapSeason:
    """One season by its name (e.g. FY2027); 404 if there is none."""
    return _season(session, name)


def employer_registrations(
    session: Session, employer: User, season: CapSeason | None = None
) -> list[Registration]:
    """An employer's own registrations, optionally in one season, oldest first."""
    q = select(Registration).where(Registration.employer_id == employer.id)
    if season is not None:
        q = q.where(Registration.season_id == season.id)
    return list(session.scalars(q.order_by(Registration.created_at, Registration.id)))


def season_of(session: Session, reg: Registration) -> CapSeason:
    season = session.get(CapSeason, reg.season_id)
    if season is None:  # the foreign key rules it out
        raise NotFound(f"registration {reg.id} has no season")
    return season
