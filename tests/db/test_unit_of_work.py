"""db/unit_of_work.py against the real databases: writes, reads, files and refused actions."""

from __future__ import annotations

import secrets
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from talentvisa.auth import service as auth
from talentvisa.auth.models import Role, User
from talentvisa.db.unit_of_work import NotAWrite, UnitOfWork, writer_lock
from talentvisa.service_errors import Conflict
from tests.api.fixtures import PASSWORD, Server


def _email() -> str:
    return f"uow-{secrets.token_hex(4)}@example.org"


def _exists(server: Server, email: str) -> bool:
    with server.app.state.runtime.reading() as s:
        return s.scalar(sa.select(User.id).where(User.email == email)) is not None


def _file(server: Server) -> Path:
    path = server.data_dir / f"uow-{secrets.token_hex(4)}.bin"
    path.write_bytes(b"written during the unit of work")
    return path


def test_a_write_commits_and_a_failed_one_leaves_neither_rows_nor_files(server: Server) -> None:
    rt = server.app.state.runtime
    kept, lost = _email(), _email()
    with rt.write() as work:
        auth.create_user(work.session, kept, PASSWORD, Role.applicant)
        stays = _file(server)
        work.on_rollback(stays)
    assert _exists(server, kept) and stays.is_file()

    with pytest.raises(RuntimeError, match="after the file"), rt.write() as work:
        auth.create_user(work.session, lost, PASSWORD, Role.applicant)
        goes = _file(server)
        work.on_rollback(goes)
        raise RuntimeError("a failure after the file was written")
    assert not _exists(server, lost) and not goes.exists()


def test_a_refused_attempt_is_undone_and_the_rest_of_the_unit_commits(server: Server) -> None:
    """What a portal form does when its action is refused: undo it, show the error, and
    commit whatever else the request wrote."""
    rt = server.app.state.runtime
    before, refused, after = _email(), _email(), _email()
    with rt.write() as work:
        auth.create_user(work.session, before, PASSWORD, Role.applicant)
        earlier = _file(server)
        work.on_rollback(earlier)
        with pytest.raises(Conflict), work.attempt():
            auth.create_user(work.session, refused, PASSWORD, Role.applicant)
            work.session.flush()
            upload = _file(server)
            work.on_rollback(upload)
            raise Conflict("refused after writing a row and a file")
        assert not upload.exists() and earlier.is_file()
        with work.attempt():
            auth.create_user(work.session, after, PASSWORD, Role.applicant)
    assert _exists(server, before) and _exists(server, after)
    assert not _exists(server, refused)
    assert earlier.is_file()


def test_a_read_writes_nothing(server: Server) -> None:
    rt = server.app.state.runtime
    email = _email()
    with rt.read() as work:
        with pytest.raises(NotAWrite):
            work.on_rollback(_file(server))
        with pytest.raises(NotAWrite), work.attempt():
            pass
        # The database itself refuses: SQLite's query_only, PostgreSQL's READ ONLY.
        work.session.add(User(email=email, display_name="x", password_hash="x", role="applicant"))
        with pytest.raises(DBAPIError):
            work.session.flush()
    assert not _exists(server, email)


def test_the_unit_of_work_of_a_session(server: Server) -> None:
    rt = server.app.state.runtime
    with rt.write() as work:
        assert UnitOfWork.of(work.session) is work
    with rt.read() as work:
        assert UnitOfWork.of(work.session) is work and not work.writes
    with Session(server.engine) as plain, pytest.raises(TypeError, match="unit of work"):
        UnitOfWork.of(plain)


@pytest.mark.parametrize("server", ["sqlite"], indirect=True)  # PostgreSQL has no such lock
def test_a_read_does_not_wait_for_a_write_in_progress(server: Server) -> None:
    rt = server.app.state.runtime
    lock = writer_lock(server.engine)
    assert lock is not None
    email = _email()
    begun, done = threading.Event(), threading.Event()

    def write() -> None:
        with rt.write() as work:
            auth.create_user(work.session, email, PASSWORD, Role.applicant)
            work.session.flush()  # BEGIN IMMEDIATE and the row, not committed yet
            begun.set()
            done.wait(30)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert begun.wait(10)
        assert lock.locked()
        seen: list[bool] = []
        reader = threading.Thread(target=lambda: seen.append(_exists(server, email)))
        reader.start()
        reader.join(2)
        assert seen == [False], "a read waited for the writer, or saw its uncommitted row"
    finally:
        done.set()
        writer.join(10)
    assert _exists(server, email)
