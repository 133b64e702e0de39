"""Selection what-ifs: the H-1B cap selection of a reform's `selection:` block, as exact odds.

The baseline is the season's rule (talentvisa.lottery.rules) with us-h1b's cap parameters. A
reform may change the caps, the entries per wage level, the round order and whether entries
are per beneficiary. Odds are the large-pool analytic ones of talentvisa.lottery.odds, over a
weighted population with the columns wage_level (1-4), us_advanced_degree and weight.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar

import numpy as np
import polars as pl

from talentvisa.lottery.odds import draw_probabilities
from talentvisa.lottery.rules import rule_for
from talentvisa.rules.conventions import bool_expr, not_a_bool, parse_bool
from talentvisa.rules.errors import PopulationError

NEEDED = ("wage_level", "us_advanced_degree")
#: every column the selection reads (weight and registrations where present)
SELECTION_COLUMNS = (*NEEDED, "weight", "registrations")
T = TypeVar("T")


@dataclass(frozen=True)
class Selection:
    regular_cap: int
    advanced_cap: int
    weights: dict[int, int]  # OEWS wage level -> entries
    advanced_first: bool  # the advanced-degree round runs before the regular one
    beneficiary_centric: bool  # entries per beneficiary, not per registration


class SelectionError(ValueError):
    """A `selection:` block that cannot be used; the message names the field."""

    def __init__(self, field: tuple[str | int, ...], reason: str) -> None:
        named = ".".join(map(str, ("selection", *field)))
        super().__init__(f"{named}: {reason}" if field else reason)
        self.field = field
        self.reason = reason


def baseline(season: int, regular_cap: int, advanced_cap: int) -> Selection:
    """The season's rule by date; since FY2020 the regular round runs first (rule of 2019)."""
    rule = rule_for(season)
    return Selection(regular_cap, advanced_cap, dict(rule.weights), False, rule.beneficiary_centric)


