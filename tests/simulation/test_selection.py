from pathlib import Path

import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

import talentvisa
from talentvisa.cli.main import app
from talentvisa.lottery.odds import Group, odds
from talentvisa.rules.errors import PopulationError
from talentvisa.simulation.selection import (
    SelectionError,
    baseline,
    selection_odds,
    selections_by,
    us_h1b_caps,
    with_block,
)

WHATIF = Path(talentvisa.__file__).parent / "data" / "whatifs" / "cap-130000-random.yaml"

PEOPLE = pl.DataFrame(
    {
        "wage_level": [1, 2, 3, 4, 1, 2, 3, 4],
        "us_advanced_degree": [False] * 4 + [True] * 4,
        "nationality": ["IN", "IN", "CN", "other", "IN", "CN", "CN", "other"],
        "weight": [60_000.0, 50_000, 20_000, 10_000, 30_000, 25_000, 10_000, 5_000],
    }
)


def test_the_fy2027_baseline_gives_the_odds_of_the_lottery_library() -> None:
    fy2027 = baseline(2027, 65_000, 20_000)
    assert fy2027.weights == {1: 1, 2: 2, 3: 3, 4: 4}
    got = selection_odds(PEOPLE, fy2027)["p_selected"].to_list()
    groups = [
        Group(level, adv, int(w))
        for level, adv, w in zip(
            PEOPLE["wage_level"], PEOPLE["us_advanced_degree"], PEOPLE["weight"], strict=True
        )
    ]
    expected = [g.p_overall for g in odds(groups, fy2027.weights, 65_000, 20_000)]
    assert got == pytest.approx(expected, rel=1e-9)
    selected = (selection_odds(PEOPLE, fy2027)["p_selected"] * PEOPLE["weight"]).sum()
    assert selected == pytest.approx(85_000, rel=1e-6)


def test_the_shipped_what_if_doubles_the_regular_cap_with_equal_entries() -> None:
    block = yaml.safe_load(WHATIF.read_text())["selection"]
    reform = with_block(baseline(2027, 65_000, 20_000), block)
    assert (reform.regular_cap, reform.advanced_cap) == (130_000, 20_000)
    result = selection_odds(PEOPLE, reform)
    assert (result["p_selected"] * result["weight"]).sum() == pytest.approx(150_000, rel=1e-6)
    # Random selection: everyone without the degree has one rate, whatever the wage level.
    regular = result.filter(~pl.col("us_advanced_degree"))["p_selected"].to_list()
    assert regular == pytest.approx([regular[0]] * 4, rel=1e-12)
    by_nationality = selections_by(result, "nationality")
    assert by_nationality["nationality"].to_list() == ["CN", "IN", "other"]
    assert by_nationality["people"].sum() == pytest.approx(PEOPLE["weight"].sum())


def test_regular_first_gives_the_advanced_degree_holders_better_odds() -> None:
    base = baseline(2026, 65_000, 20_000)
    flipped = with_block(base, {"round_order": "advanced_first"})
    adv = pl.col("us_advanced_degree")
    before = selection_odds(PEOPLE, base).filter(adv)["p_selected"].mean()
    after = selection_odds(PEOPLE, flipped).filter(adv)["p_selected"].mean()
    assert isinstance(before, float) and isinstance(after, float)
    # DHS (2019 rule): running the regular round first raises advanced-degree selections.
    assert after < before


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ({"regular_cap": -1}, "selection.regular_cap: -1 is not a whole number >= 0"),
        ({"weights": {1: 1, 2: 2}}, "selection.weights: must give entries for wage levels"),
        ({"round_order": "sideways"}, "selection.round_order: 'sideways' is not regular_first"),
        ({"beneficiary_centric": "maybe"}, "selection.beneficiary_centric: 'maybe' is not true/"),
        ({"caps": 1}, "selection.caps: unknown key"),
    ],
)
def test_a_bad_selection_block_names_its_field(block: dict[str, object], message: str) -> None:
    with pytest.raises(SelectionError, match=message):
        with_block(baseline(2027, 65_000, 20_000), block)


@pytest.mark.parametrize(
    ("written", "read"), [("yes", True), ("No", False), (1, True), ("0", False)]
)
def test_selection_booleans_follow_the_files_one_convention(written: object, read: bool) -> None:
    base = baseline(2027, 65_000, 20_000)
    assert with_block(base, {"beneficiary_centric": written}).beneficiary_centric is read


def test_a_population_without_wage_levels_is_refused() -> None:
    with pytest.raises(PopulationError, match="no column 'wage_level'"):
        selection_odds(PEOPLE.drop("wage_level"), baseline(2027, 65_000, 20_000))


def test_the_baseline_caps_are_us_h1b_parameters() -> None:
    assert us_h1b_caps(2027) == (65_000, 20_000)


def test_cli_select_reports_baseline_and_what_if_by_nationality(tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    PEOPLE.write_csv(people)
    args = ["population", "select", "--population", str(people), "--whatif", str(WHATIF)]
    result = CliRunner().invoke(app, [*args, "--by", "nationality"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    expected = selections_by(
        selection_odds(
            PEOPLE,
            with_block(
                baseline(2027, 65_000, 20_000),
                {"regular_cap": 130_000, "weights": {1: 1, 2: 1, 3: 1, 4: 1}},
            ),
        ),
        "nationality",
    )
    for nationality, selected in zip(expected["nationality"], expected["selected"], strict=True):
        line = next(x for x in result.output.splitlines() if f" {nationality} " in x)
        assert f"{selected:,.0f}" in line
    refused = CliRunner().invoke(app, [*args, "--by", "age"])
    assert refused.exit_code == 2
    assert "--by: " in refused.output and "no column 'age'" in refused.output
