"""Request and response bodies of the applications API."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from talentvisa.cases.intake import DEFAULT_PROGRAM
from talentvisa.i18n import language
from talentvisa.rules.bounds import LIST_MAX, Count, FreeText, Int64, Short, valid_text
from talentvisa.rules.profile import Profile


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _correspondence(code: str) -> str:
    return language(code)  # ValueError names the languages there are


class ApplicationCreate(Body):
    program_id: Short = Field(
        DEFAULT_PROGRAM,
        description="A program of the catalog taking individual applications (`intake: "
        "individual`); the enum lists those of this server's catalog, any other is refused "
        "with 422 naming program_id.",
    )
    profile: Profile = Field(default_factory=Profile)
    language: Annotated[str, AfterValidator(_correspondence)] = Field(
        "en",
        max_length=10,
        description="The language letters and notices are written in: en or zh (zh_Hans).",
    )


class ApplicationUpdate(Body):
    profile: Profile
    version: Count = Field(ge=1, description="The version you read; a stale one gets 409.")


class EvidenceRequestIn(Body):
    message: FreeText = Field(min_length=5)
    due: dt.date
    version: Count = Field(ge=1)
    documents: list[Short] = Field(
        default_factory=list,
        max_length=LIST_MAX,
        description="Ids of the program's documents to ask for; each must apply to the case "
        "(the pre-screen's documents whose condition is not false).",
    )
    items: list[FreeText] = Field(
        default_factory=list, max_length=20, description="Further items, in the officer's words."
    )


class ExtendIn(Body):
    due: dt.date = Field(description="The new deadline: later than the current one.")
    version: Count = Field(ge=1)


class CancelIn(Body):
    reason: FreeText = Field(min_length=1)
    version: Count = Field(ge=1)


class NoAnswerIn(Body):
    text: Annotated[str, AfterValidator(valid_text)] = Field(min_length=1, max_length=10000)
    version: Count = Field(ge=1)


class ReviewIn(Body):
    confirm: bool = Field(description="true: the decision takes effect; false: sent back.")
    note: Annotated[str, AfterValidator(valid_text)] = Field("", max_length=10000)
    version: Count = Field(ge=1)


class EvidenceResponseIn(Body):
    response: Annotated[str, AfterValidator(valid_text)] = Field(min_length=1, max_length=20000)
    version: Count = Field(ge=1)


class OverrideCode(StrEnum):
    evidence_resolves_unknown = "evidence_resolves_unknown"
    evidence_contradicts_profile = "evidence_contradicts_profile"
    deployer_policy = "deployer_policy"
    legal_exception = "legal_exception"
    other = "other"


class DecisionIn(Body):
    decision: Literal["approve", "refuse"]
    reasons: list[Short] = Field(
        min_length=1, max_length=LIST_MAX, description="Criterion ids the decision rests on."
    )
    text: Annotated[str, AfterValidator(valid_text)] = Field(min_length=1, max_length=10000)
    override_code: OverrideCode | None = None
    version: Count = Field(ge=1)


class AssignIn(Body):
    officer_id: Int64 | None = Field(None, description="Omit to take the case yourself.")
    version: Count = Field(ge=1)


class IssueIn(Body):
    version: Count = Field(ge=1)
    valid_from: dt.date
    valid_until: dt.date | None = Field(None, description="Needed when the program is silent.")
    entries: Short | None = Field(None, description="Needed when the program is silent.")
    max_stay_days: Count | None = Field(
        None, ge=1, description="Needed when the program is silent."
    )

    @field_validator("valid_until")
    @classmethod
    def _ends_after_it_starts(cls, v: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("valid_from")
        if v is not None and start is not None and v <= start:
            raise ValueError(f"must be after valid_from ({start})")
        return v


class VersionIn(Body):
    version: Count = Field(ge=1)


class DocumentOut(BaseModel):
    id: str
    kind: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    evidence_request_id: str | None = None
    item_id: str | None = Field(None, description="The checklist item this file answers.")


class ChecklistItemOut(BaseModel):
    id: str
    label: dict[str, str]
    conditional: bool = False
    document: str | None = None
    answered_by: list[str] = Field(default_factory=list, description="Document ids.")


class EvidenceOut(BaseModel):
    id: str
    message: str
    due: dt.date
    created_at: dt.datetime
    response: str | None
    responded_at: dt.datetime | None
    status: str
    items: list[ChecklistItemOut] = []


class ProposalOut(BaseModel):
    id: str
    decision: str
    reasons: list[str]
    text: str
    override_code: str | None
    why: str
    proposed_by: int
    proposed_at: dt.datetime


class LetterOut(BaseModel):
    kind: str = Field(description="decision or grant")
    language: str
    sha256: str
    size: int
    created_at: dt.datetime
    url: str = Field(description="Where to download the PDF (applicant and staff).")


class ApplicationOut(BaseModel):
    id: str
    program_id: str
    state: str
    version: int
    applicant_id: int
    profile: dict[str, Any]
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    assigned_officer_id: int | None
    prescreen_outcome: str | None
    program_hash: str | None
    prescreen_on: dt.date | None
    settings_version: int | None = None
    decision: str | None
    decision_reasons: list[str] | None
    decision_text: str | None
    override_code: str | None
    visa_number: str | None
    issued: dict[str, Any] | None
    language: str = "en"
    letters: list[LetterOut] = []
    documents: list[DocumentOut] = []
    evidence_requests: list[EvidenceOut] = []
    pending_decision: ProposalOut | None = None
    allowed_actions: list[str] = []


class EventOut(BaseModel):
    seq: int
    at: dt.datetime
    actor_id: int | None
    action: str
    data: dict[str, Any]
    hash: str
