"""The public bulletin: Merkle proofs, no personal data, a beacon-mixed seed, verify from files."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talentvisa.lottery import beacon as bc
from talentvisa.lottery import bulletin as bl
from talentvisa.lottery.merkle import EMPTY_ROOT, MerkleTree, leaf_hash, node_hash, verify_inclusion
from talentvisa.lottery.registrations import normalize
from talentvisa.lottery.run import RoundSpec, commitment
from talentvisa.lottery.run import draw as library_draw
from tests.cli.test_lottery import write_csv
from tests.lottery.test_select import pool_rows, reg

# Recorded drand values. Their authenticity is not taken on trust: the tests check each BLS
# signature against the chain's pinned public key.
# quicknet round 1000, as served at https://api.drand.sh/52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971/public/1000
# (recorded copy, read 2026-12-07); published 2023-08-23T15:59:24Z.
QUICKNET_1000 = {
    "round": 1000,
    "randomness": "fe290beca10872ef2fb164d2aa4442de4566183ec51c56ff3cd603d930e54fdd",
    "signature": "b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b1957"
    "6350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39",
}
# League of Entropy default chain round 72785 (https://drand.cloudflare.com/public/72785,
# recorded copy, read 2026-12-07).
DEFAULT_72785 = {
    "round": 72785,
    "randomness": hashlib.sha256(
        bytes.fromhex(
            "82f5d3d2de4db19d40a6980e8aa37842a0e55d1df06bd68bddc8d60002e8e959eb9cfa368b3c1b77d18f"
            "02a54fe047b80f0989315f83b12a74fd8679c4f12aae86eaf6ab5690b34f1fddd50ee3cc6f6cdf59e955"
            "26d5a5d82aaa84fa6f181e42"
        )
    ).hexdigest(),
    "signature": "82f5d3d2de4db19d40a6980e8aa37842a0e55d1df06bd68bddc8d60002e8e959eb9cfa368b3c1b77"
    "d18f02a54fe047b80f0989315f83b12a74fd8679c4f12aae86eaf6ab5690b34f1fddd50ee3cc6f6cdf59e95526d5"
    "a5d82aaa84fa6f181e42",
    "previous_signature": "a609e19a03c2fcc559e8dae14900aaefe517cb55c840f6e69bc8e4f66c8d18e8a6096"
    "85d9917efbfb0c37f058c2de88f13d297c7e19e0ab24813079efe57a182554ff054c7638153f9b26a60e7111f"
    "71a0ff63d9571704905d3ca6df0b031747",
}
CLOSE = datetime(2023, 8, 23, 15, 50, tzinfo=UTC)  # before quicknet round 1000
SECRET = bytes(range(32))
ROUNDS = [RoundSpec("regular", 400), RoundSpec("advanced", 120)]


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


# --- the beacon ---------------------------------------------------------------------------------


def test_recorded_beacons_verify_and_a_changed_byte_does_not() -> None:
    quick = bc.BeaconValue.from_json(QUICKNET_1000)
    assert bc.verify(bc.QUICKNET, quick, 1000) == []
    assert bc.QUICKNET.round_time(1000) == datetime(2023, 8, 23, 15, 59, 24, tzinfo=UTC)
    default = bc.BeaconValue.from_json(DEFAULT_72785)
    assert bc.verify(bc.DEFAULT, default, 72785) == []

    other_round = bc.BeaconValue(1001, quick.randomness, quick.signature)
    assert any("does not verify" in p for p in bc.verify(bc.QUICKNET, other_round, 1001))
    forged = bc.BeaconValue(1000, quick.randomness, flip(quick.signature, 20))
    assert any("does not verify" in p for p in bc.verify(bc.QUICKNET, forged, 1000))
    wrong_value = bc.BeaconValue(1000, flip(quick.randomness, 0), quick.signature)
    assert any(
        "not sha256 of its signature" in p for p in bc.verify(bc.QUICKNET, wrong_value, 1000)
    )
    assert any("not the round named" in p for p in bc.verify(bc.QUICKNET, quick, 999))
    with pytest.raises(bc.BeaconError, match="not one whose key is pinned"):
        bc.chain("some-other-beacon")


def test_seed_is_the_documented_hash_of_secret_round_and_value() -> None:
    quick = bc.BeaconValue.from_json(QUICKNET_1000)
    expected = hashlib.sha256(SECRET + (1000).to_bytes(8, "big") + quick.randomness).digest()
    assert bc.derive_seed(SECRET, quick) == expected


def test_a_season_must_name_a_beacon_round_after_its_close() -> None:
    assert bl.name_beacon_round(bc.QUICKNET, CLOSE, 1000) == 1000
    with pytest.raises(bl.BulletinError, match="not after the planned close"):
        bl.name_beacon_round(bc.QUICKNET, CLOSE, 800)
    first = bc.QUICKNET.first_round_after(CLOSE)
    assert bc.QUICKNET.round_time(first) > CLOSE >= bc.QUICKNET.round_time(first - 1)


# --- the Merkle tree ---------------------------------------------------------------------------


def reference_root(rows: list[bytes]) -> bytes:
    """RFC 9162 2.1.1's recursive definition, independent of the level-by-level builder."""
    if not rows:
        return EMPTY_ROOT
    if len(rows) == 1:
        return leaf_hash(rows[0])
    k = 1
    while k * 2 < len(rows):
        k *= 2
    return node_hash(reference_root(rows[:k]), reference_root(rows[k:]))


