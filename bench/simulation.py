"""Benchmark what-if runs: baseline + one reform over every program, in process and on Dask.

One million synthetic people (bench/rules.py's generator) are assessed by the plain batch path
(`assess-batch`'s `assess_population`, one scenario) as the baseline of this run; the other
figures are ratios against it, timed back to back with it, because the machine is shared and
noisy:

- the local SimulationRun (Polars in process, baseline and reform, summary counts);
- the Dask SimulationRun on a LocalCluster of --workers processes reading Parquet row groups,
  once cold (cluster start, worker imports and compiles included) and once warm;
- the reform's set-up (validate, apply, check) against the baseline run and against
  reloading and recompiling the catalog, which a reform applied by rebuilding would cost.

Exits non-zero only when the local and Dask summaries differ, never for a missed target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from rules import best_of, population  # bench/rules.py, beside this file: the same people
from talentvisa.rules import builtin_catalog, load_catalog
from talentvisa.rules.batch import assess_population
from talentvisa.rules.params import NO_SETTINGS
from talentvisa.simulation import LocalBackend, Population, SimulationRun, load_reform
from talentvisa.simulation.cluster import DaskBackend

ROOT = Path(__file__).resolve().parent.parent
REFORM = ROOT / "examples" / "reform-k35-bluecard.yaml"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20251001)
    ap.add_argument("--on", type=dt.date.fromisoformat, default=dt.date(2026, 3, 1))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--row-group", type=int, default=250_000, help="rows per Dask partition")
    ap.add_argument("--reps", type=int, default=2, help="repetitions of the in-process paths")
    args = ap.parse_args()
    console = Console() if sys.stdout.isatty() else Console(width=110)
    wall, on, reps = time.perf_counter(), args.on, max(1, args.reps)
    catalog = builtin_catalog()
    programs = list(catalog.values())
    console.print(f"{len(programs)} programs on {on}; reform {REFORM.name}; seed {args.seed}")

    t = time.perf_counter()
    df = population(args.n, args.seed).with_row_index("id")
    tmp = tempfile.TemporaryDirectory(prefix="tv-sim-")  # removed when the run ends
    path = Path(tmp.name) / "people.parquet"
    df.write_parquet(path, row_group_size=args.row_group)
    console.print(f"generated {args.n:,} people in {time.perf_counter() - t:.1f}s (untimed)")

    # The baseline of this run: the batch path of assess-batch, one scenario, every program.
    # It is timed right before each measured path, and each figure is the median of the
    # per-round ratios, so that load from other work on the machine cancels out.
    def baseline() -> object:
        return assess_population(programs, df, on)

    bases: list[float] = []

    def paired(rounds: int, fn: Callable[[], Any]) -> tuple[float, float, Any]:
        """(median of baseline time / fn time, fastest fn time, fn's last result)."""
        ratios, best, out = [], float("inf"), None
        for _ in range(rounds):
            base, _ = best_of(1, baseline)
            seconds, out = best_of(1, fn)
            bases.append(base)
            ratios.append(base / seconds)
            best = min(best, seconds)
        return statistics.median(ratios), best, out

    # reform set-up: read and validate the file, apply it, check every program's parameters
    def set_up() -> SimulationRun:
        reform = load_reform(REFORM, catalog)
        return SimulationRun(programs, on, reform, NO_SETTINGS)

    setup_s, run = best_of(5, set_up)
    apply_s, _ = best_of(5, lambda: run.reform.apply(NO_SETTINGS))
    reload_s, _ = best_of(2, load_catalog)  # what rebuilding the programs per scenario costs

    memory = Population.of(df)
    local_r, local_s, (local, _) = paired(reps, lambda: run.execute(memory, LocalBackend()))
    parquet = Population.open(path)
    local_pq_r, local_pq_s, _ = paired(1, lambda: run.execute(parquet, LocalBackend()))

    problems: list[str] = []
    backend = DaskBackend(workers=args.workers)  # the LocalCluster of `--dask`

    def cold_run() -> Any:
        return run.execute(parquet, backend.start())

    try:
        cold_r, cold_s, (cold, _) = paired(1, cold_run)  # cluster start, imports, compiles
        warm_r, warm_s, (warm, _) = paired(reps, lambda: run.execute(parquet, backend))
    finally:
        backend.close()
    for label, got in (("cold", cold), ("warm", warm)):
        if json.dumps(got.as_json()) != json.dumps(local.as_json()):
            problems.append(f"Dask ({label}) and local summaries differ")
    partitions = -(-args.n // args.row_group)
    base_s = statistics.median(bases)

    n = args.n
    title = f"talentvisa what-if bench: N={n:,}, {len(programs)} programs, 2 scenarios"
    table = Table(title=title)
    for col in ("measure", "seconds", "people/s", "vs baseline"):
        table.add_column(col, justify="left" if col == "measure" else "right")

    def row(name: str, seconds: float, ratio: float) -> None:
        table.add_row(name, f"{seconds:.3f}", f"{n / seconds:,.0f}", f"{ratio:.2f}x")

    row(f"baseline: assess_population, 1 scenario (median of {len(bases)})", base_s, 1.0)
    row(f"local SimulationRun, in memory ({reps} rounds)", local_s, local_r)
    row("local SimulationRun, reading Parquet", local_pq_s, local_pq_r)
    row(
        f"Dask, {args.workers} worker processes, {partitions} partitions, cold",
        cold_s,
        cold_r,
    )
    row(f"Dask, same cluster, warm ({reps} rounds)", warm_s, warm_r)
    table.add_section()
    table.add_row("reform set-up: read, validate, apply, check (best of 5)",
                  f"{setup_s:.4f}", "", f"{setup_s / base_s:.4f}x of baseline")  # fmt: skip
    table.add_row("reform apply alone (best of 5)", f"{apply_s:.6f}", "",
                  f"{apply_s / base_s:.6f}x of baseline")  # fmt: skip
    table.add_row("reload + recompile the catalog (not done per reform)", f"{reload_s:.3f}",
                  "", f"set-up is {setup_s / reload_s:.3f}x of it")  # fmt: skip
    console.print(table)
    console.print(
        "Ratios: baseline time / path time, timed back to back, median over rounds (above 1: "
        "faster than the baseline). people/s counts people assessed under both scenarios (the "
        "baseline: one). Dask cold includes starting the cluster, worker imports and compiles. "
        f"Changed by the reform: {local.people_changed:,} people. Dask results checked "
        "against the local run's summary."
    )
    for p in problems:
        console.print(f"[bold red]MISMATCH[/] {p}")
    console.print(f"wall time {time.perf_counter() - wall:.1f}s")
    tmp.cleanup()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
