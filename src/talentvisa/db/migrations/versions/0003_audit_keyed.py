"""audit events keyed with HMAC-SHA256; the head records where keying began

Events written before this revision keep their plain SHA-256 hashes and are verified as such:
the head's ``keyed_from`` is set to the event after the last one, and every later event must
carry an HMAC under the audit key, which lives outside the database. ``seal`` (an HMAC of
``keyed_from``) is written by the first keyed append, since the key is not known here.

Revision ID: 0003_audit
Revises: 0002
Create Date: 2026-12-07 08:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_audit"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD/DROP COLUMN on both databases: a batch (copy-and-move) rebuild of
    # audit_events would drop the trigger of revision 0002 with the old table.
    op.add_column("audit_events", sa.Column("key_id", sa.String(length=16), nullable=True))
    op.add_column(
        "audit_head",
        sa.Column("keyed_from", sa.Integer(), server_default="1", nullable=False),
    )
    op.add_column("audit_head", sa.Column("seal", sa.String(length=64), nullable=True))
    op.execute("UPDATE audit_head SET keyed_from = seq + 1, seal = NULL")


def downgrade() -> None:
    op.execute("ALTER TABLE audit_head DROP COLUMN seal")
    op.execute("ALTER TABLE audit_head DROP COLUMN keyed_from")
    op.execute("ALTER TABLE audit_events DROP COLUMN key_id")
