"""Import every domain's models so that metadata (and Alembic) sees all tables."""

from talentvisa.audit.models import AuditEvent, AuditHead
from talentvisa.auth.models import ApiToken, LoginAttempt, User
from talentvisa.cases.models import Application, Document, EvidenceRequest, IdempotencyRecord
from talentvisa.cases.settings import AgencySetting
from talentvisa.db.base import Base
from talentvisa.h1b.models import CapSeason, Registration, SeasonBulletin

__all__ = [
    "AgencySetting",
    "ApiToken",
    "Application",
    "AuditEvent",
    "AuditHead",
    "Base",
    "CapSeason",
    "Document",
    "EvidenceRequest",
    "IdempotencyRecord",
    "LoginAttempt",
    "Registration",
    "SeasonBulletin",
    "User",
]