def _whole(value: Any, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def block_changes(block: Mapping[str, Any]) -> dict[str, Any]:
    """What a reform's `selection:` block changes, as Selection fields (absent keys: none).

    Booleans follow the one convention of every input file (rules/conventions.py).
    """
    known = {"regular_cap", "advanced_cap", "weights", "round_order", "beneficiary_centric"}
    unknown = sorted(set(block) - known, key=str)
    if unknown:
        raise SelectionError((unknown[0],), f"unknown key (use {', '.join(sorted(known))})")
    changes: dict[str, Any] = {}
    for key in ("regular_cap", "advanced_cap"):
        if key in block:
            if not _whole(block[key], 0):
                raise SelectionError((key,), f"{block[key]!r} is not a whole number >= 0")
            changes[key] = block[key]
    if "weights" in block:
        weights = block["weights"]
        if not isinstance(weights, Mapping) or set(weights) != {1, 2, 3, 4}:
            raise SelectionError(("weights",), "must give entries for wage levels 1, 2, 3, 4")
        for level, entries in weights.items():
            if not _whole(entries, 1):
                raise SelectionError(("weights", level), f"{entries!r} is not a whole number >= 1")
        changes["weights"] = dict(weights)
    if "round_order" in block:
        order = block["round_order"]
        if order not in ("regular_first", "advanced_first"):
            raise SelectionError(
                ("round_order",), f"{order!r} is not regular_first or advanced_first"
            )
        changes["advanced_first"] = order == "advanced_first"
    if "beneficiary_centric" in block:
        read = parse_bool(block["beneficiary_centric"])
        if read is None:
            raise SelectionError(("beneficiary_centric",), not_a_bool(block["beneficiary_centric"]))
        changes["beneficiary_centric"] = read
    return changes


def with_block(base: Selection, block: Mapping[str, Any]) -> Selection:
    """The baseline changed by a reform's `selection:` block (absent keys keep the baseline)."""
    return replace(base, **block_changes(block))


@dataclass(frozen=True)
class CellOdds:
    """Selection probability per cell of (entry rate, advanced degree), for the whole pool.

    People sharing a cell have the same odds, so the draw sees cells, not rows: a partition
    adds up its cells' weights (cell_weights), the pool's cells give the odds (cell_odds), and
    each partition then looks its people up (p_selected). Local and Dask runs share the steps.
    """

    rates: np.ndarray  # distinct entry rates, sorted
    p: np.ndarray  # probability at index (rate's position) * 2 + advanced


class Partitions(Protocol):
    """A population in parts: ``map(fn, **kw)`` is ``[fn(part, **kw) for part in parts]``."""

    def map(self, fn: Callable[..., T], **kwargs: Any) -> list[T]: ...


class InMemory:
    """One frame, one part (the local path)."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = typed(frame)

    def map(self, fn: Callable[..., T], **kwargs: Any) -> list[T]:
        return [fn(self.frame, **kwargs)]


def typed(frame: pl.DataFrame) -> pl.DataFrame:
    """The selection's columns as numbers, whatever the file wrote (CSV columns are text).

    Their values were checked before the run (simulation/validate.py), so a cast that fails
    leaves a null, which _entries refuses.
    """
    casts = {"wage_level": pl.Int64, "registrations": pl.Float64, "weight": pl.Float64}
    typed = frame.with_columns(
        pl.col(c).cast(t, strict=False) for c, t in casts.items() if c in frame.columns
    )
    if typed.schema.get("us_advanced_degree") == pl.Utf8:  # yes/no, true/false or 1/0
        typed = typed.with_columns(bool_expr("us_advanced_degree"))
    return typed


def _entries(frame: pl.DataFrame, selection: Selection) -> tuple[np.ndarray, np.ndarray]:
    """Each person's entry rate and advanced degree.

    Without beneficiary-centric entries a person's registrations (column `registrations`,
    1 when absent) each enter the draw, so several registrations multiply the entries.
    """
    missing = [c for c in NEEDED if c not in frame.columns]
    if missing:
        raise PopulationError(f"population has no column {missing[0]!r} for the cap selection")
    levels = frame["wage_level"].cast(pl.Int64, strict=False).fill_null(0).to_numpy()
    if not np.isin(levels, (1, 2, 3, 4)).all():
        raise PopulationError("wage_level: every person needs a level 1-4 for the cap selection")
    advanced = frame["us_advanced_degree"].fill_null(False).to_numpy().astype(np.int64)
    entries = np.array([0.0, *(float(selection.weights[level]) for level in (1, 2, 3, 4))])
    rates = entries[levels]
    if not selection.beneficiary_centric and "registrations" in frame.columns:
        rates = (
            rates * frame["registrations"].cast(pl.Float64, strict=False).fill_null(1.0).to_numpy()
        )
    return rates, advanced


def _weights(frame: pl.DataFrame) -> np.ndarray:
    if "weight" in frame.columns:
        return frame["weight"].cast(pl.Float64).to_numpy()
    return np.ones(frame.height)


def cell_weights(frame: pl.DataFrame, selection: Selection) -> pl.DataFrame:
    """People (weighted) per cell of (rate, advanced) in this part of the pool."""
    rates, advanced = _entries(frame, selection)
    cells = pl.DataFrame({"rate": rates, "advanced": advanced, "weight": _weights(frame)})
    return cells.group_by("rate", "advanced").agg(pl.col("weight").sum())


def cell_odds(parts: Sequence[pl.DataFrame], selection: Selection) -> CellOdds:
    """The odds of every cell, from the cell weights of all parts of the pool."""
    pool = pl.concat(parts).group_by("rate", "advanced").agg(pl.col("weight").sum())
    distinct = np.unique(pool["rate"].to_numpy())
    index = np.searchsorted(distinct, pool["rate"].to_numpy()) * 2 + pool["advanced"].to_numpy()
    counts = np.zeros(2 * len(distinct))
    np.add.at(counts, index, pool["weight"].to_numpy())
    cell_rates = np.repeat(distinct, 2)
    cell_adv = np.tile([False, True], len(distinct))
    if selection.advanced_first:
        pool_adv = np.where(cell_adv, counts, 0.0)
        p_first = np.where(
            cell_adv, draw_probabilities(pool_adv, cell_rates, selection.advanced_cap), 0
        )
        left = counts * (1 - p_first)
        p = p_first + (1 - p_first) * draw_probabilities(left, cell_rates, selection.regular_cap)
    else:
        p_first = draw_probabilities(counts, cell_rates, selection.regular_cap)
        left = np.where(cell_adv, counts * (1 - p_first), 0.0)
        p_second = draw_probabilities(left, cell_rates, selection.advanced_cap)
        p = p_first + np.where(cell_adv, (1 - p_first) * p_second, 0.0)
    return CellOdds(distinct, p)


def p_selected(frame: pl.DataFrame, selection: Selection, odds: CellOdds) -> np.ndarray:
    """Each person's probability of selection in either round."""
    rates, advanced = _entries(frame, selection)
    found: np.ndarray = odds.p[np.searchsorted(odds.rates, rates) * 2 + advanced]
    return found


def selection_odds(frame: pl.DataFrame, selection: Selection) -> pl.DataFrame:
    """The frame with p_selected: each person's probability of selection in either round."""
    odds = cell_odds([cell_weights(frame, selection)], selection)
    return frame.with_columns(pl.Series("p_selected", p_selected(frame, selection, odds)))


