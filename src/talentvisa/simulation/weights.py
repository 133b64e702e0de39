"""Survey weights: how many people each row stands for, and how sure a weighted share is.

A population may carry a ``weight`` column (a float > 0; 1 for every row when absent): a row of
weight 250 stands for 250 people. Every count, share and change of a run is a sum of weights.

Weights are summed in millionths, as integers, so the totals are exact and the same however
the rows are split into partitions (the local and the Dask backends split them differently, and
a float sum depends on its order).

The interval of a weighted share is Wilson's score interval (Wilson 1927, JASA 22:209-212,
https://doi.org/10.1080/01621459.1927.10502953) with the sample size replaced by Kish's
effective sample size n_eff = (sum w)^2 / sum w^2 (Kish 1965, *Survey Sampling*, ch. 11.7),
which is n when every weight is equal. It treats the rows as a simple random sample of the
people they stand for: a statement about sampling error only, not about how the weights or the
population were built (a synthetic population has no sampling error to speak of).
"""

from __future__ import annotations

import math

import polars as pl

from talentvisa.rules.errors import PopulationError

WEIGHT = "weight"
MICRO = 1_000_000  # weights are summed in millionths
Z95 = 1.959963984540054  # the standard normal's 97.5% quantile: a 95% two-sided interval


def weighted(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with a weight column: its own, or 1 for every row."""
    if WEIGHT in frame.columns:
        return frame
    return frame.with_columns(pl.lit(1.0, dtype=pl.Float64).alias(WEIGHT))


def checked_weights(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its weight column as Float64; raise PopulationError for a bad weight."""
    if WEIGHT not in frame.columns:
        return frame
    weights = frame[WEIGHT].cast(pl.Float64, strict=False)
    bad = ~(weights.is_finite() & (weights > 0)).fill_null(False)
    if bad.any():
        row = int(bad.arg_true()[0])
        raise PopulationError(
            f"column {WEIGHT!r}, row {row + 1}: {frame[WEIGHT][row]!r} is not a number above 0"
        )
    return frame.with_columns(weights.alias(WEIGHT))


def sums(where: pl.Expr | None = None) -> list[pl.Expr]:
    """Aggregations that add up across partitions: rows, weight (millionths), weight squared.

    They read the weight column (see ``weighted``). With ``where``, only the rows where it
    holds are counted (0 when none do).
    """
    w = pl.col(WEIGHT)
    micro = (w * MICRO).round(0).cast(pl.Int64)
    square = w * w
    count = pl.len().cast(pl.Int64)
    if where is not None:
        micro, square, count = micro.filter(where), square.filter(where), where.cast(pl.Int64)
    return [
        count.sum().cast(pl.Int64).alias("count") if where is not None else count.alias("count"),
        micro.sum().cast(pl.Int64).alias("weight"),
        square.sum().cast(pl.Float64).alias("weight_sq"),
    ]


def effective_n(weight: float, weight_sq: float) -> float:
    """Kish's effective sample size of rows whose weights sum to ``weight``."""
    return weight * weight / weight_sq if weight_sq > 0 else 0.0


def wilson(share: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for a proportion ``share`` seen in (effectively) ``n`` rows."""
    if n <= 0:
        return (0.0, 1.0)
    z2 = z * z
    centre = (share + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(share * (1 - share) / n + z2 / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))
