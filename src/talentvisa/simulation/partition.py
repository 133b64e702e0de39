"""Assess one partition of a population for a job: the pure function every backend runs.

It takes the job as JSON text and a partition of rows (Polars, or the pandas frame a Dask
partition arrives as) and returns plain results: the rows to write, if asked, and counts that
add up across partitions. The same function runs in process and on Dask workers, so both give
the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from talentvisa.rules.batch import assess_population, normalize, stages_for
from talentvisa.rules.vector import col_name
from talentvisa.simulation.job import Job, parse_job
from talentvisa.simulation.scenario import Scenario
from talentvisa.simulation.weights import WEIGHT, checked_weights, sums, weighted

OUTCOMES = ("eligible", "ineligible", "unknown")
OUTCOME = pl.Enum(list(OUTCOMES))
GROUP = "group"  # the --by column's name in count frames


@dataclass(frozen=True)
class PartitionResult:
    height: int
    rows: pl.DataFrame | None
    # simulate: [group], program, baseline, reform, count, weight, weight_sq;
    # assess: program, outcome, count, weight, weight_sq (see weights.sums)
    counts: pl.DataFrame
    # simulate: [group], count, weight, weight_sq of people whose outcome changed in at least
    # one program
    changed: pl.DataFrame | None


def run_partition(job_text: str, part: Any) -> PartitionResult:
    """Assess ``part`` (a Polars or pandas frame of facts) for the job in ``job_text``."""
    job = parse_job(job_text)
    frame = checked_weights(part if isinstance(part, pl.DataFrame) else pl.from_pandas(part))
    if job.mode == "assess":
        return _assess(job, frame)
    return _simulate(job, frame)


def _assess(job: Job, frame: pl.DataFrame) -> PartitionResult:
    settings = job.scenarios[0].settings
    rows = assess_population(job.programs, frame, job.on, settings, keep=job.keep)
    counted = rows.with_columns(weighted(frame)[WEIGHT])
    counts = pl.concat(
        [
            counted.group_by(pl.col(col_name(cp.id, "outcome")).alias("outcome"))
            .agg(sums())
            .select(pl.lit(cp.id).alias("program"), "outcome", "count", "weight", "weight_sq")
            for cp in job.programs
        ]
    )
    return PartitionResult(frame.height, rows if job.rows else None, counts, None)


def outcome_column(program: str, scenario: str) -> str:
    return col_name(program, scenario, "outcome")


def group_expr(by: str, dtype: pl.DataType) -> pl.Expr:
    """The --by column as a group key: a list (e.g. nationalities) joined as ``IN;US``."""
    if isinstance(dtype, pl.List):
        return pl.col(by).cast(pl.List(pl.Utf8)).list.join(";").alias(by)
    return pl.col(by)


def _scenario(job: Job, facts: pl.LazyFrame, scenario: Scenario, only: set[str]) -> pl.LazyFrame:
    """Outcome and points columns of the programs in ``only``, named for the scenario."""
    frame = facts
    picked: list[pl.Expr] = []
    for cp in job.programs:
        if cp.id not in only:
            continue
        produced: set[str] = set()
        for stage in stages_for(cp, job.on, scenario.settings):
            frame = frame.with_columns(stage)
            produced |= {e.meta.output_name() for e in stage}
        picked.append(
            pl.col(col_name(cp.id, "outcome"))
            .cast(OUTCOME)
            .alias(outcome_column(cp.id, scenario.name))
        )
        for tid in cp.program.points:
            for end in ("min", "max"):
                name = col_name(cp.id, "points", tid, end)
                value = pl.col(name) if name in produced else pl.lit(None, dtype=pl.Float64)
                picked.append(value.alias(col_name(cp.id, scenario.name, "points", tid, end)))
    return frame.select(picked)


def _simulate(job: Job, frame: pl.DataFrame) -> PartitionResult:
    base, *others = job.scenarios
    typed = normalize(frame)  # facts typed; other columns as they came
    every = {cp.id for cp in job.programs}
    lazy = [_scenario(job, typed.lazy(), base, every)]
    lazy += [
        _scenario(job, typed.lazy(), s, set(d)) for s, d in zip(others, job.differs, strict=True)
    ]
    evaluated = pl.collect_all(lazy)
    carried = [c for c in job.keep if c in frame.columns and c not in (job.by, WEIGHT)]
    if WEIGHT in frame.columns:
        carried.append(WEIGHT)  # each result row says how many people it stands for
    if job.by is not None and job.by != WEIGHT:
        carried.append(job.by)
    keys = typed.select(
        [group_expr(c, typed.schema[c]) if c == job.by else pl.col(c) for c in carried]
    )
    columns: list[pl.Series] = list(keys.iter_columns())
    for cp in job.programs:
        # A program whose parameters are the same under a scenario as under the baseline has
        # the baseline's results there: they are taken over, not computed again.
        own = [k == 0 or cp.id in job.differs[k - 1] for k in range(len(job.scenarios))]
        source = [
            (evaluated[k], s.name) if own[k] else (evaluated[0], base.name)
            for k, s in enumerate(job.scenarios)
        ]
        for (got, name), s in zip(source, job.scenarios, strict=True):
            columns.append(got[outcome_column(cp.id, name)].alias(outcome_column(cp.id, s.name)))
        for (got, name), s in zip(source, job.scenarios, strict=True):
            for tid in cp.program.points:
                for end in ("min", "max"):
                    have = col_name(cp.id, name, "points", tid, end)
                    columns.append(got[have].alias(col_name(cp.id, s.name, "points", tid, end)))
    rows = pl.DataFrame(columns)
    return PartitionResult(
        frame.height,
        rows if job.rows else None,
        transitions(job, weighted(rows)),
        changed_people(job, weighted(rows)),
    )


def transitions(job: Job, rows: pl.DataFrame) -> pl.DataFrame:
    """People per program and (baseline outcome, reform outcome), per group if any."""
    base, reform = (s.name for s in job.scenarios[:2])
    group = [pl.col(job.by).alias(GROUP)] if job.by is not None else []
    return pl.concat(
        [
            # grouped on the Enum columns (10x faster than on text), the few groups cast after
            rows.group_by(
                [
                    *group,
                    pl.col(outcome_column(cp.id, base)).alias("baseline"),
                    pl.col(outcome_column(cp.id, reform)).alias("reform"),
                ]
            )
            .agg(sums())
            .select(
                *([GROUP] if group else []),
                pl.lit(cp.id).alias("program"),
                pl.col("baseline").cast(pl.Utf8),
                pl.col("reform").cast(pl.Utf8),
                "count",
                "weight",
                "weight_sq",
            )
            for cp in job.programs
        ]
    )


def changed_people(job: Job, rows: pl.DataFrame) -> pl.DataFrame:
    """People whose outcome differs between the scenarios in at least one program."""
    base, reform = (s.name for s in job.scenarios[:2])
    changed = (
        pl.any_horizontal(
            [
                pl.col(outcome_column(cp.id, base)) != pl.col(outcome_column(cp.id, reform))
                for cp in job.programs
            ]
        )
        if job.programs
        else pl.lit(False)
    )
    counted = sums(where=changed)
    if job.by is None:
        return rows.select(counted)
    return rows.group_by(pl.col(job.by).alias(GROUP)).agg(counted)