rows_strategy = st.lists(st.binary(min_size=1, max_size=40), min_size=1, max_size=70)


@settings(max_examples=150, deadline=None)
@given(rows=rows_strategy, data=st.data())
def test_merkle_root_and_proofs_match_rfc9162(rows: list[bytes], data: st.DataObject) -> None:
    tree = MerkleTree(rows)
    assert tree.root == reference_root(rows)
    i = data.draw(st.integers(0, len(rows) - 1))
    path = tree.proof(i)
    assert verify_inclusion(rows[i], i, len(rows), path, tree.root)
    at = data.draw(st.integers(0, len(rows[i]) - 1))
    assert not verify_inclusion(flip(rows[i], at), i, len(rows), path, tree.root)
    if path:
        k = data.draw(st.integers(0, len(path) - 1))
        bad = [*path[:k], flip(path[k], data.draw(st.integers(0, 31))), *path[k + 1 :]]
        assert not verify_inclusion(rows[i], i, len(rows), bad, tree.root)
        assert not verify_inclusion(rows[i], i, len(rows), path[:-1], tree.root)
    assert not verify_inclusion(rows[i], len(rows), len(rows), path, tree.root)


# --- the bulletin -----------------------------------------------------------------------------


def personal_rows(n: int) -> list[dict]:
    rows = pool_rows(n)
    for i, r in enumerate(rows):
        r["passport_number"] = f"X{i:05d}Q{i * 7 % 1000:03d}"
        r["family_name"] = f"Familyname{i:05d}"
        r["given_name"] = f"Givenname{i:05d}"
        r["date_of_birth"] = f"19{70 + i % 30}-{1 + i % 12:02d}-{1 + i % 28:02d}"
    # Two registrations for one beneficiary from two employers: one unit covering both.
    rows.append({**rows[0], "registration_id": "R999999", "employer_id": "E-other"})
    return rows


def test_the_bulletin_holds_no_passport_name_or_birth_date() -> None:
    rows = personal_rows(400)
    regs = normalize(pl.DataFrame(rows))
    bulletin, mapping = bl.build(regs, 2027)
    published = bulletin.to_bytes().decode() + "".join(json.dumps(p) for p in bulletin.proofs())
    assert len(bulletin.rows) == 400 and len(bulletin.index_of) == 401
    for r in rows:
        for f in ("passport_number", "family_name", "given_name", "date_of_birth"):
            assert r[f] not in published, f"{f} {r[f]} appears in the bulletin"
    # The ids are random, not a function of the passport: a second build gives others.
    again, _ = bl.build(regs, 2027)
    assert {r.unit for r in again.rows}.isdisjoint({r.unit for r in bulletin.rows})
    joint = next(r for r in bulletin.rows if "R999999" in r.registrations)
    assert joint.registrations == ("R000000", "R999999")
    assert mapping.filter(pl.col("unit") == joint.unit)["key"].item() == regs["beneficiary"][0]
    assert bl.parse(bulletin.to_bytes()) == bulletin


