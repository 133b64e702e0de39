"""The audit chain names each forgery and its first bad event; checkpoints catch what the
database cannot; the service CLI works end to end."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from talentvisa.audit import checkpoint, keys
from talentvisa.audit import service as audit
from talentvisa.audit.hashing import GENESIS, canonical, plain_hash
from talentvisa.audit.models import AuditEvent, AuditHead
from talentvisa.auth.models import Role
from talentvisa.db import migrate
from talentvisa.db.base import now
from talentvisa.db.engine import make_engine, session_factory, transaction
from tests.api.fixtures import PG_ADMIN_URL, PROFILE, Server, pg_available

CLI = str(Path(sys.executable).parent / "talentvisa")


DB_URL = "TALENTVISA_DATABASE_URL"


def run(
    *args: str, env: dict[str, str], stdin: str | None = None, unset: str | None = None
) -> subprocess.CompletedProcess[str]:
    # An outer $TALENTVISA_AUDIT_KEY must not leak into a test that did not set one.
    drop = {unset, keys.ENV_KEY} - env.keys()
    environ = {k: v for k, v in {**os.environ, **env}.items() if k not in drop}
    return subprocess.run(
        [CLI, *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={**environ, "COLUMNS": "400"},
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


EVENT_COLUMNS = [c.name for c in sa.inspect(AuditEvent).columns]
HEAD_COLUMNS = [c.name for c in sa.inspect(AuditHead).columns]


def chain(server: Server) -> list[AuditEvent]:
    with Session(server.engine) as s:
        return list(s.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq)))


def attackers_hash(e: AuditEvent, seq: int, prev_hash: str) -> str:
    """What someone with the database but not the audit key can compute: the scheme's plain
    SHA-256 over the same canonical document."""
    body = canonical(seq, e.at, e.actor_id, e.entity_type, e.entity_id, e.action, e.data, prev_hash)
    return plain_hash(body)


def renumber(c: sa.Connection, above: int, by: int) -> None:
    """Move every event after `above` by `by`, in two steps so no primary key collides."""
    c.execute(sa.text("update audit_events set seq = -seq where seq > :a"), {"a": above})
    c.execute(sa.text("update audit_events set seq = -seq + :by where seq < 0"), {"by": by})


def move_head_to_last(c: sa.Connection) -> None:
    """The attacker makes the head agree with what is left."""
    c.execute(
        sa.text(
            "update audit_head set seq = (select max(seq) from audit_events),"
            " hash = (select hash from audit_events"
            " where seq = (select max(seq) from audit_events)) where id = 1"
        )
    )


@pytest.fixture
def restore(server: Server):  # type: ignore[no-untyped-def]
    """Tampering tests work on a copy of the chain and put the original back."""
    with Session(server.engine) as s:
        rows = [{c: getattr(e, c) for c in EVENT_COLUMNS} for e in s.scalars(sa.select(AuditEvent))]
        head = s.get(AuditHead, 1)
        assert head is not None
        saved_head = {c: getattr(head, c) for c in HEAD_COLUMNS}
    yield
    with Session(server.engine) as s, s.begin():
        s.execute(sa.delete(AuditEvent))
        s.execute(sa.delete(AuditHead))
        s.add_all(AuditEvent(**r) for r in sorted(rows, key=lambda r: r["seq"]))
        s.flush()
        s.add(AuditHead(**saved_head))  # after the events, which the head trigger follows
    assert report(server).ok


def test_an_edited_event_is_named(server: Server, restore: None) -> None:
    some_events(server)
    assert report(server).ok
    with server.engine.begin() as c:
        seq = c.execute(sa.text("select max(seq) - 1 from audit_events")).scalar_one()
        c.execute(sa.text("update audit_events set action = 'approve' where seq = :s"), {"s": seq})
    r = report(server)
    assert not r.ok and r.first_bad == seq
    assert r.problems == [
        f"event {seq} (approve {chain(server)[seq - 1].entity_type} "
        f"{chain(server)[seq - 1].entity_id}) was edited: its hash does not "
        "match its content"
    ]


def test_a_deleted_event_is_named(server: Server, restore: None) -> None:
    some_events(server)
    with server.engine.begin() as c:
        seq = c.execute(sa.text("select max(seq) - 1 from audit_events")).scalar_one()
        c.execute(sa.text("delete from audit_events where seq = :s"), {"s": seq})
    r = report(server)
    assert not r.ok and r.first_bad == seq
    assert any(f"event(s) {seq}..{seq} are missing" in p for p in r.problems)


def test_a_deletion_closed_up_by_renumbering_is_named(server: Server, restore: None) -> None:
    some_events(server)
    with server.engine.begin() as c:
        seq = c.execute(sa.text("select max(seq) - 2 from audit_events")).scalar_one()
        c.execute(sa.text("delete from audit_events where seq = :s"), {"s": seq})
        renumber(c, seq, -1)
        move_head_to_last(c)
    r = report(server)
    assert not r.ok and r.first_bad == seq
    assert r.problems == [
        f"event(s) {seq}..{seq} were deleted and the events after them renumbered to close "
        f"the gap: event {seq} was written as event {seq + 1}"
    ]


def test_a_deleted_last_event_is_caught_by_the_head(server: Server, restore: None) -> None:
    some_events(server)
    with server.engine.begin() as c:
        c.execute(
            sa.text("delete from audit_events where seq = (select max(seq) from audit_events)")
        )
    r = report(server)
    assert not r.ok and any("deleted from the end" in p for p in r.problems)


def test_the_tail_deleted_with_the_head_row_is_caught(server: Server, restore: None) -> None:
    some_events(server)
    top = chain(server)[-1].seq
    with server.engine.begin() as c:
        c.execute(sa.text("delete from audit_events where seq > :s"), {"s": top - 2})
        c.execute(sa.text("delete from audit_head"))
    r = report(server)
    assert not r.ok and r.first_bad == top - 1
    assert any(p.startswith("the audit head row is missing") for p in r.problems)


def test_an_inserted_event_is_named_as_an_insertion(server: Server, restore: None) -> None:
    some_events(server)
    events = chain(server)
    after = events[-3]
    with Session(server.engine) as s, s.begin():
        renumber(s.connection(), after.seq, 1)
        fake = AuditEvent(
            seq=after.seq + 1,
            at=after.at,
            actor_id=None,
            entity_type="application",
            entity_id=after.entity_id,
            action="approve",
            data={},
            prev_hash=after.hash,
        )
        fake.hash = attackers_hash(fake, fake.seq, fake.prev_hash)
        s.add(fake)
        s.flush()
        move_head_to_last(s.connection())
    r = report(server)
    assert not r.ok and r.first_bad == after.seq + 1
    assert r.problems == [
        f"event {after.seq + 1} (approve application {after.entity_id}) was inserted: "
        f"event {after.seq + 2} links past it to event {after.seq}"
    ]


def test_a_chain_recomputed_without_the_key_fails(server: Server, restore: None) -> None:
    """The attacker edits an event and recomputes every later hash with plain SHA-256, as the
    unkeyed chain allowed, and moves the head to match."""
    some_events(server)
    events = chain(server)
    start = events[-3].seq
    with server.engine.begin() as c:
        prev = events[start - 2].hash
        for e in events[start - 1 :]:
            if e.seq == start:
                e.action = "approve"
            digest = attackers_hash(e, e.seq, prev)
            c.execute(
                sa.text(
                    "update audit_events set action = :a, prev_hash = :p, hash = :h, key_id = null"
                    " where seq = :s"
                ),
                {"a": e.action, "p": prev, "h": digest, "s": e.seq},
            )
            prev = digest
        move_head_to_last(c)
    r = report(server)
    assert not r.ok and r.first_bad == start
    assert len(r.problems) == 1
    assert r.problems[0].startswith(f"event {start} (approve ")
    assert "rewritten without the audit key" in r.problems[0]
    assert f"likewise events {start + 1}..{events[-1].seq}" in r.problems[0]


def test_moving_the_keying_boundary_breaks_the_seal(server: Server, restore: None) -> None:
    """Declaring keyed events 'written before keying' would let plain SHA-256 pass for them."""
    some_events(server)
    top = chain(server)[-1].seq
    with server.engine.begin() as c:
        c.execute(sa.text("update audit_head set keyed_from = :k"), {"k": top + 1})
    r = report(server)
    assert not r.ok and any("does not carry the audit key's seal" in p for p in r.problems)
    with server.engine.begin() as c:
        c.execute(sa.text("update audit_head set seal = null"))
        c.execute(sa.text("update audit_head set keyed_from = 1"))
    r = report(server)
    assert not r.ok and any("seal is missing" in p for p in r.problems)


def test_reordered_events_are_named(server: Server, restore: None) -> None:
    some_events(server)
    with server.engine.begin() as c:
        top = c.execute(sa.text("select max(seq) from audit_events")).scalar_one()
        a, b = top - 2, top - 1
        c.execute(sa.text("update audit_events set seq = -1 where seq = :a"), {"a": a})
        c.execute(sa.text("update audit_events set seq = :a where seq = :b"), {"a": a, "b": b})
        c.execute(sa.text("update audit_events set seq = :b where seq = -1"), {"b": b})
    r = report(server)
    assert not r.ok and r.first_bad == a
    assert r.problems[0] == (
        f"event {a}: holds the record written as event {b}: events were reordered"
    )


def test_events_are_keyed_with_the_data_directorys_key(server: Server) -> None:
    some_events(server)
    key_file = server.data_dir / "audit.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = keys.load_audit_key(server.data_dir)
    last = chain(server)[-1]
    body = canonical(
        last.seq,
        last.at,
        last.actor_id,
        last.entity_type,
        last.entity_id,
        last.action,
        last.data,
        last.prev_hash,
    )
    assert last.key_id == key.key_id and last.hash == key.mac(body) != plain_hash(body)
    with Session(server.engine) as s:
        head = s.get(AuditHead, 1)
        assert head is not None and head.seal is not None


def signed_checkpoint(server: Server) -> checkpoint.Checkpoint:
    signer = keys.load_signing_key(server.data_dir)
    return checkpoint.sign(report(server), signer, now())


def against(server: Server, cp: checkpoint.Checkpoint) -> str | None:
    public = keys.load_signing_key(server.data_dir).public_key()
    with Session(server.engine) as s:
        return checkpoint.check(checkpoint.parse(cp.to_json()), public, s)


def test_a_checkpoint_passes_on_an_untouched_trail(server: Server) -> None:
    some_events(server)
    cp = signed_checkpoint(server)
    assert cp.seq == chain(server)[-1].seq and against(server, cp) is None
    some_events(server)  # the trail goes on growing past it
    assert against(server, cp) is None and report(server).ok
    signing_file = server.data_dir / "audit-signing.key"
    assert stat.S_IMODE(signing_file.stat().st_mode) == 0o600


def test_a_checkpoint_catches_the_tail_truncated_with_the_head(
    server: Server, restore: None
) -> None:
    some_events(server)
    cp = signed_checkpoint(server)
    with server.engine.begin() as c:
        c.execute(sa.text("delete from audit_events where seq > :s"), {"s": cp.seq - 2})
        move_head_to_last(c)
    assert report(server).ok  # the head alone cannot tell
    assert against(server, cp) == (
        f"event(s) {cp.seq - 1}..{cp.seq} are missing: the trail ends at event {cp.seq - 2}, "
        f"below the checkpoint's event {cp.seq}: its tail was truncated"
    )


def test_a_checkpoint_catches_a_trail_rewritten_as_unkeyed(server: Server, restore: None) -> None:
    """The one forgery the database cannot show: every event recomputed with plain SHA-256
    and the keying boundary reset as if the trail had never been keyed."""
    some_events(server)
    cp = signed_checkpoint(server)
    events = chain(server)
    with server.engine.begin() as c:
        prev = GENESIS
        for e in events:
            digest = attackers_hash(e, e.seq, prev)
            c.execute(
                sa.text(
                    "update audit_events set prev_hash = :p, hash = :h, key_id = null"
                    " where seq = :s"
                ),
                {"p": prev, "h": digest, "s": e.seq},
            )
            prev = digest
        move_head_to_last(c)
        c.execute(
            sa.text("update audit_head set keyed_from = :k, seal = null"), {"k": events[-1].seq + 1}
        )
    assert report(server).ok
    problem = against(server, cp)
    assert problem is not None and f"rewritten at or before event {cp.seq}" in problem


def test_a_forged_or_foreign_checkpoint_is_refused(server: Server) -> None:
    some_events(server)
    cp = signed_checkpoint(server)
    bumped = checkpoint.Checkpoint(**{**asdict(cp), "seq": cp.seq - 1})
    assert "signature is not valid" in (against(server, bumped) or "")
    other = checkpoint.sign(report(server), Ed25519PrivateKey.generate(), now())
    assert "not by this trail's signing key" in (against(server, other) or "")


def cli_env(server: Server) -> dict[str, str]:
    url = server.engine.url.render_as_string(hide_password=False)
    return {"TALENTVISA_DATA_DIR": str(server.data_dir), "TALENTVISA_DATABASE_URL": url}


def test_the_checkpoint_cli(server: Server, restore: None, tmp_path: Path) -> None:
    some_events(server)
    env = cli_env(server)
    cp_file, pub_file = tmp_path / "cp.json", tmp_path / "audit.pub"
    made = run("audit", "checkpoint", "--out", str(cp_file), env=env)
    assert made.returncode == 0, made.stderr
    seq = json.loads(cp_file.read_text())["seq"]
    assert f"checkpoint at event {seq} written" in made.stdout
    assert run("audit", "public-key", "--out", str(pub_file), env=env).returncode == 0
    assert pub_file.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    ok = run(
        "audit", "verify", "--checkpoint", str(cp_file), "--public-key", str(pub_file), env=env
    )
    assert ok.returncode == 0 and f"matches checkpoint at event {seq}" in ok.stdout
    with server.engine.begin() as c:
        c.execute(sa.text("delete from audit_events where seq = :s"), {"s": seq})
        move_head_to_last(c)
    cut = run("audit", "verify", "--checkpoint", str(cp_file), env=env)
    assert cut.returncode == 1
    assert cut.stderr.splitlines() == [
        f"broken: checkpoint {cp_file}: event(s) {seq}..{seq} are missing: the trail ends at "
        f"event {seq - 1}, below the checkpoint's event {seq}: its tail was truncated"
    ]
    refused = run("audit", "checkpoint", env=env)  # the chain is fine: a new one is signed
    assert refused.returncode == 0 and json.loads(refused.stdout)["seq"] == seq - 1
    with server.engine.begin() as c:
        c.execute(sa.text("update audit_events set action = 'x' where seq = 1"))
    refused = run("audit", "checkpoint", env=env)
    assert refused.returncode == 1 and len(refused.stderr.splitlines()) == 1
    assert "event 1 (x " in refused.stderr and "no checkpoint was written" in refused.stderr
    broken = run("audit", "verify", env=env)
    assert broken.returncode == 1
    assert broken.stderr.splitlines()[0] == "broken: first bad event: 1"


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("{not json", "cp.json:1:"),
        (
            '{\n  "format": "talentvisa-audit-checkpoint/1",\n  "seq": "3"\n}',
            "cp.json:3: seq: missing or not an integer",
        ),
        ("[1, 2]", "cp.json:1:"),
    ],
)
def test_a_bad_checkpoint_file_is_one_line_naming_it(
    tmp_path: Path, content: str, where: str
) -> None:
    env = {"TALENTVISA_DATA_DIR": str(tmp_path / "data")}
    cp_file = tmp_path / "cp.json"
    cp_file.write_text(content)
    r = run("audit", "verify", "--checkpoint", str(cp_file), env=env, unset=DB_URL)
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1
    assert r.stderr.startswith(f"error: {cp_file.parent}/{where}")


def test_a_bad_audit_key_is_one_line(tmp_path: Path) -> None:
    env = {"TALENTVISA_DATA_DIR": str(tmp_path)}
    assert run("db", "upgrade", env=env, unset=DB_URL).returncode == 0
    r = run("audit", "verify", env={**env, keys.ENV_KEY: "abcd"}, unset=DB_URL)
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1
    assert "TALENTVISA_AUDIT_KEY: the audit key must have at least 32 bytes" in r.stderr
    serve = run("serve", "--port", "1", env={**env, keys.ENV_KEY: "not hex"}, unset=DB_URL)
    assert serve.returncode == 2 and serve.stderr.splitlines() == [
        "error: $TALENTVISA_AUDIT_KEY: the audit key must be hexadecimal"
    ]


def test_a_trail_checked_with_another_key_says_so(tmp_path: Path) -> None:
    env = {"TALENTVISA_DATA_DIR": str(tmp_path)}
    assert run("db", "upgrade", env=env, unset=DB_URL).returncode == 0
    assert run("demo", "load", env=env, unset=DB_URL).returncode == 0
    assert run("audit", "verify", env=env, unset=DB_URL).returncode == 0
    r = run("audit", "verify", env={**env, keys.ENV_KEY: "ab" * 32}, unset=DB_URL)
    assert r.returncode == 1 and "written with another audit key" in r.stderr


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


def _scratch_engine(
    backend: str, tmp_path: Path, name: str, prefix: str
) -> tuple[sa.Engine, str | None]:
    """An empty, unmigrated database: a SQLite file, or a fresh PostgreSQL schema."""
    if backend == "sqlite":
        return make_engine(f"sqlite:///{tmp_path / f'{name}.sqlite3'}"), None
    if not pg_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true: {PG_ADMIN_URL}")
        pytest.skip("PostgreSQL not reachable")
    schema = f"{prefix}_{os.getpid()}"
    with sa.create_engine(PG_ADMIN_URL).begin() as c:
        c.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    return make_engine(f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"), schema


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrations_go_down_and_up_and_the_head_follows_the_chain(
    backend: str, tmp_path: Path
) -> None:
    engine, schema = _scratch_engine(backend, tmp_path, "m", "mig")
    keys.bind(engine, tmp_path)
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


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_events_hashed_before_keying_still_verify_and_are_anchored(
    backend: str, tmp_path: Path
) -> None:
    """A database from before revision 0003 keeps its plain SHA-256 events; the first keyed
    event after them anchors them, so rewriting them afterwards is caught."""
    engine, schema = _scratch_engine(backend, tmp_path, "old", "old")
    keys.bind(engine, tmp_path)
    try:
        migrate.upgrade(engine, "0002")
        old_events = sa.Table(  # the table as revision 0002 left it, with no key_id
            "audit_events",
            sa.MetaData(),
            *(sa.Column(n, AuditEvent.__table__.c[n].type) for n in EVENT_COLUMNS if n != "key_id"),
        )
        prev = GENESIS
        with engine.begin() as c:
            for seq in (1, 2, 3):
                row = {
                    "seq": seq,
                    "at": now(),
                    "actor_id": None,
                    "entity_type": "t",
                    "entity_id": str(seq),
                    "action": "a",
                    "data": {"n": seq},
                    "prev_hash": prev,
                }
                row["hash"] = prev = plain_hash(canonical(**row))
                c.execute(old_events.insert(), row)
            c.execute(sa.text("update audit_head set seq = 3 where id = 1"))
        migrate.upgrade(engine)
        with transaction(session_factory(engine)) as s:
            r = audit.verify(s)
            assert r.ok and r.events == 3 and r.unkeyed == 3
            audit.append(s, actor_id=None, entity_type="t", entity_id="4", action="a")
        with transaction(session_factory(engine)) as s:
            r = audit.verify(s)
            assert r.ok and r.events == 4 and r.unkeyed == 3
            fourth = s.get(AuditEvent, 4)
            assert fourth is not None and fourth.key_id == keys.load_audit_key(tmp_path).key_id
        with engine.begin() as c:
            c.execute(sa.text("update audit_events set data = '{}' where seq = 2"))
        with transaction(session_factory(engine)) as s:
            r = audit.verify(s)
        assert not r.ok and r.first_bad == 2 and "event 2 (a t 2) was edited" in r.problems[0]
        with Session(engine) as s, s.begin():  # the attacker recomputes the plain hashes
            prev = s.get_one(AuditEvent, 1).hash
            for seq in (2, 3):
                e = s.get_one(AuditEvent, seq)
                e.prev_hash, e.hash = prev, attackers_hash(e, seq, prev)
                prev = e.hash
        with transaction(session_factory(engine)) as s:
            r = audit.verify(s)
        assert not r.ok and r.first_bad == 4
        assert r.problems == [
            "event 4: prev_hash does not match the hash of event 3: events 1..3, hashed "
            "before keying, were rewritten"
        ]
    finally:
        engine.dispose()
        if schema:
            with sa.create_engine(PG_ADMIN_URL).begin() as c:
                c.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
