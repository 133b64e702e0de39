"""`talentvisa serve`, `db upgrade`, `db fsck`, `users create`, `audit verify`, `demo load`."""

from __future__ import annotations

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
    from talentvisa.db.engine import make_engine

    return make_engine()


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


@app_audit.command("verify")
def audit_verify() -> None:
    """Check the hash chain; name any edited, deleted or reordered event (exit 1)."""
    from talentvisa.audit import service as audit
    from talentvisa.db.engine import session_factory, transaction

    with transaction(session_factory(_migrated())) as s:
        report = audit.verify(s)
    if report.ok:
        out.print(f"[green]audit chain intact[/green]: {report.events} events")
        return
    for p in report.problems:
        err.print(f"[red]broken:[/red] {p}", highlight=False)
    raise typer.Exit(1)


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
) -> None:
    """Serve the API (and docs at /docs) with uvicorn."""
    import uvicorn

    from talentvisa import demo
    from talentvisa.api.app import create_app
    from talentvisa.db.engine import data_dir, database_url
    from talentvisa.db.migrate import SchemaOutOfDate

    try:
        app = create_app(_engine(), data_dir(), secure_cookies=not insecure_cookies)
    except SchemaOutOfDate as exc:
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
    uvicorn.run(app, host=host, port=port, log_level="info")


__all__ = ["Path", "app_audit", "app_db", "app_demo", "app_users", "serve"]
