"""Registrations leave room on each page, so the draw's status updates are heap-only (HOT);
the bulletin keeps a private digest of the list it was built from

A national draw sets the status of every registration of the season (500,000 rows). With full
pages PostgreSQL writes each new row version elsewhere and adds it to all five indexes of the
table (about 35 s at that size); with half of each page free the new version stays on its page
and no index is touched, since no index holds the status (about 4 s). The price is a table
about twice the size on disk. Only new pages are filled to the factor: rows stored before keep
their pages until the table is rewritten (VACUUM FULL). SQLite has no such setting.

``h1b_bulletins.list_sha256``: the draw compares the season's list with the one the bulletin
was built from by this digest, instead of rebuilding the bulletin (h1b/bulletin.py).

Revision ID: 0012_season_scale
Revises: 0011_queue
Create Date: 2026-12-08 01:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_season_scale"
down_revision = "0011_queue"
branch_labels = None
depends_on = None

FILLFACTOR = 50


def upgrade() -> None:
    with op.batch_alter_table("h1b_bulletins") as t:
        t.add_column(sa.Column("list_sha256", sa.String(64), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE h1b_registrations SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE h1b_registrations RESET (fillfactor)")
    with op.batch_alter_table("h1b_bulletins") as t:
        t.drop_column("list_sha256")
