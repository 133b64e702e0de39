"""Engine and session factory. SQLite runs in WAL mode with immediate write transactions."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DATA_DIR = Path("data")


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
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _sqlite_pragmas(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


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

    # SQLite has one writer at a time. Within this process, writers queue on a Python lock,
    # which hands over at once; SQLite's own busy handler polls with growing sleeps, which
    # under load turned into seconds of idle waiting. BEGIN IMMEDIATE still guards against
    # other processes.
    writer = threading.Lock()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        # Take the write lock up front: a request that reads then writes never fails half-way
        # with SQLITE_BUSY, and optimistic-lock checks see the latest committed row.
        writer.acquire()
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            writer.release()
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def on_end(conn: Any) -> None:
        if writer.locked():
            writer.release()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: everything commits together or nothing does."""
    with factory() as session, session.begin():
        yield session
