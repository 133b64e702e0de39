"""The officers' work queue: filters, sorts and keyset paging over submitted cases.

Paging is by keyset, not offset: the next page starts after the last case shown, named by an
opaque cursor holding that case's sort value and id. Each sort has an index ending in the id
(migration 0011_queue), so a page deep in 100,000 cases costs what the first page costs
(bench/queue.py). A sort column that may be empty (no evidence due, no name) places its empty
values after the others ascending and before them descending, the order PostgreSQL's indexes
keep; each part is read with its own indexed query.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from talentvisa.cases.models import Application
from talentvisa.cases.workflow import State
from talentvisa.service_errors import Invalid

S = State
#: Work still to do, the queue's default: a case approved but not issued is open work too.
OPEN = frozenset(
    {S.submitted, S.under_review, S.awaiting_evidence, S.evidence_overdue}
    | {S.pending_approval, S.approved}
)
CLOSED = frozenset({S.refused, S.issued, S.withdrawn})
#: The state filter's words beside the states themselves.
STATE_GROUPS: dict[str, frozenset[State] | None] = {"open": OPEN, "closed": CLOSED, "all": None}

#: Sort name: (column, whether it may be empty). `submitted_at` ascending is the most days
#: waiting first.
SORTS: dict[str, tuple[InstrumentedAttribute[Any], bool]] = {
    "submitted_at": (Application.submitted_at, False),
    "reference": (Application.id, False),
    "applicant": (Application.applicant_name, True),
    "state": (Application.state, False),
    "prescreen": (Application.prescreen_outcome, True),
    "program": (Application.program_id, False),
    "evidence_due": (Application.evidence_due, True),
    "updated_at": (Application.updated_at, False),
}
SORT_NAMES = tuple(n for name in SORTS for n in (name, f"-{name}"))


@dataclass(frozen=True)
class Filters:
    state: str = "open"
    program_id: str | None = None
    assigned: str | None = None  # me, unassigned, or an officer's id
    prescreen: str | None = None
    search: str | None = None


@dataclass(frozen=True)
class Page:
    cases: list[Application]
    #: The cursor of the next page; None on the last.
    after: str | None


def _states(state: str) -> frozenset[State] | None:
    if state in STATE_GROUPS:
        return STATE_GROUPS[state]
    if state in S.__members__ and state != S.draft:
        return frozenset({S(state)})
    raise Invalid("state: use open, closed, all or a case state (such as under_review)", "state")


def filtered(f: Filters, officer_id: int) -> Select[Any]:
    """The submitted cases these filters keep, unordered."""
    q: Select[Any] = select(Application).where(Application.submitted_at.is_not(None))
    states = _states(f.state)
    if states is not None:
        q = q.where(Application.state.in_(sorted(s.value for s in states)))
    if f.search:
        # A name is any part of the applicant's: ILIKE, which PostgreSQL's trigram index
        # serves (0011_queue); a reference is the start of the case id.
        named = Application.applicant_name.ilike(f"%{_escaped(f.search)}%", escape="/")
        ref = _reference(f.search)
        q = q.where(named if ref is None else or_(named, ref))
    if f.program_id:
        q = q.where(Application.program_id == f.program_id)
    if f.prescreen:
        q = q.where(Application.prescreen_outcome == f.prescreen)
    if f.assigned == "me":
        q = q.where(Application.assigned_officer_id == officer_id)
    elif f.assigned == "unassigned":
        q = q.where(Application.assigned_officer_id.is_(None))
    elif f.assigned:
        if not f.assigned.isdigit():
            raise Invalid("assigned: use me, unassigned or an officer id", "assigned")
        q = q.where(Application.assigned_officer_id == int(f.assigned))
    return q


def _reference(text: str) -> ColumnElement[bool] | None:
    """The ids that start with `text`, as a range of the primary key (a LIKE on it uses no
    index outside the C collation); None if `text` cannot start an id."""
    start = text.lower()
    if not all(c in "0123456789abcdef" for c in start):
        return None
    return and_(Application.id >= start, Application.id < start[:-1] + chr(ord(start[-1]) + 1))


def _escaped(text: str) -> str:
    """`text` searched for as itself: its wildcards are escaped."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def page(
    session: Session,
    q: Select[Any],
    sort: str,
    limit: int,
    *,
    after: str | None = None,
    offset: int = 0,
) -> Page:
    """One page of `q` in `sort` order, after the cursor `after` (or, for old clients, after
    skipping `offset` cases, which grows slower the deeper it goes)."""
    name = sort.removeprefix("-")
    if name not in SORTS:
        raise Invalid(f"sort: use one of {', '.join(SORT_NAMES)}", "sort")
    column, nullable = SORTS[name]
    descending = sort.startswith("-")
    start = None if after is None else _decode(after, sort, column)
    # The parts in order: the filled values, then the empty ones (reversed when descending).
    parts = [False, True] if nullable else [False]
    if descending:
        parts.reverse()
    if start is not None and nullable:
        parts = parts[parts.index(start[0] is None) :]
    found: list[Application] = []
    skip = offset
    for empty in parts:
        want = limit + 1 - len(found)
        part = q.where(column.is_(None) if empty else column.is_not(None))
        if start is not None and (start[0] is None) == empty:
            part = part.where(_beyond(column, empty, descending, *start))
        ids = Application.id.desc() if descending else Application.id.asc()
        order = [ids] if empty else [column.desc() if descending else column.asc(), ids]
        rows = list(session.scalars(part.order_by(*order).limit(want).offset(skip)))
        if skip:
            # How many of the skipped rows this part held: all of them if any row came back.
            skip = 0 if rows else max(0, skip - _count(session, part))
        found += rows
        if len(found) > limit:
            break
    more = len(found) > limit
    cases = found[:limit]
    return Page(cases, cursor_of(sort, cases[-1]) if more else None)


def _count(session: Session, q: Select[Any]) -> int:
    return session.scalar(select(func.count()).select_from(q.order_by(None).subquery())) or 0


def _beyond(
    column: InstrumentedAttribute[Any], empty: bool, descending: bool, value: Any, app_id: str
) -> ColumnElement[bool]:
    if empty:
        return Application.id < app_id if descending else Application.id > app_id
    mark = tuple_(column, Application.id)
    there = tuple_(literal(value, column.type), literal(app_id))
    return mark < there if descending else mark > there


def cursor_of(sort: str, app: Application) -> str:
    """The cursor of the page that follows `app` in `sort` order."""
    value = getattr(app, SORTS[sort.removeprefix("-")][0].key)
    if isinstance(value, dt.date):  # datetimes too
        value = value.isoformat()
    raw = json.dumps([sort, value, app.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str, sort: str, column: InstrumentedAttribute[Any]) -> tuple[Any, str]:
    """The sort value and id a cursor names; refused if it was not made for this sort."""
    bad = Invalid("after: not a cursor of this queue and sort; start from the first page", "after")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        made_for, value, app_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise bad from None
    if made_for != sort or not isinstance(app_id, str) or len(app_id) > 32:
        raise bad
    if value is None:
        return None, app_id
    try:
        if column is Application.evidence_due:
            return dt.date.fromisoformat(value), app_id
        if column in (Application.submitted_at, Application.updated_at):
            when = dt.datetime.fromisoformat(value)
            if when.tzinfo is None:
                raise bad
            return when, app_id
    except (TypeError, ValueError):
        raise bad from None
    if not isinstance(value, str):
        raise bad
    return value, app_id
