"""Demo data for `make run`: one account per role and cases in several states."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from talentvisa.auth import service as auth
from talentvisa.auth.models import Role, User
from talentvisa.cases import service as cases
from talentvisa.cases import settings as agency
from talentvisa.cases.models import Application
from talentvisa.cases.schemas import (
    ApplicationCreate,
    AssignIn,
    DecisionIn,
    EvidenceRequestIn,
    IssueIn,
    OverrideCode,
    ReviewIn,
)
from talentvisa.h1b import service as h1b
from talentvisa.h1b.context import H1bContext
from talentvisa.h1b.schemas import RegistrationIn, SeasonIn
from talentvisa.rules.profile import Profile

PASSWORD = "demo-password-2026"
ACCOUNTS = {role: f"{role.value}@demo.talentvisa.org" for role in Role}

GRADUATE = {
    "name": "Priya (demo)",
    "date_of_birth": "2000-03-14",
    "nationalities": ["IN"],
    "current_country": "IN",
    "passport_type": "ordinary",
    "degrees": [
        {
            "level": "master",
            "cip": "11.0701",
            "institution": "Indian Institute of Science",
            "institution_country": "IN",
            "institution_rank": 211,
        }
    ],
    "experience": [
        {
            "kind": "research",
            "at_university_or_research_institution": True,
            "stem": True,
            "institution_rank": 211,
            "years": 2,
        }
    ],
}


#: The demo agency's settings for the K visa, whose law names age, experience and a
#: "well-known" institution but publishes no number (programs/cn/cn-k.yaml; DOSSIER §1, read
#: 2026-12-07). These are a made-up agency's policy, labelled so everywhere, never law.
DEMO_SETTINGS = {
    "max_age": (
        45,
        "Demo agency's setting, not law: no official age limit exists; 45 is the unverified "
        "figure a visa agency reported (https://visitchinavisa.com/china-introduces-new-k-visa-"
        "category-for-young-foreign-tech-talents, read 2026-12-07).",
    ),
    "min_experience_years": (
        0,
        "Demo agency's setting, not law: no official threshold exists; the demo agency asks "
        "no work experience beyond the degree.",
    ),
    "well_known_max_rank": (
        500,
        "Demo agency's setting, not law: no list of well-known institutions was published; "
        "the demo agency counts the top 500 of a world ranking.",
    ),
}
OLDER = {**GRADUATE, "date_of_birth": "1970-06-01"}
UNRANKED = {
    **GRADUATE,
    "degrees": [{"level": "master", "cip": "11.0701", "institution_country": "IN"}],
    "experience": [],
}


def load(session: Session, ctx: cases.CaseContext) -> bool:
    """Create the demo data once; returns False when it is there already."""
    if session.scalar(select(User).where(User.email == ACCOUNTS[Role.admin])) is not None:
        return False
    users = {
        r: auth.create_user(session, e, PASSWORD, r, f"Demo {r.value}") for r, e in ACCOUNTS.items()
    }
    applicant, officer = users[Role.applicant], users[Role.officer]
    agency_settings(session, ctx, users[Role.admin])
    new_application(session, ctx, applicant, "Draft application")
    submitted_application(session, ctx, applicant, "Submitted application")
    submitted_application(session, ctx, applicant, "Over the age limit", OLDER)
    submitted_application(session, ctx, applicant, "Institution unranked", UNRANKED)
    awaiting_evidence(session, ctx, applicant, officer)
    overdue_evidence(session, ctx, applicant, officer)
    pending_approval(session, ctx, applicant, officer)
    issued_visa(session, ctx, applicant, officer)
    refused_in_chinese(session, ctx, applicant, officer, users[Role.supervisor])
    lottery_season(session, ctx, users[Role.admin], users[Role.employer])
    return True


def agency_settings(session: Session, ctx: cases.CaseContext, admin: User) -> None:
    """The demo agency's settings for the K visa, in force since the visa began."""
    for parameter, (value, note) in DEMO_SETTINGS.items():
        agency.set_value(
            session,
            ctx.catalog,
            admin,
            program_id="cn-k",
            parameter=parameter,
            value=value,
            effective_from=dt.date(2025, 10, 1),
            note=note,
        )


def new_application(
    session: Session,
    ctx: cases.CaseContext,
    applicant: User,
    name: str,
    person: dict[str, Any] = GRADUATE,
    language: str = "en",
) -> str:
    """A draft application of ``person`` (the demo graduate), under ``name``."""
    profile = Profile.model_validate({**person, "name": name})
    body = ApplicationCreate(profile=profile, language=language)
    return cases.create(session, ctx, applicant, body).id


def _version(session: Session, applicant: User, app_id: str) -> int:
    session.flush()
    return cases.visible(session, applicant, app_id).version


def submitted_application(
    session: Session,
    ctx: cases.CaseContext,
    applicant: User,
    name: str,
    person: dict[str, Any] = GRADUATE,
    language: str = "en",
) -> str:
    app_id = new_application(session, ctx, applicant, name, person, language)
    cases.submit(session, ctx, applicant, app_id, _version(session, applicant, app_id))
    return app_id


