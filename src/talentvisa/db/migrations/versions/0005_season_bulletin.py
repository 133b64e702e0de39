"""Beacon seasons: the named drand round on cap_seasons, and the bulletin fixed at the close

Seasons created before this revision have no beacon (the columns stay NULL) and draw as before.

Revision ID: 0005_bulletin
Revises: 0004_h1b
Create Date: 2026-12-07 13:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_bulletin"
down_revision = "0004_h1b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE on both databases: a batch copy of cap_seasons on SQLite would drop
    # the table that the registrations' foreign key points at.
    op.add_column("cap_seasons", sa.Column("beacon_chain", sa.String(64), nullable=True))
    op.add_column("cap_seasons", sa.Column("beacon_round", sa.BigInteger(), nullable=True))
    op.add_column(
        "cap_seasons", sa.Column("planned_close", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("cap_seasons", sa.Column("beacon_value", sa.JSON(), nullable=True))
    op.create_table(
        "h1b_bulletins",
        sa.Column("season_id", sa.Integer(), sa.ForeignKey("cap_seasons.id"), primary_key=True),
        sa.Column("root", sa.String(64), nullable=False),
        sa.Column("rows", sa.Text(), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=False),
        sa.Column("mapping", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("h1b_bulletins")
    for column in ("beacon_value", "planned_close", "beacon_round", "beacon_chain"):
        op.execute(f"ALTER TABLE cap_seasons DROP COLUMN {column}")
