"""`talentvisa db fsck` and the start-up sweep of `serve`: crash leftovers among documents.

See cases/leftovers.py for what is found and why, docs/operations.md for how to run it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from talentvisa.cases.leftovers import Leftovers

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
DEFAULT_GRACE_SECONDS = 3600

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


class Sweep(StrEnum):
    off = "off"
    report = "report"
    remove = "remove"


SweepOption = Annotated[
    Sweep,
    typer.Option(
        envvar="TALENTVISA_FSCK",
        help="At start-up, look for crash leftovers among documents (see `db fsck`): "
        "report them, also remove files older than --grace, or skip the check.",
    ),
]


def find(engine: Engine, documents: Path, grace: int, remove: bool) -> Leftovers:
    from talentvisa.cases import leftovers
    from talentvisa.db.engine import read_engine, read_only, session_factory

    # The read engine: on SQLite the writer's connections take the write lock on BEGIN.
    reader = read_engine(engine)
    with read_only(session_factory(reader)) as s:
        found = leftovers.scan(s, documents, grace=dt.timedelta(seconds=grace))
    if reader is not engine:
        reader.dispose()
    return leftovers.remove_aged(found, documents) if remove else found


def as_json(found: Leftovers) -> dict[str, object]:
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


def file_lines(found: Leftovers, documents: Path) -> list[str]:
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
    return lines


def row_lines(found: Leftovers, documents: Path) -> list[str]:
    return [
        f"row without a file: document {m.document_id} of application {m.application_id}: "
        f"{documents / m.stored_name} is missing (restore it from a backup)"
        for m in found.rows_without_file
    ]


def summary(found: Leftovers) -> str:
    return (
        f"{len(found.files_without_row)} document files without a row "
        f"({len(found.removed)} removed), {len(found.rows_without_file)} rows without a file"
    )


def db_fsck(
    remove: Annotated[
        bool, typer.Option("--remove", help="Delete files without a row older than --grace.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    grace: GraceOption = DEFAULT_GRACE_SECONDS,
) -> None:
    """Find document files without a row and rows without a file (exit 1 if any need action)."""
    from talentvisa.cli.service import _migrated
    from talentvisa.db.engine import data_dir

    documents = data_dir() / "documents"
    found = find(_migrated(), documents, grace, remove)
    if json_out:
        print(json.dumps(as_json(found), indent=2))
    else:
        for line in file_lines(found, documents):
            out.print(line, highlight=False)
        for line in row_lines(found, documents):
            err.print(line, highlight=False)
        out.print(summary(found))
    if not found.clean:
        raise typer.Exit(1)


def sweep(engine: Engine, documents: Path, mode: Sweep, grace: int) -> None:
    """The start-up check of `serve`: findings on stderr, one summary line on stdout."""
    if mode == Sweep.off:
        return
    found = find(engine, documents, grace, mode == Sweep.remove)
    for line in [*file_lines(found, documents), *row_lines(found, documents)]:
        err.print(f"fsck: {line}", highlight=False)
    out.print(f"fsck: {summary(found)}")
