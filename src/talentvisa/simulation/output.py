"""Write result rows partition by partition to one Parquet, CSV or JSONL file.

The file appears only when complete: rows go to ``NAME.part``, renamed at the end. A Parquet
file also carries the run's header (program hashes, reform hash, date) in its metadata under
the key ``talentvisa``.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import polars as pl
import pyarrow.parquet as pq

FORMATS = (".parquet", ".csv", ".jsonl")


class RowWriter:
    def __init__(self, path: Path, header: dict[str, Any] | None = None) -> None:
        self.path = path
        self.suffix = path.suffix.lower()
        if self.suffix not in FORMATS:
            raise ValueError(f"unsupported format {path.suffix!r} (use {', '.join(FORMATS)})")
        self.header = header
        self.tmp = path.with_name(path.name + ".part")
        self.rows = 0
        self.frames = 0
        self._schema: pl.Schema | None = None
        self._parquet: pq.ParquetWriter | None = None
        self._text: IO[bytes] | None = None

    def __enter__(self) -> RowWriter:
        return self

    def write(self, frame: pl.DataFrame) -> None:
        if self._schema is None:
            self._schema = frame.schema
        elif frame.schema != self._schema:
            frame = frame.select(list(self._schema)).cast(self._schema)
        if self.suffix == ".parquet":
            table = frame.to_arrow()
            if self._parquet is None:
                meta = (
                    {"talentvisa": json.dumps(self.header, sort_keys=True)} if self.header else {}
                )
                schema = table.schema.with_metadata(meta)
                self._parquet = pq.ParquetWriter(self.tmp, schema, compression="zstd")
            self._parquet.write_table(table.replace_schema_metadata(self._parquet.schema.metadata))
        else:
            if self._text is None:
                self._text = self.tmp.open("wb")
            if self.suffix == ".csv":
                frame.write_csv(self._text, include_header=self.frames == 0)
            else:
                frame.write_ndjson(self._text)
        self.rows += frame.height
        self.frames += 1

    def close(self) -> None:
        """Finish the file and move it into place."""
        if self._parquet is not None:
            self._parquet.close()
        elif self._text is not None:
            self._text.close()
        else:
            self.tmp.write_bytes(b"")  # no rows at all
        self.tmp.replace(self.path)

    def discard(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._text is not None:
            self._text.close()
        self.tmp.unlink(missing_ok=True)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
        else:
            self.discard()


def parquet_header(path: Path) -> dict[str, Any] | None:
    """The run header stored in a Parquet file written by RowWriter."""
    meta = pq.read_schema(path).metadata or {}
    raw = meta.get(b"talentvisa")
    return None if raw is None else json.loads(raw)
