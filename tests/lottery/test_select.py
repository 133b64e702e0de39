"""The cap selection: rules by season, exact semantics, dedupe, bad rows, verifiability."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare

from talentvisa.lottery.registrations import (
    RegistrationError,
    identity_conflicts,
    normalize,
    resolve,
)
from talentvisa.lottery.rules import SeasonError, Variant, parse_season, rule_for
from talentvisa.lottery.run import RoundSpec, RunStore, commitment, draw, verify
from talentvisa.lottery.select import (
    ALGORITHM,
    ALGORITHM_V1,
    raw_stream,
    select,
    select_by_walking_entries,
    unit_keys,
)

SEED = bytes(range(32))
LEVELS = ["I", "II", "III", "IV"]


def reg(
    i: int,
    *,
    employer: str | None = None,
    passport: str | None = None,
    level: str = "II",
    advanced: bool = False,
    name: str | None = None,
    dob: str = "1998-01-01",
) -> dict:
    return {
        "registration_id": f"R{i:06d}",
        "employer_id": employer or f"E{i % 97}",
        "passport_country": "IN",
        "passport_number": passport or f"P{i:07d}",
        "family_name": name or f"Name{passport or i}",
        "given_name": "",
        "date_of_birth": dob,
        "wage_level": level,
        "soc_code": "15-1252",
        "worksite": "San Jose, CA",
        "us_advanced_degree": "true" if advanced else "false",
    }


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows)


def pool_rows(n: int, seed: int = 7) -> list[dict]:
    rng = np.random.default_rng(seed)
    levels = rng.choice(4, size=n, p=[0.35, 0.35, 0.18, 0.12])
    adv = rng.random(n) < 0.4
    return [reg(i, level=LEVELS[levels[i]], advanced=bool(adv[i])) for i in range(n)]


# --- rules by season -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("season", "variant"),
    [
        (2021, Variant.registration_random),
        (2024, Variant.registration_random),
        (2025, Variant.beneficiary_random),
        (2026, Variant.beneficiary_random),
        (2027, Variant.beneficiary_weighted),
        (2030, Variant.beneficiary_weighted),
    ],
)
def test_variant_by_season(season: int, variant: Variant) -> None:
    rule = rule_for(season)
    assert rule.variant == variant and rule.sources
    assert rule.weights == (
        {1: 1, 2: 2, 3: 3, 4: 4} if season >= 2027 else {1: 1, 2: 1, 3: 1, 4: 1}
    )


def test_no_rule_before_electronic_registration() -> None:
    with pytest.raises(SeasonError):
        rule_for(2020)
    with pytest.raises(SeasonError):
        parse_season("2027")
    assert parse_season("fy2027") == 2027


# --- exact semantics -------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_vectorized_selection_equals_walking_the_entries(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    weights = rng.integers(1, 5, size=n)
    pool = np.sort(rng.choice(n, size=int(rng.integers(1, n + 1)), replace=False))
    target = int(rng.integers(0, n + 2))
    raw = raw_stream(SEED + bytes([seed]), 1, n)
    fast = select(unit_keys(raw, weights), pool, target).tolist()
    slow = select_by_walking_entries(raw, weights.tolist(), pool.tolist(), target)
    assert fast == slow


def successive_sampling(weights: list[int], k: int) -> dict[tuple[int, ...], float]:
    """Exact probability of each ordered selection when drawing entries one by one."""
    out = {}
    for seq in itertools.permutations(range(len(weights)), k):
        p, left = 1.0, float(sum(weights))
        for unit in seq:
            p *= weights[unit] / left
            left -= weights[unit]
        out[seq] = p
    return out


def test_ordered_selections_follow_successive_sampling() -> None:
    weights = [4, 3, 2, 1, 1]
    exact = successive_sampling(weights, 2)
    runs = 20_000
    w = np.array(weights)
    pool = np.arange(len(weights))
    seen: Counter[tuple[int, ...]] = Counter()
    for r in range(runs):
        keys = unit_keys(raw_stream(r.to_bytes(8, "big"), 1, len(weights)), w)
        seen[tuple(select(keys, pool, 2).tolist())] += 1
    order = sorted(exact)
    observed = [seen[s] for s in order]
    expected = [exact[s] * runs for s in order]
    assert sum(observed) == runs
    assert chisquare(observed, expected).pvalue > 1e-3


def inclusion(weights: list[int], k: int) -> list[float]:
    p = [0.0] * len(weights)
    for seq, prob in successive_sampling(weights, k).items():
        for unit in seq:
            p[unit] += prob
    return p


def test_selection_frequency_per_wage_level_matches_theory() -> None:
    levels = [1, 1, 1, 2, 2, 3, 4]
    weights = rule_for(2027).weights
    w = [weights[lv] for lv in levels]
    p = inclusion(w, 3)
    runs = 6_000
    counts = Counter()
    for r in range(runs):
        keys = unit_keys(raw_stream(r.to_bytes(8, "big") + b"lvl", 1, len(w)), np.array(w))
        for unit in select(keys, np.arange(len(w)), 3).tolist():
            counts[levels[unit]] += 1
    observed = [counts[lv] for lv in (1, 2, 3, 4)]
    expected = [runs * sum(p[i] for i, lv in enumerate(levels) if lv == L) for L in (1, 2, 3, 4)]
    # A level-IV beneficiary is selected more often than a level-I one, as the rule intends.
    assert p[6] > p[3] > p[0]
    assert chisquare(observed, expected).pvalue > 1e-3


def test_random_variant_treats_every_level_alike() -> None:
    rows = pool_rows(3000)
    run = draw(frame(rows), 2026, SEED, [RoundSpec("regular", 1000), RoundSpec("advanced", 0)])
    sel = set(run.selected()["registration_id"].to_list())
    by_level = Counter(r["wage_level"] for r in rows if r["registration_id"] in sel)
    totals = Counter(r["wage_level"] for r in rows)
    rates = [by_level[lv] / totals[lv] for lv in LEVELS]
    assert max(rates) - min(rates) < 0.08  # 1000 of 3000: all near one third


# --- rounds ---------------------------------------------------------------------------


def test_regular_round_first_from_everyone_then_advanced_from_the_rest() -> None:
    rows = pool_rows(2000)
    run = draw(frame(rows), 2027, SEED, [RoundSpec("regular", 500), RoundSpec("advanced", 200)])
    sel = run.selected()
    r1 = sel.filter(pl.col("round") == 1)["registration_id"].to_list()
    r2 = sel.filter(pl.col("round") == 2)["registration_id"].to_list()
    assert len(r1) == 500 and len(r2) == 200 and not set(r1) & set(r2)
    advanced = {r["registration_id"] for r in rows if r["us_advanced_degree"] == "true"}
    assert set(r2) <= advanced
    assert set(r1) & advanced, "advanced-degree holders also compete in the regular round"
    assert run.rounds[1].pool == len(advanced - set(r1))


def test_everyone_is_selected_when_demand_does_not_exceed_the_target() -> None:
    rows = pool_rows(50)
    run = draw(frame(rows), 2027, SEED, [RoundSpec("regular", 100), RoundSpec("advanced", 10)])
    assert run.rounds[0].selected == 50 and run.rounds[1].pool == 0


def test_a_further_round_draws_only_from_the_unselected() -> None:
    rows = pool_rows(1000)
    run = draw(frame(rows), 2025, SEED, [RoundSpec("regular", 300), RoundSpec("advanced", 100)])
    result = run.run_round(RoundSpec("regular", 150))
    sel = run.selected()
    assert result.round == 3 and result.pool == 1000 - 400
    assert sel["registration_id"].n_unique() == sel.height == 550
    reveal = run.reveal()
    assert [r["round"] for r in reveal["rounds"]] == [1, 2, 3]
    assert verify(frame(rows), reveal, run.selected_csv()).ok


# --- beneficiary-centric dedupe ----------------------------------------------------------


def test_one_beneficiary_registered_by_several_employers_counts_once_at_the_lowest_level() -> None:
    rows = [
        reg(1, employer="A", passport="X1", level="IV", name="Li"),
        reg(2, employer="B", passport="X1", level="II", name="Li"),
        reg(3, employer="C", passport="x-1", level="III", name="Li"),  # same passport, spelled
        reg(4, employer="A", passport="Y2", level="IV"),
    ]
    pool = resolve(normalize(frame(rows)))
    bens = {b["beneficiary"]: b for b in pool.beneficiaries.iter_rows(named=True)}
    assert bens["IN:X1"]["level"] == 2 and bens["IN:X1"]["registrations"] == 3
    assert len(bens) == 2
    run = draw(frame(rows), 2027, SEED, [RoundSpec("regular", 1), RoundSpec("advanced", 0)])
    sel = run.selected()["registration_id"].to_list()
    assert sel in (["R000001", "R000002", "R000003"], ["R000004"])  # all of X1's, or Y2


def test_a_registrants_duplicates_for_one_beneficiary_are_all_invalid() -> None:
    rows = [
        reg(1, employer="A", passport="X1", name="Li"),
        reg(2, employer="A", passport="X1", name="Li"),
        reg(3, employer="B", passport="X1", name="Li"),
    ]
    run = draw(frame(rows), 2027, SEED, [RoundSpec("regular", 5), RoundSpec("advanced", 0)])
    status = run.status_of()
    assert status == {
        "R000001": "invalid_duplicate",
        "R000002": "invalid_duplicate",
        "R000003": "selected",
    }
    assert run.reveal()["invalid_duplicates"] == 2


def test_registration_based_years_select_registrations_not_beneficiaries() -> None:
    rows = [
        reg(1, employer="A", passport="X1", name="Li"),
        reg(2, employer="B", passport="X1", name="Li"),
    ]
    run = draw(frame(rows), 2023, SEED, [RoundSpec("regular", 1), RoundSpec("advanced", 0)])
    assert run.units.height == 2 and run.selected().height == 1


# --- bad rows -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"passport_number": ""}, "registrations:3: passport_number is missing"),
        ({"wage_level": "V"}, "registrations:3: wage_level 'V' is not one of I, II, III, IV"),
        ({"us_advanced_degree": "maybe"}, "registrations:3: column 'us_advanced_degree': 'maybe'"),
        ({"date_of_birth": "1998-02-30"}, "registrations:3: column 'date_of_birth': '1998-02-30'"),
        (
            {"registration_id": "R000000"},
            "registrations:3: registration_id 'R000000' repeats line 2",
        ),
    ],
)
def test_bad_rows_are_reported_with_their_line(change: dict, message: str) -> None:
    rows = [reg(0), {**reg(1), **change}, reg(2)]
    with pytest.raises(RegistrationError, match=None) as info:
        normalize(frame(rows))
    assert message in str(info.value)


def test_the_first_algorithm_refused_a_duplicate_with_conflicting_data_naming_both_lines() -> None:
    rows = [reg(0, passport="X1", name="Li"), reg(1), reg(2, passport="X1", name="Lee")]
    with pytest.raises(RegistrationError) as info:
        normalize(frame(rows), algorithm=ALGORITHM_V1)
    assert "registrations:4: the same passport as line 2 with conflicting family_name" in str(
        info.value
    )


def test_conflicting_identity_is_one_unit_at_the_lowest_level_advanced_only_if_all_agree() -> None:
    rows = [
        reg(0, employer="A", passport="X1", name="Li", level="IV", advanced=True),
        reg(1, employer="B", passport="X1", name="Lee", level="II", advanced=False),
        reg(2, employer="C", passport="X1", name="Li", dob="1999-01-01", level="III"),
        reg(3, employer="A", passport="Y2", advanced=True),
    ]
    regs = normalize(frame(rows))
    assert identity_conflicts(regs) == {
        "IN:X1": ["family_name", "date_of_birth", "us_advanced_degree"]
    }
    bens = {b["beneficiary"]: b for b in resolve(regs).beneficiaries.iter_rows(named=True)}
    assert (bens["IN:X1"]["level"], bens["IN:X1"]["advanced"]) == (2, False)
    run = draw(frame(rows), 2027, SEED, [RoundSpec("regular", 0), RoundSpec("advanced", 5)])
    assert set(run.selected()["registration_id"]) == {"R000003"}
    assert run.reveal()["identity_conflicts"] == 1
    assert verify(frame(rows), run.reveal(), run.selected_csv()).ok


def test_alpha3_and_alpha2_passport_countries_are_one_beneficiary() -> None:
    rows = [
        {**reg(0, employer="A", passport="X1", name="Li"), "passport_country": "IND"},
        {**reg(1, employer="B", passport="X1", name="Li"), "passport_country": "in"},
        {**reg(2, employer="C", passport="X2"), "passport_country": "XXA"},  # ICAO, kept
    ]
    pool = resolve(normalize(frame(rows)))
    assert pool.beneficiaries["beneficiary"].to_list() == ["IN:X1", "XXA:X2"]
    old = resolve(normalize(frame(rows), algorithm=ALGORITHM_V1))
    assert old.beneficiaries.height == 3


def test_a_reveal_of_the_first_algorithm_still_verifies() -> None:
    rows = frame(
        [
            {**r, "passport_country": "IND"} if i % 3 == 0 else r
            for i, r in enumerate(pool_rows(300))
        ]
    )
    rounds = [RoundSpec("regular", 80), RoundSpec("advanced", 20)]
    old = draw(rows, 2027, SEED, rounds, algorithm=ALGORITHM_V1)
    assert old.reveal()["algorithm"] == ALGORITHM_V1 and "identity_conflicts" not in old.reveal()
    assert verify(rows, old.reveal(), old.selected_csv()).ok
    new = draw(rows, 2027, SEED, rounds)
    assert new.reveal()["algorithm"] == ALGORITHM
    assert not verify(rows, {**old.reveal(), "algorithm": ALGORITHM}, old.selected_csv()).ok


# --- verifiability ------------------------------------------------------------------------


@pytest.fixture
def published() -> tuple[pl.DataFrame, dict, bytes]:
    rows = frame(pool_rows(800))
    run = draw(rows, 2027, SEED, [RoundSpec("regular", 200), RoundSpec("advanced", 60)])
    return rows, run.reveal(), run.selected_csv()


def test_an_honest_run_verifies(published) -> None:
    rows, reveal, selected = published
    assert reveal["commitment"] == commitment(SEED)
    result = verify(rows, reveal, selected, commitment(SEED))
    assert result.ok, result.problems


def test_the_same_seed_and_list_always_give_the_same_bytes(published) -> None:
    rows, _, selected = published
    shuffled = rows.sample(fraction=1.0, shuffle=True, seed=3)  # input order does not matter
    again = draw(shuffled, 2027, SEED, [RoundSpec("regular", 200), RoundSpec("advanced", 60)])
    assert again.selected_csv() == selected


def test_tampering_with_one_registration_is_detected(published) -> None:
    rows, reveal, selected = published
    tampered = rows.with_columns(
        pl.when(pl.col("registration_id") == "R000010")
        .then(pl.lit("IV"))
        .otherwise(pl.col("wage_level"))
        .alias("wage_level")
    )
    if rows.filter(pl.col("registration_id") == "R000010")["wage_level"][0] == "IV":
        tampered = tampered.with_columns(
            pl.when(pl.col("registration_id") == "R000010")
            .then(pl.lit("I"))
            .otherwise(pl.col("wage_level"))
            .alias("wage_level")
        )
    result = verify(tampered, reveal, selected)
    assert not result.ok
    assert any("registration list differs" in p for p in result.problems)


def test_a_different_seed_is_detected(published) -> None:
    rows, reveal, selected = published
    forged = {**reveal, "seed": bytes(reversed(SEED)).hex()}
    result = verify(rows, forged, selected, commitment(SEED))
    assert not result.ok
    assert any("does not match the commitment" in p for p in result.problems)


def test_a_reordered_selection_list_is_detected_and_located(published) -> None:
    rows, reveal, selected = published
    lines = selected.decode().split("\n")
    lines[3], lines[4] = lines[4], lines[3]
    result = verify(rows, reveal, "\n".join(lines).encode())
    assert not result.ok
    assert "selection list differs at line 4" in result.problems[0]


def test_an_edited_selection_row_is_detected(published) -> None:
    rows, reveal, selected = published
    result = verify(rows, reveal, selected.replace(b"R0000", b"R9999", 1))
    assert not result.ok and "differs at line" in result.problems[-1]


def test_a_stored_run_can_be_reverified(tmp_path: Path) -> None:
    run = draw(
        frame(pool_rows(300)), 2027, SEED, [RoundSpec("regular", 80), RoundSpec("advanced", 20)]
    )
    store = RunStore(tmp_path)
    folder = store.save(run, "fy2027-r1")
    assert store.verify("fy2027-r1").ok
    reveal = json.loads((folder / "reveal.json").read_text())
    assert reveal["seed"] == SEED.hex() and reveal["algorithm"] == "talentvisa-select/2"
    sel = folder / "selected.csv"
    sel.write_bytes(sel.read_bytes()[:-20])
    assert not store.verify("fy2027-r1").ok


def test_beneficiaries_are_in_canonical_byte_order() -> None:
    rows = [reg(i, passport=p) for i, p in enumerate(["b2", "B10", "a9", "Z1", "B1", "a10"])]
    keys = resolve(normalize(frame(rows))).beneficiaries["beneficiary"].to_list()
    assert keys == sorted(keys, key=lambda k: k.encode("utf-8"))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["E1", "E2", "E3"]),
            st.sampled_from(["IN", "IND", "in", "US", "USA"]),
            st.sampled_from(["P10001", "P10002", "P10003"]),
            st.sampled_from(["Li", "Lee", "Lí"]),
            st.sampled_from(["1990-01-01", "1991-02-03"]),
            st.sampled_from(LEVELS),
            st.booleans(),
        ),
        min_size=1,
        max_size=25,
    ),
    st.integers(0, 10),
    st.integers(0, 10),
)
def test_any_registrations_the_api_accepts_can_be_drawn(
    rows: list[tuple[str, str, str, str, str, str, bool]], regular: int, advanced: int
) -> None:
    regs = [
        {
            **reg(i, employer=e, passport=p, name=n, dob=d, level=lvl, advanced=adv),
            "passport_country": c,
        }
        for i, (e, c, p, n, d, lvl, adv) in enumerate(rows)
    ]
    run = draw(
        frame(regs), 2027, SEED, [RoundSpec("regular", regular), RoundSpec("advanced", advanced)]
    )
    # IN/IND and US/USA share their first two letters: that is the alpha-2 code here.
    per_registrant = Counter((e, c.upper()[:2], p) for e, c, p, *_ in rows)
    passports = {(c, p) for _, c, p in per_registrant}
    valid = {(c, p) for (_, c, p), n in per_registrant.items() if n == 1}
    assert run.units.height == len(valid) <= len(passports)
    assert set(run.status_of().values()) <= {"selected", "not_selected", "invalid_duplicate"}
    assert verify(frame(regs), run.reveal(), run.selected_csv()).ok
