"""A national H-1B season through the service on PostgreSQL, against the library draw.

Steps (issue 16, item 4), each timed in this run: employers upload CSVs (bulk registration),
the close publishes the bulletin and stores every proof, the beacon value is entered, the
draw runs both rounds, and every employer's first results page is served (plus every page of
the largest employer). The baseline is the in-memory library draw (lottery/run.py) of the same
registrations, read back from the database, in the same process.

Targets: service draw within 5x the library draw; bulletin and proofs (the close) within 10x;
every employer page under 200 ms.

    python bench/h1b.py [--n 500000] [--beneficiaries N] [--per-employer 250]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.lottery.test_bulletin import QUICKNET_1000  # noqa: E402  (a recorded drand round)

from talentvisa.api.app import create_app  # noqa: E402
from talentvisa.auth.models import Role, User  # noqa: E402
from talentvisa.auth.service import HASHER  # noqa: E402
from talentvisa.db import migrate  # noqa: E402
from talentvisa.db.engine import make_engine  # noqa: E402
from talentvisa.h1b import service  # noqa: E402
from talentvisa.h1b.context import H1bContext  # noqa: E402
from talentvisa.h1b.schemas import BeaconIn, DrandIn, SeasonIn  # noqa: E402
from talentvisa.lottery import run as lottery  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CLOSE = dt.datetime(2023, 8, 23, 15, 50, tzinfo=dt.UTC)
AFTER_ROUND = dt.datetime(2023, 8, 23, 16, 30, tzinfo=dt.UTC)
HEADER = (
    "passport_country,passport_number,family_name,given_name,date_of_birth,wage_level,"
    "soc_code,worksite,us_advanced_degree\n"
)
LEVEL_SHARES = [0.30, 0.38, 0.19, 0.13]  # as bench/lottery.py: assumed, not a published split


def files(n: int, n_ben: int, n_emp: int) -> list[list[str]]:
    """Each employer's CSV lines: every beneficiary once, the rest again by another employer."""
    rng = np.random.default_rng(2027)
    level = rng.choice(4, size=n_ben, p=LEVEL_SHARES) + 1
    adv = rng.random(n_ben) < 0.45
    out: list[list[str]] = [[] for _ in range(n_emp)]
    again = rng.choice(n_ben, size=n - n_ben, replace=False)
    for b, e in [(b, b % n_emp) for b in range(n_ben)] + [
        (int(b), (int(b) + 1) % n_emp) for b in again
    ]:
        out[e].append(
            f"IN,P{b:09d},F{b},G,1990-01-01,{level[b]},15-1252,Austin TX,"
            f"{'true' if adv[b] else 'false'}\n"
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=500_000)
    ap.add_argument("--beneficiaries", type=int, default=0)
    ap.add_argument("--per-employer", type=int, default=250)
    ap.add_argument("--profile", action="store_true")
    a = ap.parse_args()
    n_ben = a.beneficiaries or int(a.n * 0.9)
    n_emp = max(2, a.n // a.per_employer)
    schema = f"bench_{secrets.token_hex(4)}"
    with sa.create_engine(PG).begin() as c:
        c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine = make_engine(f"{PG}?options=-csearch_path%3D{schema}")
    results: list[tuple[str, float, str]] = []
    try:
        migrate.upgrade(engine)
        app = create_app(engine, Path(tempfile.mkdtemp()), today=lambda: dt.date(2026, 3, 20))
        rt = app.state.runtime
        moment = [CLOSE]
        rt.clock = lambda: moment[0]
        hashed = HASHER.hash(secrets.token_hex(16))
        with rt.writing() as s:
            admin = User(email="admin@x.org", display_name="a", role="admin", password_hash=hashed)
            emps = [
                User(email=f"e{i}@x.org", display_name="e", role=Role.employer.value,
                     password_hash=hashed)
                for i in range(n_emp)
            ]  # fmt: skip
            s.add_all([admin, *emps])
            s.flush()
            admin_id, emp_ids = admin.id, [e.id for e in emps]

        def ctx(session: sa.orm.Session, uid: int) -> H1bContext:
            return H1bContext(session, session.get(User, uid), rt.cases, rt.clock)

        with rt.writing() as s:
            beacon = BeaconIn(chain="quicknet", round=1000, planned_close=CLOSE)
            service.create_season(ctx(s, admin_id), SeasonIn(
                season="FY2027", regular_target=85_000, advanced_target=20_000, beacon=beacon,
            ))  # fmt: skip
            service.open_season(ctx(s, admin_id), "FY2027")
        data = files(a.n, n_ben, n_emp)
        t = time.perf_counter()
        for uid, lines in zip(emp_ids, data, strict=True):
            with rt.writing() as s:
                service.register_many(ctx(s, uid), "FY2027", (HEADER + "".join(lines)).encode())
        load = time.perf_counter() - t

        with rt.reading() as s:
            frame = service.season_frame(s, service.season_named(s, "FY2027"))
        rounds = [lottery.RoundSpec("regular", 85_000), lottery.RoundSpec("advanced", 20_000)]
        lib = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            lottery.draw(frame, 2027, secrets.token_bytes(32), rounds).selected_csv()
            lib = min(lib, time.perf_counter() - t)

        t = time.perf_counter()
        with rt.writing() as s:
            service.close_season(ctx(s, admin_id), "FY2027")
        close = time.perf_counter() - t
        with rt.writing() as s:
            service.store_beacon(ctx(s, admin_id), "FY2027", DrandIn(**QUICKNET_1000))
        moment[0] = AFTER_ROUND
        t = time.perf_counter()
        with rt.writing() as s:
            if "--profile" in sys.argv:
                import cProfile

                cProfile.runctx("service.draw(ctx(s, admin_id), 'FY2027')", globals(), locals(),
                                "/tmp/season-draw.prof")  # fmt: skip
            else:
                service.draw(ctx(s, admin_id), "FY2027")
        draw = time.perf_counter() - t

        worst, proof_worst = 0.0, 0.0
        page_times: list[float] = []
        for uid in emp_ids:
            t = time.perf_counter()
            with rt.reading() as s:
                c = ctx(s, uid)
                season = service.season_named(s, "FY2027")
                regs, _ = service.employer_page(c, season)
                service.employer_counts(c, season)
                first = regs[0].id
            page_times.append(time.perf_counter() - t)
            worst = max(worst, page_times[-1])
            if uid % 50 == 0:
                t = time.perf_counter()
                with rt.reading() as s:
                    service.registration_proof(ctx(s, uid), first)
                proof_worst = max(proof_worst, time.perf_counter() - t)
    finally:
        engine.dispose()
        with sa.create_engine(PG).begin() as c:
            c.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')

    print(f"{a.n} registrations, {n_ben} beneficiaries, {n_emp} employers, PostgreSQL")
    print(f"load (bulk upload, {n_emp} files): {load:.1f} s ({a.n / load:,.0f} rows/s)")
    print(f"library draw (baseline, best of 3): {lib:.2f} s")
    results = [
        ("close: bulletin + stored proofs", close / lib, f"{close:.1f} s", 10.0),
        ("service draw (both rounds)", draw / lib, f"{draw:.1f} s", 5.0),
    ]
    failed = False
    for name, ratio, took, target in results:
        ok = ratio <= target
        failed |= not ok
        print(f"{name}: {took} = {ratio:.1f}x library (target {target:.0f}x) "
              f"{'PASS' if ok else 'FAIL'}")  # fmt: skip
    ok = worst < 0.2
    failed |= not ok
    print(f"employer first page, worst of {n_emp}: {worst * 1000:.0f} ms (target 200 ms) "
          f"{'PASS' if ok else 'FAIL'}")  # fmt: skip
    p50, p99 = np.percentile(page_times, [50, 99]) * 1000
    print(f"employer first page: median {p50:.0f} ms, 99th percentile {p99:.0f} ms")
    print(f"proof, worst of a sample: {proof_worst * 1000:.0f} ms")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
