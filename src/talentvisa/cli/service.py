"""`talentvisa serve`, `worker`, `db upgrade`, `db fsck`, `users create`,
`audit verify|checkpoint|public-key`, `demo load`."""

from __future__ import annotations

import contextlib
import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from talentvisa.cli import fsck as cli_fsck

app_db = typer.Typer(help="Database schema and consistency.", no_args_is_help=True)
app_users = typer.Typer(help="Accounts.", no_args_is_help=True)
app_audit = typer.Typer(help="The audit trail.", no_args_is_help=True)
app_demo = typer.Typer(help="Demo data.", no_args_is_help=True)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _engine():  # type: ignore[no-untyped-def]
    """The database engine, bound to the data directory's audit key (keys.py)."""
    from talentvisa.audit import keys
    from talentvisa.db.engine import data_dir, make_engine

    engine = make_engine()
    try:
        keys.bind(engine, data_dir())
    except keys.AuditKeyError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    return engine


def _migrated():  # type: ignore[no-untyped-def]
    """The engine, after checking the schema is current (a clear error otherwise)."""
    from talentvisa.db.migrate import SchemaOutOfDate, check

    engine = _engine()
    try:
        check(engine)
    except SchemaOutOfDate as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    return engine


@app_db.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration (SQLite file under the data directory, or $TALENTVISA_DATABASE_URL)."""
    from talentvisa.db import migrate
    from talentvisa.db.engine import database_url

    migrate.upgrade(_engine())
    out.print(f"database at revision {migrate.current(_engine())} ({_redact(database_url())})")


app_db.command("fsck")(cli_fsck.db_fsck)


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


@app_users.command("create")
def users_create(
    email: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="applicant, employer, officer, supervisor, admin")],
    name: Annotated[str | None, typer.Option()] = None,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin.")] = False,
) -> None:
    """Create an account (passwords are hashed with argon2)."""
    from talentvisa.auth import service as auth
    from talentvisa.auth.models import Role
    from talentvisa.db.engine import session_factory, transaction

    try:
        chosen = Role(role)
    except ValueError:
        err.print(
            f"[red]error:[/red] --role: {role!r} is not one of {', '.join(r.value for r in Role)}"
        )
        raise typer.Exit(2) from None
    password = sys.stdin.readline().rstrip("\n") if password_stdin else getpass.getpass()
    try:
        with transaction(session_factory(_migrated())) as s:
            user = auth.create_user(s, email, password, chosen, name)
            uid, email = user.id, user.email
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    out.print(f"created {chosen.value} {email} (id {uid})")


def _audit_session():  # type: ignore[no-untyped-def]
    from talentvisa.db.engine import session_factory, transaction

    return transaction(session_factory(_migrated()))


def _signing_key():  # type: ignore[no-untyped-def]
    from talentvisa.audit import keys
    from talentvisa.db.engine import data_dir

    try:
        return keys.load_signing_key(data_dir())
    except keys.AuditKeyError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None


def _read_checkpoint(path: Path):  # type: ignore[no-untyped-def]
    from talentvisa.audit import checkpoint

    try:
        return checkpoint.parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        err.print(f"[red]error:[/red] {path}: cannot read: {exc}", highlight=False)
    except checkpoint.CheckpointError as exc:
        where = f"{path}:{exc.line or 1}" + (f": {exc.field}" if exc.field else "")
        err.print(f"[red]error:[/red] {where}: {exc}", highlight=False)
    raise typer.Exit(2)


@app_audit.command("verify")
def audit_verify(
    checkpoint_file: Annotated[
        Path | None,
        typer.Option("--checkpoint", help="Also check the trail against this signed checkpoint."),
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option(help="The checkpoint signer's public key (default: the data directory's)."),
    ] = None,
) -> None:
    """Check the keyed hash chain; name the first edited, inserted, deleted or reordered event
    (exit 1). With --checkpoint, also that the trail still holds the checkpoint's event."""
    from talentvisa.audit import checkpoint as checkpoints
    from talentvisa.audit import keys
    from talentvisa.audit import service as audit

    cp = _read_checkpoint(checkpoint_file) if checkpoint_file else None
    if cp is not None and public_key is not None:
        try:
            public = keys.load_public_key(public_key)
        except keys.AuditKeyError as exc:
            err.print(f"[red]error:[/red] {exc}", highlight=False)
            raise typer.Exit(2) from None
    elif cp is not None:
        public = _signing_key().public_key()
    with _audit_session() as s:
        report = audit.verify(s)
        against = checkpoints.check(cp, public, s) if cp is not None else None
    problems = report.problems + ([f"checkpoint {checkpoint_file}: {against}"] if against else [])
    if not problems:
        unkeyed = f" ({report.unkeyed} written before keying)" if report.unkeyed else ""
        at = f"; matches checkpoint at event {cp.seq}" if cp is not None else ""
        out.print(f"[green]audit chain intact[/green]: {report.events} events{unkeyed}{at}")
        return
    if report.first_bad is not None:
        err.print(f"[red]broken:[/red] first bad event: {report.first_bad}", highlight=False)
    for p in problems:
        err.print(f"[red]broken:[/red] {p}", highlight=False)
    raise typer.Exit(1)


