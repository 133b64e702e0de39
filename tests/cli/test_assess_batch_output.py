"""`assess-batch` prints a table, not dicts, and writes fee amounts beside their statuses."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ..conftest import EXAMPLES


def test_a_weighted_table_and_fee_amounts(cli, tmp_path: Path) -> None:
    people = pl.read_csv(EXAMPLES / "population.csv", infer_schema_length=0)
    src = tmp_path / "people.csv"
    people.with_columns(weight=pl.lit("2.5")).write_csv(src)
    out = tmp_path / "out.parquet"
    r = cli("assess-batch", str(src), "--out", str(out), "--on", "2026-03-01",
            "--program", "us-h1b")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "{" not in r.stderr and "┃ program" in r.stderr
    assert "25 (10)" in r.stderr  # 10 rows of weight 2.5, in the total column
    rows = pl.read_parquet(out)
    amounts = [c for c in rows.columns if c.startswith("us-h1b:fee:") and c.endswith(":USD")]
    assert amounts and all(rows[c].dtype == pl.Float64 for c in amounts)
    assert any(rows[c].drop_nulls().len() for c in amounts)
