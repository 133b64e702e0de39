"""Selection odds per group of beneficiaries: analytic (large-pool limit) and Monte Carlo.

A pool is described by groups of identical beneficiaries (lowest OEWS wage level, US
advanced degree or not, how many). Round 1 draws ``target_regular`` units from everyone;
round 2 draws ``target_advanced`` from the advanced-degree holders not selected in round 1.
Each draw is weighted sampling without replacement, probability proportional to weight.

Analytic method ("exponential clock", successive sampling in the large-pool limit): a unit of
weight *w* is selected by the draw when its Exp(*w*) arrival time is below a threshold *t*, so
``p = 1 - exp(-w t)``, with *t* the root of ``sum_g n_g (1 - exp(-w_g t)) = k``. This is the
same ordering as :mod:`talentvisa.lottery.select` (the largest of *w* uniforms is
``exp(-Exp(w))``); only the randomness of the threshold is dropped, which vanishes as the pool
grows. Round 2 applies it to the expected round-1 leftovers ``n_g (1 - p1_g)``.

:func:`monte_carlo` instead builds a synthetic pool and runs the real selection functions.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from talentvisa.lottery.registrations import BOOLS, LEVELS
from talentvisa.lottery.select import raw_stream, select, unit_keys
from talentvisa.rules.conventions import not_a_bool

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
CSV_COLUMNS = ("wage_level", "advanced", "count")


@dataclass(frozen=True)
class Group:
    wage_level: int  # lowest OEWS wage level, 1..4
    advanced: bool  # holds a US advanced degree (eligible for the second round)
    count: int  # number of unique beneficiaries

    def __post_init__(self) -> None:
        if self.wage_level not in ROMAN:
            raise ValueError(f"wage_level must be 1..4, not {self.wage_level!r}")
        if self.count < 0:
            raise ValueError(f"count must not be negative, not {self.count}")


@dataclass(frozen=True)
class GroupOdds:
    """Probabilities for one member of ``group``; standard errors only from Monte Carlo."""

    group: Group
    p_round1: float  # selected in round 1
    p_round2: float  # not selected in round 1, then selected in round 2 (unconditional)
    p_overall: float  # p_round1 + p_round2
    se_round1: float | None = None
    se_round2: float | None = None
    se_overall: float | None = None

    @property
    def p_round2_given_reached(self) -> float:
        """Round-2 probability conditional on not having been selected in round 1."""
        left = 1.0 - self.p_round1
        return self.p_round2 / left if left > 0 else 0.0


class OddsInputError(ValueError):
    """Bad group rows; each problem names its line (1 = the header) and field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# --- analytic ----------------------------------------------------------------------------


