"""A beacon season end to end over real HTTP, on SQLite and PostgreSQL (docs/bulletin.md).

The season names quicknet round 1000 (published 2023-08-23T15:59:24Z, recorded in
tests/lottery/test_bulletin.py); the server's clock is set to a moment before that round for the
close and after it for the draw, so the recorded value plays the beacon.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from talentvisa.audit import service as audit
from talentvisa.auth.models import Role
from talentvisa.db.engine import transaction
from talentvisa.db.models import Base
from talentvisa.h1b.models import CapSeason, Registration
from tests.api.fixtures import Server
from tests.conftest import run_cli
from tests.lottery.test_bulletin import QUICKNET_1000

CLOSE = datetime(2023, 8, 23, 15, 50, tzinfo=UTC)
AFTER_ROUND = datetime(2023, 8, 23, 16, 30, tzinfo=UTC)
BEACON = {"chain": "quicknet", "round": 1000, "planned_close": "2023-08-23T15:55:00Z"}
FAMILY, GIVEN, BORN = "Quetzalcoatl", "Xiomara", "1993-11-17"


def registration(passport: str, level: int, advanced: bool) -> dict[str, Any]:
    return {
        "passport_country": "IN",
        "passport_number": passport,
        "family_name": FAMILY,
        "given_name": GIVEN,
        "date_of_birth": BORN,
        "wage_level": level,
        "soc_code": "15-1252",
        "worksite": "Austin, TX",
        "us_advanced_degree": advanced,
    }


@pytest.fixture
def clock(server: Server) -> Iterator[list[datetime]]:
    """The server's clock, one moment to set; the real clock comes back after the test."""
    rt = server.app.state.runtime
    real, moment = rt.clock, [CLOSE]
    rt.clock = lambda: moment[0]
    yield moment
    rt.clock = real


def create(server: Server, admin: str, season: str, **extra: Any) -> Any:
    body = {"season": season, "regular_target": 60, "advanced_target": 20, **extra}
    return server.client(admin).post("/seasons", json=body)


def test_the_migration_matches_the_models(server: Server) -> None:
    with server.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if "h1b_bulletins" in repr(d) or "beacon" in repr(d)] == []


def test_a_beacon_round_before_the_planned_close_is_refused(server: Server) -> None:
    _, admin = server.user(Role.admin)
    early = create(server, admin, "FY2031", beacon={**BEACON, "round": 800})
    assert early.status_code == 422
    assert early.json()["error"]["field"] == "beacon"
    assert "not after the planned close" in early.json()["error"]["message"]
    unknown = create(server, admin, "FY2031", beacon={**BEACON, "chain": "nist"})
    assert unknown.status_code == 422 and "not one whose key is pinned" in unknown.text
    far = create(
        server, admin, "FY2031", beacon={**BEACON, "planned_close": "9999-12-31T23:59:59-05:00"}
    )
    assert far.status_code == 422 and far.json()["error"]["field"] == "beacon"
    naive = create(
        server, admin, "FY2031", beacon={**BEACON, "planned_close": "2023-08-23T15:55:00"}
    )
    assert naive.status_code == 422 and "time zone" in naive.text
    huge = create(server, admin, "FY2031", beacon={**BEACON, "round": 2**63})
    assert huge.status_code == 422 and huge.json()["error"]["field"] == "beacon.round"


