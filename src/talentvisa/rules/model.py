"""Pydantic models of a program file: the published, reviewable format of a visa program.

A program is data. Every dated parameter value, criterion, fee and benefit points at one of the
program's ``sources`` by id, and each source records its URL and the date it was read.
"""

from __future__ import annotations

import datetime as dt
import itertools
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from talentvisa.rules.expr import ExpressionError, parse

Expression = Annotated[str, Field(min_length=1, description="A rule expression (see expr.py).")]
SourceRefs = Annotated[
    list[str], Field(min_length=1, description="Ids of entries in the program's `sources`.")
]


def _expr_ok(value: str) -> str:
    try:
        parse(value)
    except ExpressionError as exc:
        raise ValueError(str(exc)) from None
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Text(Strict):
    """A user-facing string in English and Simplified Chinese."""

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)


class Reliability(StrEnum):
    official = "official"  # government text, gazette, or a faithful reprint of one
    law_firm = "law_firm"
    news = "news"
    secondary = "secondary"


class Source(Strict):
    url: str = Field(pattern=r"^https?://")
    title: str = Field(
        description="The title as cited, in its own language (a citation is not translated)."
    )
    lang: str = Field(
        "en",
        pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
        description="Language of the title (BCP 47, e.g. en, de, zh-Hans).",
    )
    read: dt.date = Field(description="Date the source was read.")
    reliability: Reliability
    ref: str | None = Field(None, description="Where in our dossier the source is quoted.")


class Conflict(Strict):
    """Sources disagree: what was chosen, and why."""

    about: Text
    chosen: Text
    rejected: Text
    why: Text
    sources: SourceRefs


class LegalStatus(StrEnum):
    """Where a value stands in law. `expired` is derived from dates; `proposed` lives only in a
    scenario, so a proposal can never be read as law."""

    in_force = "in_force"
    contested = "contested"
    proposed = "proposed"
    expired = "expired"


class CourtOrder(Strict):
    """A court order, stay or appeal that puts a value in question."""

    court: str = Field(min_length=1)
    case: str = Field(min_length=1, description="Case or docket number, as the court gives it.")
    date: dt.date
    url: str = Field(pattern=r"^https?://")
    effect: Text
    source: SourceRefs


