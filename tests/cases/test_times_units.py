"""The parts of issue 15, item 7 that need no server: the progress covers every declared
state, the timeline collapses repeated states, issue terms count months as calendars do, a
program file's terms are checked, and migration 0010 gives old deadlines a moment and a zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from talentvisa.cases import progress, terms, timeline
from talentvisa.cases.workflow import PROGRESS, TERMINAL, State
from talentvisa.db import migrate
from talentvisa.db.engine import make_engine
from talentvisa.rules.loader import builtin_catalog
from talentvisa.rules.model import Benefits
from talentvisa.service_errors import Invalid

T0 = dt.datetime(2026, 3, 20, 1, 0, tzinfo=dt.UTC)


@dataclass
class Event:
    action: str
    data: dict[str, Any] = field(default_factory=dict)
    actor_id: int | None = 1
    at: dt.datetime = T0


def test_every_state_is_one_step_of_the_progress() -> None:
    placed = [s for _, states in PROGRESS for s in states]
    assert sorted(placed) == sorted(State) and len(placed) == len(set(placed))
    assert {State.refused, State.withdrawn, State.issued} == TERMINAL
    for state in State:  # wherever a case is, exactly one step says so
        steps = progress.progress(state, [])
        assert [s.status for s in steps].count(progress.Status.current) == 1
        after = steps[progress.STEP_OF[state] + 1 :]
        ended = state in TERMINAL
        assert all(s.status == ("not_reached" if ended else "ahead") for s in after)


def test_consecutive_identical_states_collapse() -> None:
    events = [
        Event("create"),
        Event("submit", {"from": "draft", "to": "submitted"}),
        Event("prescreen", {"outcome": "unknown"}, None),
        Event("assign", {"from": "submitted", "to": "under_review"}),
        Event("assign", {"from": "under_review", "to": "under_review"}, 2),
        Event("assign", {"from": "under_review", "to": "under_review"}, 2, T0 + dt.timedelta(1)),
        Event("rescreen", {"from": "unknown", "to": "eligible"}, None),
        Event("request_evidence", {"from": "under_review", "to": "awaiting_evidence"}),
    ]
    shown = timeline.entries(events)
    assert [(e.action, e.to, e.count) for e in shown] == [
        ("create", None, 1),
        ("submit", "submitted", 1),
        ("prescreen", None, 1),
        ("assign", "under_review", 1),
        ("assign", None, 2),  # the supervisor's two reassignments, in one entry
        ("rescreen", None, 1),  # its from/to are outcomes, not states
        ("request_evidence", "awaiting_evidence", 1),
    ]
    assert shown[4].last_at == T0 + dt.timedelta(1) and shown[5].outcome == "eligible"


def test_validity_counts_calendar_months() -> None:
    assert terms.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert terms.add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)
    assert terms.add_months(dt.date(2026, 11, 15), 14) == dt.date(2028, 1, 15)
    cn_r = builtin_catalog()["cn-r"].program.benefits
    got = terms.issue_terms(cn_r, dt.date(2026, 2, 28), None, 60, None, None)
    assert got["valid_until"]["value"] == "2031-02-27"
    assert got["entries"] == {"value": "multiple", "origin": "program"}
    assert got["max_stay_days"] == {"value": 180, "origin": "program"}
    # A program silent on every term (the K visa): days work too, and the stay fits inside.
    cn_k = builtin_catalog()["cn-k"].program.benefits
    got = terms.issue_terms(cn_k, dt.date(2026, 4, 1), 2, 30, "days", 30)
    assert got["valid_until"]["value"] == "2026-04-30"
    assert got["validity"] == {"value": 30, "unit": "days", "origin": terms.SILENT}
    with pytest.raises(Invalid, match="stay_days: from 1 to 30"):
        terms.issue_terms(cn_k, dt.date(2026, 4, 1), 2, 30, "days", 31)


def test_terms_in_a_program_file_are_checked() -> None:
    benefits = builtin_catalog()["cn-r"].program.benefits.model_dump(mode="json")
    for key, wrong, said in (
        ("validity", {"entries": [1]}, "is a length"),
        ("max_stay", {"max": 6, "unit": "months"}, "in days"),
        ("entries", {"max": 3, "unit": "days"}, "lists the numbers of entries"),
        ("validity", {"min": 10, "max": 5, "unit": "years"}, "more than"),
        ("validity", {"max": 5}, "needs its `unit`"),
        ("entries", {"entries": ["many"]}, "multiple"),
    ):
        changed = {**benefits, key: {**benefits[key], "terms": wrong}}
        with pytest.raises(ValidationError, match=said):
            Benefits.model_validate(changed)


def test_migration_0010_gives_old_deadlines_a_moment_in_utc(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    migrate.upgrade(engine, "0009_season")
    old = "2026-03-01 00:00:00"
    with engine.begin() as c:
        c.execute(
            sa.text(
                "INSERT INTO users (id, email, display_name, role, password_hash, active, "
                "created_at) VALUES (1, 'a@b.c', 'A', 'officer', 'x', 1, :old)"
            ),
            {"old": old},
        )
        c.execute(
            sa.text(
                "INSERT INTO applications (id, applicant_id, program_id, state, version, "
                "profile, created_at, updated_at) VALUES ('a1', 1, 'cn-k', "
                "'awaiting_evidence', 1, '{}', :old, :old)"
            ),
            {"old": old},
        )
        c.execute(
            sa.text(
                "INSERT INTO evidence_requests (id, application_id, requested_by, message, "
                "due, created_at, status, items) VALUES ('r1', 'a1', 1, 'Send it.', "
                "'2026-03-22', :old, 'open', '[]')"
            ),
            {"old": old},
        )
    migrate.upgrade(engine)
    with engine.connect() as c:
        row = c.execute(sa.text("SELECT due_at, due_zone FROM evidence_requests")).one()
    assert str(row.due_at).startswith("2026-03-22 23:59:00") and row.due_zone == "UTC"
    migrate.downgrade(engine, "0009_season")
    engine.dispose()
