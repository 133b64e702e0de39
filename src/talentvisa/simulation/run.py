"""A SimulationRun: a population assessed under the baseline and under a reform.

    run = SimulationRun(programs, on, reform, settings, by="current_country")
    summary = run.execute(Population.open(path), LocalBackend(), out=Path("results.parquet"))

The result rows carry, per person and program, the outcome under each scenario and the points
where the program has points tables. The summary and the Parquet file's metadata carry the
run's header: the date, the reform (hash, title, and that it is hypothetical) and each program's
version hash under each scenario, so a run can be reproduced.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from talentvisa.rules.compiled import CompiledProgram
from talentvisa.rules.errors import PopulationError
from talentvisa.rules.params import NO_SETTINGS, Settings
from talentvisa.simulation.job import Mode, job_text
from talentvisa.simulation.local import Backend
from talentvisa.simulation.output import RowWriter
from talentvisa.simulation.population import Population
from talentvisa.simulation.reform import NOTICE, Reform
from talentvisa.simulation.scenario import BASELINE, REFORM, Scenario
from talentvisa.simulation.summary import Summary, add_up
from talentvisa.simulation.synth import population_citation
from talentvisa.simulation.weights import WEIGHT

ID_COLUMNS = ("id", "person_id")


def noop(rows: int) -> None:
    pass


@dataclass(frozen=True)
class Counts:
    """What a job's partitions add up to."""

    people: int  # rows (unweighted)
    counts: pl.DataFrame
    changed: pl.DataFrame | None


def execute(
    population: Population,
    backend: Backend,
    job: str,
    columns: list[str],
    out: Path | None = None,
    header: dict[str, Any] | None = None,
    done: Callable[[int], None] = noop,
) -> Counts:
    """Run a job's partitions on a backend, writing rows to ``out`` in order, and add up."""
    counts: list[pl.DataFrame] = []
    changed: list[pl.DataFrame] = []
    people = 0
    writer = RowWriter(out, header) if out is not None else None
    try:
        for result in backend.run(population, job, columns, done):
            people += result.height
            counts.append(result.counts)
            if result.changed is not None:
                changed.append(result.changed)
            if writer is not None and result.rows is not None:
                writer.write(result.rows)
    except BaseException:
        if writer is not None:
            writer.discard()
        raise
    if writer is not None:
        writer.close()
    return Counts(people, add_up(counts), add_up(changed) if changed else None)


class SimulationRun:
    def __init__(
        self,
        programs: Sequence[CompiledProgram],
        on: dt.date,
        reform: Reform,
        settings: Settings = NO_SETTINGS,
        by: str | None = None,
    ) -> None:
        self.programs = list(programs)
        self.on = on
        self.reform = reform
        self.by = by
        self.baseline = Scenario(BASELINE, settings)
        self.reformed = Scenario(REFORM, reform.apply(settings), hypothetical=True)
        for scenario in (self.baseline, self.reformed):
            scenario.check(self.programs, on)  # a parameter without a value: fail before work

    def header(self, population: Population | None = None) -> dict[str, Any]:
        """What identifies the run: date, reform, program hashes and the population file."""
        base = self.baseline.hashes(self.programs)
        reformed = self.reformed.hashes(self.programs)
        head: dict[str, Any] = {
            "kind": "talentvisa what-if simulation",
            "notice": NOTICE,
            "on": self.on.isoformat(),
            "reform": {
                "name": self.reform.name,
                "title": self.reform.title,
                "status": self.reform.status,
                "hash": self.reform.hash,
                "document": self.reform.document(),
            },
            "programs": [
                {
                    "id": cp.id,
                    "version": cp.program.version,
                    "baseline_hash": base[cp.id],
                    "reform_hash": reformed[cp.id],
                    "changed_by_reform": base[cp.id] != reformed[cp.id],
                }
                for cp in self.programs
            ],
        }
        if population is not None:
            head["population"] = {
                "file": population.path.name,
                "sha256": population.sha256(),
                "rows": population.rows,
            }
            cited = population_citation(population.path)
            if cited is not None:  # a synthetic population: the marginals it was drawn from
                head["population"]["synthetic"] = cited
        return head

    def check(self, population: Population) -> None:
        """Raise PopulationError if the population lacks the --by column."""
        if self.by is not None and self.by not in population.columns:
            shown = ", ".join(population.columns)
            raise PopulationError(f"--by: no column {self.by!r} in the population ({shown})")

    def job(self, population: Population, rows: bool) -> tuple[str, list[str]]:
        """The job's JSON text, and the population columns it reads."""
        self.check(population)
        keep = tuple(c for c in ID_COLUMNS if c in population.columns)
        extra = (*keep, *([self.by] if self.by else []), WEIGHT)
        mode: Mode = "simulate"
        text = job_text(
            mode, self.on, self.programs, [self.baseline, self.reformed], keep, self.by, rows
        )
        return text, population.needed(extra)

    def execute(
        self,
        population: Population,
        backend: Backend,
        out: Path | None = None,
        done: Callable[[int], None] = noop,
    ) -> tuple[Summary, dict[str, Any]]:
        """Run, write rows to ``out`` if given, and return the summary and the header."""
        job, columns = self.job(population, rows=out is not None)
        header = self.header(population)
        got = execute(population, backend, job, columns, out, header, done)
        assert got.changed is not None
        summary = Summary.of(
            got.counts, got.changed, [cp.id for cp in self.programs], self.by, got.people
        )
        return summary, header


def assess_job(
    programs: Sequence[CompiledProgram], on: dt.date, settings: Settings, population: Population
) -> tuple[str, list[str]]:
    """The job of `assess-batch`: every column of the batch path, for one scenario."""
    keep = tuple(c for c in ID_COLUMNS if c in population.columns)
    text = job_text("assess", on, programs, [Scenario(BASELINE, settings)], keep)
    return text, population.needed((*keep, WEIGHT))
