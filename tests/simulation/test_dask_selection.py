"""The cap selection on Dask: the workers' partitions give the local figures, and the scheduler
named by --scheduler or $TALENTVISA_DASK_SCHEDULER is the one that runs the work.

The cluster runs in this process (threads), reached over TCP as a remote one would be, so the
test can look at what its scheduler ran.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
import yaml
from dask.utils import key_split
from distributed.diagnostics.plugin import SchedulerPlugin

import talentvisa
from talentvisa.simulation.cluster import DaskBackend, DaskPartitions
from talentvisa.simulation.population import Population
from talentvisa.simulation.selection import compared, compared_parts

from ..conftest import EXAMPLES, ROOT
from .clusters import tcp_cluster

WHATIF = Path(talentvisa.__file__).parent / "data" / "whatifs" / "cap-130000-random.yaml"
BLOCK = yaml.safe_load(WHATIF.read_text("utf-8"))


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    with tcp_cluster() as running:
        yield running


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4,000 weighted registrants in 8 row groups, with the example's facts for the run."""
    rng = np.random.default_rng(11)
    n = 4000
    facts = pl.read_csv(EXAMPLES / "population.csv")
    frame = (
        pl.concat([facts] * (n // facts.height + 1))
        .head(n)
        .with_columns(
            pl.Series("wage_level", rng.choice([1, 2, 3, 4], size=n, p=[0.4, 0.35, 0.15, 0.1])),
            pl.Series("us_advanced_degree", rng.random(n) < 0.3),
            pl.Series("weight", rng.uniform(20, 80, size=n)),
        )
    )
    path = tmp_path_factory.mktemp("sel") / "people.parquet"
    frame.write_parquet(path, row_group_size=500)
    return path


def test_dask_partitions_give_the_local_selection(cluster: object, people: Path) -> None:
    local = compared(pl.read_parquet(people), BLOCK["season"], BLOCK["selection"], "wage_level")
    address = cluster.scheduler_address  # type: ignore[attr-defined]
    columns = ["wage_level", "us_advanced_degree", "weight"]
    with ExitStack() as stack:
        client = DaskBackend(scheduler=address).client(stack)
        parts = DaskPartitions(client, Population.open(people), columns)
        assert len(parts.parts) == 8  # one per row group, read by the workers
        on_dask = compared_parts(parts, BLOCK["season"], BLOCK["selection"], "wage_level")
        parts.release()
    assert on_dask["wage_level"].to_list() == [1, 2, 3, 4]
    for column in ("people", "baseline_selected", "reform_selected", "reform_rate"):
        assert on_dask[column].to_list() == pytest.approx(local[column].to_list(), rel=1e-9)
    # the pool exceeds neither cap's sum, so it is the odds, not the caps, that decide
    assert 0 < on_dask["baseline_rate"].min() < on_dask["baseline_rate"].max() <= 1


class Finished(SchedulerPlugin):
    """Names the functions of the tasks the scheduler saw finish."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def transition(self, key: Any, start: str, finish: str, *args: Any, **kwargs: Any) -> None:
        if finish == "memory":
            self.names.add(key_split(key))


@pytest.mark.parametrize("how", ["option", "environment"])
def test_the_named_scheduler_runs_simulate_and_its_selection(
    cluster: object, people: Path, tmp_path: Path, how: str
) -> None:
    """`simulate` in another process reaches the scheduler by --scheduler or the variable."""
    address = cluster.scheduler_address  # type: ignore[attr-defined]
    summary = tmp_path / "s.json"
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("TALENTVISA_SETTINGS", None)
    args = ["simulate", str(people), "--reform", str(WHATIF), "--on", "2026-03-01",
            "--summary-json", str(summary)]  # fmt: skip
    if how == "option":
        args += ["--scheduler", address]
    else:
        env["TALENTVISA_DASK_SCHEDULER"] = address
    seen = Finished()
    cluster.scheduler.add_plugin(seen, name=f"seen-{how}")  # type: ignore[attr-defined]
    r = subprocess.run(
        [str(Path(sys.executable).parent / "talentvisa"), *args],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "simulating (dask)" in r.stderr
    cluster.scheduler.remove_plugin(f"seen-{how}")  # type: ignore[attr-defined]
    # the selection's two passes over row groups read by the workers, then the run
    assert {"read_row_group", "both_cells", "both_sums", "run_partition"} <= seen.names
    groups = json.loads(summary.read_text("utf-8"))["selection"]["groups"]
    local = compared(pl.read_parquet(people), BLOCK["season"], BLOCK["selection"], "wage_level")
    assert [g["reform_selected"] for g in groups] == pytest.approx(
        local["reform_selected"].to_list(), rel=1e-6
    )
