"""Honest times: evidence deadlines as moments in a named zone, and each account's time zone

A request made before this revision had only a date; it passed when the next day began on the
server, taken here as the end of that day (23:59) in UTC, and its zone is recorded as UTC so
that nobody reads it as the agency's local time.

Revision ID: 0010_times
Revises: 0009_season
Create Date: 2026-12-08 01:00:00
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0010_times"
down_revision = "0009_season"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("users", sa.Column("time_zone", sa.String(64), nullable=True))
    op.add_column("evidence_requests", sa.Column("due_at", UTC, nullable=True))
    op.add_column(
        "evidence_requests",
        sa.Column("due_zone", sa.String(64), nullable=False, server_default="UTC"),
    )
    requests = sa.table(
        "evidence_requests",
        sa.column("id", sa.String),
        sa.column("due", sa.Date),
        sa.column("due_at", UTC),
    )
    bind = op.get_bind()
    for row in bind.execute(sa.select(requests.c.id, requests.c.due)).all():
        end = dt.datetime.combine(row.due, dt.time(23, 59), tzinfo=dt.UTC)
        bind.execute(requests.update().where(requests.c.id == row.id).values(due_at=end))
    with op.batch_alter_table("evidence_requests") as batch:
        batch.alter_column("due_at", existing_type=UTC, nullable=False)
    op.create_index("ix_evidence_requests_due_at", "evidence_requests", ["due_at"])


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+ has it): a batch copy of users would break the foreign
    # keys that point at it.
    op.drop_index("ix_evidence_requests_due_at", "evidence_requests")
    op.drop_column("evidence_requests", "due_zone")
    op.drop_column("evidence_requests", "due_at")
    op.drop_column("users", "time_zone")