def test_a_proof_fails_when_one_byte_of_its_row_or_path_changes() -> None:
    bulletin, _ = bl.build(pl.DataFrame(pool_rows(300)), 2027)
    proof = bulletin.proof("R000123")
    assert bl.check_proof(bulletin, "R000123", proof) == []
    row = proof["row"]
    for at in range(len(row)):
        changed = row[:at] + ("0" if row[at] != "0" else "1") + row[at + 1 :]
        assert bl.check_proof(bulletin, "R000123", {**proof, "row": changed}), at
    for k in range(len(proof["path"])):
        path = list(proof["path"])
        path[k] = flip(bytes.fromhex(path[k]), k).hex()
        assert any(
            "does not lead" in p
            for p in bl.check_proof(bulletin, "R000123", {**proof, "path": path})
        )
    assert any("does not cover" in p for p in bl.check_proof(bulletin, "R000124", proof))
    jsonl = "".join(json.dumps(p) + "\n" for p in bulletin.proofs()).encode()
    assert bl.read_proof(jsonl, "R000123") == proof
    assert bl.read_proof(json.dumps(proof).encode(), "R000123") == proof
    with pytest.raises(bl.BulletinError, match="holds no proof for registration 'R777777'"):
        bl.read_proof(jsonl, "R777777")
    with pytest.raises(bl.BulletinError, match="not a JSON proof"):
        bl.read_proof(b"{not json", "R000123")


def test_the_bulletin_draw_is_the_library_draw() -> None:
    # Give the units ids whose order is the library's unit order: both draws must then agree.
    regs = normalize(pl.DataFrame(pool_rows(2000)))
    library = library_draw(regs, 2027, SECRET, ROUNDS)
    keys = library.units["beneficiary"].to_list()
    ids = {k: f"{i:032x}" for i, k in enumerate(keys)}
    bulletin, _ = bl.build(regs, 2027, pseudonyms=ids)
    run = bl.BulletinDraw(bulletin, SECRET)
    for spec in ROUNDS:
        run.run_round(spec)
    ours = [line.split(",")[-1] for line in run.selected_csv().decode().splitlines()[1:]]
    assert ours == library.selected()["registration_id"].to_list()
    assert [r["selected"] for r in run.rounds] == [r.selected for r in library.rounds]


def season(n: int = 1500) -> tuple[bl.Bulletin, dict]:
    bulletin, _ = bl.build(pl.DataFrame(pool_rows(n)), 2027)
    return bulletin, bl.manifest(bulletin, 2027, commitment(SECRET), bc.QUICKNET, 1000, CLOSE)


def test_draw_refuses_a_changed_list_an_early_draw_a_bad_beacon_or_secret() -> None:
    bulletin, public = season()
    value = bc.BeaconValue.from_json(QUICKNET_1000)
    changed = bl.Bulletin(bulletin.rows[1:])
    with pytest.raises(bl.BulletinError, match="list changed after the root"):
        bl.draw(changed, public, SECRET, value, ROUNDS)
    early = bc.QUICKNET.round_time(1000) - timedelta(seconds=1)
    with pytest.raises(bl.BulletinError, match="no draw before the beacon round"):
        bl.draw(bulletin, public, SECRET, value, ROUNDS, now=early)
    bad = bc.BeaconValue(1000, value.randomness, flip(value.signature, 5))
    with pytest.raises(bl.BulletinError, match="does not verify"):
        bl.draw(bulletin, public, SECRET, bad, ROUNDS)
    with pytest.raises(bl.BulletinError, match="commitment"):
        bl.draw(bulletin, public, bytes(32), value, ROUNDS)
    run, reveal = bl.draw(bulletin, public, SECRET, value, ROUNDS)
    assert bl.verify(bulletin.to_bytes(), reveal, run.selected_csv()) == []


