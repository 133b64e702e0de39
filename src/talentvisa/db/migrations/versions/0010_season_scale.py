"""Registrations leave room on each page, so the draw's status updates are heap-only (HOT)

A national draw sets the status of every registration of the season (500,000 rows). With full
pages PostgreSQL writes each new row version elsewhere and adds it to all five indexes of the
table (about 35 s at that size); with half of each page free the new version stays on its page
and no index is touched, since no index holds the status (about 4 s). The price is a table
about twice the size on disk. Only new pages are filled to the factor: rows stored before keep
their pages until the table is rewritten (VACUUM FULL). SQLite has no such setting.

Revision ID: 0010_season_scale
Revises: 0009_season
Create Date: 2026-12-08 01:20:00
"""

from alembic import op

revision = "0010_season_scale"
down_revision = "0009_season"
branch_labels = None
depends_on = None

FILLFACTOR = 50


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE h1b_registrations SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE h1b_registrations RESET (fillfactor)")
