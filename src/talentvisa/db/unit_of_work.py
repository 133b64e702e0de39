"""One unit of work, a read or a write, for every adapter (the API, the portal, the CLI).

A write unit of work is one transaction: everything commits together or nothing does, and
files written during it (`UnitOfWork.on_rollback`) are removed again when it rolls back. On
SQLite it takes the one writer lock for its whole length. A read unit of work is one
consistent snapshot on the read engine (db/engine.py `read_engine`): it takes no writer lock
and the database refuses any write in it (SQLite ``query_only``, PostgreSQL ``READ ONLY``).

An action that may be refused runs in `UnitOfWork.attempt`: if it raises, what it wrote (rows
and files) is undone and the unit of work goes on, so that the adapter can show the error in
the same request.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

#: The key of `Session.info` under which a session keeps its unit of work (`UnitOfWork.of`).
UNIT_OF_WORK = "talentvisa.unit_of_work"

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


def serialize_writes(engine: Engine) -> None:
    """Give `engine` an in-process writer lock (SQLite: one writer at a time)."""
    _WRITERS[engine] = threading.Lock()


def writer_lock(engine: Engine) -> threading.Lock | None:
    """The in-process writer lock of a SQLite engine; None for other databases."""
    return _WRITERS.get(engine)


class NotAWrite(RuntimeError):
    """A read unit of work was asked to do what only a write does."""


@dataclass(eq=False)
class UnitOfWork:
    session: Session
    writes: bool
    _files: list[Path] = field(default_factory=list)

    @staticmethod
    def of(session: Session) -> UnitOfWork:
        """The unit of work `session` belongs to; domain services reach it this way."""
        work = session.info.get(UNIT_OF_WORK)
        if not isinstance(work, UnitOfWork):
            raise TypeError("the session was not opened as a unit of work (db/unit_of_work.py)")
        return work

    def on_rollback(self, path: Path) -> None:
        """Remove `path` if this unit of work, or the attempt it was written in, rolls back."""
        self._need_write("write files")
        self._files.append(Path(path))

    @contextmanager
    def attempt(self) -> Iterator[None]:
        """Run an action that may be refused: if it raises, its rows (a savepoint) and its
        files are undone and the error propagates; the unit of work itself goes on."""
        self._need_write("attempt an action")
        savepoint = self.session.begin_nested()
        mark = len(self._files)
        try:
            yield
        except BaseException:
            if savepoint.is_active:
                savepoint.rollback()
            self._remove_files(mark)
            raise
        if savepoint.is_active:
            savepoint.commit()

    def _need_write(self, what: str) -> None:
        if not self.writes:
            raise NotAWrite(f"a read unit of work cannot {what}; open a write")

    def _remove_files(self, keep: int = 0) -> None:
        for path in self._files[keep:]:
            path.unlink(missing_ok=True)
        del self._files[keep:]


@contextmanager
def write(factory: sessionmaker[Session]) -> Iterator[UnitOfWork]:
    """A write unit of work on the factory's engine, holding the writer lock on SQLite."""
    lock = writer_lock(factory.kw["bind"])
    with nullcontext() if lock is None or holding_writer_lock.get() else lock:
        session = factory()
        work = UnitOfWork(session, writes=True)
        session.info[UNIT_OF_WORK] = work
        try:
            with session.begin():
                yield work
            done = commits.get()
            if done is not None:
                done.append(True)
        except BaseException:
            work._remove_files()
            raise
        finally:
            session.close()


@contextmanager
def read(factory: sessionmaker[Session]) -> Iterator[UnitOfWork]:
    """A read unit of work on the factory's (read) engine: no writer lock, never commits."""
    with factory() as session:
        work = UnitOfWork(session, writes=False)
        session.info[UNIT_OF_WORK] = work
        yield work


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """`write`, for callers that need only its session."""
    with write(factory) as work:
        yield work.session


@contextmanager
def read_only(factory: sessionmaker[Session]) -> Iterator[Session]:
    """`read`, for callers that need only its session."""
    with read(factory) as work:
        yield work.session