def test_a_beacon_season_publishes_proves_draws_and_verifies_from_public_files(
    server: Server, clock: list[datetime], tmp_path: Path
) -> None:
    _, admin = server.user(Role.admin)
    _, employer = server.user(Role.employer)
    _, other = server.user(Role.employer)
    season = "FY2030"
    assert create(server, admin, season, beacon=BEACON).status_code == 201
    server.client(admin).post(f"/seasons/{season}/open").raise_for_status()
    rng = random.Random(16)
    mine: list[str] = []
    with server.client(employer) as c, server.client(other) as o:
        for n in range(300):
            who = c if n % 3 else o
            body = registration(f"P{n:07d}", rng.randint(1, 4), rng.random() < 0.3)
            r = who.post(f"/seasons/{season}/registrations", json=body)
            assert r.status_code == 201, r.text
            if who is c:
                mine.append(r.json()["id"])
        # The same beneficiary from the second employer: one unit, two registration ids.
        twin = o.post(f"/seasons/{season}/registrations", json=registration("P0000001", 1, False))
        assert twin.status_code == 201
    anon = server.client()
    assert anon.get(f"/seasons/{season}/bulletin.csv").status_code == 404  # not before the close

    closed = server.client(admin).post(f"/seasons/{season}/close")
    assert closed.status_code == 200, closed.text
    csv_r, manifest_r = (
        anon.get(f"/seasons/{season}/bulletin.csv"),
        anon.get(f"/seasons/{season}/bulletin.json"),
    )
    assert csv_r.status_code == 200 and manifest_r.status_code == 200
    bulletin, manifest = csv_r.content, manifest_r.json()
    lines = bulletin.decode().splitlines()
    assert lines[0] == "unit,entries,advanced,registrations" and len(lines) == 1 + 300
    assert manifest["rows"] == 300 and manifest["registrations"] == 301
    assert manifest["beacon"]["round"] == 1000 and manifest["closed_at"] == "2023-08-23T15:50:00Z"
    for personal in (FAMILY, GIVEN, BORN, "P0000001", "P0000299", "15-1252", "Austin"):
        assert personal.encode() not in bulletin and personal not in manifest_r.text

    with transaction(server.app.state.runtime.factory) as s:
        trail = [(e.action, e.data) for e in audit.timeline(s, "season", season)]
    closing = [a for a, _ in trail].index("closed")
    action, data = trail[closing + 1]  # written in the close's own transaction, right after it
    assert action == "bulletin_published"
    assert data["root"] == manifest["root"] and data["commitment"] == manifest["commitment"]
    assert data["beacon"] == {"chain": "quicknet", "round": 1000}

    (tmp_path / "bulletin.csv").write_bytes(bulletin)
    proof = server.client(employer).get(f"/registrations/{mine[0]}/proof")
    assert proof.status_code == 200, proof.text
    (tmp_path / "proof.json").write_text(proof.text)
    ok = run_cli(
        "lottery", "prove", "--bulletin", str(tmp_path / "bulletin.csv"),
        "--registration", mine[0], "--proof", str(tmp_path / "proof.json"),
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    foreign = server.client(other).get(f"/registrations/{mine[0]}/proof")
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "not_found"

    refused = server.client(admin).post(f"/seasons/{season}/draw")
    assert (
        refused.status_code == 409 and "enter its value first" in refused.json()["error"]["message"]
    )
    forged = {**QUICKNET_1000, "signature": QUICKNET_1000["signature"][:-2] + "00"}
    bad = server.client(admin).post(f"/seasons/{season}/beacon", json=forged)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "beacon"
    for wrong in ({**QUICKNET_1000, "round": "-5"}, {**QUICKNET_1000, "round": 2**70}, {}):
        answer = server.client(admin).post(f"/seasons/{season}/beacon", json=wrong)
        assert answer.status_code == 422, wrong
        assert answer.json()["error"]["field"] in ("beacon", "round"), wrong
    entered = server.client(admin).post(f"/seasons/{season}/beacon", json=QUICKNET_1000)
    assert entered.status_code == 200, entered.text
    clock[0] = datetime(2023, 8, 23, 15, 59, 0, tzinfo=UTC)  # the round is not out yet
    early = server.client(admin).post(f"/seasons/{season}/draw")
    assert early.status_code == 409 and "no draw before the beacon round" in early.text

    clock[0] = AFTER_ROUND
    drawn = server.client(admin).post(f"/seasons/{season}/draw")
    assert drawn.status_code == 200, drawn.text
    reveal = anon.get(f"/seasons/{season}/bulletin/reveal.json")
    assert reveal.json() == drawn.json()["reveal"]
    assert reveal.json()["bulletin"]["root"] == manifest["root"]
    (tmp_path / "reveal.json").write_bytes(reveal.content)
    selected = anon.get(f"/seasons/{season}/bulletin/selected.csv")
    assert selected.status_code == 200
    (tmp_path / "selected.csv").write_bytes(selected.content)
    verified = run_cli(
        "lottery", "verify", "--bulletin", str(tmp_path / "bulletin.csv"),
        "--reveal", str(tmp_path / "reveal.json"), "--selected", str(tmp_path / "selected.csv"),
        "--commitment", manifest["commitment"], "--root", manifest["root"],
        "--beacon-round", "1000",
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    statuses = {r["status"] for r in server.client(employer).get("/registrations").json()}
    assert statuses <= {"selected", "not_selected"} and "selected" in statuses

    # A further round reads the next stream of the same seed and still verifies publicly.
    more = server.client(admin).post(
        f"/seasons/{season}/rounds", json={"cap": "regular", "target": 10}
    )
    assert more.status_code == 200, more.text
    assert [r["selected"] for r in more.json()["reveal"]["rounds"]] == [60, 20, 10]
    (tmp_path / "reveal.json").write_bytes(
        anon.get(f"/seasons/{season}/bulletin/reveal.json").content
    )
    (tmp_path / "selected.csv").write_bytes(
        anon.get(f"/seasons/{season}/bulletin/selected.csv").content
    )
    again = run_cli(
        "lottery", "verify", "--bulletin", str(tmp_path / "bulletin.csv"),
        "--reveal", str(tmp_path / "reveal.json"), "--selected", str(tmp_path / "selected.csv"),
        "--root", manifest["root"], "--beacon-round", "1000",
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    # The stored statuses are the published selection, unit by unit, after every round.
    chosen = {
        line.rsplit(",", 1)[-1] for line in (tmp_path / "selected.csv").read_text().splitlines()[1:]
    }
    for who in (employer, other):
        own = {r["id"]: r["status"] for r in server.client(who).get("/registrations").json()}
        assert {i for i, st in own.items() if st == "selected"} == chosen & set(own)
        assert set(own.values()) <= {"selected", "not_selected"}


def test_a_season_without_a_beacon_has_no_bulletin(server: Server) -> None:
    _, admin = server.user(Role.admin)
    assert create(server, admin, "FY2032").status_code == 201
    server.client(admin).post("/seasons/FY2032/open").raise_for_status()
    server.client(admin).post("/seasons/FY2032/close").raise_for_status()
    assert server.client().get("/seasons/FY2032/bulletin.json").status_code == 404
    assert (
        server.client(admin).post("/seasons/FY2032/beacon", json=QUICKNET_1000).status_code == 409
    )


def test_a_list_changed_after_the_close_is_not_drawn(server: Server, clock: list[datetime]) -> None:
    _, admin = server.user(Role.admin)
    employer_id, employer = server.user(Role.employer)
    season = "FY2033"
    assert create(server, admin, season, beacon=BEACON).status_code == 201
    server.client(admin).post(f"/seasons/{season}/open").raise_for_status()
    for n in range(20):
        body = registration(f"C{n:07d}", 1 + n % 4, n % 2 == 0)
        r = server.client(employer).post(f"/seasons/{season}/registrations", json=body)
        assert r.status_code == 201, r.text
    server.client(admin).post(f"/seasons/{season}/close").raise_for_status()
    # An insider adds a row behind the API's back, after the root was fixed.
    with transaction(server.app.state.runtime.factory) as s:
        row = s.scalar(select(CapSeason).where(CapSeason.season == season))
        assert row is not None
        s.add(
            Registration(
                season_id=row.id,
                employer_id=employer_id,
                fee_amount=215.0,
                fee_currency="USD",
                **{**registration("C9999999", 4, True), "date_of_birth": date(1990, 1, 1)},
            )
        )
    server.client(admin).post(f"/seasons/{season}/beacon", json=QUICKNET_1000).raise_for_status()
    clock[0] = AFTER_ROUND
    refused = server.client(admin).post(f"/seasons/{season}/draw")
    assert refused.status_code == 409, refused.text
    assert "the list changed after the root" in refused.json()["error"]["message"]

    # The same number of rows, one weight changed: refused too; put back, the draw runs.
    def tamper(passport: str, level: int | None) -> None:
        with transaction(server.app.state.runtime.factory) as s:
            reg = s.scalar(select(Registration).where(Registration.passport_number == passport))
            assert reg is not None
            if level is None:
                s.delete(reg)
            else:
                reg.wage_level = level

    tamper("C9999999", None)
    tamper("C0000000", 4)
    again = server.client(admin).post(f"/seasons/{season}/draw")
    assert again.status_code == 409 and "the list changed after the root" in again.text
    tamper("C0000000", 1)
    drawn = server.client(admin).post(f"/seasons/{season}/draw")
    assert drawn.status_code == 200, drawn.text


def test_an_empty_beacon_season_publishes_an_empty_bulletin(
    server: Server, clock: list[datetime]
) -> None:
    _, admin = server.user(Role.admin)
    assert create(server, admin, "FY2034", beacon=BEACON).status_code == 201
    server.client(admin).post("/seasons/FY2034/open").raise_for_status()
    closed = server.client(admin).post("/seasons/FY2034/close")
    assert closed.status_code == 200, closed.text
    assert server.client().get("/seasons/FY2034/bulletin.json").json()["rows"] == 0
    assert server.client().get("/seasons/FY2034/bulletin.csv").text == (
        "unit,entries,advanced,registrations\n"
    )


def test_a_close_after_the_beacon_round_is_refused(server: Server, clock: list[datetime]) -> None:
    _, admin = server.user(Role.admin)
    assert create(server, admin, "FY2035", beacon=BEACON).status_code == 201
    server.client(admin).post("/seasons/FY2035/open").raise_for_status()
    clock[0] = AFTER_ROUND
    late = server.client(admin).post("/seasons/FY2035/close")
    assert late.status_code == 409 and "not after the planned close" in late.text
    assert server.client(admin).get("/seasons/FY2035").json()["state"] == "open"
