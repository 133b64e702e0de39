"""`talentvisa serve`, `db upgrade`, `db fsck`, `users create`, `audit verify`, `demo load`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import getpass
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

app_db = typer.Typer(help="Database schema.", no_args_is_help=True)
app_users = typer.Typer(help="Accounts.", no_args_is_help=True)
app_audit = typer.Typer(help="The audit trail.", no_args_is_help=True)
app_demo = typer.Typer(help="Demo data.", no_args_is_help=True)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from talentvisa.cases.leftovers import Leftovers

GraceOption = Annotated[
    int,
    typer.Option(
        "--grace",
        min=0,
        envvar="TALENTVISA_FSCK_GRACE",
        help="Seconds a document file without a row must be old before it is removed "
        "(longer than any transaction; default one hour).",
    ),
]


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


def _leftovers(engine: Engine, documents: Path, grace: int, remove: bool) -> Leftovers:
    from talentvisa.cases import leftovers
    from talentvisa.db.engine import read_engine, read_only, session_factory

    reader = read_engine(engine)
    with read_only(session_factory(reader)) as s:
        found = leftovers.scan(s, documents, grace=dt.timedelta(seconds=grace))
    if reader is not engine:
        reader.dispose()
    return leftovers.remove_aged(found, documents) if remove else found


def _leftovers_json(found: Leftovers) -> dict[str, object]:
    aged = {f.name for f in found.aged()}
    return {
        "checked_at": found.checked_at.isoformat(),
        "grace_seconds": int(found.grace.total_seconds()),
        "files_without_row": [
            {
                "name": f.name,
                "size": f.size,
                "modified": f.modified.isoformat(),
                "older_than_grace": f.name in aged,
                "removed": f.name in found.removed,
            }
            for f in found.files_without_row
        ],
        "rows_without_file": [dataclasses.asdict(m) for m in found.rows_without_file],
        "clean": found.clean,
    }


def _leftover_lines(found: Leftovers, documents: Path) -> list[str]:
    aged = {f.name for f in found.aged()}
    lines = []
    for f in found.files_without_row:
        if f.name in found.removed:
            fate = "removed"
        elif f.name in aged:
            fate = "older than the grace period: --remove deletes it"
        else:
            fate = "recent, may be an upload in progress: kept"
        lines.append(
            f"file without a row: {documents / f.name} ({f.size:,} bytes, modified "
            f"{f.modified:%Y-%m-%d %H:%M:%S} UTC; {fate})"
        )
    for m in found.rows_without_file:
        lines.append(
            f"row without a file: document {m.document_id} of application {m.application_id}: "
            f"{documents / m.stored_name} is missing (restore it from a backup)"
        )
    return lines


@app_db.command("fsck")
def db_fsck(
    remove: Annotated[
        bool, typer.Option("--remove", help="Delete files without a row older than --grace.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    grace: GraceOption = 3600,
) -> None:
    """Find document files without a row and rows without a file (exit 1 if any need action)."""
    from talentvisa.db.engine import data_dir

    documents = data_dir() / "documents"
    found = _leftovers(_migrated(), documents, grace, remove)
    if as_json:
        print(json.dumps(_leftovers_json(found), indent=2))
    else:
        for line in _leftover_lines(found, documents):
            (out if line.startswith("file") else err).print(line, highlight=False)
        out.print(
            f"{len(found.files_without_row)} files without a row ({len(found.removed)} removed), "
            f"{len(found.rows_without_file)} rows without a file"
        )
    if not found.clean:
        raise typer.Exit(1)


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


class Sweep(StrEnum):
    off = "off"
    report = "report"
    remove = "remove"


def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    insecure_cookies: Annotated[
        bool, typer.Option(help="Allow session cookies over plain HTTP (local demo only).")
    ] = False,
    fsck: Annotated[
        Sweep,
        typer.Option(
            envvar="TALENTVISA_FSCK",
            help="At start-up, look for crash leftovers among documents (see `db fsck`): "
            "report them, also remove files older than --grace, or skip the check.",
        ),
    ] = Sweep.report,
    grace: GraceOption = 3600,
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
    if fsck != Sweep.off:
        documents = app.state.runtime.cases.documents_dir
        found = _leftovers(app.state.runtime.engine, documents, grace, fsck == Sweep.remove)
        for line in _leftover_lines(found, documents):
            err.print(f"fsck: {line}", highlight=False)
        out.print(
            f"fsck: {len(found.files_without_row)} document files without a row "
            f"({len(found.removed)} removed), {len(found.rows_without_file)} rows without a file"
        )
    out.print(f"talentvisa serving at http://{host}:{port}/  (API docs: http://{host}:{port}/docs)")
    out.print(f"database: {_redact(database_url())}")
    out.print(
        f"web portal: http://{host}:{port}/ (English and 简体中文): compare programs, apply, "
        "work the case queue, register for the H-1B cap"
    )
    out.print(f"demo logins (password {demo.PASSWORD}): " + ", ".join(demo.ACCOUNTS.values()))
    uvicorn.run(app, host=host, port=port, log_level="info")


__all__ = ["Path", "app_audit", "app_db", "app_demo", "app_users", "serve"]
