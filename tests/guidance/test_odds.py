"""This person's H-1B chance from the pool models: by wage level and degree, equal to
`talentvisa lottery odds` on the same pool, and each pool's calibration to what it cites."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from talentvisa.guidance.odds import Chance, SelectionOdds, chance
from talentvisa.guidance.pool import load_pools, shipped_pools
from talentvisa.guidance.words import eligible_words, odds_words
from talentvisa.i18n import Lang
from talentvisa.lottery.odds import odds
from talentvisa.lottery.rules import rule_for
from talentvisa.rules.yamlfile import ProgramFileError

ROOT = Path(__file__).resolve().parents[2]
SEASON = shipped_pools().season("FY2027")


def test_the_chance_rises_with_the_wage_level_for_each_degree() -> None:
    for advanced in (True, False):
        p = [chance(level, advanced).used.odds.p_overall for level in (1, 2, 3, 4)]  # type: ignore[union-attr]
        assert p == sorted(p) and p[0] < p[3] / 2, p


def test_a_us_advanced_degree_adds_the_second_round() -> None:
    for level in (1, 2, 3, 4):
        with_degree = chance(level, True).used
        without = chance(level, False).used
        assert with_degree is not None and without is not None
        assert without.odds.p_round2 == 0
        assert with_degree.odds.p_round2 > 0
        assert with_degree.odds.p_round1 == pytest.approx(without.odds.p_round1)
        assert with_degree.odds.p_overall > without.odds.p_overall


def test_weighting_beats_the_linear_estimate_at_level_iv_and_matches_it_near_17_at_level_i() -> (
    None
):
    # DHS's linear estimate is 15.29% x entries: 61.16% at level IV. Exact sampling without
    # replacement cannot select four entries of one person four times, so level IV is lower.
    pool = SEASON.pool("dhs-concentrated")
    result = odds(pool.lottery_groups(), rule_for(2027).weights, 90740, 27920)
    total = sum(o.group.count for o in result)
    by_level = {
        lvl: sum(o.group.count * o.p_overall for o in result if o.group.wage_level == lvl)
        / sum(o.group.count for o in result if o.group.wage_level == lvl)
        for lvl in (1, 2, 3, 4)
    }
    assert sum(o.group.count * o.p_overall for o in result) / total == pytest.approx(0.2959, 1e-3)
    assert 0.16 < by_level[1] < 0.19  # the "about 17% at level I"
    assert by_level[4] < 0.6116


@pytest.mark.parametrize("pool_id", ["dhs-concentrated", "dhs-spread"])
def test_each_dhs_pool_keeps_dhs_average_of_entries(pool_id: str) -> None:
    pool = SEASON.pool(pool_id)
    entries = sum(g.wage_level * g.count for g in pool.groups) / pool.size
    assert entries == pytest.approx(29.59 / 15.29, abs=2e-3)
    assert (pool.targets.regular + pool.targets.advanced) / pool.size == pytest.approx(
        0.2959, abs=1e-4
    )


def test_the_fy2027_pool_reproduces_what_uscis_published() -> None:
    pool = SEASON.pool("fy2027-published")
    result = odds(
        pool.lottery_groups(), rule_for(2027).weights, pool.targets.regular, pool.targets.advanced
    )
    selected = sum(o.group.count * o.p_overall for o in result)
    level1 = sum(o.group.count * o.p_overall for o in result if o.group.wage_level == 1)
    advanced = sum(o.group.count * o.p_overall for o in result if o.group.advanced)
    assert pool.size == 211_600
    assert level1 / selected == pytest.approx(0.177, abs=0.005)
    assert advanced / selected == pytest.approx(0.715, abs=0.005)


def test_the_chance_equals_talentvisa_lottery_odds_on_the_same_pool(cli) -> None:
    pool = SEASON.pool(SEASON.default)
    flags = [
        a
        for g in pool.groups
        for a in ("--count", f"{g.wage_level}:{'yes' if g.us_advanced_degree else 'no'}:{g.count}")
    ]
    r = cli(
        "lottery",
        "odds",
        *flags,
        "--regular-target",
        str(pool.targets.regular),
        "--advanced-target",
        str(pool.targets.advanced),
        "--season",
        SEASON.season,
        "--runs",
        "2",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)["groups"]
    levels = {"I": 1, "II": 2, "III": 3, "IV": 4}
    assert len(rows) == 8
    for row in rows:
        mine = chance(levels[row["wage_level"]], row["advanced"]).used
        assert mine is not None and mine.pool.id == pool.id
        assert mine.odds.p_round1 == pytest.approx(row["round1"], abs=1e-12)
        assert mine.odds.p_round2 == pytest.approx(row["round2"], abs=1e-12)
        assert mine.odds.p_overall == pytest.approx(row["overall"], abs=1e-12)


def test_an_unanswered_wage_level_gives_the_range_over_every_level() -> None:
    c = chance(None, False)
    assert c.used is None
    assert c.low == pytest.approx(chance(1, False).low)
    assert c.high == pytest.approx(chance(4, False).high)
    said = odds_words(selection_odds_of(c), Lang("en"))
    assert "depending on your wage level" in said and "FY2027" in said


def selection_odds_of(c: Chance) -> SelectionOdds:
    return SelectionOdds("modelled", c)


def test_words_name_the_chance_season_and_pool_in_both_languages() -> None:
    c = chance(2, False)
    assert c.used is not None
    en = odds_words(selection_odds_of(c), Lang("en"))
    zh = odds_words(selection_odds_of(c), Lang("zh_Hans"))
    assert f"{c.used.odds.p_overall:.1%}" in en and "FY2027" in en
    assert c.used.pool.label.en in en and c.used.pool.label.zh in zh
    assert "across 3 pool assumptions" in en
    assert "round 1 only" not in zh and "FY2027" in zh
    assert "An employer can petition for you; selection chance" in (
        eligible_words(selection_odds_of(c), Lang("en")) or ""
    )


def test_a_bad_pool_file_is_refused_with_its_line(tmp_path: Path) -> None:
    text = (ROOT / "src/talentvisa/data/h1b_pools.yaml").read_text("utf-8")
    bad = tmp_path / "pools.yaml"
    bad.write_text(
        text.replace(
            "wage_level: 3, us_advanced_degree: true", "wage_level: 5, us_advanced_degree: true", 1
        ),
        "utf-8",
    )
    with pytest.raises(ProgramFileError) as err:
        load_pools(bad)
    line = next(
        i for i, t in enumerate(bad.read_text("utf-8").splitlines(), 1) if "wage_level: 5" in t
    )
    assert f"{bad}:{line}: seasons.0.pools.0.groups.4.wage_level" in str(err.value)


def test_capped_programs_without_a_model_say_so(cli) -> None:
    r = cli("compare", "examples/indian-stem-graduate.yaml", "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)["summary"]
    assert summary["uk-hpi"]["Selection"] == "Capped, odds not modelled"
    h1b = summary["us-h1b"]
    # Priya: wage level II, no US advanced degree (her master's is from India).
    expected = chance(2, False).used
    assert expected is not None
    assert h1b["Selection"].startswith(f"{expected.odds.p_overall:.1%} (round 1 only")
    assert "FY2027" in h1b["Selection"] and expected.pool.label.en in h1b["Selection"]
    assert "An employer can petition for you; selection chance" in h1b["Eligibility"]
    assert summary["de-opportunity-card"]["Selection"] == "No capped selection"
