from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from talentvisa.db.base import Base, UTCDateTime, now


class Role(StrEnum):
    applicant = "applicant"
    employer = "employer"
    officer = "officer"
    supervisor = "supervisor"
    admin = "admin"


#: The roles that review cases: officers, and supervisors who assign and oversee them.
STAFF: frozenset[Role] = frozenset({Role.officer, Role.supervisor})


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    #: The IANA time zone the person chose for the times they are shown; None: the browser's.
    time_zone: Mapped[str | None] = mapped_column(String(64))


class ApiToken(Base):
    """Bearer tokens are stored only as their SHA-256."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # "bearer" or "session"
    csrf_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(default=False)


class LoginAttempt(Base):
    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(300), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now, index=True)
    success: Mapped[bool] = mapped_column(default=False)
