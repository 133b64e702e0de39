"""The Summary of a run: outcomes per program under each scenario, and who changed.

Partitions return counts that add up; the summary is computed from their sum alone, so it is
the same whichever backend and partitioning produced them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from talentvisa.simulation.partition import GROUP, OUTCOMES
from talentvisa.simulation.weights import MICRO, effective_n, wilson

SCENARIOS = ("baseline", "reform")
VALUES = ("count", "weight", "weight_sq")  # what partitions return, summed (weights.sums)


def add_up(frames: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """Sum the value columns of count frames over their other columns."""
    df = pl.concat(frames, how="vertical_relaxed")
    values = [c for c in VALUES if c in df.columns]
    keys = [c for c in df.columns if c not in values]
    if not keys:
        return df.select(pl.col(values).sum())
    return df.group_by(keys).agg(pl.col(values).sum())


def _people(micro: pl.Expr) -> pl.Expr:
    return (micro.sum() / MICRO).cast(pl.Float64)


@dataclass(frozen=True)
class Summary:
    """Weighted counts (``people``, per outcome) beside the rows they come from (``n``).

    Without a weight column every row weighs 1 and the two agree.
    """

    people: float  # weighted
    n: int  # rows
    programs: tuple[str, ...]
    by: str | None
    # [group], program, scenario, n, people, weight_sq, then per outcome o: o (weighted), o_n
    outcomes: pl.DataFrame
    # [group], program, from, to, n, people (only from != to)
    changes: pl.DataFrame
    # [group], n, people: those whose outcome changed in at least one program
    changed: pl.DataFrame

    @classmethod
    def of(
        cls,
        transitions: pl.DataFrame,
        changed: pl.DataFrame,
        programs: Sequence[str],
        by: str | None,
        people: int,
    ) -> Summary:
        order = {p: i for i, p in enumerate(programs)}
        group = [GROUP] if by is not None else []
        rank = pl.col("program").replace_strict(order, return_dtype=pl.Int64)
        per_scenario = []
        for scenario in SCENARIOS:
            per_scenario.append(
                transitions.group_by([*group, "program"]).agg(
                    pl.lit(scenario).alias("scenario"),
                    pl.col("count").sum().cast(pl.Int64).alias("n"),
                    _people(pl.col("weight")).alias("people"),
                    pl.col("weight_sq").sum().cast(pl.Float64),
                    *[
                        _people(pl.col("weight").filter(pl.col(scenario) == o)).alias(o)
                        for o in OUTCOMES
                    ],
                    *[
                        pl.col("count")
                        .filter(pl.col(scenario) == o)
                        .sum()
                        .cast(pl.Int64)
                        .alias(f"{o}_n")
                        for o in OUTCOMES
                    ],
                )
            )
        outcomes = (
            pl.concat(per_scenario)
            .with_columns(rank.alias("_rank"))
            .sort([*group, "_rank", "scenario"], nulls_last=True)
            .drop("_rank")
            .select(
                *group,
                "program",
                "scenario",
                "n",
                "people",
                "weight_sq",
                *OUTCOMES,
                *[f"{o}_n" for o in OUTCOMES],
            )
        )
        changes = (
            transitions.filter(pl.col("baseline") != pl.col("reform"))
            .rename({"baseline": "from", "reform": "to", "count": "n"})
            .with_columns(rank.alias("_rank"), (pl.col("weight") / MICRO).alias("people"))
            .sort([*group, "_rank", "from", "to"], nulls_last=True)
            .drop("_rank")
            .select(*group, "program", "from", "to", "n", "people")
        )
        changed_people = changed.select(
            *group,
            pl.col("count").cast(pl.Int64).alias("n"),
            (pl.col("weight") / MICRO).alias("people"),
        )
        if group:
            changed_people = changed_people.sort(group, nulls_last=True)
        # every program's transitions cover everyone: the first one's weights are the total
        first = transitions.filter(program=programs[0]) if programs else transitions.clear()
        total = int(first["weight"].sum()) / MICRO
        return cls(total, people, tuple(programs), by, outcomes, changes, changed_people)

    @property
    def people_changed(self) -> float:
        """Weighted: the people whose outcome changes in at least one program."""
        return float(self.changed["people"].sum())

    @property
    def n_changed(self) -> int:
        return int(self.changed["n"].sum())

    def interval(self, row: dict[str, Any], outcome: str) -> tuple[float, float]:
        """The 95% interval of an outcomes row's weighted share of ``outcome`` (weights.py)."""
        share = row[outcome] / row["people"] if row["people"] else 0.0
        return wilson(share, effective_n(row["people"], row["weight_sq"]))

    def as_json(self) -> dict[str, Any]:
        """Plain data, in a fixed order; weighted figures and shares rounded to 6 digits."""

        def group_of(row: dict[str, Any]) -> dict[str, Any]:
            return {"group": _plain(row[GROUP])} if self.by is not None else {}

        outcomes = [
            {
                **group_of(r),
                "program": r["program"],
                "scenario": r["scenario"],
                "people": _number(r["people"]),
                "n": r["n"],
                "n_effective": _number(effective_n(r["people"], r["weight_sq"])),
                **{o: _number(r[o]) for o in OUTCOMES},
                "n_by_outcome": {o: r[f"{o}_n"] for o in OUTCOMES},
                "share": {o: _share(r[o], r["people"]) for o in OUTCOMES},
                "interval_95": {o: [_number(x) for x in self.interval(r, o)] for o in OUTCOMES},
            }
            for r in self.outcomes.iter_rows(named=True)
        ]
        changes = [
            {
                **group_of(r),
                "program": r["program"],
                "from": r["from"],
                "to": r["to"],
                "people": _number(r["people"]),
                "n": r["n"],
            }
            for r in self.changes.iter_rows(named=True)
        ]
        changed = [
            {**group_of(r), "people": _number(r["people"]), "n": r["n"]}
            for r in self.changed.iter_rows(named=True)
        ]
        return {
            "people": _number(self.people),
            "n": self.n,
            "by": self.by,
            "weights": WEIGHTS_NOTE,
            "outcomes": outcomes,
            "changes": changes,
            "people_changed": changed if self.by is not None else _number(self.people_changed),
            "n_changed": self.n_changed,
        }


WEIGHTS_NOTE = (
    "people, outcome counts and shares are weighted (column `weight`, 1 when absent); n counts "
    "rows; interval_95 is Wilson's score interval with Kish's effective sample size n_effective"
)


def _share(count: float, total: float) -> float:
    return round(count / total, 6) if total else 0.0


def _number(value: float) -> float | int:
    """A weighted figure: an integer when it is one (no weights), else 6 decimals."""
    rounded = round(value, 6)
    return int(rounded) if rounded.is_integer() else rounded


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
