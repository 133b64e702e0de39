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
    StrictInt,
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


DUE_TIME = (
    "Local time on the due date in the agency's time zone (the case's `due_zone`); default 23:59."
)


class EvidenceRequestIn(Body):
    message: FreeText = Field(min_length=5)
    due: dt.date = Field(description="The last day to answer, in the agency's time zone.")
    due_time: dt.time | None = Field(None, description=DUE_TIME)
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
    due_time: dt.time | None = Field(None, description=DUE_TIME)
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


#: A visa's length in days or months: a whole number (true is not 1); cases/terms.py bounds it.
Length = Annotated[StrictInt, Field(ge=1, le=100_000)]


class CaseRef(Body):
    id: str = Field(min_length=1, max_length=32, pattern=r"^[0-9a-f]{1,32}$")
    version: Count = Field(ge=1, description="The version you read; a stale one gets 409.")


class BulkAssignIn(Body):
    officer_id: Int64
    cases: list[CaseRef] = Field(min_length=1, max_length=500)


class IssueIn(Body):
    """The visa's terms, within the program's (cases/terms.py); a term the program fixes may be
    left out, and a choice outside its terms is refused with 422 naming the field."""

    version: Count = Field(ge=1)
    valid_from: dt.date
    entries: StrictInt | Short | None = Field(
        None, description="A number of entries (1-99) or `multiple`; omit if the program fixes it."
    )
    validity: Length | None = Field(
        None, description="How long the visa is valid from valid_from, in validity_unit."
    )
    validity_unit: Literal["days", "months"] | None = None
    stay_days: Length | None = Field(
        None, description="Longest stay per entry, in days; default: the program's limit."
    )


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
    due: dt.date = Field(description="The deadline's local date in `due_zone`.")
    due_at: dt.datetime = Field(description="The deadline, in UTC.")
    due_zone: str = Field(description="The IANA time zone the deadline was set in.")
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
    applicant_name: str | None = None
    evidence_due: dt.date | None = None
    evidence_received_at: dt.datetime | None = None
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
