"""National seasons: stored proofs (bulletin leaves and Merkle levels), employer paging index

Seasons closed before this revision have no stored leaves; their proofs are still computed
from the bulletin's rows (h1b/bulletin.py).

Revision ID: 0009_season
Revises: 0005_bulletin
Create Date: 2026-12-07 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_season"
down_revision = "0007_casework"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "h1b_bulletin_leaves",
        sa.Column("season_id", sa.Integer(), sa.ForeignKey("cap_seasons.id"), primary_key=True),
        sa.Column("registration_id", sa.String(32), primary_key=True),
        sa.Column("leaf_index", sa.Integer(), nullable=False),
        sa.Column("row", sa.Text(), nullable=False),
    )
    op.create_table(
        "h1b_bulletin_levels",
        sa.Column("season_id", sa.Integer(), sa.ForeignKey("cap_seasons.id"), primary_key=True),
        sa.Column("level", sa.Integer(), primary_key=True),
        sa.Column("hashes", sa.LargeBinary(), nullable=False),
    )
    op.create_index(
        "ix_h1b_registrations_employer_season_id",
        "h1b_registrations",
        ["employer_id", "season_id", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_h1b_registrations_employer_season_id", "h1b_registrations")
    op.drop_table("h1b_bulletin_levels")
    op.drop_table("h1b_bulletin_leaves")
