"""Season-sized reads and writes: COPY and packed reads on PostgreSQL, plain statements on SQLite.

A national season is 500,000 registrations. Row-by-row ORM inserts and updates, and loading
every row as an ORM object, made the service's draw 14x slower than the library's over the
same data; these helpers move the rows as one CSV stream (PostgreSQL ``COPY``, psycopg 3), read
them packed many to a value, and update them in one join from a staged copy (SQLite, in-process,
takes the same statements without the streams).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import polars as pl
import psycopg
from sqlalchemy import (
    Column,
    MetaData,
    Select,
    String,
    Table,
    Text,
    cast,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert(session: Session, table: Table, frame: pl.DataFrame) -> None:
    """Insert a frame's rows (columns named as the table's) in the caller's transaction."""
    if frame.is_empty():
        return
    if not _postgres(session):
        session.execute(table.insert(), frame.to_dicts())
        return
    buf = io.BytesIO()
    frame.write_csv(buf, include_header=False, null_value="", quote_style="necessary")
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    raw = session.connection().connection.driver_connection
    sql = f'COPY "{table.name}" ({columns}) FROM STDIN (FORMAT csv)'
    try:
        with raw.cursor() as cur, cur.copy(sql) as copy:  # type: ignore[union-attr]
            view = buf.getbuffer()
            for start in range(0, len(view), 1 << 20):
                copy.write(view[start : start + (1 << 20)])
    except psycopg.errors.IntegrityError as exc:
        # The driver's own error, raised past SQLAlchemy: give callers the one they catch.
        raise IntegrityError(sql, None, exc) from None


#: Separators of the packed read (ASCII unit and record separators): every stored field is
#: free of control characters (h1b/upload.py, api/inputs.py), so neither occurs in a value.
FIELD, RECORD, NULL = "\x1f", "\x1e", "\x15"
#: Rows per packed string: one network message carries this many registrations.
PACK = 20_000


def read(
    session: Session, query: Select[tuple[object, ...]], columns: Sequence[str]
) -> pl.DataFrame:
    """The query's rows as text columns (``columns`` names them, in the select's order)."""
    schema = dict.fromkeys(columns, pl.Utf8)
    if not _postgres(session):
        rows = session.execute(query).all()
        frame = pl.DataFrame(
            [tuple(None if v is None else str(v) for v in r) for r in rows],
            schema=schema,
            orient="row",
        )
        return frame
    return _read_packed(session, query, columns)


def _read_packed(
    session: Session, query: Select[tuple[object, ...]], columns: Sequence[str]
) -> pl.DataFrame:
    """PostgreSQL joins each row's fields into one string, and many rows into one value.

    Row by row (COPY or a cursor) Python spent about 14 us a message on reading alone: at
    500,000 registrations, more than a third of the close. Packed, it is one Polars split.
    Rows come by the first column (the callers order by it); a NULL travels as ``\x15``,
    which no stored value holds either.
    """
    q = query.order_by(None).subquery("q")
    cols = list(q.c)
    line = func.concat_ws(FIELD, *(func.coalesce(cast(c, Text), NULL) for c in cols))
    t = select(line.label("line"), func.row_number().over(order_by=cols[0]).label("n")).subquery()
    pack = (t.c.n - 1) // PACK
    packs = (
        select(func.string_agg(t.c.line, aggregate_order_by(literal(RECORD), t.c.n)))
        .group_by(pack)
        .order_by(pack)
    )
    texts = [v for (v,) in session.execute(packs) if v]
    schema = dict.fromkeys(columns, pl.Utf8)
    if not texts:
        return pl.DataFrame(schema=schema)
    parts = pl.Series("line", texts, dtype=pl.Utf8).str.split(RECORD).explode().str.split(FIELD)
    if not (parts.list.len() == len(columns)).all():  # a separator in a value after all
        raise ValueError("a stored value holds an ASCII separator; the packed read refuses it")
    return pl.DataFrame(
        {c: parts.list.get(i) for i, c in enumerate(columns)}, schema=schema
    ).with_columns(
        pl.when(pl.col(c) == NULL).then(None).otherwise(pl.col(c)).alias(c) for c in columns
    )


def set_from(session: Session, table: Table, key: str, frame: pl.DataFrame, *where: object) -> None:
    """``UPDATE table SET <frame's other columns> FROM frame WHERE key matches [AND where]``,
    only on rows whose values change.

    The frame goes into a temporary table in one stream (COPY on PostgreSQL) and the update is
    one join: at a national draw's 500,000 rows, one statement instead of batches of ids.
    """
    if frame.is_empty():
        return
    temp = Table(
        f"staged_{table.name}",
        MetaData(),
        *(Column(c, String) for c in frame.columns),
        prefixes=["TEMPORARY"],
    )
    bind = session.connection()
    # No try/finally: a failed statement rolls the transaction back, the temporary table with
    # it (DDL is transactional in both databases), and a DROP in an aborted PostgreSQL
    # transaction would only hide the first error. A leftover on the connection is dropped.
    temp.drop(bind, checkfirst=True)
    temp.create(bind)
    insert(session, temp, frame)
    if _postgres(session):  # autovacuum never analyzes a temporary table: plan a hash join
        session.execute(text(f'ANALYZE "{temp.name}"'))
    changed = [c for c in frame.columns if c != key]
    session.execute(
        update(table)
        .where(
            table.c[key] == temp.c[key],
            or_(*(table.c[c] != temp.c[c] for c in changed)),
            *where,  # type: ignore[arg-type]
        )
        .values({c: temp.c[c] for c in changed}),
        execution_options={"synchronize_session": False},
    )
    temp.drop(bind)
