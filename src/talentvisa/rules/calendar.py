"""A calendar of the law: what starts, changes, ends or is in dispute in a window of days.

Built from the program files alone, so the terminal and the portal list the same entries. Every
entry is data (a kind, the item's bilingual label, values, source URLs); renderers word it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from talentvisa.rules.model import LegalStatus, Parameter, Program, Text


class Kind(StrEnum):
    starts = "starts"  # a parameter's first encoded value
    changes = "changes"  # a value is followed by another definite value
    turns_unknown = "turns_unknown"  # a value ends and no successor is published
    contested = "contested"  # a value becomes contested, or is contested in the window
    proposed = "proposed"  # a proposed scenario's value would start (never law)
    program_ends = "program_ends"
    open_question = "open_question"


class Entry(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Kind
    #: The first day of the new state; None for what has no date (open questions, appeals).
    date: dt.date | None
    program: str
    program_name: Text
    item: str
    label: Text
    status: LegalStatus
    value: Any = None
    previous: Any = None
    #: The last day of the ending value (the day before ``date``), where one ends.
    last_day: dt.date | None = None
    pending: Text | None = None
    pending_date: dt.date | None = None
    note: Text | None = None
    sources: list[str]


class Calendar(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: dt.date
    days: int
    until: dt.date  # excluded
    #: Dated entries in the window, in date order.
    events: list[Entry]
    #: Undated or still pending: contested values in force in the window with their pending
    #: event, proposals not yet law, and every open question.
    pending: list[Entry]


def calendar(programs: Iterable[Program], start: dt.date, days: int) -> Calendar:
    until = start + dt.timedelta(days=days)
    events: list[Entry] = []
    pending: list[Entry] = []
    for p in programs:
        events += _program_events(p, start, until)
        pending += _pending(p, start, until)
    events.sort(key=lambda e: (e.date or start, e.program, e.item))
    # disputes and proposals first: they can change an answer; open questions are standing
    order = [Kind.contested, Kind.proposed, Kind.open_question]
    pending.sort(key=lambda e: order.index(e.kind))
    return Calendar(start=start, days=days, until=until, events=events, pending=pending)


def _urls(p: Program, ids: Iterable[str]) -> list[str]:
    return [p.sources[i].url for i in ids if i in p.sources]


def _entry(p: Program, **kw: Any) -> Entry:
    return Entry(program=p.id, program_name=p.name, **kw)


def _program_events(p: Program, start: dt.date, until: dt.date) -> list[Entry]:
    inside = lambda d: d is not None and start <= d < until  # noqa: E731
    out: list[Entry] = []
    for name, param in p.parameters.items():
        out += _parameter_events(p, name, param, inside)
    before = p.in_force.before
    if inside(before):
        assert before is not None
        out.append(
            _entry(
                p,
                kind=Kind.program_ends,
                date=before,
                last_day=before - dt.timedelta(days=1),
                item=p.id,
                label=p.name,
                status=LegalStatus.expired,
                note=p.in_force.note,
                sources=_urls(p, p.in_force.source),
            )
        )
    for sid, sc in p.scenarios.items():
        for pname, values in sc.parameters.items():
            for v in values:
                if inside(v.start):
                    out.append(
                        _entry(
                            p,
                            kind=Kind.proposed,
                            date=v.start,
                            item=f"{sid}:{pname}",
                            label=sc.label,
                            status=LegalStatus.proposed,
                            value=v.value,
                            note=sc.note,
                            sources=_urls(p, v.source),
                        )
                    )
    return out


def _parameter_events(p: Program, name: str, param: Parameter, inside: Any) -> list[Entry]:
    out: list[Entry] = []
    values = param.values
    for i, v in enumerate(values):
        prev = values[i - 1] if i else None
        if inside(v.start):
            if prev is None:
                kind = Kind.starts
            elif v.status == LegalStatus.contested and prev.status != LegalStatus.contested:
                kind = Kind.contested
            elif v.value is None and v.status != LegalStatus.contested:
                kind = Kind.turns_unknown
            else:
                kind = Kind.changes
            out.append(
                _entry(
                    p,
                    kind=kind,
                    date=v.start,
                    last_day=None if prev is None else v.start - dt.timedelta(days=1),
                    item=name,
                    label=param.description,
                    status=v.status,
                    value=v.value,
                    previous=None if prev is None else prev.value,
                    pending=None if v.pending is None else v.pending.event,
                    pending_date=None if v.pending is None else v.pending.date,
                    note=v.note,
                    sources=_urls(p, v.source),
                )
            )
        if i == len(values) - 1 and inside(v.before):
            assert v.before is not None
            out.append(
                _entry(
                    p,
                    kind=Kind.turns_unknown,
                    date=v.before,
                    last_day=v.before - dt.timedelta(days=1),
                    item=name,
                    label=param.description,
                    status=LegalStatus.expired,
                    previous=v.value,
                    note=v.note,
                    sources=_urls(p, v.source),
                )
            )
    return out


def _pending(p: Program, start: dt.date, until: dt.date) -> list[Entry]:
    out: list[Entry] = []
    for name, param in p.parameters.items():
        for v in param.values:
            overlaps = v.start < until and (v.before is None or v.before > start)
            if v.status == LegalStatus.contested and overlaps:
                out.append(
                    _entry(
                        p,
                        kind=Kind.contested,
                        date=v.start,
                        item=name,
                        label=param.description,
                        status=LegalStatus.contested,
                        pending=None if v.pending is None else v.pending.event,
                        pending_date=None if v.pending is None else v.pending.date,
                        note=v.note,
                        sources=_urls(p, [s for o in v.orders for s in o.source]),
                    )
                )
    for sid, sc in p.scenarios.items():
        if any(v.start >= start for vs in sc.parameters.values() for v in vs):
            first = min(v.start for vs in sc.parameters.values() for v in vs)
            out.append(
                _entry(
                    p,
                    kind=Kind.proposed,
                    date=first,
                    item=sid,
                    label=sc.label,
                    status=LegalStatus.proposed,
                    pending=Text(en=f"docket {sc.docket}", zh=f"案卷号 {sc.docket}"),
                    note=sc.note,
                    sources=_urls(p, sc.source),
                )
            )
    for q in p.open_questions:
        out.append(
            _entry(
                p,
                kind=Kind.open_question,
                date=None,
                item=q.id,
                label=q.question,
                status=LegalStatus.in_force,
                sources=_urls(p, q.source),
            )
        )
    return out
