"""H-1B registrations: one per registrant, beneficiary and season, enforced by the database

Before this revision the rule was a check-then-insert, and concurrent requests on PostgreSQL
could each pass it. Existing rows are handled so that nothing is deleted and no published
draw changes:

* in seasons not yet drawn, passport countries become ISO 3166-1 alpha-2 (``IND`` -> ``IN``,
  as the API now stores them); codes pycountry does not know stay as written;
* in every season, of one registrant's rows for one passport the earliest (``created_at``,
  then id) stays the registration; each later one gets ``duplicate_of`` = that id. In a
  season not yet drawn the later ones become ``withdrawn_duplicate`` and leave the draw (the
  API had meant to refuse them); in a drawn season their published status stands, since the
  draw already treated them as the law does and its reveal must still verify.

The unique index covers rows with ``duplicate_of`` NULL.

Revision ID: 0004_h1b
Revises: 0003_audit
Create Date: 2026-12-07 12:10:00
"""

import logging

import sqlalchemy as sa
from alembic import op

from talentvisa.rules.codes import alpha2_table

revision = "0004_h1b"
down_revision = "0003_audit"
branch_labels = None
depends_on = None

INDEX = "uq_h1b_registrations_beneficiary"
ONLY_ORIGINALS = "duplicate_of IS NULL"
log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    op.add_column("h1b_registrations", sa.Column("duplicate_of", sa.String(32), nullable=True))
    conn = op.get_bind()
    undrawn = {
        sid
        for sid, state in conn.execute(sa.text("SELECT id, state FROM cap_seasons"))
        if state != "drawn"
    }
    table = alpha2_table()
    rows = conn.execute(
        sa.text(
            "SELECT id, season_id, employer_id, passport_country, passport_number "
            "FROM h1b_registrations ORDER BY created_at, id"
        )
    ).all()
    kept: dict[tuple[int, int, str, str], str] = {}
    recoded = marked = 0
    for rid, sid, eid, country, number in rows:
        if sid in undrawn and table.get(country.upper(), country) != country:
            country = table[country.upper()]
            conn.execute(
                sa.text("UPDATE h1b_registrations SET passport_country = :c WHERE id = :id"),
                {"c": country, "id": rid},
            )
            recoded += 1
        key = (sid, eid, country, number)
        if key not in kept:
            kept[key] = rid
            continue
        status = ", status = 'withdrawn_duplicate'" if sid in undrawn else ""
        conn.execute(
            sa.text(f"UPDATE h1b_registrations SET duplicate_of = :d{status} WHERE id = :id"),
            {"d": kept[key], "id": rid},
        )
        marked += 1
    if recoded or marked:
        log.warning(
            "h1b_registrations: %d passport countries recoded to alpha-2, %d later duplicate "
            "registrations marked duplicate_of",
            recoded,
            marked,
        )
    op.create_index(
        INDEX,
        "h1b_registrations",
        ["season_id", "employer_id", "passport_country", "passport_number"],
        unique=True,
        sqlite_where=sa.text(ONLY_ORIGINALS),
        postgresql_where=sa.text(ONLY_ORIGINALS),
    )


def downgrade() -> None:
    # The recoded countries and withdrawn statuses stay: both are what the API now means.
    op.drop_index(INDEX, table_name="h1b_registrations")
    op.execute("ALTER TABLE h1b_registrations DROP COLUMN duplicate_of")
