"""Season-sized reads and writes: COPY on PostgreSQL, batched statements on SQLite.

A national season is 500,000 registrations. Row-by-row ORM inserts and updates, and loading
every row as an ORM object, made the service's draw 14x slower than the library's over the
same data; these helpers move the rows as one CSV stream (PostgreSQL ``COPY``, psycopg 3) or
in batches of one statement each (SQLite, where the database is in-process anyway).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import polars as pl
import psycopg
from sqlalchemy import ARRAY, Select, String, Table, any_, bindparam, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

#: Ids per ``IN (...)`` list: well under SQLite's 32,766 bound parameters.
BATCH = 5_000


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
    sql = str(
        query.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    )
    buf = io.BytesIO()
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:  # type: ignore[union-attr]
        for block in copy:
            buf.write(block)
    if buf.tell() == 0:
        return pl.DataFrame(schema=schema)
    buf.seek(0)
    return pl.read_csv(buf, has_header=False, new_columns=list(columns), schema=schema)


def set_where_in(
    session: Session,
    table: Table,
    key: str,
    ids: Sequence[str],
    values: dict[str, object],
    *where: object,
) -> None:
    """``UPDATE table SET values WHERE key IN ids [AND where]``, a batch of ids at a time."""
    column = table.c[key]
    postgres = _postgres(session)
    # PostgreSQL takes the ids as one array parameter (= ANY): a 5,000-parameter IN list cost
    # more to build and parse than the update itself.
    size = 50_000 if postgres else BATCH
    for start in range(0, len(ids), size):
        chunk = list(ids[start : start + size])
        match = (
            column == any_(bindparam("ids", chunk, type_=ARRAY(String)))
            if postgres
            else column.in_(chunk)
        )
        session.execute(
            update(table).where(match, *where).values(values),  # type: ignore[arg-type]
            execution_options={"synchronize_session": False},
        )
