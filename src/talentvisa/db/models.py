"""Import every domain's models so that metadata (and Alembic) sees all tables."""

from talentvisa.audit.models import AuditEvent, AuditHead
from talentvisa.auth.models import ApiToken, LoginAttempt, User
from talentvisa.cases.models import (
    Application,
    DecisionProposal,
    Document,
    EvidenceRequest,
    IdempotencyRecord,
    Letter,
    Notice,
)
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
    "DecisionProposal",
    "Document",
    "EvidenceRequest",
    "IdempotencyRecord",
    "Letter",
    "LoginAttempt",
    "Notice",
    "Registration",
    "SeasonBulletin",
    "User",
]
