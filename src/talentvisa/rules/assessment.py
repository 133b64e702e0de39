"""The Assessment: an explained, reproducible answer for one profile, program and date."""

from __future__ import annotations

import copy
import datetime as dt
from enum import StrEnum
from functools import cache
from typing import Any, Self

from pydantic import BaseModel, ConfigDict

from talentvisa.rules.messages import Message
from talentvisa.rules.model import Frequency, Payer, Text

#: A note from the program file. A plain string is a deployer's own note (in the deployer's
#: language), or a note stored by a version that kept program notes in English only.
Note = Text | str | None


class Outcome(StrEnum):
    eligible = "eligible"
    ineligible = "ineligible"
    unknown = "unknown"

    @classmethod
    def of(cls, value: bool | None) -> Outcome:
        return cls.unknown if value is None else cls.eligible if value else cls.ineligible


class Out(BaseModel):
    model_config = ConfigDict(frozen=True)

    @classmethod
    def made(cls, **values: Any) -> Self:
        """An instance from values the engine has already given the fields' types.

        The engine builds some forty of these per assessment; validating them was a third of
        assess(), and pydantic's model_construct costs as much again by matching aliases.
        The instance is what validation would make (tests/rules/test_closures.py checks the
        JSON against a validated copy): the same fields set, defaults copied, fields in order.
        """
        m = cls.__new__(cls)
        fields = {  # in the fields' order, the defaults filled
            n: values[n] if n in values else copy.copy(default)
            for n, default in _defaults(cls).items()
        }
        object.__setattr__(m, "__dict__", fields)
        object.__setattr__(m, "__pydantic_fields_set__", set(values))
        object.__setattr__(m, "__pydantic_extra__", None)
        object.__setattr__(m, "__pydantic_private__", None)
        return m


@cache
def _defaults(cls: type[Out]) -> dict[str, Any]:
    """Each field's default (None for a required one), in the order the fields are declared:
    the JSON of a model lists its fields in the order of its ``__dict__``."""
    return {n: None if f.is_required() else f.default for n, f in cls.model_fields.items()}


class SourceRef(Out):
    id: str
    url: str
    title: str
    lang: str = "en"  # of the title, which is cited as published
    read: dt.date
    reliability: str


class ParameterRead(Out):
    name: str
    value: Any
    origin: str  # "law" or "deployer"
    valid_from: dt.date
    valid_before: dt.date | None
    note: Note
    sources: list[SourceRef]


class CriterionTrace(Out):
    id: str
    label: Text
    outcome: Outcome
    expression: str
    facts: dict[str, Any]
    missing: list[str]
    parameters: list[str]
    points: dict[str, tuple[float, float]]
    criteria: dict[str, Outcome]
    exception: str | None
    sources: list[SourceRef]
    note: Note


class FactorScore(Out):
    id: str
    label: Text
    min: float
    max: float
    cap: float
    missing: list[str]


class GroupScore(Out):
    """A capped sub-total of some factors (their points added, then capped)."""

    id: str
    label: Text
    min: float
    max: float
    cap: float
    factors: list[str]


class PointsResult(Out):
    id: str
    label: Text
    min: float
    max: float
    factors: list[FactorScore]
    groups: list[GroupScore] = []

    @property
    def known(self) -> bool:
        return self.min == self.max


class FeeStatus(StrEnum):
    due = "due"
    not_due = "not_due"
    unknown = "unknown"


class FeeReading(Out):
    """What a fee comes to under one reading of a contested value it depends on."""

    parameter: str
    reading: str
    label: Text
    status: FeeStatus
    amount: float | None


class FeeLine(Out):
    id: str
    label: Text
    status: FeeStatus
    amount: float | None
    currency: str
    payer: Payer
    frequency: Frequency
    stage: str
    optional: bool
    missing: list[str]
    note: Note
    sources: list[SourceRef]
    #: Side by side, when the amount rests on contested law (empty otherwise).
    readings: list[FeeReading] = []


class PayerTotal(Out):
    payer: Payer
    currency: str
    due: float
    unknown_fees: list[str]


class BenefitLine(Out):
    key: str
    value: Any
    summary: Text
    note: Note
    sources: list[SourceRef]


class ReadingLine(Out):
    id: str
    label: Text
    value: Any
    sources: list[SourceRef]


class CourtOrderLine(Out):
    court: str
    case: str
    date: dt.date
    url: str
    effect: Text


class ContestedLine(Out):
    """A value the courts have put in question: every reading, the orders, what is pending."""

    parameter: str
    description: Text
    valid_from: dt.date
    valid_before: dt.date | None
    note: Note
    readings: list[ReadingLine]
    orders: list[CourtOrderLine]
    pending: Text | None
    pending_date: dt.date | None
    #: The reading a deployer setting picked: the deployer's choice, not the law's.
    deployer_choice: str | None


class QuestionLine(Out):
    id: str
    question: Text
    deployer_setting: str | None


class DocumentLine(Out):
    id: str
    label: Text
    required: Outcome


class Assessment(Out):
    program_id: str
    program_name: Text
    program_version: str
    program_hash: str
    on: dt.date
    in_force: bool
    outcome: Outcome
    reasons: list[str]
    notes: list[str]
    #: The notes as message codes with parameters, for renderers in other languages
    #: (empty in assessments stored before codes existed).
    messages: list[Message] = []
    criteria: list[CriterionTrace]
    parameters: list[ParameterRead]
    points: list[PointsResult]
    tiers: dict[str, Outcome]
    fees: list[FeeLine]
    totals: list[PayerTotal]
    benefits: list[BenefitLine]
    documents: list[DocumentLine]
    open_questions: list[QuestionLine]
    contested: list[ContestedLine] = []
    selection: dict[str, Any] | None

    def criterion(self, cid: str) -> CriterionTrace:
        return next(c for c in self.criteria if c.id == cid)

    def fee(self, fid: str) -> FeeLine:
        return next(f for f in self.fees if f.id == fid)
