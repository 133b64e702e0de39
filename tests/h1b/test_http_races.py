"""H-1B registration under concurrency and conflicting data, over real HTTP, on both databases.

Threads send requests at once through the real server: the season row lock, the unique index
and the conflict rule must hold whatever the interleaving (docs/h1b.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from talentvisa.auth.models import Role
from talentvisa.db import migrate
from talentvisa.db.engine import make_engine
from tests.api.fixtures import PG_ADMIN_URL, Server, pg_available


def registration(passport: str, **change: Any) -> dict[str, Any]:
    return {
        "passport_country": "IN",
        "passport_number": passport,
        "family_name": "Sharma",
        "given_name": "Asha",
        "date_of_birth": "1996-04-02",
        "wage_level": 2,
        "soc_code": "15-1252",
        "worksite": "Austin, TX",
        "us_advanced_degree": True,
        **change,
    }


def open_season(server: Server, admin: str, year: int, target: int = 10_000) -> str:
    season = f"FY{year + (0 if server.backend == 'sqlite' else 1)}"
    made = server.client(admin).post(
        "/seasons", json={"season": season, "regular_target": target, "advanced_target": 0}
    )
    assert made.status_code == 201, made.text
    server.client(admin).post(f"/seasons/{season}/open").raise_for_status()
    return season


def rows_of(server: Server, admin: str, season: str) -> list[dict[str, str]]:
    text = server.client(admin).get(f"/seasons/{season}/registrations.csv").text
    return list(csv.DictReader(io.StringIO(text)))


def test_ten_identical_registrations_at_once_are_accepted_once(server: Server) -> None:
    _, admin = server.user(Role.admin)
    _, employer = server.user(Role.employer)
    season = open_season(server, admin, 2060)
    body = registration("T0000001")
    gate = threading.Barrier(10)

    def send(_: int) -> httpx.Response:
        with server.client(employer) as c:
            gate.wait()
            return c.post(f"/seasons/{season}/registrations", json=body)

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(send, range(10)))
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] + [409] * 9, [r.text for r in answers]
    for r in answers:
        if r.status_code == 409:
            assert r.json()["error"]["code"] == "conflict"
            assert r.json()["error"]["field"] == "passport_number"
    assert len(server.client(employer).get("/registrations").json()) == 1
    assert len(rows_of(server, admin, season)) == 1


def test_registrations_racing_close_and_draw_are_refused_after_close_and_all_drawn(
    server: Server,
) -> None:
    _, admin = server.user(Role.admin)
    employers = [server.user(Role.employer)[1] for _ in range(6)]
    season = open_season(server, admin, 2061)
    accepted: list[tuple[float, str]] = []  # (monotonic time the request was sent, id)
    refused: list[httpx.Response] = []
    closed_at: list[float] = []
    stop = threading.Event()

    def load(n: int) -> None:
        with server.client(employers[n]) as c:
            i = 0
            while not stop.is_set():
                sent = time.monotonic()
                r = c.post(f"/seasons/{season}/registrations", json=registration(f"L{n}{i:06d}"))
                i += 1
                if r.status_code == 201:
                    accepted.append((sent, r.json()["id"]))
                else:
                    refused.append(r)

    threads = [threading.Thread(target=load, args=(n,)) for n in range(len(employers))]
    for t in threads:
        t.start()
    time.sleep(1.5)
    with server.client(admin) as c:
        closed = c.post(f"/seasons/{season}/close")
        closed_at.append(time.monotonic())
        drawn = c.post(f"/seasons/{season}/draw")  # at once: a straggler must not slip past
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join()

    assert closed.status_code == 200 and drawn.status_code == 200, drawn.text
    assert len(accepted) >= 4, "the load registered nothing before the close"
    late = [rid for sent, rid in accepted if sent > closed_at[0]]
    assert late == [], f"{len(late)} registrations accepted after the close returned"
    assert refused and all(r.status_code == 409 for r in refused), {r.status_code for r in refused}
    assert all(r.json()["error"]["code"] == "conflict" for r in refused)
    ids = {rid for _, rid in accepted}
    listed = {row["registration_id"] for row in rows_of(server, admin, season)}
    assert listed == ids  # nothing refused was stored, nothing accepted is missing
    assert drawn.json()["reveal"]["registrations"] == len(ids)
    window_closed = dt.datetime.fromisoformat(drawn.json()["closed_at"])
    mine = [r for e in employers for r in server.client(e).get("/registrations").json()]
    made_late = [
        r["id"] for r in mine if dt.datetime.fromisoformat(r["created_at"]) > window_closed
    ]
    assert made_late == [], f"{len(made_late)} registrations written after the window closed"
    statuses = {r["id"]: r["status"] for r in mine if r["id"] in ids}
    assert len(statuses) == len(ids)
    # The target exceeds the registrations, so every one the draw saw is selected.
    assert set(statuses.values()) == {"selected"}, sorted(statuses.values())


def test_conflicting_identity_across_employers_is_drawn_flagged_and_kept_private(
    server: Server,
) -> None:
    _, admin = server.user(Role.admin)
    _, officer = server.user(Role.officer)
    a_id, emp_a = server.user(Role.employer)
    b_id, emp_b = server.user(Role.employer)
    season = open_season(server, admin, 2062, target=1)
    path = f"/seasons/{season}/registrations"
    mine = server.client(emp_a).post(path, json=registration("C1234567", wage_level=4))
    theirs = server.client(emp_b).post(
        path,
        json=registration(
            "C1234567",
            passport_country="IND",
            family_name="Sarma",
            date_of_birth="1996-02-04",
            us_advanced_degree=False,
        ),
    )
    assert mine.status_code == theirs.status_code == 201, theirs.text
    assert theirs.json()["passport_country"] == "IN"
    server.client(admin).post(f"/seasons/{season}/close").raise_for_status()
    for _ in range(2):  # a retry answers the same way: nothing is stuck
        drawn = server.client(admin).post(f"/seasons/{season}/draw")
        assert drawn.status_code in (200, 409), drawn.text
    reveal = server.client(admin).get(f"/seasons/{season}").json()["reveal"]
    assert reveal["algorithm"] == "talentvisa-select/2"
    assert (reveal["units"], reveal["identity_conflicts"]) == (1, 1)

    found = server.client(officer).get(f"/seasons/{season}/conflicts")
    assert found.status_code == 200, found.text
    [item] = found.json()["conflicts"]
    assert item["beneficiary"] == "IN:C1234567"
    assert item["fields"] == ["family_name", "date_of_birth", "us_advanced_degree"]
    assert item["counted_as"] == {"wage_level": 2, "us_advanced_degree": False}
    assert {r["employer_id"] for r in item["registrations"]} == {a_id, b_id}
    assert {r["status"] for r in item["registrations"]} == {"selected"}

    for token, own, other in ((emp_a, "Sharma", "Sarma"), (emp_b, "Sarma", "Sharma")):
        c = server.client(token)
        refused = c.get(f"/seasons/{season}/conflicts")
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        [reg] = c.get("/registrations").json()
        assert reg["family_name"] == own and other not in c.get(f"/registrations/{reg['id']}").text
        assert "conflict" not in str(reg).lower()


def test_alpha3_and_alpha2_countries_are_one_beneficiary_and_unknown_codes_are_refused(
    server: Server,
) -> None:
    _, admin = server.user(Role.admin)
    _, emp_a = server.user(Role.employer)
    _, emp_b = server.user(Role.employer)
    season = open_season(server, admin, 2063)
    path = f"/seasons/{season}/registrations"
    a = server.client(emp_a)
    assert a.post(path, json=registration("D1234567", passport_country="IND")).status_code == 201
    again = a.post(path, json=registration("D1234567", passport_country="in"))
    assert again.status_code == 409 and again.json()["error"]["field"] == "passport_number"
    b = server.client(emp_b).post(path, json=registration("D1234567", passport_country="IN"))
    assert b.status_code == 201 and b.json()["passport_country"] == "IN"
    bad = a.post(path, json=registration("D7654321", passport_country="ZZZ"))
    assert bad.status_code == 422, bad.text
    assert bad.json()["error"]["field"] == "passport_country"
    assert "ISO 3166-1" in bad.json()["error"]["message"]
    server.client(admin).post(f"/seasons/{season}/close").raise_for_status()
    drawn = server.client(admin).post(f"/seasons/{season}/draw")
    assert drawn.status_code == 200, drawn.text
    assert drawn.json()["reveal"]["units"] == 1 and drawn.json()["reveal"]["registrations"] == 2


# --- the migration that adds the unique index ------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request: pytest.FixtureRequest, tmp_path: Any) -> Any:
    """A database at revision 0003_audit, before the unique index."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
        yield engine
        engine.dispose()
        return
    if not pg_available():
        pytest.skip("PostgreSQL not reachable")
    schema = f"tv_{secrets.token_hex(6)}"
    with sa.create_engine(PG_ADMIN_URL).begin() as c:
        c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine = make_engine(f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}")
    yield engine
    engine.dispose()
    with sa.create_engine(PG_ADMIN_URL).begin() as c:
        c.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


