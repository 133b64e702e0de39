"""Bulk CSV registration and a national season in miniature, over real HTTP on both databases.

The miniature is bench/h1b.py's flow at a few thousand registrations: employers upload CSVs,
the window closes and publishes its bulletin with stored proofs, the beacon-mixed draw runs
both rounds and a further one, each employer pages through its results and streams them, and
`talentvisa lottery verify` passes from the public files alone (docs/bulletin.md).
"""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import datetime
from pathlib import Path

from talentvisa.auth.models import Role
from talentvisa.lottery import bulletin as bl
from tests.api.fixtures import Server
from tests.conftest import run_cli
from tests.h1b.test_http_bulletin import AFTER_ROUND, BEACON, clock, create
from tests.lottery.test_bulletin import QUICKNET_1000

__all__ = ["clock"]  # the fixture, used by name
HEADER = (
    "passport_country,passport_number,family_name,given_name,date_of_birth,wage_level,"
    "soc_code,worksite,us_advanced_degree"
)
FAMILY, GIVEN, BORN = "Ngcobo-Vasquez", "Thandiwe", "1991-07-23"


def row(passport: str, level: int = 2, advanced: bool = False) -> str:
    return (
        f'IN,{passport},{FAMILY},{GIVEN},{BORN},{level},15-1252,"Austin, TX",'
        f"{'true' if advanced else 'false'}"
    )


def upload(server: Server, token: str, season: str, lines: list[str]) -> object:
    body = "\n".join([HEADER, *lines]) + "\n"
    return server.client(token).post(
        f"/seasons/{season}/registrations.csv",
        content=body.encode(),
        headers={"content-type": "text/csv"},
    )


def open_season(server: Server, admin: str, season: str, **extra: object) -> None:
    assert create(server, admin, season, **extra).status_code == 201
    server.client(admin).post(f"/seasons/{season}/open").raise_for_status()


def test_bad_rows_are_named_by_line_and_nothing_is_registered(server: Server) -> None:
    _, admin = server.user(Role.admin)
    _, employer = server.user(Role.employer)
    open_season(server, admin, "FY2040")
    lines = [
        row("G0000001"),
        "XX,g2,,,1991-02-30,5,151252,A,maybe",  # line 3: eight bad fields
        row("G0000003"),
        "IN,G0000004,Short",  # line 5: too few fields
        row("G0000001"),  # line 6: the beneficiary of line 2 again
        row("G0000007").replace(FAMILY, "Nul\x01Byte"),  # line 7: a control character
    ]
    r = upload(server, employer, "FY2040", lines)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["field"] == "file"
    message = error["message"]
    for expected in (
        "registrations.csv:3: date_of_birth:",
        "registrations.csv:3: family_name: Field required",
        "registrations.csv:3: passport_country:",
        "registrations.csv:3: passport_number:",
        "registrations.csv:3: soc_code:",
        "registrations.csv:3: us_advanced_degree:",
        "registrations.csv:3: wage_level:",
        "registrations.csv:3: worksite:",
        "registrations.csv:5: 3 fields, the header names 9",
        "registrations.csv:7: family_name: holds a control character",
    ):
        assert expected in message, (expected, message)
    page = server.client(employer).get("/seasons/FY2040/registrations").json()
    assert page["items"] == [] and page["counts"] == {}  # all or nothing

    # The rows well formed, the repeat within the file is named with the line it repeats.
    r = upload(server, employer, "FY2040", [row("G0000001"), row("G0000003"), row("G0000001")])
    assert r.status_code == 422
    assert "registrations.csv:4: passport_number: the same beneficiary as line 2" in r.text

    for bad, said in (
        (b"", "empty file"),
        (b"\xff\xfe", "not UTF-8"),
        (b"passport_number,colour\nA,b\n", "missing column(s)"),
        (HEADER.encode() + b"\n", "no registrations after the header"),
    ):
        answer = server.client(employer).post(
            "/seasons/FY2040/registrations.csv", content=bad, headers={"content-type": "text/csv"}
        )
        assert answer.status_code == 422 and said in answer.json()["error"]["message"], bad


def test_the_bulk_upload_makes_the_single_registrations_checks(server: Server) -> None:
    _, admin = server.user(Role.admin)
    _, employer = server.user(Role.employer)
    _, other = server.user(Role.employer)
    open_season(server, admin, "FY2041")
    single = {
        "passport_country": "IND",
        "passport_number": "H0000001",
        "family_name": FAMILY,
        "date_of_birth": BORN,
        "wage_level": 3,
        "soc_code": "15-1252",
        "worksite": "Austin, TX",
        "us_advanced_degree": True,
    }
    assert (
        server.client(employer).post("/seasons/FY2041/registrations", json=single).status_code
        == 201
    )
    clash = upload(server, employer, "FY2041", [row("H0000002"), row("H0000001")])
    assert clash.status_code == 422
    assert "registrations.csv:3: passport_number: you already registered" in clash.text
    # Another employer may register the same beneficiary (it is one unit in the draw).
    ok = upload(server, other, "FY2041", [row("H0000001"), row("H0000002", 4, True)])
    assert ok.status_code == 201, ok.text
    assert ok.json()["accepted"] == 2 and [r["line"] for r in ok.json()["registrations"]] == [2, 3]
    mine = server.client(other).get("/seasons/FY2041/registrations").json()
    assert {r["passport_number_last4"] for r in mine["items"]} == {"0001", "0002"}
    assert mine["counts"] == {"submitted": 2}
    # The window's rules hold: a closed season takes no upload.
    server.client(admin).post("/seasons/FY2041/close").raise_for_status()
    late = upload(server, other, "FY2041", [row("H0000003")])
    assert late.status_code == 409 and late.json()["error"]["code"] == "conflict"


