"""The Dask backend gives the local backend's answers, also for a client in another process.

One small cluster serves the module: two worker threads in this process, reached over TCP as a
remote cluster would be (`--scheduler`), so every job and partition crosses a real connection.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from bench.rules import population

from talentvisa.rules import builtin_catalog
from talentvisa.rules.params import NO_SETTINGS
from talentvisa.simulation import LocalBackend, Population, SimulationRun, load_reform
from talentvisa.simulation.cluster import ClusterError, DaskBackend
from talentvisa.simulation.run import assess_job, execute

from ..conftest import EXAMPLES
from .clusters import tcp_cluster

CATALOG = builtin_catalog()
ON = dt.date(2026, 3, 1)
REFORM = EXAMPLES / "reform-k35-bluecard.yaml"


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with tcp_cluster() as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 synthetic people in 6 Parquet row groups (the Dask partitions)."""
    path = tmp_path_factory.mktemp("pop") / "people.parquet"
    population(3000, seed=7).with_row_index("id").write_parquet(path, row_group_size=500)
    return path


def test_local_and_dask_agree(scheduler: str, people: Path, tmp_path: Path) -> None:
    reform = load_reform(REFORM, CATALOG)
    run = SimulationRun(list(CATALOG.values()), ON, reform, by="current_country")
    pop = Population.open(people)
    seen: list[int] = []
    local = run.execute(pop, LocalBackend(chunk=700), out=tmp_path / "local.parquet")
    dask = run.execute(
        pop, DaskBackend(scheduler=scheduler), out=tmp_path / "dask.parquet", done=seen.append
    )
    assert seen == [500] * 6  # progress per finished partition (a Parquet row group)
    assert json.dumps(local[0].as_json()) == json.dumps(dask[0].as_json())
    assert local[1] == dask[1]
    a, b = (pl.read_parquet(tmp_path / f"{n}.parquet") for n in ("local", "dask"))
    assert a.height == 3000 and a.equals(b)
    assert local[0].people_changed > 100  # the reform does change outcomes here


def test_weighted_runs_agree_to_the_last_digit(
    scheduler: str, people: Path, tmp_path: Path
) -> None:
    """Float weights summed in another order and partitioning give the same summary."""
    weighted = tmp_path / "weighted.parquet"
    frame = pl.read_parquet(people)
    rng = np.random.default_rng(3)
    weights = pl.Series("weight", rng.lognormal(4.0, 1.2, frame.height))
    frame.with_columns(weights).write_parquet(weighted, row_group_size=500)
    run = SimulationRun(
        list(CATALOG.values()), ON, load_reform(REFORM, CATALOG), by="current_country"
    )
    pop = Population.open(weighted)
    local, _ = run.execute(pop, LocalBackend(chunk=700))
    dask, _ = run.execute(pop, DaskBackend(scheduler=scheduler))
    assert json.dumps(local.as_json()) == json.dumps(dask.as_json())
    assert local.people == pytest.approx(weights.sum(), abs=1e-3)
    assert local.n == 3000 and local.people_changed > local.n_changed


def test_assess_batch_jobs_agree_too(scheduler: str, people: Path, tmp_path: Path) -> None:
    pop = Population.open(people)
    chosen = [CATALOG["cn-r"], CATALOG["us-h1b"]]
    job, columns = assess_job(chosen, ON, NO_SETTINGS, pop)
    got = [
        execute(pop, backend, job, columns, tmp_path / f"{i}.parquet")
        for i, backend in enumerate([LocalBackend(chunk=1000), DaskBackend(scheduler=scheduler)])
    ]
    assert (
        got[0]
        .counts.sort(["program", "outcome"])
        .equals(got[1].counts.sort(["program", "outcome"]))
    )
    assert pl.read_parquet(tmp_path / "0.parquet").equals(pl.read_parquet(tmp_path / "1.parquet"))


def test_cli_on_a_running_scheduler_matches_the_local_run(
    cli, scheduler: str, people: Path, tmp_path: Path
) -> None:
    """`simulate --scheduler` from another process: the job and partitions go over TCP."""
    out, summary = tmp_path / "dask.parquet", tmp_path / "dask.json"
    r = cli(
        "simulate", str(people), "--reform", str(REFORM), "--on", "2026-03-01",
        "--by", "nationalities", "--out", str(out), "--summary-json", str(summary),
        "--scheduler", scheduler,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "HYPOTHETICAL" in r.stdout and "simulating (dask)" in r.stderr
    run = SimulationRun(
        list(CATALOG.values()), ON, load_reform(REFORM, CATALOG), by="nationalities"
    )
    local, header = run.execute(Population.open(people), LocalBackend(), out=tmp_path / "l.parquet")
    written = json.loads(summary.read_text("utf-8"))
    assert written.pop("population_check")["ignored_columns"] == []
    assert written == json.loads(json.dumps({**header, "summary": local.as_json()}))
    assert pl.read_parquet(out).equals(pl.read_parquet(tmp_path / "l.parquet"))


def test_a_backend_keeps_its_local_cluster_over_runs(people: Path) -> None:
    run = SimulationRun([CATALOG["cn-k"]], ON, load_reform(REFORM, CATALOG))
    pop = Population.open(people)
    local, _ = run.execute(pop, LocalBackend())
    with DaskBackend(workers=1, processes=False) as backend:
        first, _ = run.execute(pop, backend)
        client = backend._open
        second, _ = run.execute(pop, backend)
        assert backend._open is client
    assert backend._open is None
    assert first.as_json() == second.as_json() == local.as_json()


def test_an_unreachable_scheduler_is_a_clear_error(people: Path) -> None:
    backend = DaskBackend(scheduler="tcp://127.0.0.1:9", timeout="1s")
    with pytest.raises(ClusterError, match=r"cannot reach tcp://127\.0\.0\.1:9"):
        list(backend.run(Population.open(people), "{}", [], lambda rows: None))
