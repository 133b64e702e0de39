"""Casework: checklists on requests for evidence, decisions waiting for a second person, and
the notice outbox

Requests answered before this revision are marked answered; the others stay open.

Revision ID: 0007_casework
Revises: 0005_bulletin
Create Date: 2026-12-07 21:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_casework"
down_revision = "0006_settings"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column(
        "evidence_requests",
        sa.Column("status", sa.String(20), nullable=False, server_default="open"),
    )
    op.add_column(
        "evidence_requests", sa.Column("items", sa.JSON(), nullable=False, server_default="[]")
    )
    op.add_column("evidence_requests", sa.Column("reminded_at", UTC, nullable=True))
    op.add_column("evidence_requests", sa.Column("closed_at", UTC, nullable=True))
    op.execute("UPDATE evidence_requests SET status = 'answered' WHERE responded_at IS NOT NULL")
    op.create_index("ix_evidence_requests_status", "evidence_requests", ["status"])
    op.add_column("documents", sa.Column("evidence_request_id", sa.String(32), nullable=True))
    # SQLite cannot add a constraint to a table in place, and a batch copy of documents is
    # not worth it for a column only the application writes; PostgreSQL enforces it.
    if op.get_bind().dialect.name != "sqlite":
        op.create_foreign_key(
            "fk_documents_evidence_request_id",
            "documents",
            "evidence_requests",
            ["evidence_request_id"],
            ["id"],
        )
    op.add_column("documents", sa.Column("item_id", sa.String(60), nullable=True))
    op.create_table(
        "decision_proposals",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "application_id", sa.String(32), sa.ForeignKey("applications.id"), nullable=False
        ),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("override_code", sa.String(40), nullable=True),
        sa.Column("why", sa.String(40), nullable=False),
        sa.Column("proposed_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("proposed_at", UTC, nullable=False),
        sa.Column("reviewed_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("reviewed_at", UTC, nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index(
        "ix_decision_proposals_application_id", "decision_proposals", ["application_id"]
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(120), nullable=False, unique=True),
        sa.Column(
            "application_id", sa.String(32), sa.ForeignKey("applications.id"), nullable=False
        ),
        sa.Column("recipient_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_notices_application_id", "notices", ["application_id"])


def downgrade() -> None:
    op.drop_table("notices")
    op.drop_table("decision_proposals")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_documents_evidence_request_id", "documents", type_="foreignkey")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("item_id")
        batch.drop_column("evidence_request_id")
    op.drop_index("ix_evidence_requests_status", "evidence_requests")
    with op.batch_alter_table("evidence_requests") as batch:
        for column in ("closed_at", "reminded_at", "items", "status"):
            batch.drop_column(column)