class Reading(Strict):
    """One reading of a contested value: what it is if one side of the dispute prevails."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Text
    value: Any
    source: SourceRefs


class PendingEvent(Strict):
    """What will settle a contested value (an appeal, an expiry); date null if none is set."""

    event: Text
    date: dt.date | None = None
    source: SourceRefs


class ParameterValue(Strict):
    start: dt.date = Field(alias="from")
    before: dt.date | None = Field(None, description="First day the value no longer applies.")
    value: Any = Field(description="null means the law is silent: evaluation yields unknown.")
    open_ended: bool = Field(
        False, description="The value stays in force with no known end (only on the last value)."
    )
    source: SourceRefs
    note: Text | None = None
    status: LegalStatus = LegalStatus.in_force
    readings: list[Reading] = Field(
        default_factory=list, description="Contested only: each side's value, side by side."
    )
    orders: list[CourtOrder] = Field(
        default_factory=list, description="Contested only: the court orders behind the dispute."
    )
    pending: PendingEvent | None = None

    @model_validator(mode="after")
    def _null_needs_note(self) -> ParameterValue:
        if self.value is None and not self.note:
            raise ValueError("a null (unspecified) value needs a `note` saying what is unknown")
        if self.before is not None and self.before <= self.start:
            raise ValueError(f"`before` {self.before} must be after `from` {self.start}")
        if self.status in (LegalStatus.proposed, LegalStatus.expired):
            raise ValueError(
                f"status {self.status.value!r} is not set on a value: a proposal is a "
                "`scenario`, and expiry follows from `before`"
            )
        contested = self.status == LegalStatus.contested
        if contested and (self.value is not None or len(self.readings) < 2 or not self.orders):
            raise ValueError(
                "a contested value has `value: null`, two or more `readings` and the court "
                "`orders` behind it"
            )
        if not contested and (self.readings or self.orders or self.pending):
            raise ValueError("`readings`, `orders` and `pending` belong to a contested value")
        if len({r.id for r in self.readings}) != len(self.readings):
            raise ValueError("reading ids must be unique")
        return self

    @model_serializer(mode="wrap")
    def _omit_in_force(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A value in force dumps as before legal status existed, so program hashes (the
        # version identity stored with assessments) change only where a status is set.
        out: dict[str, Any] = handler(self)
        if self.status == LegalStatus.in_force:
            for key in ("status", "readings", "orders", "pending"):
                out.pop(key, None)
        return out

    def reading(self, rid: str) -> Reading | None:
        return next((r for r in self.readings if r.id == rid), None)


class Parameter(Strict):
    description: Text
    unit: str | None = None
    values: list[ParameterValue] = Field(min_length=1)
    deployer_setting: bool = Field(
        False, description="A deployer may set this value where the law is silent."
    )

    @field_validator("values")
    @classmethod
    def _ordered_and_closed(cls, values: list[ParameterValue]) -> list[ParameterValue]:
        for prev, cur in itertools.pairwise(values):
            if cur.start <= prev.start:
                raise ValueError(f"values must be in date order: {cur.start} after {prev.start}")
            if prev.before is not None and prev.before > cur.start:
                raise ValueError(f"value from {prev.start} overlaps the one from {cur.start}")
            if prev.before is not None and prev.before < cur.start:
                raise ValueError(
                    f"gap from {prev.before} to {cur.start}: say what applied (null if unknown)"
                )
            if prev.open_ended:
                raise ValueError("only the last value may be open_ended")
        last = values[-1]
        if last.before is None and not last.open_ended:
            raise ValueError(
                "the last value needs `before` (its end) or `open_ended: true`; "
                "evaluating past an undeclared end would be silent extrapolation"
            )
        return values


class Exception_(Strict):
    """Catala-style exception: when `when` holds, the criterion takes `then` instead."""

    id: str
    label: Text
    when: Expression
    then: bool
    source: SourceRefs

    _v = field_validator("when")(_expr_ok)


class Criterion(Strict):
    label: Text
    expr: Expression | None = None
    all: list[Expression] | None = None
    any: list[Expression] | None = None
    not_: Expression | None = Field(None, alias="not")
    exceptions: list[Exception_] = Field(default_factory=list)
    source: SourceRefs
    note: Text | None = None

    @field_validator("expr", "not_")
    @classmethod
    def _one(cls, v: str | None) -> str | None:
        return None if v is None else _expr_ok(v)

    @field_validator("all", "any")
    @classmethod
    def _many(cls, v: list[str] | None) -> list[str] | None:
        if v is not None:
            if not v:
                raise ValueError("needs at least one item")
            for item in v:
                _expr_ok(item)
        return v

    @model_validator(mode="after")
    def _exactly_one_form(self) -> Criterion:
        forms = [f for f in ("expr", "all", "any", "not_") if getattr(self, f) is not None]
        if len(forms) != 1:
            raise ValueError("a criterion needs exactly one of `expr`, `all`, `any`, `not`")
        return self

    def as_expression(self) -> str:
        """The base rule as one expression (exceptions are applied on top of it)."""
        if self.expr is not None:
            return self.expr
        if self.not_ is not None:
            return f"not ({self.not_})"
        items, op = (self.all, " and ") if self.all is not None else (self.any, " or ")
        assert items is not None
        return op.join(f"({i})" for i in items)


class Band(Strict):
    at_least: float | None = None
    below: float | None = None
    points: float

    @model_validator(mode="after")
    def _bounded(self) -> Band:
        if self.at_least is None and self.below is None:
            raise ValueError("a band needs `at_least`, `below`, or both")
        if self.at_least is not None and self.below is not None and self.below <= self.at_least:
            raise ValueError("`below` must be greater than `at_least`")
        return self


class PointRule(Strict):
    when: Expression
    points: float

    _v = field_validator("when")(_expr_ok)


class Factor(Strict):
    """One factor of a points table, with exactly one way to score it."""

    label: Text
    cap: float = Field(ge=0)
    input: Expression | None = Field(None, description="Value looked up in `bands`.")
    bands: list[Band] | None = None
    rules: list[PointRule] | None = None
    combine: Literal["max", "sum"] = "max"
    formula: Expression | None = None
    source: SourceRefs

    @field_validator("input", "formula")
    @classmethod
    def _e(cls, v: str | None) -> str | None:
        return None if v is None else _expr_ok(v)

    @model_validator(mode="after")
    def _one_method(self) -> Factor:
        methods = [self.bands is not None, self.rules is not None, self.formula is not None]
        if sum(methods) != 1:
            raise ValueError("a factor needs exactly one of `bands`, `rules`, `formula`")
        if (self.bands is not None) != (self.input is not None):
            raise ValueError("`bands` and `input` go together")
        return self

    def bounds(self) -> tuple[float, float]:
        """Least and most points this factor can give, before and after the cap."""
        if self.bands is not None:
            pts = [b.points for b in self.bands] + [0.0]
            return min(min(pts), self.cap), min(max(pts), self.cap)
        if self.rules is not None:
            if self.combine == "sum":
                return 0.0, min(sum(r.points for r in self.rules), self.cap)
            return 0.0, min(max(r.points for r in self.rules), self.cap)
        return 0.0, self.cap


class FactorGroup(Strict):
    """Factors whose points are added and then capped together: a sub-total with its own cap.

    For example Canada's skill transferability factors, at most 100 points together.
    """

    label: Text
    cap: float = Field(ge=0)
    factors: list[str] = Field(min_length=1, description="Ids of factors of the same table.")
    source: SourceRefs


class PointsTable(Strict):
    label: Text
    factors: dict[str, Factor] = Field(min_length=1)
    groups: dict[str, FactorGroup] = Field(
        default_factory=dict,
        description="Capped sub-totals; a factor belongs to at most one group. The table's "
        "total adds the ungrouped factors and each group's capped sub-total.",
    )
    source: SourceRefs

    @model_validator(mode="after")
    def _groups_partition_factors(self) -> PointsTable:
        seen: dict[str, str] = {}
        for gid, group in self.groups.items():
            if gid in self.factors:
                raise ValueError(f"group {gid!r} has the name of a factor")
            for fid in group.factors:
                if fid not in self.factors:
                    raise ValueError(f"group {gid!r}: unknown factor {fid!r}")
                if fid in seen:
                    raise ValueError(f"factor {fid!r} is in groups {seen[fid]!r} and {gid!r}")
                seen[fid] = gid
        return self

    @model_serializer(mode="wrap")
    def _omit_no_groups(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A table without groups dumps as before groups existed, so program hashes (the
        # version identity stored with assessments) do not change for such programs.
        out: dict[str, Any] = handler(self)
        if not self.groups:
            out.pop("groups", None)
        return out

    def ungrouped(self) -> list[str]:
        """Factors outside every group, in table order."""
        grouped = {fid for g in self.groups.values() for fid in g.factors}
        return [fid for fid in self.factors if fid not in grouped]


class Tier(Strict):
    id: str
    label: Text
    when: Expression

    _v = field_validator("when")(_expr_ok)


class Payer(StrEnum):
    applicant = "applicant"
    employer = "employer"


class Frequency(StrEnum):
    one_time = "one_time"
    per_year = "per_year"
    per_application = "per_application"
    per_registration = "per_registration"


class Fee(Strict):
    label: Text
    amount: Expression = Field(description="Usually a parameter name; null means not published.")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    payer: Payer
    frequency: Frequency
    stage: str = Field(description="When it is paid, e.g. registration, petition, visa.")
    when: Expression = "True"
    optional: bool = False
    source: SourceRefs
    note: Text | None = None

    _v = field_validator("amount", "when")(_expr_ok)


MULTIPLE = "multiple"
EntryCount = Annotated[int, Field(ge=1, le=99)] | Literal["multiple"]


class Terms(Strict):
    """The terms of a grant as the program bounds them, machine-readable beside the benefit's
    words: the numbers of entries it allows, or a length between `min` and `max` in `unit`.
    Issuing officers choose within these (cases/terms.py); a bound the law does not state is
    left out, never guessed."""

    entries: list[EntryCount] | None = Field(None, min_length=1)
    min: int | None = Field(None, ge=1)
    max: int | None = Field(None, ge=1)
    unit: Literal["days", "months", "years"] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Terms:
        length = self.min is not None or self.max is not None
        if self.entries is not None and (length or self.unit):
            raise ValueError("terms give either `entries` or a length (min, max, unit)")
        if length and self.unit is None:
            raise ValueError("a length needs its `unit` (days, months or years)")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("terms.min is more than terms.max")
        return self


class Benefit(Strict):
    """One fact about what a program gives. `value: null` means not published."""

    value: str | int | float | bool | None
    summary: Text
    source: list[str] = Field(default_factory=list)
    note: Text | None = None
    terms: Terms | None = Field(
        None, description="The same fact as bounds an issuing officer chooses within."
    )

    @model_validator(mode="after")
    def _sourced_or_explained(self) -> Benefit:
        if self.value is None and not self.note:
            raise ValueError("an unpublished (null) benefit needs a `note`")
        if self.value is not None and not self.source:
            raise ValueError("a stated benefit needs a `source`")
        if self.terms is not None and self.value is None:
            raise ValueError("terms restate a published value: an unpublished one has none")
        return self


class Benefits(Strict):
    entries: Benefit
    validity: Benefit
    max_stay: Benefit
    work_allowed: Benefit
    job_offer_required: Benefit
    sponsor_required: Benefit
    family: Benefit
    pr_route: Benefit
    language: Benefit
    activities: Benefit

    @model_validator(mode="after")
    def _terms_fit(self) -> Benefits:
        for name, benefit in (("validity", self.validity), ("max_stay", self.max_stay)):
            if benefit.terms is not None and benefit.terms.entries is not None:
                raise ValueError(f"{name}.terms is a length (min, max, unit), not entries")
        terms = self.entries.terms
        if terms is not None and terms.entries is None:
            raise ValueError("entries.terms lists the numbers of entries (or multiple)")
        stay = self.max_stay.terms
        if stay is not None and stay.unit != "days":
            raise ValueError("max_stay.terms is in days (a stay per entry)")
        return self


class Document(Strict):
    id: str
    label: Text
    when: Expression = "True"
    source: SourceRefs


class IntakeType(StrEnum):
    individual = "individual"
    employer_registration = "employer_registration"
    none = "none"


class Intake(Strict):
    type: IntakeType
    capped: bool = False
    cap_parameters: list[str] = Field(
        default_factory=list, description="Parameters that hold the cap numbers."
    )
    odds_parameter: str | None = Field(None, description="Published selection rate, if any.")


class OpenQuestion(Strict):
    id: str
    question: Text
    affects: list[str] = Field(
        min_length=1, description="Criteria, parameters, fees or benefits this leaves open."
    )
    deployer_setting: str | None = Field(None, description="Parameter a deployer may set.")
    when_used: bool = Field(
        False,
        description="Relevant whenever an affected item is used, not only when it is unknown "
        "(e.g. litigation over a fee that is due).",
    )
    source: list[str] = Field(default_factory=list)


class ScenarioValue(Strict):
    start: dt.date = Field(alias="from")
    before: dt.date | None = None
    value: Any
    source: SourceRefs
    note: Text | None = None


class Scenario(Strict):
    """A proposed rule or announced change: never law, shown beside it when asked for by name."""

    label: Text = Field(description='Reads after "if", e.g. "the proposed FY2028 fee is adopted".')
    status: Literal[LegalStatus.proposed] = LegalStatus.proposed
    docket: str = Field(min_length=1)
    published: dt.date
    comments_until: dt.date | None = None
    source: SourceRefs
    note: Text | None = None
    parameters: dict[str, list[ScenarioValue]] = Field(min_length=1)


class InForce(Strict):
    start: dt.date | None = Field(
        alias="from", description="null when the start is not encoded; see coverage_from"
    )
    before: dt.date | None = None
    source: SourceRefs
    note: Text | None = None


class Category(StrEnum):
    talent_visa = "talent_visa"
    work_visa = "work_visa"
    visa_exemption = "visa_exemption"
    residence = "residence"
    job_search = "job_search"


class Program(Strict):
    id: str = Field(pattern=r"^[a-z]{2}-[a-z0-9-]+$")
    version: str
    name: Text
    country: str = Field(pattern=r"^[A-Z]{2}$")
    category: Category
    summary: Text
    in_force: InForce
    coverage_from: dt.date | None = Field(
        None, description="Rules before this date are not encoded: results are unknown."
    )
    sources: dict[str, Source] = Field(min_length=1)
    conflicts: list[Conflict] = Field(default_factory=list)
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    criteria: dict[str, Criterion] = Field(min_length=1)
    eligibility: Expression
    points: dict[str, PointsTable] = Field(default_factory=dict)
    tiers: list[Tier] = Field(default_factory=list)
    fees: dict[str, Fee] = Field(default_factory=dict)
    benefits: Benefits
    documents: list[Document] = Field(default_factory=list)
    intake: Intake
    open_questions: list[OpenQuestion] = Field(default_factory=list)
    scenarios: dict[str, Scenario] = Field(
        default_factory=dict, description="Proposed changes, by name; never evaluated as law."
    )

    _v = field_validator("eligibility")(_expr_ok)

    @model_serializer(mode="wrap")
    def _omit_no_scenarios(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        out: dict[str, Any] = handler(self)
        if not self.scenarios:
            out.pop("scenarios", None)
        return out

    @model_validator(mode="after")
    def _scenarios_name_parameters(self) -> Program:
        for sid, sc in self.scenarios.items():
            for name in sc.parameters:
                if name not in self.parameters:
                    raise ValueError(f"scenario {sid!r}: unknown parameter {name!r}")
        return self

    @model_validator(mode="after")
    def _start_or_coverage(self) -> Program:
        if self.in_force.start is None and self.coverage_from is None:
            raise ValueError("in_force.from may be null only when coverage_from is set")
        return self

    def in_force_on(self, on: dt.date) -> bool:
        w = self.in_force
        return (w.start is None or on >= w.start) and (w.before is None or on < w.before)

    def encoded_on(self, on: dt.date) -> bool:
        """False before `coverage_from`: the rules of that time are not in this file."""
        return self.coverage_from is None or on >= self.coverage_from
