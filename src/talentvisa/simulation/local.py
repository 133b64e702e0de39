"""Backends run a job's partitions; the local one runs them in this process, with Polars.

A backend yields one PartitionResult per partition, in the population's row order, and calls
``done(rows)`` as each partition finishes (for a progress bar).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

from talentvisa.simulation.partition import PartitionResult, run_partition
from talentvisa.simulation.population import Population

Done = Callable[[int], None]


class Backend(Protocol):
    name: str

    def run(
        self, population: Population, job: str, columns: list[str], done: Done
    ) -> Iterator[PartitionResult]: ...


class LocalBackend:
    """Partitions of ``chunk`` rows, one after the other; Polars uses every core for each.

    Each partition has a fixed cost (Polars plans every program's expressions, about 0.2 s for
    the catalog), so partitions should be large.
    """

    name = "local"

    def __init__(self, chunk: int = 1_000_000) -> None:
        self.chunk = max(1, chunk)

    def run(
        self, population: Population, job: str, columns: list[str], done: Done
    ) -> Iterator[PartitionResult]:
        frame = population.frame()
        for offset in range(0, max(frame.height, 1), self.chunk):
            part = frame.slice(offset, self.chunk)
            result = run_partition(job, part)
            done(part.height)
            yield result
