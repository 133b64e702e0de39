"""Where a case is on its way, step by step, as the applicant's status page shows it.

Built from the workflow's declared steps (workflow.PROGRESS) and the states the case has been
in (its audit trail), so a state added to the workflow appears here without a second list.
A step the case went past without entering it (no evidence was asked for) is `skipped`; the
steps after a terminal state (refused, withdrawn) are `not_reached`, not `ahead`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from talentvisa.cases.workflow import INITIAL, PRESCREEN_STEP, PROGRESS, TERMINAL, State


class Status(StrEnum):
    done = "done"
    current = "current"
    skipped = "skipped"
    ahead = "ahead"
    not_reached = "not_reached"


@dataclass(frozen=True)
class Step:
    id: str
    #: The state the case took in this step, or, for a step not taken, the states it may take.
    states: tuple[State, ...]
    status: Status


def _placed() -> dict[State, int]:
    where: dict[State, int] = {}
    for index, (_, states) in enumerate(PROGRESS):
        for s in states:
            if s in where:
                raise AssertionError(f"workflow.PROGRESS places {s} twice")
            where[s] = index
    missing = set(State) - set(where)
    if missing:
        raise AssertionError(f"workflow.PROGRESS leaves out {', '.join(sorted(missing))}")
    return where


STEP_OF = _placed()
_PRESCREEN = next(i for i, (name, _) in enumerate(PROGRESS) if name == PRESCREEN_STEP)


def progress(state: str, visited: Iterable[str]) -> list[Step]:
    """The steps of a case now in `state` that has been in the `visited` states."""
    now = State(state)
    seen = {State(s) for s in visited if s in State.__members__} | {now} | INITIAL
    here = STEP_OF[now]
    out = []
    for index, (name, states) in enumerate(PROGRESS):
        taken = tuple(s for s in states if s in seen and (index != here or s == now))
        if index == here:
            status = Status.current
        elif index < here:
            # The pre-screen has no state: it was passed if the case was ever submitted.
            passed = State.submitted in seen if index == _PRESCREEN else bool(taken)
            status = Status.done if passed else Status.skipped
        else:
            status = Status.not_reached if now in TERMINAL else Status.ahead
        out.append(Step(name, taken if index <= here and taken else states, status))
    return out
