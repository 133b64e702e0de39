"""The portal's shipped what-if: the cap-130,000 reform over a small seeded synthetic population.

Everything here is a file in the package, so the page's figures are exactly what the commands
in ``commands()`` print from a checkout of the repository.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from talentvisa.rules.yamlfile import read_yaml
from talentvisa.simulation.charts import selection_png
from talentvisa.simulation.selection import compared
from talentvisa.simulation.synth import PopulationModel

DATA = Path(__file__).resolve().parent.parent / "data"
MODEL = DATA / "populations" / "h1b-fy2027-illustrative.yaml"
WHATIF = DATA / "whatifs" / "cap-130000-random.yaml"
PEOPLE = 2_000  # enough for every (level, degree, country) cell; seconds to compute
SEED = 1
ON = "2026-03-01"  # the FY2027 registration window opened in March 2026
BY = "country_of_birth"


@dataclass(frozen=True)
class ShippedWhatIf:
    title: str
    season: str
    by_country: pl.DataFrame
    by_level: pl.DataFrame
    chart_png: bytes


def commands() -> list[str]:
    """The commands that reproduce the page, run from a checkout of the repository."""
    model, whatif = (str(p.relative_to(DATA.parent.parent.parent)) for p in (MODEL, WHATIF))
    return [
        f"talentvisa population synth --model {model} --n {PEOPLE} --seed {SEED}"
        " --out people.parquet",
        f"talentvisa simulate people.parquet --reform {whatif} --on {ON} --by {BY} --plot charts",
        f"talentvisa population select --population people.parquet --whatif {whatif}"
        " --by wage_level",
    ]


def compute() -> ShippedWhatIf:
    """The figures and chart of the page (about a second; the page caches them)."""
    data, _ = read_yaml(WHATIF)
    people = PopulationModel.load(MODEL).synthesize(PEOPLE, SEED)
    season, block = str(data["season"]), data["selection"]
    by_level = compared(people, season, block, "wage_level")
    return ShippedWhatIf(
        title=str(data["title"]),
        season=season,
        by_country=compared(people, season, block, BY),
        by_level=by_level,
        chart_png=selection_png(by_level, str(data["title"])),
    )