def test_a_further_round_reads_the_next_stream_of_the_same_seed_and_verifies() -> None:
    bulletin, public = season()
    value = bc.BeaconValue.from_json(QUICKNET_1000)
    two, _ = bl.draw(bulletin, public, SECRET, value, ROUNDS)
    three, reveal = bl.draw(bulletin, public, SECRET, value, [*ROUNDS, RoundSpec("regular", 50)])
    assert all((a == b).all() for a, b in zip(three.chosen[:2], two.chosen[:2], strict=True))
    taken = set(np.concatenate(two.chosen).tolist())
    assert len(three.chosen[2]) == 50 and taken.isdisjoint(three.chosen[2].tolist())
    assert bl.verify(bulletin.to_bytes(), reveal, three.selected_csv()) == []
    assert reveal["rounds"][2] == {
        "round": 3, "cap": "regular", "target": 50, "pool": 1500 - len(taken), "selected": 50,
    }  # fmt: skip


def test_verify_names_each_kind_of_tampering() -> None:
    bulletin, public = season()
    run, reveal = bl.draw(bulletin, public, SECRET, bc.BeaconValue.from_json(QUICKNET_1000), ROUNDS)
    data, selected = bulletin.to_bytes(), run.selected_csv()

    lines = data.decode().splitlines(keepends=True)
    dropped = "".join(lines[:5] + lines[6:]).encode()
    assert "the list changed after the root" in bl.verify(dropped, reveal, selected)[0]

    forged_beacon = copy.deepcopy(reveal)
    forged_beacon["beacon_value"]["randomness"] = "00" * 32
    assert any("not sha256 of its signature" in p for p in bl.verify(data, forged_beacon, selected))

    before = copy.deepcopy(reveal)
    before["bulletin"]["closed_at"] = "2023-08-23T16:10:00Z"  # round 1000 was out by then
    assert any(
        "its value was known when the list was fixed" in p
        for p in bl.verify(data, before, selected)
    )
    early = copy.deepcopy(reveal)
    early["drawn_at"] = "2023-08-23T15:55:00Z"
    assert any(
        "before beacon round 1000 was published" in p for p in bl.verify(data, early, selected)
    )

    forged = copy.deepcopy(reveal)
    forged["rounds"][0]["target"] = 399
    assert any("selection list differs" in p for p in bl.verify(data, forged, selected))
    other_secret = copy.deepcopy(reveal)
    other_secret["secret"] = "11" * 32
    problems = bl.verify(data, other_secret, selected)
    assert "secret does not match the commitment" in problems[0]

    negative = copy.deepcopy(reveal)
    negative["beacon_value"]["round"] = -1
    assert "not a drand round" in bl.verify(data, negative, selected)[0]

    published = bl.verify(data, reveal, selected, published_root="ab" * 32)
    assert "differs from the root published" in published[0]
    assert bl.verify(data, reveal, selected, published_round=999)[0].startswith("beacon round 1000")


# --- from files, through the command -------------------------------------------------------------


