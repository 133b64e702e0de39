"""Benchmark the applicant's guidance: `path` and a five-year `timeline` of one profile across
every program, against one `compare` (every program assessed once) in the same run.

Targets (issue 14): path under 20x a compare; the timeline under 60 compares' worth. The
result page's cost ranges (guidance/costs.py, on the profile without its employer's answers,
so that the H-1B fees hinge) have a target set here, not by the issue: under 20x, like path.
Figures
are ratios against the compare measured in this run, because the machine is shared and noisy.
Exits non-zero only when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from talentvisa.guidance.costs import hinges
from talentvisa.guidance.path import path
from talentvisa.guidance.timeline import timeline
from talentvisa.rules import builtin_catalog
from talentvisa.rules.declarations import declarations
from talentvisa.rules.engine import assess
from talentvisa.rules.facts import facts_of
from talentvisa.rules.loader import load_profile

PROFILE = Path(__file__).resolve().parent.parent / "examples" / "indian-stem-graduate.yaml"
ON = dt.date(2026, 12, 7)
TARGETS = {"path": 20.0, "timeline": 60.0, "costs": 20.0}
#: Unanswered on the result page unless asked inline: what the employer and petition are.
EMPLOYER_UNKNOWN = ("employer_", "petition_", "current_country", "immigration_status")


def best_ms(fn: Callable[[], Any], repeat: int) -> float:
    """The median of ``repeat`` runs, after one warm-up run."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    catalog, decls = builtin_catalog(), declarations()
    facts = facts_of(load_profile(PROFILE))
    compare_ms = best_ms(lambda: [assess(cp, facts, ON) for cp in catalog.values()], args.repeat)
    path_ms = best_ms(lambda: path(catalog, facts, ON, decls), args.repeat)
    timeline_ms = best_ms(lambda: timeline(catalog, facts, decls, ON, 5), args.repeat)
    asked = {k: v for k, v in facts.items() if not k.startswith(EMPLOYER_UNKNOWN)}
    assessed = [(cp, assess(cp, asked, ON)) for cp in catalog.values()]
    costs_ms = best_ms(lambda: [hinges(cp, a, asked, decls, ON) for cp, a in assessed], args.repeat)
    runs = {
        "path": path(catalog, facts, ON, decls).evaluations,
        "timeline": timeline(catalog, facts, decls, ON, 5).evaluations,
        "costs": sum(len(hinges(cp, a, asked, decls, ON)) for cp, a in assessed),
    }
    said = {
        "path": "program evaluations",
        "timeline": "program evaluations",
        "costs": "fees that hinge",
    }
    print(f"compare (baseline): {compare_ms:.1f} ms for {len(catalog)} programs")
    failed = False
    for name, ms in (("path", path_ms), ("timeline", timeline_ms), ("costs", costs_ms)):
        ratio = ms / compare_ms
        ok = ratio < TARGETS[name]
        failed |= not ok
        print(
            f"{name}: {ms:.1f} ms = {ratio:.1f}x a compare ({runs[name]} {said[name]})"
            f"; target < {TARGETS[name]:.0f}x: {'PASS' if ok else 'FAIL'}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
