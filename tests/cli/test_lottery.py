"""`talentvisa lottery` over files, end to end through the real command."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.lottery.test_select import pool_rows, reg


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def test_commit_draw_verify(cli, tmp_path: Path) -> None:
    seed = tmp_path / "seed.hex"
    r = cli("lottery", "commit", "--seed-file", str(seed), "--season", "FY2027")
    assert r.returncode == 0, r.stderr
    published = json.loads(r.stdout)["commitment"]
    assert len(published) == 64
    again = cli("lottery", "commit", "--seed-file", str(seed))
    assert again.returncode == 2 and "never overwritten" in again.stderr

    regs = write_csv(tmp_path / "registrations.csv", pool_rows(600))
    out = tmp_path / "selected.csv"
    r = cli(
        "lottery",
        "draw",
        str(regs),
        "--season",
        "FY2027",
        "--seed-file",
        str(seed),
        "--out",
        str(out),
        "--regular-target",
        "150",
        "--advanced-target",
        "40",
        "--commitment",
        published,
    )
    assert r.returncode == 0, r.stderr
    assert "beneficiary_weighted" in r.stdout and "talentvisa lottery verify" in r.stdout
    reveal = tmp_path / "selected.reveal.json"
    doc = json.loads(reveal.read_text())
    assert doc["commitment"] == published and [x["selected"] for x in doc["rounds"]] == [150, 40]

    ok = cli(
        "lottery",
        "verify",
        str(regs),
        "--reveal",
        str(reveal),
        "--selected",
        str(out),
        "--commitment",
        published,
    )
    assert ok.returncode == 0 and "verified" in ok.stdout

    lines = out.read_text().splitlines()
    lines[1], lines[2] = lines[2], lines[1]
    out.write_text("\n".join(lines) + "\n")
    bad = cli("lottery", "verify", str(regs), "--reveal", str(reveal), "--selected", str(out))
    assert bad.returncode == 1 and "differs at line 2" in bad.stderr


def small_draw(cli, regs: Path, seed: Path, tmp_path: Path, *extra: str):  # type: ignore[no-untyped-def]
    return cli(
        "lottery",
        "draw",
        str(regs),
        "--season",
        "FY2027",
        "--seed-file",
        str(seed),
        "--out",
        str(tmp_path / "s.csv"),
        "--regular-target",
        "5",
        "--advanced-target",
        "1",
        *extra,
    )


def test_draw_refuses_a_seed_that_does_not_match_the_commitment(cli, tmp_path: Path) -> None:
    seed = tmp_path / "seed.hex"
    seed.write_text("00" * 32)
    regs = write_csv(tmp_path / "r.csv", pool_rows(20))
    r = small_draw(cli, regs, seed, tmp_path, "--commitment", "ab" * 32)
    assert r.returncode == 2 and "does not match the published commitment" in r.stderr
    assert not (tmp_path / "s.csv").exists()


def test_draw_reports_bad_rows_by_line(cli, tmp_path: Path) -> None:
    seed = tmp_path / "seed.hex"
    seed.write_text("11" * 32)
    rows = [reg(0), {**reg(1), "passport_number": ""}, {**reg(2), "wage_level": "V"}]
    regs = write_csv(tmp_path / "r.csv", rows)
    r = small_draw(cli, regs, seed, tmp_path)
    assert r.returncode == 2
    assert "r.csv:3: passport_number is missing" in r.stderr
    assert "r.csv:4: wage_level 'V' is not one of I, II, III, IV" in r.stderr
    assert "Traceback" not in r.stderr
    r = cli(
        "lottery",
        "draw",
        str(regs),
        "--season",
        "2027",
        "--seed-file",
        str(seed),
        "--out",
        str(tmp_path / "s.csv"),
        "--regular-target",
        "5",
        "--advanced-target",
        "1",
    )
    assert r.returncode == 2 and "--season" in r.stderr


FY2026_POOL = [  # 336,153 unique beneficiaries (H1B-STATS.md); level and degree shares assumed
    "I:no:100000",
    "I:yes:60000",
    "II:no:50000",
    "II:yes:50000",
    "III:no:20000",
    "III:yes:20000",
    "IV:no:20000",
    "IV:yes:16153",
]


def test_odds_reproduce_the_published_fy2026_rate(cli, tmp_path: Path) -> None:
    # 118,660 selected, split in the caps' 65:20 ratio; random selection makes the split moot.
    args = [a for c in FY2026_POOL for a in ("--count", c)]
    png = tmp_path / "odds.png"
    r = cli(
        "lottery",
        "odds",
        *args,
        "--regular-target",
        "90741",
        "--advanced-target",
        "27919",
        "--season",
        "FY2026",
        "--runs",
        "6",
        "--json",
        "--plot",
        str(png),
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["pool"] == 336_153 and doc["variant"] == "beneficiary_random"
    assert abs(doc["overall_rate"] - 0.353) < 0.01
    assert abs(doc["monte_carlo_overall_rate"] - doc["overall_rate"]) < 0.005
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_odds_from_a_csv_and_bad_input(cli, tmp_path: Path) -> None:
    groups = tmp_path / "groups.csv"
    groups.write_text("wage_level,advanced,count\nI,false,3000\nIV,false,1000\nV,true,5\n")
    r = cli(
        "lottery",
        "odds",
        "--groups",
        str(groups),
        "--regular-target",
        "800",
        "--advanced-target",
        "0",
    )
    assert r.returncode == 2 and "groups.csv:4" in r.stderr and "wage_level" in r.stderr
    groups.write_text("wage_level,advanced,count\nI,false,3000\nIV,false,1000\n")
    r = cli(
        "lottery",
        "odds",
        "--groups",
        str(groups),
        "--regular-target",
        "800",
        "--advanced-target",
        "0",
        "--json",
        "--runs",
        "4",
    )
    rows = {g["wage_level"]: g for g in json.loads(r.stdout)["groups"]}
    assert rows["IV"]["overall"] > 2 * rows["I"]["overall"]  # weighted from FY2027
    r = cli(
        "lottery",
        "odds",
        "--count",
        "IV:maybe:10",
        "--regular-target",
        "1",
        "--advanced-target",
        "0",
    )
    assert r.returncode == 2 and "LEVEL:ADVANCED:N" in r.stderr