def selections_by(frame: pl.DataFrame, by: str) -> pl.DataFrame:
    """Expected selections and the selection rate per value of `by` (after selection_odds)."""
    weight = pl.col("weight") if "weight" in frame.columns else pl.lit(1.0)
    sums = frame.group_by(by).agg(
        weight.sum().alias("people"), (weight * pl.col("p_selected")).sum().alias("selected")
    )
    return _rated(sums, by)


def _rated(sums: pl.DataFrame, by: str) -> pl.DataFrame:
    return sums.with_columns((pl.col("selected") / pl.col("people")).alias("rate")).sort(by)


def both_cells(frame: pl.DataFrame, selections: tuple[Selection, ...]) -> list[pl.DataFrame]:
    """cell_weights of one part under each selection (one pass over the part)."""
    return [cell_weights(frame, s) for s in selections]


def both_sums(
    frame: pl.DataFrame,
    selections: tuple[Selection, ...],
    odds: tuple[CellOdds, ...],
    by: str,
) -> list[pl.DataFrame]:
    """People and expected selections per value of ``by`` in one part, under each selection."""
    weight = _weights(frame)
    return [
        pl.DataFrame(
            [
                frame[by],
                pl.Series("people", weight),
                pl.Series("selected", weight * p_selected(frame, s, o)),
            ]
        )
        .group_by(by)
        .agg(pl.col("people").sum(), pl.col("selected").sum())
        for s, o in zip(selections, odds, strict=True)
    ]


def compared_parts(
    parts: Partitions, season: str, block: Mapping[str, Any], by: str
) -> pl.DataFrame:
    """Baseline and reform selections per value of ``by`` over a population in parts.

    Two passes: the parts' cell weights give each scenario's odds for the whole pool, then each
    part adds up its people's expected selections per group.
    """
    base = season_baseline(season)
    selections = (base, with_block(base, block))
    cells = parts.map(both_cells, selections=selections)
    odds = tuple(cell_odds([c[i] for c in cells], s) for i, s in enumerate(selections))
    sums = parts.map(both_sums, selections=selections, odds=odds, by=by)
    before, after = (
        _rated(
            pl.concat([s[i] for s in sums])
            .group_by(by)
            .agg(pl.col("people").sum(), pl.col("selected").sum()),
            by,
        )
        for i in range(2)
    )
    return before.rename({"selected": "baseline_selected", "rate": "baseline_rate"}).join(
        after.drop("people").rename({"selected": "reform_selected", "rate": "reform_rate"}),
        on=by,
        how="left",
        nulls_equal=True,
    )


def compared(frame: pl.DataFrame, season: str, block: Mapping[str, Any], by: str) -> pl.DataFrame:
    """Baseline and reform selections per value of ``by``: people, selected and rate of each.

    ``season`` is as written in the reform (FY2027 or 2027); a bad one raises SelectionError.
    """
    return compared_parts(InMemory(frame), season, block, by)


def season_baseline(season: str) -> Selection:
    """The baseline of a season as written in a reform (FY2027 or 2027)."""
    from talentvisa.lottery.rules import SeasonError, parse_season

    try:
        year = parse_season(season)
    except SeasonError as exc:
        raise SelectionError((), f"season: {exc}") from None
    return baseline(year, *us_h1b_caps(year))


def us_h1b_cap_sources(season: int) -> list[dict[str, Any]]:
    """The baseline caps as cited in us-h1b: each parameter's value, source URL and date read."""
    import datetime as dt

    from talentvisa.rules.loader import builtin_catalog
    from talentvisa.rules.params import value_entry

    program = builtin_catalog()["us-h1b"].program
    opens = dt.date(season - 1, 3, 1)
    sources = program.sources
    cited = []
    for name in ("regular_cap", "advanced_degree_cap"):
        entry = value_entry(program.id, name, program.parameters[name], opens)
        refs = [sources[r] for r in entry.source if r in sources]
        cited.append(
            {
                "parameter": f"us-h1b.{name}",
                "value": entry.value,
                "sources": [{"url": s.url, "read": s.read.isoformat()} for s in refs],
            }
        )
    return cited


def us_h1b_caps(season: int) -> tuple[int, int]:
    """us-h1b's regular and advanced-degree caps in force when the season's registration opens."""
    import datetime as dt

    from talentvisa.rules.loader import builtin_catalog
    from talentvisa.rules.params import value_entry

    program = builtin_catalog()["us-h1b"].program  # compiled once per process
    opens = dt.date(season - 1, 3, 1)  # registration runs in March of the year before the FY
    caps = [
        value_entry(program.id, name, program.parameters[name], opens).value
        for name in ("regular_cap", "advanced_degree_cap")
    ]
    return int(caps[0]), int(caps[1])
