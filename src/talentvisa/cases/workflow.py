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
    evidence_overdue = "evidence_overdue"  # the deadline passed unanswered (cases/scheduler.py)
    pending_approval = "pending_approval"  # a decision waits for a second person (approval.py)
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
#: The states in which a request for evidence is open.
ASKED = {S.awaiting_evidence, S.evidence_overdue}
DEADLINE_PASSED = "deadline_passed"
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t("submit", {S.draft}, S.submitted, {R.applicant}, Guard.owner),
        _t("assign", {S.submitted, S.under_review}, S.under_review, STAFF, Guard.staff),
        _t("request_evidence", {S.under_review}, S.awaiting_evidence, STAFF, Guard.assigned),
        _t("respond", ASKED, S.under_review, {R.applicant}, Guard.owner),
        # Nobody takes this one: the scheduler does, once the evidence deadline has passed.
        _t(DEADLINE_PASSED, {S.awaiting_evidence}, S.evidence_overdue, set(), Guard.staff),
        _t("extend_evidence", ASKED, S.awaiting_evidence, STAFF, Guard.assigned),
        _t("cancel_evidence", ASKED, S.under_review, STAFF, Guard.assigned),
        _t("approve", {S.under_review}, S.approved, STAFF, Guard.assigned),
        _t("refuse", {S.under_review}, S.refused, STAFF, Guard.assigned),
        _t("refuse_no_answer", {S.evidence_overdue}, S.refused, STAFF, Guard.assigned),
        # Four eyes (approval.py): the decision is proposed, and a supervisor other than the
        # proposer confirms it or sends it back.
        _t(
            "propose",
            {S.under_review, S.evidence_overdue},
            S.pending_approval,
            STAFF,
            Guard.assigned,
        ),
        _t("confirm_approve", {S.pending_approval}, S.approved, {R.supervisor}, Guard.staff),
        _t("confirm_refuse", {S.pending_approval}, S.refused, {R.supervisor}, Guard.staff),
        _t("send_back", {S.pending_approval}, S.under_review, {R.supervisor}, Guard.staff),
        _t("issue", {S.approved}, S.issued, STAFF, Guard.assigned),
        _t(
            "withdraw",
            {S.draft, S.submitted, S.under_review, *ASKED, S.pending_approval},
            S.withdrawn,
            {R.applicant},
            Guard.owner,
        ),
    )
}
EDITABLE = frozenset({S.draft})
#: The states no transition enters: where every case begins.
INITIAL = frozenset(s for s in State if not any(t.target == s for t in TRANSITIONS.values()))
#: The states no transition leaves: where a case ends.
TERMINAL = frozenset(s for s in State if not any(s in t.sources for t in TRANSITIONS.values()))
#: The applicant's progress: its steps in order, each with the states it covers. A step's first
#: state is its usual one and the others are branches a case may take there (a refusal, a
#: withdrawal); a step with no state is passed on the way, not stayed in. Every state is in
#: exactly one step, so a state added above must be placed here (cases/progress.py checks).
PRESCREEN_STEP = "prescreen"  # runs with `submit` (service._submit); the case never waits in it
PROGRESS: tuple[tuple[str, tuple[State, ...]], ...] = (
    ("draft", (S.draft,)),
    ("submitted", (S.submitted,)),
    (PRESCREEN_STEP, ()),
    ("under_review", (S.under_review,)),
    ("awaiting_evidence", (S.awaiting_evidence, S.evidence_overdue)),
    ("pending_approval", (S.pending_approval,)),
    ("decision", (S.approved, S.refused, S.withdrawn)),
    ("issued", (S.issued,)),
)
UPLOADABLE = frozenset({S.draft, *ASKED})


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
