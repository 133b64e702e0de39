"""Rake a population's weights to a PopulationModel's marginals (iterative proportional fitting).

Each pass scales the weights so one column's weighted shares, times the model's total, meet
that column's targets; passes repeat until every target is met within the tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from talentvisa.rules.errors import PopulationError
from talentvisa.simulation.synth import PopulationModel


@dataclass(frozen=True)
class TargetCheck:
    column: str
    value: object
    target: float
    achieved: float

    @property
    def relative_error(self) -> float:
        return abs(self.achieved - self.target) / self.target if self.target else 0.0


@dataclass(frozen=True)
class Calibration:
    frame: pl.DataFrame
    checks: tuple[TargetCheck, ...]
    iterations: int

    @property
    def max_relative_error(self) -> float:
        return max((c.relative_error for c in self.checks), default=0.0)


def calibrate(
    frame: pl.DataFrame,
    model: PopulationModel,
    tolerance: float = 1e-6,
    max_iterations: int = 200,
) -> Calibration:
    """The frame with its `weight` column raked to the model (1 per row when absent)."""
    weight = (
        frame["weight"].cast(pl.Float64).to_numpy().copy()
        if "weight" in frame.columns
        else np.ones(frame.height)
    )
    cells: list[tuple[str, object, np.ndarray, float]] = []
    for marginal in model.marginals:
        if marginal.column not in frame.columns:
            raise PopulationError(f"population has no column {marginal.column!r} to calibrate")
        column = frame[marginal.column]
        for value, share in marginal.shares.items():
            mask = (column == value).fill_null(False).to_numpy()
            if share > 0 and not mask.any():
                raise PopulationError(
                    f"{marginal.column}: no person has {value!r}, so its share cannot be met"
                )
            cells.append((marginal.column, value, mask, share * model.total))
    iterations = 0
    while iterations < max_iterations:
        iterations += 1
        for _, _, mask, target in cells:
            current = weight[mask].sum()
            if current > 0:
                weight[mask] *= target / current
        if max(_error(weight, m, t) for _, _, m, t in cells) <= tolerance:
            break
    checks = tuple(
        TargetCheck(column, value, target, float(weight[mask].sum()))
        for column, value, mask, target in cells
    )
    return Calibration(frame.with_columns(pl.Series("weight", weight)), checks, iterations)


def _error(weight: np.ndarray, mask: np.ndarray, target: float) -> float:
    return abs(weight[mask].sum() - target) / target if target else 0.0
