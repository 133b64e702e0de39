"""PNG charts of a Summary (Matplotlib, Agg: no display needed): for `simulate --plot DIR`.

- outcomes.png: per program, the weighted share eligible under the baseline and the reform,
  with each share's 95% interval (weights.py);
- changes.png: the people whose outcome changes, per group (or per program without --by);
- selection.png: a reform's cap selections per wage level, both scenarios (selection.py).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from talentvisa.simulation.summary import Summary


def write_charts(summary: Summary, directory: Path, title: str) -> list[Path]:
    """Write the charts into ``directory`` (created if needed); return their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    totals = (
        summary.outcomes.group_by("program", "scenario", maintain_order=True).agg(
            [pl.col(c).sum() for c in ("people", "eligible", "weight_sq")]
        )
        if summary.by
        else summary.outcomes
    )
    programs = list(summary.programs)
    fig, ax = plt.subplots(figsize=(8, max(3.0, 0.35 * len(programs) + 1.5)))
    height = 0.38
    for k, scenario in enumerate(("baseline", "reform")):
        rows = {r["program"]: r for r in totals.filter(scenario=scenario).iter_rows(named=True)}
        shares: list[float] = []
        errors: list[list[float]] = [[], []]
        for p in programs:
            r = rows[p]
            share = r["eligible"] / r["people"] if r["people"] else 0.0
            lo, hi = summary.interval(r, "eligible")
            shares.append(share)
            errors[0].append(max(0.0, share - lo))
            errors[1].append(max(0.0, hi - share))
        ys = [i + (k - 0.5) * height for i in range(len(programs))]
        ax.barh(ys, shares, height, xerr=errors, label=scenario, capsize=2)
    ax.set_yticks(range(len(programs)), programs)
    ax.set_xlabel("share eligible (weighted; bars: 95% Wilson interval, Kish n)")
    ax.set_title(title + " (HYPOTHETICAL reform)", fontsize=9)
    ax.legend()
    fig.tight_layout()
    outcomes = directory / "outcomes.png"
    fig.savefig(outcomes, dpi=100)
    plt.close(fig)

    key = "group" if summary.by else "program"
    source = (
        summary.changed
        if summary.by
        else summary.changes.group_by("program").agg(pl.col("people").sum())
    )
    labels = ["(unknown)" if v is None else str(v) for v in source[key].to_list()]
    fig, ax = plt.subplots(figsize=(8, max(3.0, 0.3 * len(labels) + 1.5)))
    ax.barh(range(len(labels)), source["people"].to_list())
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("people whose outcome changes (weighted)")
    ax.set_title(f"Changes by {summary.by or 'program'}", fontsize=9)
    fig.tight_layout()
    changes = directory / "changes.png"
    fig.savefig(changes, dpi=100)
    plt.close(fig)
    return [outcomes, changes]


def selection_png(table: pl.DataFrame, title: str) -> bytes:
    """Expected cap selections per wage level, baseline beside the reform, as PNG bytes."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    levels = [str(v) for v in table["wage_level"].to_list()]
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.38
    for k, scenario in enumerate(("baseline", "reform")):
        xs = [i + (k - 0.5) * width for i in range(len(levels))]
        ax.bar(xs, table[f"{scenario}_selected"].to_list(), width, label=scenario)
    ax.set_xticks(range(len(levels)), [f"level {v}" for v in levels])
    ax.set_ylabel("expected selections (weighted)")
    ax.set_title(title + " (HYPOTHETICAL reform)", fontsize=9)
    ax.legend()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def write_selection_chart(table: pl.DataFrame, directory: Path, title: str) -> Path:
    """selection.png in ``directory`` (see selection_png)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "selection.png"
    path.write_bytes(selection_png(table, title))
    return path
