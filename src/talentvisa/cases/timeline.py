"""A case's timeline as people read it: its audit events, without repeated states.

The audit trail keeps every event (a reassignment records `under_review -> under_review`, a
second reminder repeats the first); shown as they are, the timeline lists the same state over
and over. Here a state is named only when the case entered it, and consecutive events that say
the same thing (same action, actor and state) collapse into one entry with their count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol


class Event(Protocol):
    at: dt.datetime
    action: str
    actor_id: int | None
    data: dict[str, Any]


@dataclass
class Entry:
    at: dt.datetime
    action: str
    actor_id: int | None
    #: The state the case entered with this event; None when it stayed where it was.
    to: str | None
    outcome: str | None
    count: int = 1
    #: When the last of the collapsed events happened.
    last_at: dt.datetime | None = None


def entries(events: Iterable[Event]) -> list[Entry]:
    out: list[Entry] = []
    state: str | None = None
    for e in events:
        # A re-screen's from/to are pre-screen outcomes, not states.
        to = e.data.get("to") if e.action != "rescreen" else None
        entered = to if to and to != state else None
        state = to or state
        outcome = e.data.get("outcome") if e.action == "prescreen" else None
        if e.action == "rescreen":
            outcome = e.data.get("to")
        last = out[-1] if out else None
        if (
            last is not None
            and (last.action, last.actor_id, last.outcome) == (e.action, e.actor_id, outcome)
            and entered is None
        ):
            last.count += 1
            last.last_at = e.at
            continue
        out.append(Entry(e.at, e.action, e.actor_id, entered, outcome))
    return out
