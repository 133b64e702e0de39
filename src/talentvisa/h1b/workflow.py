"""Cap seasons and registrations as data: their states, and which step may follow which.

A step is taken only from its listed states; from any other it is refused with a 409 that
names the state found, before anything is written. The one-registration-per-beneficiary rule
is the database's (h1b/models.py: a partial unique index over the originals), not a state.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from talentvisa.service_errors import Conflict


class SeasonState(StrEnum):
    draft = "draft"
    open = "open"  # the registration window
    closed = "closed"
    drawn = "drawn"


class RegistrationStatus(StrEnum):
    submitted = "submitted"
    selected = "selected"
    not_selected = "not_selected"
    invalid_duplicate = "invalid_duplicate"  # a copy the draw does not count
    petition_filed = "petition_filed"
    # Set only by migration 0004_h1b on copies that the old check-then-insert let through;
    # such rows stay for the record and take no part in the draw.
    withdrawn_duplicate = "withdrawn_duplicate"


S = TypeVar("S", SeasonState, RegistrationStatus)


@dataclass(frozen=True)
class Step(Generic[S]):
    action: str
    sources: frozenset[S]
    target: S  # a source itself for a step taken within a state (a registration, a round)
    refusal: str  # formatted with the season's or registration's `name` and its `state`


class IllegalStep(Conflict):
    """A step asked of a season or registration in a state it may not be taken from."""


def check(step: Step[S], name: str, state: str) -> Step[S]:
    """The step, if it may be taken from `state`; otherwise the domain's 409."""
    if state not in step.sources:
        raise IllegalStep(step.refusal.format(name=name, state=state))
    return step


def _of_season(
    action: str, sources: set[SeasonState], target: SeasonState, refusal: str
) -> Step[SeasonState]:
    return Step(action, frozenset(sources), target, refusal)


SS, RS = SeasonState, RegistrationStatus
OPEN = _of_season(
    "open", {SS.draft}, SS.open, "season {name} is {state}; it must be draft to become open"
)
CLOSE = _of_season(
    "close", {SS.open}, SS.closed, "season {name} is {state}; it must be open to become closed"
)
REGISTER = _of_season(
    "register", {SS.open}, SS.open, "the registration window for {name} is {state}, not open"
)
BEACON = _of_season(
    "beacon", {SS.closed}, SS.closed, "season {name} is {state}; the beacon follows the close"
)
DRAW = _of_season("draw", {SS.closed}, SS.drawn, "season {name} is {state}; close the window first")
FURTHER_ROUND = _of_season(
    "further_round",
    {SS.drawn},
    SS.drawn,
    "season {name} is {state}; a further round follows the draw",
)
SEASON_STEPS: dict[str, Step[SeasonState]] = {
    s.action: s for s in (OPEN, CLOSE, REGISTER, BEACON, DRAW, FURTHER_ROUND)
}

FILE_PETITION: Step[RegistrationStatus] = Step(
    "file_petition",
    frozenset({RS.selected}),
    RS.petition_filed,
    "only a selected registration may file a petition (this one is {state})",
)
#: Statuses a selection run leaves as they are: selection never takes a filed petition back.
KEPT_BY_SELECTION = frozenset({RS.petition_filed})
#: Statuses of a registration that was selected, whatever followed.
WAS_SELECTED = frozenset({RS.selected, RS.petition_filed})


def after_selection(status: str, outcome: RegistrationStatus) -> str:
    """A registration's status once a selection run found `outcome` for it."""
    return status if status in KEPT_BY_SELECTION else outcome.value
