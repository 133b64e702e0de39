"""Four eyes: a decision that overrides the pre-screen, or any refusal, takes effect only
once a second person, a supervisor other than the one who decided, confirms it.

Separation of duties is the agency's choice, not the law's: it is a per-program setting,
on for the K visa by default (`FOUR_EYES`), read through `required` so that the agency's
versioned settings can take it over. The workflow declares the states (workflow.py:
`propose`, `confirm_approve`, `confirm_refuse`, `send_back`); both people are on the audit
trail, the proposer on the proposal and the supervisor on its confirmation.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from talentvisa.cases.models import DecisionProposal

#: Programs whose decisions need a second person unless the agency says otherwise.
FOUR_EYES: frozenset[str] = frozenset({"cn-k"})


def required(program_id: str) -> bool:
    """Whether this program's decisions go through four eyes (the agency's setting)."""
    return program_id in FOUR_EYES


def why(program_id: str, decision: str, overrides: bool) -> str | None:
    """Why a decision needs a second person ('override', 'refusal'), or None if it does not."""
    if not required(program_id):
        return None
    if overrides:
        return "override"
    return "refusal" if decision == "refuse" else None


def pending(session: Session, app_id: str) -> DecisionProposal | None:
    """The proposal waiting on this case, if any."""
    return session.scalar(
        select(DecisionProposal)
        .where(DecisionProposal.application_id == app_id, DecisionProposal.outcome.is_(None))
        .order_by(DecisionProposal.proposed_at.desc())
    )


def waiting(session: Session) -> list[DecisionProposal]:
    """Every proposal waiting for a supervisor, oldest first."""
    return list(
        session.scalars(
            select(DecisionProposal)
            .where(DecisionProposal.outcome.is_(None))
            .order_by(DecisionProposal.proposed_at, DecisionProposal.id)
        )
    )
