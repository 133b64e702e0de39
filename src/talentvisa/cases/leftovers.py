"""What a crash leaves behind among uploaded documents, found and (for files) removed.

An upload writes its file under documents/ first and its `documents` row in the request's
transaction; a failed transaction deletes the file again (`UnitOfWork.on_rollback`). A process
killed between the two (kill -9, a power cut, the OOM killer) leaves a file with no row, or a
`.<name>.part` file of an interrupted write, and nothing else would ever remove it. A row whose
file is gone means the files were lost or restored from an older backup than the database:
that needs a person, so it is only reported.

A file with no row may also belong to an upload whose transaction has not committed yet.
Only files older than the grace period, longer than any transaction runs, are removed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from talentvisa.cases.models import Document

#: Longer than any request's transaction (seconds at most); see docs/operations.md.
DEFAULT_GRACE = dt.timedelta(hours=1)


@dataclass(frozen=True)
class OrphanFile:
    name: str
    size: int
    modified: dt.datetime


@dataclass(frozen=True)
class MissingFile:
    document_id: str
    application_id: str
    stored_name: str


@dataclass
class Leftovers:
    """One scan: files without a row, rows without a file, and the removed files."""

    grace: dt.timedelta
    checked_at: dt.datetime
    files_without_row: list[OrphanFile] = field(default_factory=list)
    rows_without_file: list[MissingFile] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def aged(self) -> list[OrphanFile]:
        """The files without a row that no transaction can still be writing."""
        return [f for f in self.files_without_row if self.checked_at - f.modified > self.grace]

    @property
    def clean(self) -> bool:
        """Nothing needs attention: no rows without files, no aged orphan left on disk."""
        left = {f.name for f in self.aged()} - set(self.removed)
        return not self.rows_without_file and not left


def scan(
    session: Session,
    documents_dir: Path,
    *,
    grace: dt.timedelta = DEFAULT_GRACE,
    now: dt.datetime | None = None,
) -> Leftovers:
    """Compare documents/ with the `documents` table; change nothing."""
    found = Leftovers(grace, now or dt.datetime.now(dt.UTC))
    # The directory is listed before the rows are read: an upload that commits in between
    # then has its row seen, rather than its file taken for an orphan.
    on_disk = (
        {p.name: p for p in documents_dir.iterdir() if p.is_file()}
        if documents_dir.is_dir()
        else {}
    )
    rows = session.execute(
        select(Document.id, Document.application_id, Document.stored_name).execution_options(
            yield_per=1000
        )
    )
    for doc_id, app_id, stored in rows:
        if on_disk.pop(stored, None) is None and not (documents_dir / stored).is_file():
            found.rows_without_file.append(MissingFile(doc_id, app_id, stored))
    for name, path in sorted(on_disk.items()):
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue  # a rollback removed it meanwhile
        modified = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC)
        found.files_without_row.append(OrphanFile(name, stat.st_size, modified))
    return found


def remove_aged(found: Leftovers, documents_dir: Path) -> Leftovers:
    """Delete the files without a row older than the grace period; rows are never touched."""
    for orphan in found.aged():
        (documents_dir / orphan.name).unlink(missing_ok=True)
        found.removed.append(orphan.name)
    return found