def test_the_migration_keeps_duplicates_for_the_record_and_then_refuses_new_ones(
    old_database: sa.Engine,
) -> None:
    migrate.upgrade(old_database, "0003_audit")
    season_cols = (
        "id, season, state, version, regular_target, advanced_target, seed_hex, commitment"
    )
    reg_cols = (
        "id, season_id, employer_id, passport_country, passport_number, family_name, "
        "given_name, date_of_birth, wage_level, soc_code, worksite, us_advanced_degree, "
        "fee_amount, fee_currency, status, created_at"
    )

    def reg(rid: str, season: int, country: str, passport: str, at: str, status: str) -> str:
        return (
            f"('{rid}', {season}, 1, '{country}', '{passport}', 'Li', '', '1990-01-01', 2, "
            f"'15-1252', 'Austin', false, 215, 'USD', '{status}', '{at}')"
        )

    with old_database.begin() as c:
        c.exec_driver_sql(
            "INSERT INTO users (id, email, display_name, role, password_hash, active, created_at)"
            " VALUES (1, 'e@example.org', 'E', 'employer', 'x', true, '2026-01-01 00:00:00')"
        )
        c.exec_driver_sql(
            f"INSERT INTO cap_seasons ({season_cols}) VALUES "
            "(1, 'FY2070', 'open', 1, 10, 0, 'aa', 'bb'), "
            "(2, 'FY2071', 'drawn', 1, 10, 0, 'aa', 'bb')"
        )
        rows = [
            reg("r1", 1, "IND", "P1", "2026-03-01 10:00:00", "submitted"),
            reg("r2", 1, "IN", "P1", "2026-03-01 10:00:01", "submitted"),  # IND = IN: a copy
            reg("r3", 1, "IN", "P1", "2026-03-01 10:00:02", "submitted"),
            reg("r4", 1, "IN", "P2", "2026-03-01 10:00:03", "submitted"),
            reg("r5", 2, "IND", "P1", "2026-03-01 10:00:00", "invalid_duplicate"),
            reg("r6", 2, "IND", "P1", "2026-03-01 10:00:01", "invalid_duplicate"),
        ]
        c.exec_driver_sql(f"INSERT INTO h1b_registrations ({reg_cols}) VALUES {', '.join(rows)}")

    migrate.upgrade(old_database)
    with old_database.connect() as c:
        got = {
            rid: (country, status, dup)
            for rid, country, status, dup in c.exec_driver_sql(
                "SELECT id, passport_country, status, duplicate_of FROM h1b_registrations"
            )
        }
    assert got == {
        "r1": ("IN", "submitted", None),
        "r2": ("IN", "withdrawn_duplicate", "r1"),
        "r3": ("IN", "withdrawn_duplicate", "r1"),
        "r4": ("IN", "submitted", None),
        # A drawn season keeps what its published reveal covers.
        "r5": ("IND", "invalid_duplicate", None),
        "r6": ("IND", "invalid_duplicate", "r5"),
    }
    with pytest.raises(sa.exc.IntegrityError), old_database.begin() as c:
        c.exec_driver_sql(
            f"INSERT INTO h1b_registrations ({reg_cols}) VALUES "
            + reg("r7", 1, "IN", "P2", "2026-03-02 10:00:00", "submitted")
        )
    migrate.downgrade(old_database, "0003_audit")
    migrate.upgrade(old_database)
