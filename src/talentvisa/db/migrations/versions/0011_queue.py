"""The work queue: the columns it sorts by, kept on the case, and an index for each sort

`applicant_name` is copied from the profile at submission (a submitted profile no longer
changes), `evidence_due` and `evidence_received_at` from the case's requests for evidence, so
that the queue sorts and pages by keyset over indexed columns instead of reading JSON or
joining on every page (cases/queue.py). Existing cases are filled in from their data.

Revision ID: 0011_queue
Revises: 0010_times
Create Date: 2026-12-08 01:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_queue"
down_revision = "0010_times"
branch_labels = None
depends_on = None

#: One index per sort of the queue, each ending in the id that breaks ties (cases/queue.py).
INDEXES = {
    "ix_applications_queue_submitted": ["submitted_at", "id"],
    "ix_applications_queue_state": ["state", "submitted_at", "id"],
    "ix_applications_queue_updated": ["updated_at", "id"],
    "ix_applications_queue_due": ["evidence_due", "id"],
    "ix_applications_queue_name": ["applicant_name", "id"],
    "ix_applications_queue_program": ["program_id", "id"],
    "ix_applications_queue_prescreen": ["prescreen_outcome", "id"],
}

TRIGRAM = "ix_applications_name_trigram"


def upgrade() -> None:
    op.add_column("applications", sa.Column("applicant_name", sa.String(200), nullable=True))
    op.add_column("applications", sa.Column("evidence_due", sa.Date(), nullable=True))
    op.add_column(
        "applications",
        sa.Column("evidence_received_at", sa.DateTime(timezone=True), nullable=True),
    )
    _fill()
    for name, columns in INDEXES.items():
        op.create_index(name, "applications", columns)
    if op.get_bind().dialect.name == "postgresql":
        _name_search_index()


def _name_search_index() -> None:
    """On PostgreSQL, a trigram index for the search by part of a name, if the agency's
    role may have pg_trgm (a trusted extension since PostgreSQL 13); without it the search
    still works, by reading every open case."""
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    except sa.exc.DBAPIError:
        return
    # Where the extension lives, which need not be on this schema's search path.
    schema = bind.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'"
    ).scalar_one()
    bind.exec_driver_sql(
        f'CREATE INDEX {TRIGRAM} ON applications USING gin (applicant_name "{schema}".gin_trgm_ops)'
    )


def _fill() -> None:
    bind = op.get_bind()
    apps = sa.table(
        "applications",
        sa.column("id", sa.String),
        sa.column("profile", sa.JSON),
        sa.column("submitted_at", sa.DateTime),
        sa.column("applicant_name", sa.String),
    )
    rows = bind.execute(
        sa.select(apps.c.id, apps.c.profile).where(apps.c.submitted_at.is_not(None))
    )
    named = [{"app_id": r.id, "name": str((r.profile or {}).get("name") or "")[:200]} for r in rows]
    if named:
        bind.execute(
            apps.update()
            .where(apps.c.id == sa.bindparam("app_id"))
            .values(applicant_name=sa.bindparam("name")),
            named,
        )
    # The request still waiting (open, or lapsed unanswered) gives the due date; the latest
    # answer gives the date evidence was received.
    op.execute(
        "UPDATE applications SET evidence_due = (SELECT max(r.due) FROM evidence_requests r "
        "WHERE r.application_id = applications.id AND r.status IN ('open', 'lapsed'))"
    )
    op.execute(
        "UPDATE applications SET evidence_received_at = (SELECT max(r.responded_at) "
        "FROM evidence_requests r WHERE r.application_id = applications.id)"
    )


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {TRIGRAM}")
    for name in INDEXES:
        op.drop_index(name, "applications")
    # Plain DROP COLUMN (SQLite 3.35+ has it): a batch copy of applications would break the
    # foreign keys that point at it once cases exist.
    for column in ("evidence_received_at", "evidence_due", "applicant_name"):
        op.drop_column("applications", column)
