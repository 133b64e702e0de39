"""Engine and session factory. SQLite runs in WAL mode with immediate write transactions."""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from talentvisa.db.base import ROLLBACK_FILES

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

    _WRITERS[engine] = threading.Lock()


# SQLite has one writer at a time. Within this process, units of work queue on this lock,
# which hands over at once; SQLite's own busy handler polls with growing sleeps, which under
# load turned into seconds of idle waiting. BEGIN IMMEDIATE still guards against other
# processes. The lock is taken before BEGIN and released after COMMIT.
#
# It is a plain Lock, not an RLock: a transaction may begin in one worker thread and end in
# another (FastAPI runs a generator dependency's set-up and teardown as two thread-pool calls),
# and an RLock refuses a release from another thread, which left it held for good. A caller
# that takes the lock first says so in `holding_writer_lock` (see api.deps.Runtime.call).
_WRITERS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
holding_writer_lock: ContextVar[bool] = ContextVar("holding_writer_lock", default=False)
#: Set by the HTTP adapter to a fresh list per request; each commit appends to it, so that an
#: error after a commit is not reported as "nothing was saved".
commits: ContextVar[list[bool] | None] = ContextVar("commits", default=None)


def writer_lock(engine: Engine) -> threading.Lock | None:
    """The in-process writer lock of a SQLite engine; None for other databases."""
    return _WRITERS.get(engine)


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


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: everything commits together or nothing does.

    Files that a use case wrote and registered under ``session.info[ROLLBACK_FILES]`` are
    deleted when the transaction rolls back, so a failed request leaves no orphan upload.
    """
    lock = writer_lock(factory.kw["bind"])
    with nullcontext() if lock is None or holding_writer_lock.get() else lock:
        session = factory()
        try:
            with session.begin():
                yield session
            done = commits.get()
            if done is not None:
                done.append(True)
        except BaseException:
            for path in session.info.pop(ROLLBACK_FILES, []):
                Path(path).unlink(missing_ok=True)
            raise
        finally:
            session.close()


@contextmanager
def read_only(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A read transaction that never commits: closing the session rolls it back."""
    with factory() as session:
        yield session
