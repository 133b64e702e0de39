"""Engine and session factory. SQLite runs in WAL mode with immediate write transactions."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

# Units of work are opened in db/unit_of_work.py; these names stay importable from here.
from talentvisa.db.unit_of_work import read_only, serialize_writes, transaction, writer_lock

__all__ = [
    "data_dir",
    "database_url",
    "make_engine",
    "read_engine",
    "read_only",
    "session_factory",
    "transaction",
    "writer_lock",
]

DEFAULT_DATA_DIR = Path("data")


# Enough pooled connections for every worker thread of the server (anyio's default is 40)
# under ordinary load: a connection opened beyond the pool is closed again after one use, and
# reopening it (PRAGMAs on SQLite, a login on PostgreSQL) costs more than the request.
POOL: dict[str, Any] = {"pool_size": 20, "max_overflow": 20}
SQLITE_OPTIONS: dict[str, Any] = {
    **POOL,
    "connect_args": {"check_same_thread": False, "timeout": 30},
}


def data_dir() -> Path:
    return Path(os.environ.get("TALENTVISA_DATA_DIR", DEFAULT_DATA_DIR))


def database_url() -> str:
    url = os.environ.get("TALENTVISA_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{(data_dir() / 'talentvisa.sqlite3').resolve()}"


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **SQLITE_OPTIONS)
        _sqlite_pragmas(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, **POOL, pool_pre_ping=True)


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_conn: Any, _: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        # Take SQLite's write lock up front: a request that reads then writes never fails
        # half-way with SQLITE_BUSY, and optimistic-lock checks see the latest committed row.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    serialize_writes(engine)


def read_engine(engine: Engine) -> Engine:
    """An engine for read-only transactions beside `engine`.

    On SQLite it is a second pool on the same file, without the writer lock: in WAL mode
    readers never wait for the writer, so authentication and GET requests do not queue behind
    writes. On PostgreSQL it shares the pool and marks its transactions READ ONLY.
    """
    url = engine.url
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return engine  # one in-memory database cannot be opened twice
        reader = create_engine(url, **SQLITE_OPTIONS)

        @event.listens_for(reader, "connect")
        def on_connect(dbapi_conn: Any, _: Any) -> None:
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA query_only=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(reader, "begin")
        def on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN")  # deferred: one consistent snapshot, no write lock

        return reader
    return engine.execution_options(postgresql_readonly=True)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
