"""The audit chain catches edits, deletions and reordering; the service CLI works end to end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from talentvisa.audit import service as audit
from talentvisa.auth.models import Role
from talentvisa.db import migrate
from talentvisa.db.engine import make_engine, session_factory, transaction

from .conftest import PG_ADMIN_URL, PROFILE, Server, pg_available

CLI = str(Path(sys.executable).parent / "talentvisa")


def run(
    *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, **env},
        timeout=120,
    )


def some_events(server: Server) -> None:
    _, tok = server.user(Role.applicant)
    c = server.client(tok)
    for _ in range(3):
        c.post("/applications", json={"profile": PROFILE}).raise_for_status()


def report(server: Server) -> audit.ChainReport:
    with server.app.state.runtime.factory() as s:
        return audit.verify(s)


@pytest.fixture
def restore(server: Server):  # type: ignore[no-untyped-def]
    """Tampering tests work on a copy of the chain and put the original back."""
    with server.engine.begin() as c:
        rows = [dict(r._mapping) for r in c.execute(sa.text("select * from audit_events"))]
        head = dict(c.execute(sa.text("select * from audit_head")).one()._mapping)
    yield
    with server.engine.begin() as c:
        c.execute(sa.text("delete from audit_events"))
        for r in rows:
            c.execute(
                sa.text(
                    "insert into audit_events (seq, at, actor_id, entity_type, entity_id,"
                    " action, data, prev_hash, hash) values (:seq, :at, :actor_id,"
                    " :entity_type, :entity_id, :action, :data, :prev_hash, :hash)"
                ),
                {
                    **r,
                    "data": r["data"]
                    if isinstance(r["data"], str)
                    else __import__("json").dumps(r["data"]),
                },
            )
        c.execute(sa.text("update audit_head set seq=:seq, hash=:hash where id=1"), head)
    assert report(server).ok


def test_an_edited_event_is_named(server: Server, restore: None) -> None:
    some_events(server)
    assert report(server).ok
    with server.engine.begin() as c:
        seq = c.execute(sa.text("select max(seq) - 1 from audit_events")).scalar_one()
        c.execute(sa.text("update audit_events set action = 'approve' where seq = :s"), {"s": seq})
    r = report(server)
    assert not r.ok and any(f"event {seq} (approve" in p and "edited" in p for p in r.problems)


def test_a_deleted_event_is_named(server: Server, restore: None) -> None:
    some_events(server)
    with server.engine.begin() as c:
        seq = c.execute(sa.text("select max(seq) - 1 from audit_events")).scalar_one()
        c.execute(sa.text("delete from audit_events where seq = :s"), {"s": seq})
    r = report(server)
    assert not r.ok and any(f"event(s) {seq}..{seq} are missing" in p for p in r.problems)


def test_a_deleted_last_event_is_caught_by_the_head(server: Server, restore: None) -> None:
    some_events(server)
    with server.engine.begin() as c:
        c.execute(
            sa.text("delete from audit_events where seq = (select max(seq) from audit_events)")
        )
    r = report(server)
    assert not r.ok and any("deleted from the end" in p for p in r.problems)


def test_reordered_events_are_named(server: Server, restore: None) -> None:
    some_events(server)
    with server.engine.begin() as c:
        top = c.execute(sa.text("select max(seq) from audit_events")).scalar_one()
        a, b = top - 2, top - 1
        c.execute(sa.text("update audit_events set seq = -1 where seq = :a"), {"a": a})
        c.execute(sa.text("update audit_events set seq = :a where seq = :b"), {"a": a, "b": b})
        c.execute(sa.text("update audit_events set seq = :b where seq = -1"), {"b": b})
    r = report(server)
    assert not r.ok and any(p.startswith(f"event {a}:") for p in r.problems)


def test_service_cli_on_a_fresh_sqlite_database(tmp_path: Path) -> None:
    env = {"TALENTVISA_DATA_DIR": str(tmp_path), "TALENTVISA_DATABASE_URL": ""}
    env.pop("TALENTVISA_DATABASE_URL")
    stale = run("audit", "verify", env=env)
    assert stale.returncode == 2 and "talentvisa db upgrade" in stale.stderr
    up = run("db", "upgrade", env=env)
    assert up.returncode == 0 and f"revision {migrate.head_revision()}" in up.stdout
    made = run(
        "users",
        "create",
        "--email",
        "Officer@Example.org",
        "--role",
        "officer",
        "--password-stdin",
        env=env,
        stdin="a-very-long-password\n",
    )
    assert made.returncode == 0 and "created officer officer@example.org" in made.stdout
    dup = run(
        "users",
        "create",
        "--email",
        "officer@example.org",
        "--role",
        "officer",
        "--password-stdin",
        env=env,
        stdin="a-very-long-password\n",
    )
    assert dup.returncode == 2 and "already registered" in dup.stderr
    bad = run(
        "users",
        "create",
        "--email",
        "x@example.org",
        "--role",
        "king",
        "--password-stdin",
        env=env,
        stdin="a-very-long-password\n",
    )
    assert bad.returncode == 2 and "--role" in bad.stderr
    demo = run("demo", "load", env=env)
    assert demo.returncode == 0 and "demo data loaded" in demo.stdout
    assert "already present" in run("demo", "load", env=env).stdout
    ok = run("audit", "verify", env=env)
    assert ok.returncode == 0 and "audit chain intact" in ok.stdout
    db = tmp_path / "talentvisa.sqlite3"
    with sa.create_engine(f"sqlite:///{db}").begin() as c:
        c.execute(sa.text("update audit_events set data = '{}' where seq = 3"))
    broken = run("audit", "verify", env=env)
    assert broken.returncode == 1 and "event 3" in broken.stderr and "edited" in broken.stderr


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    r = run("serve", "--port", "1", env={"TALENTVISA_DATA_DIR": str(tmp_path)})
    assert r.returncode == 2 and "talentvisa db upgrade" in r.stderr


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrations_go_down_and_up_and_the_head_follows_the_chain(
    backend: str, tmp_path: Path
) -> None:
    schema = None
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    else:
        if not pg_available():
            if os.environ.get("CI") == "true":
                pytest.fail(f"PostgreSQL is required under CI=true: {PG_ADMIN_URL}")
            pytest.skip("PostgreSQL not reachable")
        schema = f"mig_{os.getpid()}"
        with sa.create_engine(PG_ADMIN_URL).begin() as c:
            c.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        engine = make_engine(f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}")
    try:
        migrate.upgrade(engine)
        with transaction(session_factory(engine)) as s:
            for i in range(3):
                audit.append(s, actor_id=None, entity_type="t", entity_id=str(i), action="a")
        with transaction(session_factory(engine)) as s:
            head = s.get(audit.AuditHead, 1)
            last = s.get(audit.AuditEvent, 3)
            assert head is not None and last is not None and head.hash == last.hash
            assert audit.verify(s).ok
        migrate.downgrade(engine, "0001")
        assert migrate.current(engine) == "0001"
        migrate.upgrade(engine)
        assert migrate.current(engine) == migrate.head_revision()
        with transaction(session_factory(engine)) as s:
            audit.append(s, actor_id=None, entity_type="t", entity_id="4", action="a")
        with transaction(session_factory(engine)) as s:
            assert audit.verify(s).ok
    finally:
        engine.dispose()
        if schema:
            with sa.create_engine(PG_ADMIN_URL).begin() as c:
                c.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
