"""Pool models for the H-1B cap selection (data/h1b_pools.yaml), read with file:line problems.

A pool model is who is expected to register in a season, by lowest OEWS wage level and US
advanced degree, and how many are drawn in each round. None is published whole (DHS gave only
a linear estimate per wage level, USCIS a few FY2027 shares), so every pool says whether it is
derived or assumed, and the odds are shown across all of a season's pools.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from talentvisa.lottery.odds import Group
from talentvisa.rules.model import Source, Text
from talentvisa.rules.yamlfile import ProgramFileError, read_yaml, validation_problems

POOLS_FILE = Path(__file__).resolve().parent.parent / "data" / "h1b_pools.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PoolGroup(_Strict):
    wage_level: int = Field(ge=1, le=4)
    us_advanced_degree: bool
    count: int = Field(ge=0)


class Targets(_Strict):
    regular: int = Field(ge=0, description="Drawn from everyone in round 1.")
    advanced: int = Field(ge=0, description="Drawn from US advanced degrees left, round 2.")


class Pool(_Strict):
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    basis: Literal["published", "derived", "assumed"]
    label: Text
    note: Text
    source: list[str] = Field(min_length=1)
    targets: Targets
    groups: list[PoolGroup] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_row_per_group(self) -> Pool:
        keys = [(g.wage_level, g.us_advanced_degree) for g in self.groups]
        if len(set(keys)) != len(keys):
            raise ValueError("a wage level and degree appear twice in groups")
        return self

    @property
    def size(self) -> int:
        return sum(g.count for g in self.groups)

    def lottery_groups(self) -> list[Group]:
        return [Group(g.wage_level, g.us_advanced_degree, g.count) for g in self.groups]


class Season(_Strict):
    season: str = Field(pattern=r"^FY\d{4}$")
    read: dt.date
    default: str
    note: Text
    pools: list[Pool] = Field(min_length=1)

    @model_validator(mode="after")
    def _default_exists(self) -> Season:
        ids = [p.id for p in self.pools]
        if len(set(ids)) != len(ids):
            raise ValueError("two pools share an id")
        if self.default not in ids:
            raise ValueError(f"default {self.default!r} is not one of the pools {ids}")
        return self

    @property
    def year(self) -> int:
        return int(self.season[2:])

    def pool(self, pool_id: str | None = None) -> Pool:
        wanted = pool_id or self.default
        return next(p for p in self.pools if p.id == wanted)


class PoolFile(_Strict):
    program: str = Field(description="The program whose cap selection is modelled.")
    sources: dict[str, Source]
    seasons: list[Season] = Field(min_length=1)

    @model_validator(mode="after")
    def _sources_exist(self) -> PoolFile:
        for s in self.seasons:
            for p in s.pools:
                unknown = [r for r in p.source if r not in self.sources]
                if unknown:
                    raise ValueError(f"pool {p.id}: unknown source(s) {unknown}")
        return self

    def season(self, name: str | None = None) -> Season:
        """The named season (e.g. FY2027), else the latest modelled."""
        if name is None:
            return max(self.seasons, key=lambda s: s.year)
        for s in self.seasons:
            if s.season == name.upper():
                return s
        raise KeyError(f"no pool model for {name}")


def load_pools(path: Path = POOLS_FILE) -> PoolFile:
    data, root = read_yaml(path)
    try:
        return PoolFile.model_validate(data or {})
    except ValidationError as exc:
        raise ProgramFileError(validation_problems(str(path), root, exc)) from None


@cache
def shipped_pools() -> PoolFile:
    return load_pools()