@app_audit.command("checkpoint")
def audit_checkpoint(
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write it here (default: standard output).")
    ] = None,
) -> None:
    """Sign the chain's current seq and hash (Ed25519) for publication; refuse a broken chain."""
    from talentvisa.audit import checkpoint as checkpoints
    from talentvisa.audit import service as audit
    from talentvisa.db.base import now

    signer = _signing_key()
    with _audit_session() as s:
        report = audit.verify(s)
    if not report.ok:
        err.print(
            f"[red]error:[/red] the audit chain is broken ({report.problems[0]}); "
            "run `talentvisa audit verify`, no checkpoint was written",
            highlight=False,
        )
        raise typer.Exit(1)
    text = checkpoints.sign(report, signer, now()).to_json()
    if _emit(text, out_file):
        out.print(f"checkpoint at event {report.last_seq} written to {out_file}", highlight=False)


def _emit(text: str, out_file: Path | None) -> bool:
    """Write text to the file (True) or to standard output (False); exit 2 if it cannot."""
    if out_file is None:
        sys.stdout.write(text)
        return False
    try:
        out_file.write_text(text, encoding="utf-8")
    except OSError as exc:
        err.print(f"[red]error:[/red] {out_file}: cannot write: {exc}", highlight=False)
        raise typer.Exit(2) from None
    return True


@app_audit.command("public-key")
def audit_public_key(
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write it here (default: standard output).")
    ] = None,
) -> None:
    """Export the checkpoint signing key's public half (PEM), for whoever checks checkpoints."""
    from talentvisa.audit import keys

    public = _signing_key().public_key()
    if _emit(keys.public_pem(public), out_file):
        out.print(f"public key {keys.fingerprint(public)} written to {out_file}", highlight=False)


@app_demo.command("load")
def demo_load() -> None:
    """Load demo accounts and cases (once)."""
    from talentvisa import demo
    from talentvisa.api.app import create_app
    from talentvisa.db.engine import data_dir, transaction

    app = create_app(_migrated(), data_dir())
    rt = app.state.runtime
    with transaction(rt.factory) as s:
        created = demo.load(s, rt.cases)
    out.print("demo data loaded" if created else "demo data already present")


def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    insecure_cookies: Annotated[
        bool, typer.Option(help="Allow session cookies over plain HTTP (local demo only).")
    ] = False,
    fsck: cli_fsck.SweepOption = cli_fsck.Sweep.report,
    grace: cli_fsck.GraceOption = cli_fsck.DEFAULT_GRACE_SECONDS,
    trusted_proxies: Annotated[
        str | None,
        typer.Option(
            envvar="TALENTVISA_TRUSTED_PROXIES",
            help="Reverse proxies whose X-Forwarded-For is believed: addresses or networks, "
            "comma-separated (docs/security.md). Default: none.",
        ),
    ] = None,
    scheduler: Annotated[
        bool,
        typer.Option(
            help="Run the case deadlines and reminders in this process (cases/scheduler.py); "
            "turn off when `talentvisa worker` processes run them."
        ),
    ] = True,
) -> None:
    """Serve the API (and docs at /docs) with uvicorn."""
    import uvicorn

    from talentvisa import demo
    from talentvisa.api.app import create_app
    from talentvisa.audit.keys import AuditKeyError
    from talentvisa.db.engine import data_dir, database_url
    from talentvisa.db.migrate import SchemaOutOfDate

    try:
        app = create_app(
            _engine(),
            data_dir(),
            secure_cookies=not insecure_cookies,
            trusted_proxies=trusted_proxies or "",
        )
    except (SchemaOutOfDate, AuditKeyError, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    rt = app.state.runtime
    cli_fsck.sweep(rt.engine, rt.cases.documents_dir, fsck, grace)
    out.print(f"talentvisa serving at http://{host}:{port}/  (API docs: http://{host}:{port}/docs)")
    out.print(f"database: {_redact(database_url())}")
    out.print(
        f"web portal: http://{host}:{port}/ (English and 简体中文): compare programs, apply, "
        "work the case queue, register for the H-1B cap"
    )
    out.print(f"demo logins (password {demo.PASSWORD}): " + ", ".join(demo.ACCOUNTS.values()))
    jobs = None
    if scheduler:
        from talentvisa.cases.scheduler import scheduler as make_scheduler

        _mail_settings()
        jobs = make_scheduler(rt.factory, lambda: rt.clock(), background=True)
        jobs.start()
        out.print("scheduler: evidence deadlines and reminders run in this process")
    # The app decides which X-Forwarded-For to believe; uvicorn's own handling would believe
    # any from 127.0.0.1 and rewrite the address before the app could check.
    try:
        uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)
    finally:
        if jobs is not None:
            jobs.shutdown(wait=False)


def _mail_settings() -> None:
    """Refuse to start with mail settings that cannot work, rather than fail every minute."""
    from talentvisa.cases.mail import MailConfigError, SmtpSettings

    try:
        SmtpSettings.from_env()
    except MailConfigError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None


def worker(
    once: Annotated[bool, typer.Option(help="Run every job once and exit.")] = False,
) -> None:
    """Run the case deadlines and reminders (several workers may run at once)."""
    import datetime as dt

    from talentvisa.cases import scheduler as jobs
    from talentvisa.db.engine import session_factory

    _mail_settings()
    factory = session_factory(_migrated())
    if once:
        for name, done in jobs.run_once(factory, dt.datetime.now(dt.UTC)).items():
            out.print(f"{name}: {done} {jobs.JOBS[name].what}")
        return
    out.print("worker: running " + ", ".join(jobs.JOBS) + " (Ctrl-C to stop)")
    with contextlib.suppress(KeyboardInterrupt):
        jobs.scheduler(factory, lambda: dt.datetime.now(dt.UTC), background=False).start()


__all__ = ["Path", "app_audit", "app_db", "app_demo", "app_users", "serve", "worker"]
