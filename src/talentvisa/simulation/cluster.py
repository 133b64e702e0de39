"""The Dask backend: partitions of a `dask.dataframe` run on `dask.distributed` workers.

With ``scheduler`` it uses an existing cluster (``tcp://host:8786``), which may span several
machines; its workers need talentvisa installed and must be able to read the population's path
(a shared filesystem) when it is Parquet. Without it, a LocalCluster of ``workers`` processes
starts for the run and stops after it.

What reaches a worker is the job as JSON text (see job.py) and its partition of rows, nothing
else: the partition function is imported by name on the worker. A Parquet population is read
by the workers themselves, one row group per task, straight into Polars through Arrow.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any, TypeVar

import polars as pl

from talentvisa.simulation.local import Done
from talentvisa.simulation.partition import PartitionResult, run_partition
from talentvisa.simulation.population import Population

if TYPE_CHECKING:
    from distributed import Client, Future

T = TypeVar("T")


class ClusterError(RuntimeError):
    """The Dask cluster cannot be reached or started."""


class DaskBackend:
    """Runs on Dask. Used as a context manager, it keeps its cluster and client over several
    runs (a LocalCluster starts once); otherwise each run connects or starts its own.
    """

    name = "dask"

    def __init__(
        self,
        workers: int = 2,
        scheduler: str | None = None,
        processes: bool = True,
        partitions: int | None = None,
        timeout: str = "10s",
    ) -> None:
        self.workers = max(1, workers)
        self.scheduler = scheduler
        self.processes = processes
        # for populations that are not Parquet (split on the client): default 4 per worker
        self.partitions = partitions or 4 * self.workers
        self.timeout = timeout  # to connect to --scheduler
        self._open: tuple[ExitStack, Client] | None = None

    def start(self) -> DaskBackend:
        """Connect (or start the LocalCluster) now, and keep it until close()."""
        if self._open is None:
            stack = ExitStack()
            try:
                self._open = (stack, self._client(stack))
            except BaseException:
                stack.close()
                raise
        return self

    def close(self) -> None:
        if self._open is not None:
            stack, self._open = self._open[0], None
            stack.close()

    def __enter__(self) -> DaskBackend:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _client(self, stack: ExitStack) -> Client:
        from distributed import Client, LocalCluster

        if self.scheduler is not None:
            try:
                return stack.enter_context(Client(self.scheduler, timeout=self.timeout))
            except (OSError, TimeoutError) as exc:
                raise ClusterError(f"cannot reach {self.scheduler}: {exc}") from None
        # Each worker gets its share of the cores for Polars' own threads.
        threads = max(1, (os.cpu_count() or 1) // self.workers)
        extra = {"env": {"POLARS_MAX_THREADS": str(threads)}} if self.processes else {}
        with warnings.catch_warnings():
            # The scheduler's HTTP routes move off a busy default port, with a warning.
            warnings.filterwarnings("ignore", message="Port .* is already in use")
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=self.processes,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                    **extra,
                )
            )
        return stack.enter_context(Client(cluster))

    def client(self, stack: ExitStack) -> Client:
        """The open client, or one for this block only."""
        return self._open[1] if self._open is not None else self._client(stack)

    def run(
        self, population: Population, job: str, columns: list[str], done: Done
    ) -> Iterator[PartitionResult]:
        from distributed import as_completed

        with ExitStack() as stack:
            client = self.client(stack)
            shipped = client.scatter(job, broadcast=True, hash=False)  # sent once to each worker
            parts = parts_of(client, population, columns, self.partitions)
            futures = client.map(run_partition, [shipped] * len(parts), parts)
            del parts  # each partition is released when its task has used it
            position = {f.key: i for i, f in enumerate(futures)}
            finished: dict[int, PartitionResult] = {}
            following = 0
            for future in as_completed(futures):
                result: PartitionResult = future.result()
                done(result.height)
                finished[position[future.key]] = result
                future.release()
                while following in finished:
                    yield finished.pop(following)
                    following += 1


def read_row_group(path: str, index: int, columns: list[str]) -> pl.DataFrame:
    """One Parquet row group as a Polars frame, read on the worker (Arrow, no pandas)."""
    import pyarrow.parquet as pq

    table = pq.ParquetFile(path).read_row_group(index, columns=columns)
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def parts_of(
    client: Client, population: Population, columns: list[str], partitions: int
) -> list[Future]:
    """Futures of the population's partitions on the workers, as Polars frames.

    A Parquet file is read by the workers, one task per row group; other files were read on
    the client and are split and sent.
    """
    if population.is_parquet:
        import pyarrow.parquet as pq

        path = str(population.path)
        groups = pq.ParquetFile(path).metadata.num_row_groups
        return client.map(
            read_row_group, [path] * groups, range(groups), columns=columns, pure=False
        )
    frame = population.frame()
    frame = frame.select([c for c in columns if c in frame.columns])
    size = max(1, -(-frame.height // max(1, partitions)))
    slices = [frame.slice(o, size) for o in range(0, max(frame.height, 1), size)]
    futures: list[Future] = client.scatter(slices, hash=False)
    return futures


class DaskPartitions:
    """A population's partitions held on the workers, for the cap selection's passes.

    ``map(fn, **kw)`` runs ``fn(part, **kw)`` where each part lives and gathers the (small)
    results; the parts are read once and stay in worker memory until the block ends.
    """

    def __init__(self, client: Client, population: Population, columns: list[str]) -> None:
        self.client = client
        self.parts = parts_of(client, population, columns, 4 * len(client.nthreads()))

    def map(self, fn: Callable[..., T], **kwargs: Any) -> list[T]:
        futures = self.client.map(fn, self.parts, pure=False, **kwargs)
        results: list[T] = self.client.gather(futures)
        return results

    def release(self) -> None:
        for part in self.parts:
            part.release()
        self.parts = []
