from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from talentvisa.db.base import Base, UTCDateTime, new_id, now
from talentvisa.h1b.workflow import RegistrationStatus


class CapSeason(Base):
    __tablename__ = "cap_seasons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    season: Mapped[str] = mapped_column(String(10), unique=True)
    state: Mapped[str] = mapped_column(String(20))  # h1b/workflow.py SeasonState
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    regular_target: Mapped[int] = mapped_column(Integer)
    advanced_target: Mapped[int] = mapped_column(Integer)
    seed_hex: Mapped[str] = mapped_column(String(128))  # secret until the reveal
    commitment: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    drawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reveal: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    selected_csv: Mapped[str | None] = mapped_column(Text)
    # A beacon season (docs/bulletin.md) names its drand chain and round at creation; the
    # round's value, entered after it is published, is mixed into the draw's seed.
    beacon_chain: Mapped[str | None] = mapped_column(String(64))
    beacon_round: Mapped[int | None] = mapped_column(BigInteger)
    planned_close: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    beacon_value: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's API


# One registrant, one beneficiary, one season: the database refuses a second row, so two
# concurrent requests cannot both pass the service's check. Rows from before this rule that
# the migration marked as copies (``duplicate_of``) stay for the record, outside the index.
ONE_PER_REGISTRANT = "uq_h1b_registrations_beneficiary"
ONLY_ORIGINALS = "duplicate_of IS NULL"


class Registration(Base):
    __tablename__ = "h1b_registrations"
    __table_args__ = (
        Index(
            ONE_PER_REGISTRANT,
            "season_id",
            "employer_id",
            "passport_country",
            "passport_number",
            unique=True,
            sqlite_where=text(ONLY_ORIGINALS),
            postgresql_where=text(ONLY_ORIGINALS),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    season_id: Mapped[int] = mapped_column(ForeignKey("cap_seasons.id"), index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    passport_country: Mapped[str] = mapped_column(String(3))
    passport_number: Mapped[str] = mapped_column(String(40))
    family_name: Mapped[str] = mapped_column(String(200))
    given_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[dt.date] = mapped_column()
    wage_level: Mapped[int] = mapped_column(Integer)
    soc_code: Mapped[str] = mapped_column(String(10))
    worksite: Mapped[str] = mapped_column(String(200))
    us_advanced_degree: Mapped[bool] = mapped_column(Boolean)
    fee_amount: Mapped[float] = mapped_column()
    fee_currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(30), default=RegistrationStatus.submitted.value)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    petition: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    duplicate_of: Mapped[str | None] = mapped_column(String(32))


class SeasonBulletin(Base):
    """The public bulletin fixed at a beacon season's close, and the agency's private mapping.

    ``rows`` and ``manifest`` are published as they are; ``mapping`` (unit -> passport key)
    is never served: it lets the agency rebuild the same bulletin to check the list before the
    draw.
    """

    __tablename__ = "h1b_bulletins"

    season_id: Mapped[int] = mapped_column(ForeignKey("cap_seasons.id"), primary_key=True)
    root: Mapped[str] = mapped_column(String(64))
    rows: Mapped[str] = mapped_column(Text)
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON)
    mapping: Mapped[str] = mapped_column(Text)
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # SHA-256 of the registrations the bulletin was built from, as the draw reads them
    # (h1b/bulletin.py list_digest); never served. None: closed before 0010, rebuilt instead.
    list_sha256: Mapped[str | None] = mapped_column(String(64))


class BulletinLeaf(Base):
    """Each registration's row on its season's bulletin, stored at the close.

    With :class:`BulletinLevel` it answers an employer's proof with two indexed reads instead
    of re-parsing and re-hashing the whole bulletin (46 s at 500,000 registrations).
    """

    __tablename__ = "h1b_bulletin_leaves"

    season_id: Mapped[int] = mapped_column(ForeignKey("cap_seasons.id"), primary_key=True)
    registration_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    leaf_index: Mapped[int] = mapped_column(Integer)
    row: Mapped[str] = mapped_column(Text)


class BulletinLevel(Base):
    """One level of the bulletin's Merkle tree: its node hashes, 32 bytes each, concatenated.

    Level 0 holds the leaf hashes; a proof reads one 32-byte slice of each level
    (``substr``), so it never loads the 16 MB of a national tree.
    """

    __tablename__ = "h1b_bulletin_levels"

    season_id: Mapped[int] = mapped_column(ForeignKey("cap_seasons.id"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer, primary_key=True)
    hashes: Mapped[bytes] = mapped_column(LargeBinary)


# An employer's results page reads its own registrations of one season a page at a time,
# after the last id shown (keyset paging): this index makes each page one range scan.
EMPLOYER_PAGES = Index(
    "ix_h1b_registrations_employer_season_id",
    Registration.employer_id,
    Registration.season_id,
    Registration.id,
)
