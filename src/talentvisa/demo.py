"""Demo data for `make run`: one account per role and cases in several states."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from talentvisa.auth import service as auth
from talentvisa.auth.models import Role, User
from talentvisa.cases import service as cases
from talentvisa.cases.schemas import (
    ApplicationCreate,
    AssignIn,
    DecisionIn,
    EvidenceRequestIn,
    IssueIn,
    OverrideCode,
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


def load(session: Session, ctx: cases.CaseContext) -> bool:
    """Create the demo data once; returns False when it is there already."""
    if session.scalar(select(User).where(User.email == ACCOUNTS[Role.admin])) is not None:
        return False
    users = {
        r: auth.create_user(session, e, PASSWORD, r, f"Demo {r.value}") for r, e in ACCOUNTS.items()
    }
    applicant, officer = users[Role.applicant], users[Role.officer]

    def new(name: str) -> str:
        profile = Profile.model_validate({**GRADUATE, "name": name})
        return cases.create(session, applicant, ApplicationCreate(profile=profile)).id

    def version(app_id: str) -> int:
        session.flush()
        return cases.visible(session, applicant, app_id).version

    new("Draft application")
    submitted = new("Submitted application")
    cases.submit(session, ctx, applicant, submitted, version(submitted))
    rfe = new("Awaiting evidence")
    cases.submit(session, ctx, applicant, rfe, version(rfe))
    cases.assign(session, officer, rfe, AssignIn(version=version(rfe)))
    cases.request_evidence(
        session,
        ctx,
        officer,
        rfe,
        EvidenceRequestIn(
            message="Please upload your master's degree certificate.",
            due=ctx.today() + dt.timedelta(days=30),
            version=version(rfe),
        ),
    )
    done = new("Issued visa")
    cases.submit(session, ctx, applicant, done, version(done))
    cases.assign(session, officer, done, AssignIn(version=version(done)))
    cases.decide(
        session,
        ctx,
        officer,
        done,
        DecisionIn(
            decision="approve",
            reasons=["graduate_route"],
            text="Degree verified with the issuer.",
            override_code=OverrideCode.deployer_policy,
            version=version(done),
        ),
    )
    cases.issue(
        session,
        ctx,
        officer,
        done,
        IssueIn(
            version=version(done),
            valid_from=ctx.today(),
            valid_until=ctx.today() + dt.timedelta(days=365 * 5),
            entries="multiple",
            max_stay_days=180,
        ),
    )

    admin = H1bContext(session, users[Role.admin], ctx)
    employer = H1bContext(session, users[Role.employer], ctx)
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
    return True
