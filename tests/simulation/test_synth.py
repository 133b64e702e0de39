from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

import talentvisa
from talentvisa.cli.main import app
from talentvisa.rules.errors import PopulationError
from talentvisa.rules.yamlfile import ProgramFileError
from talentvisa.simulation.calibrate import calibrate
from talentvisa.simulation.synth import PopulationModel

MODEL = """\
name: small
total:
  value: 1000
  source: https://example.org/total
  read: 2026-12-07
marginals:
  wage_level:
    source: https://example.org/wages
    read: 2026-12-07
    shares: {1: 0.5, 2: 0.3, 3: 0.15, 4: 0.05}
  us_advanced_degree:
    source: https://example.org/degree
    read: 2026-12-07
    derived: true
    shares: {true: 0.4, false: 0.6}
"""

SHIPPED = Path(talentvisa.__file__).parent / "data" / "populations" / "h1b-fy2027.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "model.yaml"
    path.write_text(text)
    return path


def test_synthesized_people_follow_the_marginals_and_sum_to_the_total(tmp_path: Path) -> None:
    model = PopulationModel.load(write(tmp_path, MODEL))
    people = model.synthesize(20_000, seed=7)
    assert people.height == 20_000
    assert people["weight"].sum() == pytest.approx(1000)
    assert (people["wage_level"] == 1).mean() == pytest.approx(0.5, abs=0.015)
    assert people["us_advanced_degree"].mean() == pytest.approx(0.4, abs=0.015)
    assert model.synthesize(100, seed=7).equals(model.synthesize(100, seed=7))


def test_a_share_table_that_does_not_sum_to_one_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, MODEL.replace("4: 0.05", "4: 0.25"))
    with pytest.raises(ProgramFileError) as caught:
        PopulationModel.load(path)
    assert (
        str(caught.value) == f"{path}:10: marginals.wage_level.shares: shares sum to 1.2000, not 1"
    )


def test_a_marginal_without_a_source_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, MODEL.replace("    source: https://example.org/degree\n", ""))
    with pytest.raises(
        ProgramFileError, match=r"model.yaml:\d+: marginals.us_advanced_degree.source"
    ):
        PopulationModel.load(path)


def test_raking_meets_every_target_of_a_skewed_sample(tmp_path: Path) -> None:
    model = PopulationModel.load(write(tmp_path, MODEL))
    skewed = pl.DataFrame(
        {
            "wage_level": [1, 1, 2, 3, 4, 2, 1, 3] * 50,
            "us_advanced_degree": [True, False, False, True, True, False, False, False] * 50,
        }
    )
    result = calibrate(skewed, model)
    assert result.max_relative_error < 1e-6
    assert result.frame["weight"].sum() == pytest.approx(1000)
    level_one = result.frame.filter(pl.col("wage_level") == 1)["weight"].sum()
    assert level_one == pytest.approx(500)
    advanced = result.frame.filter(pl.col("us_advanced_degree"))["weight"].sum()
    assert advanced == pytest.approx(400)


def test_a_target_no_person_can_meet_is_refused(tmp_path: Path) -> None:
    model = PopulationModel.load(write(tmp_path, MODEL))
    only_low = pl.DataFrame({"wage_level": [1, 2, 3], "us_advanced_degree": [True, False, True]})
    with pytest.raises(PopulationError, match="wage_level: no person has 4"):
        calibrate(only_low, model)


def test_the_shipped_fy2027_model_loads_with_a_source_for_every_marginal() -> None:
    model = PopulationModel.load(SHIPPED)
    assert model.total == 211_600
    assert {m.column for m in model.marginals} == {"us_advanced_degree", "country_of_birth"}
    assert all(m.source.startswith("https://") and m.derived for m in model.marginals)


def test_cli_synth_then_calibrate_prints_the_max_relative_error(tmp_path: Path) -> None:
    people = tmp_path / "people.parquet"
    drawn = CliRunner().invoke(
        app,
        [
            "population",
            "synth",
            "--model",
            str(SHIPPED),
            "--n",
            "2000",
            "--seed",
            "3",
            "--out",
            str(people),
        ],
    )
    assert drawn.exit_code == 0, drawn.output
    assert pl.read_parquet(people)["weight"].sum() == pytest.approx(211_600)
    raked = tmp_path / "raked.parquet"
    result = CliRunner().invoke(
        app,
        [
            "population",
            "calibrate",
            "--model",
            str(SHIPPED),
            "--population",
            str(people),
            "--out",
            str(raked),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "max relative error" in result.output
    frame = pl.read_parquet(raked)
    india = frame.filter(pl.col("country_of_birth") == "IN")["weight"].sum()
    assert india == pytest.approx(0.7096 * 211_600, rel=1e-5)


def test_cli_names_the_file_and_line_of_a_bad_model(tmp_path: Path) -> None:
    path = write(tmp_path, MODEL.replace("value: 1000", "value: -1"))
    result = CliRunner().invoke(
        app, ["population", "synth", "--model", str(path), "--out", str(tmp_path / "p.parquet")]
    )
    assert result.exit_code == 2
    assert f"{path}:3: total.value: must be a number > 0" in result.output