def test_a_national_season_in_miniature(
    server: Server, clock: list[datetime], tmp_path: Path
) -> None:
    _, admin = server.user(Role.admin)
    employers = [server.user(Role.employer)[1] for _ in range(3)]
    season = "FY2042"
    open_season(server, admin, season, beacon=BEACON)
    rng = random.Random(42)
    # 3,000 beneficiaries; the first 400 are registered by two employers each: 3,400 rows.
    people = [f"N{n:07d}" for n in range(3000)]
    files: dict[str, list[str]] = {token: [] for token in employers}
    for n, passport in enumerate(people):
        owners = [employers[n % 3]] + ([employers[(n + 1) % 3]] if n < 400 else [])
        for token in owners:
            files[token].append(row(passport, rng.randint(1, 4), rng.random() < 0.4))
    ids: dict[str, list[str]] = {}
    for token, lines in files.items():
        r = upload(server, token, season, lines)
        assert r.status_code == 201, r.text
        ids[token] = [x["id"] for x in r.json()["registrations"]]
    assert sum(map(len, ids.values())) == 3400

    server.client(admin).post(f"/seasons/{season}/close").raise_for_status()
    anon = server.client()
    bulletin = anon.get(f"/seasons/{season}/bulletin.csv").content
    manifest = anon.get(f"/seasons/{season}/bulletin.json").json()
    assert manifest["rows"] == 3000 and manifest["registrations"] == 3400
    for personal in (FAMILY, GIVEN, BORN, "N0000000", "N0002999", "Austin"):
        assert personal.encode() not in bulletin
    (tmp_path / "bulletin.csv").write_bytes(bulletin)

    # The stored proofs are the library's proofs over the published file, byte for byte.
    public = bl.parse(bulletin)
    token = employers[0]
    for rid in rng.sample(ids[token], 25):
        stored = server.client(token).get(f"/registrations/{rid}/proof")
        assert stored.status_code == 200, stored.text
        assert stored.json() == public.proof(rid)
    (tmp_path / "proof.json").write_text(json.dumps(public.proof(ids[token][0])))
    proved = run_cli(
        "lottery", "prove", "--bulletin", str(tmp_path / "bulletin.csv"),
        "--registration", ids[token][0], "--proof", str(tmp_path / "proof.json"),
    )  # fmt: skip
    assert proved.returncode == 0, proved.stderr

    server.client(admin).post(f"/seasons/{season}/beacon", json=QUICKNET_1000).raise_for_status()
    clock[0] = AFTER_ROUND
    drawn = server.client(admin).post(f"/seasons/{season}/draw")
    assert drawn.status_code == 200, drawn.text
    more = server.client(admin).post(
        f"/seasons/{season}/rounds", json={"cap": "regular", "target": 100}
    )
    assert more.status_code == 200, more.text
    assert [r["selected"] for r in more.json()["reveal"]["rounds"]] == [60, 20, 100]
    for name in ("reveal.json", "selected.csv"):
        (tmp_path / name).write_bytes(anon.get(f"/seasons/{season}/bulletin/{name}").content)
    verified = run_cli(
        "lottery", "verify", "--bulletin", str(tmp_path / "bulletin.csv"),
        "--reveal", str(tmp_path / "reveal.json"), "--selected", str(tmp_path / "selected.csv"),
        "--commitment", manifest["commitment"], "--root", manifest["root"],
        "--beacon-round", "1000",
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr

    # Each employer's results, page by page, agree with the published selection.
    chosen = {
        r["registration_id"]
        for r in csv.DictReader(io.StringIO((tmp_path / "selected.csv").read_text()))
    }
    for token in employers:
        seen: list[str] = []
        statuses: dict[str, str] = {}
        after = ""
        while True:
            page = server.client(token).get(
                f"/seasons/{season}/registrations", params={"after": after, "limit": 250}
            )
            assert page.status_code == 200, page.text
            body = page.json()
            seen += [r["id"] for r in body["items"]]
            statuses |= {r["id"]: r["status"] for r in body["items"]}
            if body["next"] is None:
                break
            after = body["next"]
        assert seen == sorted(ids[token]) and len(set(seen)) == len(seen)
        assert {r for r, s in statuses.items() if s == "selected"} == chosen & set(seen)
        assert sum(body["counts"].values()) == len(seen)
        export = server.client(token).get(f"/seasons/{season}/results.csv")
        assert export.status_code == 200
        exported = list(csv.DictReader(io.StringIO(export.text)))
        assert [(r["id"], r["status"]) for r in exported] == [(i, statuses[i]) for i in seen]
