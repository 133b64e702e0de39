"""Agency settings, versioned: one row per change, and the version each pre-screen used

Cases pre-screened before this revision name no settings version (NULL): they ran on the
deployer's settings file alone.

Revision ID: 0006_settings
Revises: 0005_bulletin
Create Date: 2026-12-07 21:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_settings"
down_revision = "0005_bulletin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agency_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.String(60), nullable=False),
        sa.Column("parameter", sa.String(60), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("effective", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["set_by"], ["users.id"], name=op.f("fk_agency_settings_set_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_settings")),
    )
    op.create_index(
        "ix_agency_settings_key", "agency_settings", ["program_id", "parameter", "effective"]
    )
    # Plain ALTER TABLE: a batch copy of applications on SQLite would break the foreign keys
    # that point at it.
    op.add_column("applications", sa.Column("settings_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE applications DROP COLUMN settings_version")
    op.drop_index("ix_agency_settings_key", "agency_settings")
    op.drop_table("agency_settings")
