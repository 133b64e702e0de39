"""Benchmark the officers' work queue on PostgreSQL over 100,000 generated cases.

(Named work_queue, not queue: a script named queue.py would hide the standard library's.)

It times one page of 50 (the service call the API and the portal make, cases/queue.py) for:
the first page of open work, a keyset page ninety percent of the way down, a search by name
and one by reference, two filtered pages (awaiting evidence by due date; eligible and
unassigned), and the first page with each case as the API returns it. Each figure
is also a ratio against a primary-key lookup of one case measured in the same run, because
the machine is shared. For contrast it prints the same deep page reached by OFFSET, which the
keyset replaces.

Targets: every page under 50 ms (the median of --repeat runs), and the deep keyset page under
3x the first page, so paging stays flat however deep it goes. Exits non-zero when one is missed.

    python bench/work_queue.py [--n 100000] [--repeat 15] [--url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from talentvisa.auth.models import Role, User
from talentvisa.cases import queue, service
from talentvisa.cases.models import Application
from talentvisa.cases.workflow import State
from talentvisa.db import migrate
from talentvisa.db.engine import make_engine

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PAGE_MS, DEEP_RATIO = 50.0, 3.0
START = dt.datetime(2026, 3, 20, 9, tzinfo=dt.UTC)
GIVEN = ["Mei", "Ravi", "Ana", "Kwame", "Olga", "Jun", "Sara", "Tomas", "Aiko", "Lena"]
FAMILY = ["Chen", "Patel", "Silva", "Mensah", "Ivanova", "Kim", "Haddad", "Novak", "Sato"]
PROGRAMS = ["cn-k", "cn-r", "de-blue-card", "uk-hpi", "nz-smc"]
#: States drawn with these weights: mostly open work, as in an agency's queue.
STATES = {
    State.submitted: 30,
    State.under_review: 25,
    State.awaiting_evidence: 12,
    State.evidence_overdue: 3,
    State.pending_approval: 3,
    State.approved: 4,
    State.refused: 8,
    State.issued: 12,
    State.withdrawn: 3,
}
OUTCOMES = ["eligible", "ineligible", "unknown"]


def generate(factory: sessionmaker[Session], n: int, seed: int = 1) -> list[int]:
    """Insert `n` submitted cases of one applicant, spread over states, programs, names,
    dates and officers with many ties (so that the id must break them), some without a name;
    returns the ids of the officers created."""
    rnd = random.Random(seed)
    tag = secrets.token_hex(4)
    with factory.begin() as s:
        people = [
            User(
                email=f"{role.value}-{i}-{tag}@bench.example",
                display_name=f"Bench {role.value} {i}",
                password_hash="!",
                role=role.value,
            )
            for i, role in enumerate([Role.applicant, Role.officer, Role.officer, Role.supervisor])
        ]
        s.add_all(people)
        s.flush()
        applicant, officers = people[0].id, [u.id for u in people[1:3]]
    states, weights = list(STATES), list(STATES.values())
    rows: list[dict[str, Any]] = []
    for _ in range(n):
        state = rnd.choices(states, weights)[0]
        name = None if rnd.random() < 0.02 else f"{rnd.choice(GIVEN)} {rnd.choice(FAMILY)}"
        submitted = START - dt.timedelta(hours=rnd.randrange(24 * 400))
        asked = state in (State.awaiting_evidence, State.evidence_overdue)
        rows.append(
            {
                "id": secrets.token_hex(16),
                "applicant_id": applicant,
                "program_id": rnd.choice(PROGRAMS),
                "state": state.value,
                "version": 1,
                "profile": {"name": name, "nationalities": [rnd.choice(["IN", "NG", "BR"])]},
                "created_at": submitted,
                "updated_at": submitted + dt.timedelta(hours=rnd.randrange(48)),
                "submitted_at": submitted,
                "assigned_officer_id": None if state == State.submitted else rnd.choice(officers),
                "prescreen_outcome": rnd.choice(OUTCOMES),
                "applicant_name": name,
                "evidence_due": START.date() + dt.timedelta(days=rnd.randrange(-20, 60))
                if asked
                else None,
                "evidence_received_at": submitted + dt.timedelta(days=3)
                if rnd.random() < 0.2
                else None,
            }
        )
        if len(rows) == 5000:
            _insert(factory, rows)
            rows = []
    if rows:
        _insert(factory, rows)
    return officers


def _insert(factory: sessionmaker[Session], rows: list[dict[str, Any]]) -> None:
    with factory.begin() as s:
        s.execute(sa.insert(Application), rows)


def median_ms(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm-up: plans and caches
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


@contextmanager
def pg_schema(url: str) -> Iterator[sa.Engine]:
    """A fresh schema, migrated, dropped afterwards."""
    schema = f"bench_{secrets.token_hex(5)}"
    admin = sa.create_engine(url)
    with admin.begin() as c:
        c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine = make_engine(f"{url}?options=-csearch_path%3D{schema}")
    try:
        migrate.upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as c:
            c.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--url", default=PG)
    args = parser.parse_args(argv)
    with pg_schema(args.url) as engine:
        factory = sessionmaker(engine, expire_on_commit=False)
        t = time.perf_counter()
        generate(factory, args.n)
        with engine.begin() as c:
            c.exec_driver_sql("ANALYZE applications")
        print(f"{args.n:,} cases generated in {time.perf_counter() - t:.1f} s")
        return _measure(factory, args.n, args.repeat)


def _measure(factory: sessionmaker[Session], n: int, repeat: int) -> int:
    with factory() as s:
        officer = s.scalars(sa.select(User).where(User.role == "officer")).first()
        assert officer is not None
        some_id = s.scalars(sa.select(Application.id).limit(1).offset(n // 2)).one()
        open_q = queue.filtered(queue.Filters(), officer.id)
        depth = int(s.scalar(sa.select(sa.func.count()).select_from(open_q.subquery())) or 0)
        deep_row = s.scalars(
            open_q.order_by(Application.submitted_at, Application.id).offset(depth * 9 // 10)
        ).first()
        assert deep_row is not None
        deep = queue.cursor_of("submitted_at", deep_row)

    def run(fn: Callable[[Session], Any]) -> Callable[[], Any]:
        def once() -> Any:
            with factory() as s:
                return fn(s)

        return once

    def page(f: queue.Filters, sort: str = "submitted_at", **kw: Any) -> Callable[[], Any]:
        return run(lambda s: service.queue(s, officer, f, sort=sort, limit=50, **kw))

    baseline = median_ms(
        run(lambda s: s.scalars(sa.select(Application).where(Application.id == some_id)).one()),
        repeat,
    )
    cases = {
        "first page (open work)": page(queue.Filters()),
        f"deep keyset page (case {depth * 9 // 10:,} of {depth:,})": page(
            queue.Filters(), after=deep
        ),
        "search by name": page(queue.Filters(search="kwame mensah")),
        "search by reference": page(queue.Filters(search=some_id[:6])),
        "awaiting evidence, by due date": page(
            queue.Filters(state="awaiting_evidence"), sort="evidence_due"
        ),
        "eligible, unassigned, newest first": page(
            queue.Filters(prescreen="eligible", assigned="unassigned"), sort="-submitted_at"
        ),
        "first page as the API returns it": run(
            lambda s: service.to_outs(
                s, service.queue(s, officer, queue.Filters(), limit=50).cases, officer
            )
        ),
    }
    print(f"primary-key lookup (baseline): {baseline:.2f} ms")
    failed = False
    timed = {}
    for name, fn in cases.items():
        ms = timed[name] = median_ms(fn, repeat)
        ok = ms < PAGE_MS
        failed |= not ok
        print(
            f"{name}: {ms:.1f} ms = {ms / baseline:.1f}x a key lookup; "
            f"target < {PAGE_MS:.0f} ms: {'PASS' if ok else 'FAIL'}"
        )
    first, deep_ms = list(timed.values())[:2]
    ok = deep_ms < DEEP_RATIO * first
    failed |= not ok
    print(
        f"deep keyset page / first page: {deep_ms / first:.2f}x; "
        f"target < {DEEP_RATIO:.0f}x: {'PASS' if ok else 'FAIL'}"
    )
    offset_ms = median_ms(page(queue.Filters(), offset=depth * 9 // 10), max(3, repeat // 5))
    print(f"(for contrast, the same page by OFFSET: {offset_ms:.1f} ms = {offset_ms / first:.1f}x)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
