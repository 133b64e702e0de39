"""A Population: the people of a run, read as `assess-batch` reads them.

Parquet or CSV of fact columns, or JSONL of one nested profile per line. A Parquet file is
split by its row groups into partitions for Dask; its workers read their own partitions
(simulation/cluster.py).
Other formats are read (and profiles turned into facts) on the client first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from talentvisa.rules.batch import read_population
from talentvisa.rules.columns import refuse_renamed
from talentvisa.rules.declarations import Declarations, declarations
from talentvisa.rules.errors import PopulationError
from talentvisa.rules.facts import FACTS

SUFFIXES = (".parquet", ".csv", ".jsonl", ".ndjson")


@dataclass
class Population:
    path: Path
    columns: tuple[str, ...]
    rows: int
    _frame: pl.DataFrame | None = field(default=None, repr=False)

    @classmethod
    def open(cls, path: Path, declared: Declarations | None = None) -> Population:
        """Check the file and learn its columns and size (a Parquet file is not read yet)."""
        suffix = path.suffix.lower()
        if not path.is_file():
            raise PopulationError(f"{path}: no such file")
        if suffix not in SUFFIXES:
            raise PopulationError(
                f"{path}: unsupported format {suffix!r} (use .parquet, .csv or .jsonl)"
            )
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            try:
                meta = pq.ParquetFile(path).metadata
            except Exception as exc:  # pyarrow raises several types for a bad file
                raise PopulationError(f"{path}: not a Parquet file ({exc})") from None
            names = tuple(meta.schema.to_arrow_schema().names)
            # Workers read only fact columns: an old name must be refused here, not dropped.
            refuse_renamed(names, declared or declarations())
            return cls(path, names, meta.num_rows)
        frame = read_population(path, declared)
        return cls(path, tuple(frame.columns), frame.height, frame)

    @classmethod
    def of(cls, frame: pl.DataFrame, name: str = "population") -> Population:
        """A population already in memory (tests, notebooks)."""
        return cls(Path(f"<{name}>"), tuple(frame.columns), frame.height, frame)

    @property
    def is_parquet(self) -> bool:
        """A Parquet file, which Dask workers read themselves, partition by partition."""
        return self.path.suffix.lower() == ".parquet" and self.path.is_file()

    def frame(self) -> pl.DataFrame:
        """Every row, with facts typed (read once)."""
        if self._frame is None:
            self._frame = read_population(self.path)
        return self._frame

    def sha256(self) -> str | None:
        """SHA-256 of the file's bytes (None for a population given as a frame)."""
        if not self.path.is_file():
            return None
        digest = hashlib.sha256()
        with self.path.open("rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
        return digest.hexdigest()

    def needed(self, extra: tuple[str, ...]) -> list[str]:
        """The columns a run reads: facts present in the file, and ``extra`` (ids, --by)."""
        wanted = set(FACTS) | set(extra)
        return [c for c in self.columns if c in wanted]
