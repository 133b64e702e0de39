"""Letters and notices: decision letters and grant notices stored with their hash, the
applicant's language of correspondence, and the outbox's retry state

Revision ID: 0013_letters
Revises: 0012_season_scale
Create Date: 2026-12-08 01:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_letters"
down_revision = "0012_season_scale"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column(
        "applications",
        sa.Column("language", sa.String(10), nullable=False, server_default="en"),
    )
    op.create_table(
        "letters",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "application_id", sa.String(32), sa.ForeignKey("applications.id"), nullable=False
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.UniqueConstraint("application_id", "kind", name="uq_letters_application_kind"),
    )
    op.create_index("ix_letters_application_id", "letters", ["application_id"])
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("next_attempt_at", UTC, nullable=True))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(32), nullable=True))
        batch.add_column(sa.Column("claimed_until", UTC, nullable=True))
    op.create_index("ix_notices_sent_at", "notices", ["sent_at"])


def downgrade() -> None:
    op.drop_index("ix_notices_sent_at", "notices")
    with op.batch_alter_table("notices") as batch:
        for column in ("claimed_until", "claimed_by", "last_error", "next_attempt_at"):
            batch.drop_column(column)
    op.drop_table("letters")
    # In place: a batch copy of applications would break the foreign keys of existing cases.
    op.drop_column("applications", "language")
