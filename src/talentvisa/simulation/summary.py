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

SCENARIOS = ("baseline", "reform")


def add_up(frames: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """Sum the ``count`` column of count frames over their other columns."""
    df = pl.concat(frames, how="vertical_relaxed")
    keys = [c for c in df.columns if c != "count"]
    if not keys:
        return df.select(pl.col("count").sum())
    return df.group_by(keys).agg(pl.col("count").sum())


@dataclass(frozen=True)
class Summary:
    people: int
    programs: tuple[str, ...]
    by: str | None
    # [group], program, scenario, people, eligible, ineligible, unknown
    outcomes: pl.DataFrame
    # [group], program, from, to, people (only from != to)
    changes: pl.DataFrame
    # [group], people whose outcome changed in at least one program
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
                transitions.group_by([*group, "program"])
                .agg(
                    pl.lit(scenario).alias("scenario"),
                    pl.col("count").sum().alias("people"),
                    *[
                        pl.col("count").filter(pl.col(scenario) == o).sum().alias(o)
                        for o in OUTCOMES
                    ],
                )
                .with_columns(pl.col(c).cast(pl.Int64) for c in ("people", *OUTCOMES))
            )
        outcomes = (
            pl.concat(per_scenario)
            .with_columns(rank.alias("_rank"))
            .sort([*group, "_rank", "scenario"], nulls_last=True)
            .drop("_rank")
            .select(*group, "program", "scenario", "people", *OUTCOMES)
        )
        changes = (
            transitions.filter(pl.col("baseline") != pl.col("reform"))
            .rename({"baseline": "from", "reform": "to", "count": "people"})
            .with_columns(rank.alias("_rank"))
            .sort([*group, "_rank", "from", "to"], nulls_last=True)
            .drop("_rank")
            .select(*group, "program", "from", "to", "people")
        )
        changed_sorted = (
            changed.rename({"count": "people"}).sort(group, nulls_last=True)
            if group
            else changed.rename({"count": "people"})
        )
        return cls(people, tuple(programs), by, outcomes, changes, changed_sorted)

    @property
    def people_changed(self) -> int:
        return int(self.changed["people"].sum())

    def as_json(self) -> dict[str, Any]:
        """Plain data, in a fixed order, with shares rounded to 6 digits."""

        def group_of(row: dict[str, Any]) -> dict[str, Any]:
            return {"group": _plain(row[GROUP])} if self.by is not None else {}

        outcomes = [
            {
                **group_of(r),
                "program": r["program"],
                "scenario": r["scenario"],
                "people": r["people"],
                **{o: r[o] for o in OUTCOMES},
                "share": {o: _share(r[o], r["people"]) for o in OUTCOMES},
            }
            for r in self.outcomes.iter_rows(named=True)
        ]
        changes = [
            {
                **group_of(r),
                "program": r["program"],
                "from": r["from"],
                "to": r["to"],
                "people": r["people"],
            }
            for r in self.changes.iter_rows(named=True)
        ]
        changed = [
            {**group_of(r), "people": r["people"]} for r in self.changed.iter_rows(named=True)
        ]
        return {
            "people": self.people,
            "by": self.by,
            "outcomes": outcomes,
            "changes": changes,
            "people_changed": changed if self.by is not None else self.people_changed,
        }


def _share(count: int, total: int) -> float:
    return round(count / total, 6) if total else 0.0


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
