"""the audit head follows each appended event by trigger

Appending an event took three statements: claim the next number, insert the event, record
its hash on the head. The database now records the hash itself, in the same statement as
the insert, so an append is two statements.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 12:00:00
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION audit_head_follows() RETURNS trigger AS $$
            BEGIN
                UPDATE audit_head SET hash = NEW.hash WHERE id = 1;
                RETURN NEW;
            END
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_head_follows AFTER INSERT ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_head_follows()"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_head_follows AFTER INSERT ON audit_events "
            "BEGIN UPDATE audit_head SET hash = NEW.hash WHERE id = 1; END"
        )


def downgrade() -> None:
    op.execute(
        "DROP TRIGGER audit_head_follows"
        + (" ON audit_events" if op.get_bind().dialect.name == "postgresql" else "")
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_head_follows()")