def _arrays(
    groups: Sequence[Group], weights: Mapping[int, float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    missing = sorted({g.wage_level for g in groups if weights.get(g.wage_level, 0) <= 0})
    if missing:
        raise ValueError(f"no positive weight for wage level(s) {missing}")
    counts = np.array([g.count for g in groups], dtype=float)
    rates = np.array([float(weights[g.wage_level]) for g in groups])
    advanced = np.array([g.advanced for g in groups], dtype=bool)
    return counts, rates, advanced


def draw_probabilities(counts: np.ndarray, rates: np.ndarray, target: float) -> np.ndarray:
    """Per-group probability of selection when ``target`` units are drawn, weights ``rates``."""
    if target <= 0:
        return np.zeros_like(rates)
    if counts.sum() <= target:
        return np.ones_like(rates)

    def excess(t: float) -> float:
        return float(np.sum(counts * -np.expm1(-rates * t))) - target

    lo, hi = 0.0, 1.0 / float(rates.max())
    while excess(hi) < 0:  # excess grows to counts.sum() - target > 0
        lo, hi = hi, 2.0 * hi
    for _ in range(200):  # bisection until lo and hi are adjacent floats
        mid = 0.5 * (lo + hi)
        if not lo < mid < hi:
            break
        lo, hi = (mid, hi) if excess(mid) < 0 else (lo, mid)
    p: np.ndarray = -np.expm1(-rates * hi)
    return p


def odds(
    groups: Sequence[Group],
    weights: Mapping[int, float],
    target_regular: int,
    target_advanced: int,
) -> list[GroupOdds]:
    """Analytic (large-pool) selection probabilities per group."""
    counts, rates, advanced = _arrays(groups, weights)
    p1 = draw_probabilities(counts, rates, target_regular)
    left = np.where(advanced, counts * (1.0 - p1), 0.0)
    p2 = np.where(advanced, (1.0 - p1) * draw_probabilities(left, rates, target_advanced), 0.0)
    return [
        GroupOdds(g, float(a), float(b), float(a + b))
        for g, a, b in zip(groups, p1, p2, strict=True)
    ]


# --- Monte Carlo -------------------------------------------------------------------------


def run_seed(seed: bytes, run: int) -> bytes:
    return hashlib.sha256(seed + b"talentvisa-odds" + run.to_bytes(4, "big")).digest()


def monte_carlo(
    groups: Sequence[Group],
    weights: Mapping[int, float],
    target_regular: int,
    target_advanced: int,
    runs: int = 30,
    seed: bytes = b"talentvisa-odds",
) -> list[GroupOdds]:
    """Selection frequencies per group over ``runs`` real selections of a synthetic pool.

    Units are laid out group by group; run *r* uses the seed :func:`run_seed` (``seed``, *r*)
    and the same rounds as :meth:`talentvisa.lottery.run.SelectionRun.run_round`. Each
    estimate is the mean over runs of the group's selected fraction, with its standard error.
    """
    if runs < 2:
        raise ValueError("monte_carlo needs at least 2 runs for a standard error")
    counts, rates, advanced = _arrays(groups, weights)
    sizes = counts.astype(np.int64)
    if not np.array_equal(rates, np.round(rates)) or rates.max() > 4:
        raise ValueError("the real selection takes integer weights 1..4")
    unit_group = np.repeat(np.arange(len(groups)), sizes)
    unit_weight = np.repeat(rates.astype(np.int64), sizes)
    unit_advanced = np.repeat(advanced, sizes)
    everyone = np.arange(unit_group.size)
    hits = np.zeros((runs, 2, len(groups)))
    for r in range(runs):
        s = run_seed(seed, r)
        keys = unit_keys(raw_stream(s, 1, everyone.size), unit_weight)
        first = select(keys, everyone, target_regular)
        taken = np.zeros(everyone.size, dtype=bool)
        taken[first] = True
        pool = np.flatnonzero(unit_advanced & ~taken)
        keys = unit_keys(raw_stream(s, 2, everyone.size), unit_weight)
        second = select(keys, pool, target_advanced)
        hits[r, 0] = np.bincount(unit_group[first], minlength=len(groups))
        hits[r, 1] = np.bincount(unit_group[second], minlength=len(groups))
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = hits / counts  # NaN for empty groups
    per_run = np.concatenate([frac, frac.sum(axis=1, keepdims=True)], axis=1)
    mean = per_run.mean(axis=0)
    se = per_run.std(axis=0, ddof=1) / np.sqrt(runs)
    return [
        GroupOdds(g, *(float(x) for x in mean[:, i]), *(float(x) for x in se[:, i]))
        for i, g in enumerate(groups)
    ]


def overall_rate(result: Sequence[GroupOdds]) -> float:
    """Share of the whole pool selected in either round."""
    total = sum(o.group.count for o in result)
    return sum(o.group.count * o.p_overall for o in result) / total if total else 0.0


# --- input and output --------------------------------------------------------------------


def read_groups(path: Path) -> list[Group]:
    """Groups from a CSV with columns wage_level (I-IV or 1-4), advanced (true/false), count."""
    problems: list[str] = []
    groups: list[Group] = []
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise OddsInputError([f"{path}:1: missing column(s): {', '.join(missing)}"])
            for row in reader:
                line = reader.line_num
                values = {c: (row.get(c) or "").strip() for c in CSV_COLUMNS}
                level = LEVELS.get(values["wage_level"].upper())
                adv = BOOLS.get(values["advanced"].lower())
                text = values["count"]
                count = int(text) if text.isascii() and text.isdigit() else None
                if level is None:
                    problems.append(
                        f"{path}:{line}: column 'wage_level': {values['wage_level']!r} "
                        "is not I-IV or 1-4"
                    )
                if adv is None:
                    problems.append(
                        f"{path}:{line}: column 'advanced': {not_a_bool(values['advanced'])}"
                    )
                if count is None:
                    problems.append(
                        f"{path}:{line}: column 'count': {values['count']!r} "
                        "is not a whole number >= 0"
                    )
                if level is not None and adv is not None and count is not None:
                    groups.append(Group(level, adv, count))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise OddsInputError([f"{path}: cannot read as CSV: {exc}"]) from None
    if problems:
        raise OddsInputError(problems)
    return groups


def _by_level(result: Sequence[GroupOdds], advanced: bool) -> list[float]:
    """Count-weighted p_overall per wage level 1..4 (NaN where no such beneficiaries)."""
    out = []
    for level in ROMAN:
        rows = [o for o in result if o.group.wage_level == level and o.group.advanced == advanced]
        n = sum(o.group.count for o in rows)
        out.append(sum(o.group.count * o.p_overall for o in rows) / n if n else float("nan"))
    return out


def plot(odds_random: Sequence[GroupOdds], odds_weighted: Sequence[GroupOdds], path: Path) -> None:
    """PNG of the overall selection probability by wage level, random vs weighted."""
    # Imported here so that the lottery domain itself needs only NumPy and Polars.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    x = list(ROMAN)
    for name, result, style in (("random", odds_random, "--"), ("weighted", odds_weighted, "-")):
        for advanced, color in ((True, "tab:blue"), (False, "tab:orange")):
            degree = "US advanced degree" if advanced else "no US advanced degree"
            ax.plot(
                x,
                _by_level(result, advanced),
                style,
                marker="o",
                color=color,
                label=f"{name}, {degree}",
            )
    ax.set_xticks(x, [ROMAN[level] for level in x])
    ax.set_xlabel("lowest OEWS wage level")
    ax.set_ylabel("probability of selection (both rounds)")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_title("H-1B cap selection probability by wage level")
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=120)