def _assigned(
    session: Session,
    ctx: cases.CaseContext,
    applicant: User,
    officer: User,
    name: str,
    language: str = "en",
) -> tuple[str, Callable[[], int]]:
    """A submitted application assigned to ``officer``, and how to read its version."""
    app_id = submitted_application(session, ctx, applicant, name, GRADUATE, language)

    def version() -> int:
        return _version(session, applicant, app_id)

    cases.assign(session, officer, app_id, AssignIn(version=version()))
    return app_id, version


def awaiting_evidence(
    session: Session, ctx: cases.CaseContext, applicant: User, officer: User
) -> str:
    """An application whose officer asked for the degree certificate."""
    app_id, version = _assigned(session, ctx, applicant, officer, "Awaiting evidence")
    cases.request_evidence(
        session,
        ctx,
        officer,
        app_id,
        EvidenceRequestIn(
            message="Please upload your master's degree certificate.",
            due=ctx.today() + dt.timedelta(days=30),
            version=version(),
        ),
    )
    return app_id


def overdue_evidence(
    session: Session, ctx: cases.CaseContext, applicant: User, officer: User
) -> str:
    """A request whose deadline passed three days ago: the scheduler, which `serve` runs,
    moves the case to evidence overdue on its first run without anyone acting."""
    app_id, version = _assigned(session, ctx, applicant, officer, "Overdue evidence")
    cases.request_evidence(
        session,
        ctx,
        officer,
        app_id,
        EvidenceRequestIn(
            message="Please upload your degree certificate.",
            due=ctx.today() + dt.timedelta(days=1),
            version=version(),
            documents=["degree_certificate"],
        ),
    )
    rfe = cases.open_request(session, app_id)
    assert rfe is not None
    rfe.due = ctx.today() - dt.timedelta(days=3)  # demo only: a request sent weeks ago
    rfe.due_at = rfe.due_at - dt.timedelta(days=4)
    app = session.get(Application, app_id)
    assert app is not None
    app.evidence_due = rfe.due  # the queue's copy of the deadline
    return app_id


def issued_visa(session: Session, ctx: cases.CaseContext, applicant: User, officer: User) -> str:
    """An application approved as the pre-screen found, and its five-year visa issued."""
    app_id, version = _assigned(session, ctx, applicant, officer, "Issued visa")
    cases.decide(
        session,
        ctx,
        officer,
        app_id,
        DecisionIn(
            decision="approve",
            reasons=["graduate_route"],
            text="Degree verified with the issuer.",
            version=version(),
        ),
    )

    cases.issue(
        session,
        ctx,
        officer,
        app_id,
        IssueIn(
            version=version(),
            valid_from=ctx.today(),
            validity=60,
            validity_unit="months",
            entries="multiple",
            stay_days=180,
        ),
    )
    return app_id


def _refuse_against_prescreen(
    session: Session, ctx: cases.CaseContext, officer: User, app_id: str, version: int
) -> None:
    """The officer refuses a case its pre-screen found eligible: four eyes hold it."""
    cases.decide(
        session,
        ctx,
        officer,
        app_id,
        DecisionIn(
            decision="refuse",
            reasons=["well_known_institution"],
            text="The degree certificate names a different institution.",
            override_code=OverrideCode.evidence_contradicts_profile,
            version=version,
        ),
    )


def pending_approval(
    session: Session, ctx: cases.CaseContext, applicant: User, officer: User
) -> str:
    """A refusal against the pre-screen, waiting for a supervisor (four eyes)."""
    app_id, version = _assigned(session, ctx, applicant, officer, "Pending approval")
    _refuse_against_prescreen(session, ctx, officer, app_id, version())
    return app_id


def refused_in_chinese(
    session: Session, ctx: cases.CaseContext, applicant: User, officer: User, supervisor: User
) -> str:
    """A refusal confirmed by a supervisor (four eyes), its decision letter in Chinese."""
    app_id, version = _assigned(session, ctx, applicant, officer, "王芳（演示）", "zh_Hans")
    _refuse_against_prescreen(session, ctx, officer, app_id, version())
    cases.review(session, supervisor, app_id, ReviewIn(confirm=True, version=version()))
    return app_id


def lottery_season(
    session: Session, ctx: cases.CaseContext, admin_user: User, employer_user: User
) -> None:
    """An open H-1B season FY2028 with four registrations, two of them advanced degrees."""
    admin = H1bContext(session, admin_user, ctx)
    employer = H1bContext(session, employer_user, ctx)
    h1b.create_season(admin, SeasonIn(season="FY2028", regular_target=2, advanced_target=1))
    h1b.open_season(admin, "FY2028")
    for i, (level, adv) in enumerate([(1, False), (2, True), (4, False), (3, True)]):
        h1b.register(
            employer,
            "FY2028",
            RegistrationIn(
                passport_country="IN",
                passport_number=f"Z{1000000 + i}",
                family_name=f"Demo{i}",
                given_name="Worker",
                date_of_birth=dt.date(1998, 1, 1 + i),
                wage_level=level,
                soc_code="15-1252",
                worksite="Austin, TX",
                us_advanced_degree=adv,
            ),
        )
