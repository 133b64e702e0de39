"""This person's chance in a capped selection, by their wage level and US advanced degree.

The H-1B chance is computed by :func:`talentvisa.lottery.odds.odds` (weighted sampling
without replacement, round by round) on each pool model of the season
(:mod:`talentvisa.guidance.pool`), not by DHS's linear estimate, which adds the chances of
several entries as if they could not fall on the same person. One pool (the season's default)
gives the chance shown; the others give the range. A capped program with no pool model says
so instead of borrowing a rate that does not apply to this person.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from talentvisa.guidance.pool import Pool, PoolFile, Season, shipped_pools
from talentvisa.lottery.odds import GroupOdds, odds
from talentvisa.lottery.rules import rule_for
from talentvisa.rules.assessment import Assessment, Outcome

#: The facts a pool model is keyed by.
WAGE_LEVEL = "job_offer_wage_level"
ADVANCED = "us_advanced_degree"


@dataclass(frozen=True)
class PoolChance:
    """One member's chance in one pool: ``odds`` per round and overall."""

    pool: Pool
    odds: GroupOdds


@dataclass(frozen=True)
class Chance:
    """A person's chance in a season: the default pool's, and the range across pools.

    ``wage_level`` or ``us_advanced_degree`` is None when not answered: then there is no
    single chance (``used`` is None) and the range covers every answer still possible.
    """

    program: str
    season: Season
    wage_level: int | None
    us_advanced_degree: bool | None
    used: PoolChance | None
    across: tuple[PoolChance, ...]

    @property
    def low(self) -> float:
        return min(c.odds.p_overall for c in self.across)

    @property
    def high(self) -> float:
        return max(c.odds.p_overall for c in self.across)


def _member(result: list[GroupOdds], level: int, advanced: bool) -> GroupOdds:
    return next(o for o in result if o.group.wage_level == level and o.group.advanced == advanced)


def pool_chance(pool: Pool, season: Season, wage_level: int, advanced: bool) -> PoolChance:
    """The chance of one member of (wage level, degree) in ``pool``; the group must exist."""
    groups = pool.lottery_groups()
    weights = rule_for(season.year).weights
    result = odds(groups, weights, pool.targets.regular, pool.targets.advanced)
    return PoolChance(pool, _member(result, wage_level, advanced))


def chance(
    wage_level: int | None,
    us_advanced_degree: bool | None,
    season: str | None = None,
    pools: PoolFile | None = None,
) -> Chance:
    model = pools or shipped_pools()
    s = model.season(season)
    levels = [wage_level] if wage_level is not None else [1, 2, 3, 4]
    degrees = [us_advanced_degree] if us_advanced_degree is not None else [True, False]
    across = tuple(
        pool_chance(p, s, lvl, adv) for p in s.pools for lvl in levels for adv in degrees
    )
    used = None
    if wage_level is not None and us_advanced_degree is not None:
        used = next(c for c in across if c.pool.id == s.default)
    return Chance(model.program, s, wage_level, us_advanced_degree, used, across)


@dataclass(frozen=True)
class SelectionOdds:
    """What the comparison says about a program's cap selection for this person.

    ``kind``: ``modelled`` (``chance`` set), ``not_modelled`` (capped, no pool model), or
    ``none`` (no capped selection).
    """

    kind: str
    chance: Chance | None = None


def selection_odds(
    a: Assessment, facts: Mapping[str, Any], pools: PoolFile | None = None
) -> SelectionOdds:
    if a.selection is None:
        return SelectionOdds("none")
    model = pools or shipped_pools()
    if a.program_id != model.program:
        return SelectionOdds("not_modelled")
    level = facts.get(WAGE_LEVEL)
    advanced = facts.get(ADVANCED)
    return SelectionOdds(
        "modelled",
        chance(
            int(level) if isinstance(level, int) else None,
            advanced if isinstance(advanced, bool) else None,
            pools=model,
        ),
    )


def petition_based(a: Assessment) -> bool:
    """Eligible here means an employer may petition, not that a visa follows."""
    return a.outcome == Outcome.eligible and a.selection is not None
