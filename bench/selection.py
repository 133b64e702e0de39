"""Benchmark the selection what-if over a large weighted population (local, in process).

N weighted people (default 10,000,000) are made with seeded NumPy draws. Their wage levels,
degrees and nationalities are ASSUMED bench shares, not published figures: the benchmark
measures time, not policy. The baseline of this run is the FY2027 rule's exact odds
(`selection_odds` with us-h1b's caps); the shipped what-if (cap 130,000, random entries) is
timed back to back with it and reported as a ratio, with selections by nationality.

Not done here: the Dask LocalCluster run and `--dask tcp://...`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import polars as pl
import yaml

import talentvisa
from talentvisa.simulation.selection import (
    baseline,
    selection_odds,
    selections_by,
    us_h1b_caps,
    with_block,
)

WHATIF = Path(talentvisa.__file__).parent / "data" / "whatifs" / "cap-130000-random.yaml"
TARGET_RATIO = 1.5  # the what-if costs at most this much more than the baseline
TARGET_SECONDS_PER_10M = 60.0


def people(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "wage_level": rng.choice([1, 2, 3, 4], size=n, p=[0.4, 0.35, 0.15, 0.1]),
            "us_advanced_degree": rng.random(n) < 0.31,
            "nationality": rng.choice(["IN", "CN", "other"], size=n, p=[0.71, 0.12, 0.17]),
            "weight": rng.uniform(0.5, 1.5, size=n) * 211_600 / n,
        }
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    frame = people(args.n, args.seed)
    base = baseline(2027, *us_h1b_caps(2027))
    reform = with_block(base, yaml.safe_load(WHATIF.read_text())["selection"])
    start = time.perf_counter()
    before = selections_by(selection_odds(frame, base), "nationality")
    base_s = time.perf_counter() - start
    start = time.perf_counter()
    after = selections_by(selection_odds(frame, reform), "nationality")
    reform_s = time.perf_counter() - start
    ratio = reform_s / base_s
    budget = TARGET_SECONDS_PER_10M * args.n / 10_000_000
    print(f"{args.n:,} people: baseline {base_s:.2f} s, what-if {reform_s:.2f} s")
    print(
        f"what-if / baseline = {ratio:.2f}x (target <= {TARGET_RATIO}x): "
        f"{'PASS' if ratio <= TARGET_RATIO else 'FAIL'}"
    )
    print(
        f"baseline {base_s:.2f} s vs budget {budget:.1f} s: "
        f"{'PASS' if base_s <= budget else 'FAIL'}"
    )
    print(before.join(after, on="nationality", suffix="_whatif"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
