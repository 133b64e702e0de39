"""A PopulationModel: published marginals of a cohort, and synthetic people drawn from them.

The model is a YAML file of a cohort's total and one share table per fact column, each with
its source URL and the date it was read. Columns are drawn independently: the published
tables are marginals, so no joint distribution is claimed (see docs/populations.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from talentvisa.rules.yamlfile import Problem, ProgramFileError, line_of, read_yaml

# Shares may be rounded as published; beyond this the table is wrong, not rounded.
SHARE_TOLERANCE = 0.005


@dataclass(frozen=True)
class Marginal:
    column: str
    shares: dict[Any, float]
    source: str
    read: dt.date
    derived: bool


@dataclass(frozen=True)
class PopulationModel:
    name: str
    total: float
    total_source: str
    marginals: tuple[Marginal, ...]

    def citation(self, n: int, seed: int) -> dict[str, Any]:
        """Where a synthetic population's figures come from, kept in its Parquet metadata."""
        return {
            "kind": "talentvisa synthetic population",
            "notice": "synthetic, not microdata: columns drawn independently from marginals",
            "model": self.name,
            "n": n,
            "seed": seed,
            "total": {"value": self.total, "source": self.total_source},
            "marginals": [
                {
                    "column": m.column,
                    "source": m.source,
                    "read": m.read.isoformat(),
                    "derived": m.derived,
                }
                for m in self.marginals
            ],
        }

    @classmethod
    def load(cls, path: Path) -> PopulationModel:
        if not path.is_file():  # said as every other missing input file is
            raise ProgramFileError([Problem(str(path), 1, "no such file")])
        data, root = read_yaml(path)
        problems: list[Problem] = []

        def bad(loc: tuple[str | int, ...], message: str) -> None:
            field = ".".join(map(str, loc))
            problems.append(Problem(str(path), line_of(root, loc), f"{field}: {message}"))

        if not isinstance(data, dict):
            raise ProgramFileError([Problem(str(path), 1, "(document): must be a mapping")])
        name = data.get("name")
        if not isinstance(name, str) or not name:
            bad(("name",), "required text")
        total = data.get("total")
        total_value: float = 0.0
        total_source = ""
        if not isinstance(total, dict):
            bad(("total",), "required mapping of value, source, read")
        else:
            value = total.get("value")
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                bad(("total", "value"), "must be a number > 0")
            else:
                total_value = float(value)
            total_source = _cited(total, ("total",), bad)[0]
        marginals: list[Marginal] = []
        table = data.get("marginals")
        if not isinstance(table, dict) or not table:
            bad(("marginals",), "required mapping of column to its shares")
            table = {}
        for column, spec in table.items():
            loc: tuple[str | int, ...] = ("marginals", column)
            if not isinstance(spec, dict):
                bad(loc, "must be a mapping with shares, source, read")
                continue
            source, read = _cited(spec, loc, bad)
            shares = spec.get("shares")
            if not isinstance(shares, dict) or not shares:
                bad((*loc, "shares"), "required mapping of value to share")
                continue
            clean: dict[Any, float] = {}
            for key, share in shares.items():
                if isinstance(share, bool) or not isinstance(share, int | float) or share < 0:
                    bad((*loc, "shares", key), "must be a number >= 0")
                else:
                    clean[key] = float(share)
            if clean and abs(sum(clean.values()) - 1) > SHARE_TOLERANCE:
                bad((*loc, "shares"), f"shares sum to {sum(clean.values()):.4f}, not 1")
            derived = spec.get("derived", False)
            if not isinstance(derived, bool):
                bad((*loc, "derived"), "must be true or false")
                derived = False
            if read is not None:
                marginals.append(Marginal(str(column), clean, source, read, derived))
        if problems:
            raise ProgramFileError(problems)
        return cls(str(name), total_value, total_source, tuple(marginals))

    def synthesize(self, n: int, seed: int) -> pl.DataFrame:
        """`n` people, one column per marginal, each weighted to represent total / n people."""
        if n <= 0:
            raise ValueError(f"n must be > 0, not {n}")
        rng = np.random.default_rng(seed)
        columns: dict[str, Any] = {}
        for marginal in self.marginals:
            values = list(marginal.shares)
            p = np.array([marginal.shares[v] for v in values])
            picks = rng.choice(len(values), size=n, p=p / p.sum())
            columns[marginal.column] = [values[i] for i in picks]
        columns["weight"] = np.full(n, self.total / n)
        return pl.DataFrame(columns)


POPULATION_KEY = b"talentvisa.population"


def write_cited(frame: pl.DataFrame, path: Path, citation: dict[str, Any]) -> None:
    """Write people as Parquet with their citation (read back by population_citation)."""
    import json

    import pyarrow.parquet as pq

    table = frame.to_arrow()
    meta = {**(table.schema.metadata or {}), POPULATION_KEY: json.dumps(citation).encode()}
    pq.write_table(table.replace_schema_metadata(meta), path)


def population_citation(path: Path) -> dict[str, Any] | None:
    """The citation a synthetic population's Parquet file carries (None: not one of ours)."""
    import json

    import pyarrow.parquet as pq

    if path.suffix.lower() != ".parquet" or not path.is_file():
        return None
    try:
        meta = pq.read_schema(path).metadata or {}
        found = meta.get(POPULATION_KEY)
        return None if found is None else dict(json.loads(found))
    except (OSError, ValueError):
        return None


def _cited(
    spec: dict[str, Any], loc: tuple[str | int, ...], bad: Any
) -> tuple[str, dt.date | None]:
    source = spec.get("source")
    if not isinstance(source, str) or not source.startswith(("http://", "https://")):
        bad((*loc, "source"), "required URL of the published figure")
        source = ""
    read = spec.get("read")
    if not isinstance(read, dt.date):
        bad((*loc, "read"), "required date the source was read (YYYY-MM-DD)")
        read = None
    return source, read
