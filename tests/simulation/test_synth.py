from pathlib import Path

import polars as pl
import pytest

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
