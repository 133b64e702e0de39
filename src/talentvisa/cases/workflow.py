"""The application workflow as data: states, transitions, who may take them.

An action is legal only from its listed states and only for its listed roles; everything
else is refused before anything is written. Ownership and assignment guards are checked by
the service, which knows the case.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from enum import StrEnum

from talentvisa.auth.models import STAFF, Role


class State(StrEnum):
    draft = "draft"
    submitted = "submitted"
    under_review = "under_review"
    awaiting_evidence = "awaiting_evidence"
    approved = "approved"
    refused = "refused"
    issued = "issued"
    withdrawn = "withdrawn"


class Guard(StrEnum):
    owner = "owner"  # the applicant whose case it is
    assigned = "assigned"  # the officer the case is assigned to (supervisors may act too)
    staff = "staff"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[State]
    target: State
    roles: frozenset[Role]
    guard: Guard


def _t(
    action: str, sources: set[State], target: State, roles: Set[Role], guard: Guard
) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), guard)


S, R = State, Role
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t("submit", {S.draft}, S.submitted, {R.applicant}, Guard.owner),
        _t("assign", {S.submitted, S.under_review}, S.under_review, STAFF, Guard.staff),
        _t("request_evidence", {S.under_review}, S.awaiting_evidence, STAFF, Guard.assigned),
        _t("respond", {S.awaiting_evidence}, S.under_review, {R.applicant}, Guard.owner),
        _t("approve", {S.under_review}, S.approved, STAFF, Guard.assigned),
        _t("refuse", {S.under_review}, S.refused, STAFF, Guard.assigned),
        _t("issue", {S.approved}, S.issued, STAFF, Guard.assigned),
        _t(
            "withdraw",
            {S.draft, S.submitted, S.under_review, S.awaiting_evidence},
            S.withdrawn,
            {R.applicant},
            Guard.owner,
        ),
    )
}
EDITABLE = frozenset({S.draft})
UPLOADABLE = frozenset({S.draft, S.awaiting_evidence})


class IllegalTransition(Exception):
    def __init__(self, action: str, state: str) -> None:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[action].sources))
        super().__init__(
            f"cannot {action.replace('_', ' ')} a case that is {state} (allowed from: {allowed})"
        )


class NotPermitted(Exception):
    pass


def check(action: str, state: str, role: str) -> Transition:
    t = TRANSITIONS[action]
    if Role(role) not in t.roles:
        raise NotPermitted(f"a {role} may not {action.replace('_', ' ')}")
    if State(state) not in t.sources:
        raise IllegalTransition(action, state)
    return t