def test_a_season_of_thousands_verifies_from_public_files(cli, tmp_path: Path) -> None:
    rows = pool_rows(3000)
    rows.append({**rows[5], "employer_id": "E-two", "registration_id": "R900005"})
    regs = write_csv(tmp_path / "registrations.csv", rows)
    seed = tmp_path / "seed.hex"
    seed.write_text(SECRET.hex() + "\n")
    pub = tmp_path / "public"
    r = cli(
        "lottery", "publish", str(regs), "--season", "FY2027", "--seed-file", str(seed),
        "--beacon-round", "1000", "--closed-at", "2023-08-23T15:50:00Z", "--out", str(pub),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    manifest = json.loads((pub / "bulletin.json").read_text())
    assert manifest["rows"] == 3000 and manifest["registrations"] == 3001
    too_early = cli(
        "lottery", "publish", str(regs), "--season", "FY2027", "--seed-file", str(seed),
        "--beacon-round", "700", "--closed-at", "2023-08-23T15:50:00Z",
        "--out", str(tmp_path / "x"),
    )  # fmt: skip
    assert too_early.returncode == 2 and "not after the planned close" in too_early.stderr

    beacon = tmp_path / "beacon.json"
    beacon.write_text(json.dumps(QUICKNET_1000))
    selected, reveal = tmp_path / "selected.csv", tmp_path / "reveal.json"
    r = cli(
        "lottery", "draw-bulletin", "--bulletin", str(pub / "bulletin.csv"),
        "--manifest", str(pub / "bulletin.json"), "--seed-file", str(seed), "--beacon", str(beacon),
        "--out", str(selected), "--reveal", str(reveal),
        "--regular-target", "700", "--advanced-target", "200",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr

    def verify(*extra: str):  # type: ignore[no-untyped-def]
        return cli(
            "lottery", "verify", "--bulletin", str(pub / "bulletin.csv"), "--reveal", str(reveal),
            "--selected", str(selected), *extra,
        )  # fmt: skip

    ok = verify("--commitment", commitment(SECRET), "--root", manifest["root"])
    assert ok.returncode == 0 and "verified" in ok.stdout, ok.stderr

    proofs = pub / "proofs.jsonl"
    line = next(x for x in proofs.read_text().splitlines() if '"R000005"' in x)
    one = tmp_path / "proof.json"
    one.write_text(line)
    good = cli(
        "lottery",
        "prove",
        "--bulletin",
        str(pub / "bulletin.csv"),
        "--registration",
        "R000005",
        "--proof",
        str(one),
    )
    assert good.returncode == 0 and "included" in good.stdout, good.stderr
    proof = json.loads(line)
    assert proof["row"].endswith(",R000005 R900005")
    unit, entries, rest = proof["row"].split(",", 2)
    one.write_text(json.dumps({**proof, "row": f"{unit},{5 - int(entries)},{rest}"}))
    bad = cli(
        "lottery",
        "prove",
        "--bulletin",
        str(pub / "bulletin.csv"),
        "--registration",
        "R000005",
        "--proof",
        str(one),
    )
    assert bad.returncode == 1 and "does not lead" in bad.stderr

    original = (pub / "bulletin.csv").read_bytes()
    rows = original.decode().splitlines(keepends=True)
    (pub / "bulletin.csv").write_text("".join(rows[:10] + rows[11:]))
    changed = verify()
    assert changed.returncode == 1 and "the list changed after the root" in changed.stderr
    (pub / "bulletin.csv").write_bytes(original)

    doc = json.loads(reveal.read_text())
    doc["beacon_value"]["signature"] = flip(
        bytes.fromhex(doc["beacon_value"]["signature"]), 3
    ).hex()
    reveal.write_text(json.dumps(doc))
    forged = verify()
    assert forged.returncode == 1 and "does not verify under the quicknet key" in forged.stderr
    assert "Traceback" not in forged.stderr

    lines = selected.read_text().splitlines()
    assert lines[0] == "round,cap,order,unit,registration_id"
    for x in (reg(0)["passport_number"], reg(0)["family_name"]):
        assert x not in selected.read_text() and x not in original.decode()


def test_bad_bulletins_and_ids_are_refused_naming_the_line(cli, tmp_path: Path) -> None:
    bulletin, _ = bl.build(pl.DataFrame(pool_rows(20)), 2027)
    lines = bulletin.to_bytes().decode().splitlines(keepends=True)
    unit, _, rest = lines[3].split(",", 2)
    cases = {
        "4: entries '5' is not 1-4": f"{unit},5,{rest}",
        "4: rows must be sorted by unit": lines[1],
        "4: expected 4 fields": "abc\n",
    }
    for message, line in cases.items():
        path = tmp_path / "bulletin.csv"
        path.write_text("".join([*lines[:3], line, *lines[4:]]))
        r = cli(
            "lottery", "verify", "--bulletin", str(path), "--reveal", str(path),
            "--selected", str(path),
        )  # fmt: skip
        assert r.returncode == 2 and f"bulletin.csv:{message}" in r.stderr, (message, r.stderr)
        assert "Traceback" not in r.stderr
    rows = pool_rows(5)
    rows[3]["registration_id"] = "R 3"
    with pytest.raises(bl.BulletinError, match="registrations:5: registration_id 'R 3'"):
        bl.build(pl.DataFrame(rows), 2027)
