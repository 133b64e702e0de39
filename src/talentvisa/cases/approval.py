"""Four eyes: a decision that overrides the pre-screen, or any refusal, takes effect only
once a second person, a supervisor other than the one who decided, confirms it.

Separation of duties is the agency's choice, not the law's: two per-program settings of the
agency's versioned settings (cases/settings.py: `four_eyes_overrides`, `four_eyes_refusals`),
on for the K visa by default. The workflow declares the states (workflow.py:
`propose`, `confirm_approve`, `confirm_refuse`, `send_back`); both people are on the audit
trail, the proposer on the proposal and the supervisor on its confirmation.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from talentvisa.cases.models import DecisionProposal
from talentvisa.cases.settings import Casework


def why(rules: Casework, decision: str, overrides: bool) -> str | None:
    """Why a decision needs a second person under the program's casework settings
    ('override', 'refusal'), or None if it does not."""
    if overrides and rules.four_eyes_overrides:
        return "override"
    if decision == "refuse" and rules.four_eyes_refusals:
        return "refusal"
    return None


def pending(session: Session, app_id: str) -> DecisionProposal | None:
    """The proposal waiting on this case, if any."""
    return session.scalar(
        select(DecisionProposal)
        .where(DecisionProposal.application_id == app_id, DecisionProposal.outcome.is_(None))
        .order_by(DecisionProposal.proposed_at.desc())
    )


def pending_of(session: Session, app_ids: list[str]) -> dict[str, DecisionProposal]:
    """The proposal waiting on each of these cases, by case (the latest, as `pending`)."""
    if not app_ids:
        return {}
    rows = session.scalars(
        select(DecisionProposal)
        .where(DecisionProposal.application_id.in_(app_ids), DecisionProposal.outcome.is_(None))
        .order_by(DecisionProposal.proposed_at)
    )
    return {p.application_id: p for p in rows}


def waiting(session: Session) -> list[DecisionProposal]:
    """Every proposal waiting for a supervisor, oldest first."""
    return list(
        session.scalars(
            select(DecisionProposal)
            .where(DecisionProposal.outcome.is_(None))
            .order_by(DecisionProposal.proposed_at, DecisionProposal.id)
        )
    )
