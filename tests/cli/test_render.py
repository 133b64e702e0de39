"""Steps of render.program_detail (cli/render.py) checked alone."""

from __future__ import annotations

from talentvisa.cli.render import factor_scoring
from talentvisa.rules.model import Factor

TEXT = {"en": "t", "zh": "t"}


def test_bands_read_as_half_open_ranges_with_open_ends_infinite() -> None:
    f = Factor.model_validate(
        {
            "label": TEXT,
            "cap": 20,
            "input": "hsk_level",
            "bands": [
                {"below": 3, "points": 0},
                {"at_least": 3, "below": 5, "points": 10},
                {"at_least": 5, "points": 20.5},
            ],
            "source": ["s"],
        }
    )
    assert factor_scoring(f) == "hsk_level: [-∞, 3.0) → 0; [3.0, 5.0) → 10; [5.0, ∞) → 20.5"


def test_rules_and_formulas_name_how_they_combine() -> None:
    rules = Factor.model_validate(
        {
            "label": TEXT,
            "cap": 10,
            "rules": [{"when": "has_patents", "points": 5}, {"when": "has_spouse", "points": 2}],
            "combine": "sum",
            "source": ["s"],
        }
    )
    assert factor_scoring(rules) == "sum of: has_patents → 5; has_spouse → 2"
    formula = Factor.model_validate(
        {"label": TEXT, "cap": 10, "formula": "hsk_level * 2", "source": ["s"]}
    )
    assert factor_scoring(formula) == "formula: hsk_level * 2"
