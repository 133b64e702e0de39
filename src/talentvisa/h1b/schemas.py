"""What the H-1B API reads and answers: seasons, beacons, registrations, rounds, petitions."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator

from talentvisa.rules.codes import UnknownCode, alpha2_table, country_alpha2

#: The most registrations one results page or export batch holds (the API's bound too).
PAGE_MAX = 500


class BeaconIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    chain: str = Field(
        min_length=1,
        max_length=64,
        description="A drand chain whose key is pinned: quicknet or default, or its hash.",
        examples=["quicknet"],
    )
    # 10**9 rounds is a century of quicknet and keeps every round's time a valid datetime.
    round: int = Field(ge=1, le=10**9, description="A drand round published after planned_close.")
    planned_close: dt.datetime = Field(description="When the window is planned to close (UTC).")


HEX = r"^(?:[0-9a-fA-F]{2})*$"


class DrandIn(BaseModel):
    """drand's JSON for one round, as served at ``/<chain hash>/public/<round>``."""

    model_config = ConfigDict(extra="forbid")
    round: int = Field(ge=1, le=10**12)
    randomness: str = Field(pattern=HEX, min_length=64, max_length=64)
    signature: str = Field(pattern=HEX, min_length=2, max_length=192)
    previous_signature: str | None = Field(None, pattern=HEX, max_length=192)


class SeasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    season: str = Field(pattern=r"^FY\d{4}$", examples=["FY2027"])
    regular_target: int = Field(ge=0, description="Units to select in the regular round.")
    advanced_target: int = Field(ge=0, description="Units to select in the advanced round.")
    beacon: BeaconIn | None = Field(
        None,
        description="Name a drand round after the planned close: the season then publishes a "
        "bulletin at the close and draws with the beacon-mixed seed (docs/bulletin.md).",
    )


class RegistrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    passport_country: str = Field(
        min_length=2,
        max_length=3,
        description="ISO 3166-1 alpha-2 or alpha-3 (IND and IN are one country); stored alpha-2.",
        examples=["IN"],
        # Documented as the codes pycountry knows, so clients and fuzzers send real ones.
        json_schema_extra={"enum": list[JsonValue](sorted(alpha2_table()))},
    )
    passport_number: str = Field(pattern=r"^[A-Z0-9]{5,20}$")
    family_name: str = Field(min_length=1, max_length=200)
    given_name: str = Field("", max_length=200)
    date_of_birth: dt.date
    wage_level: int = Field(ge=1, le=4, description="Lowest OEWS level among worksites, 1-4.")
    soc_code: str = Field(pattern=r"^\d{2}-\d{4}$")
    worksite: str = Field(min_length=2, max_length=200)
    us_advanced_degree: bool

    @field_validator("passport_country")
    @classmethod
    def _alpha2(cls, value: str) -> str:
        try:
            return country_alpha2(value)
        except UnknownCode as exc:
            raise ValueError(str(exc)) from None


class RegistrationOut(BaseModel):
    id: str
    season: str
    passport_country: str
    passport_number_last4: str
    family_name: str
    wage_level: int
    soc_code: str
    worksite: str
    us_advanced_degree: bool
    fee_amount: float
    fee_currency: str
    status: str
    created_at: dt.datetime
    petition: dict[str, Any] | None


class RoundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cap: Literal["regular", "advanced"] = Field(
        description="regular: from every unselected unit; advanced: unselected US advanced degrees"
    )
    target: int = Field(ge=1, description="Units to select in this further round.")


class EmployerFacts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fte: int = Field(ge=0)
    nonprofit: bool
    acwia_exempt: bool = False
    h1b_dependent: bool = False


class PetitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    beneficiary_location: str = Field(pattern=r"^[A-Z]{2}$", description="Country now.")
    immigration_status: str = Field(min_length=1, max_length=40, examples=["F-1", "none"])
    petition_type: Literal["new_employment", "change_of_status", "change_of_employer"]
    consular_notification: bool
    exception_granted: bool = False
    employer: EmployerFacts
    highest_degree: Literal["bachelor", "master", "doctorate"]


class BulkLine(BaseModel):
    line: int = Field(description="The row's line in the uploaded file (1 = the header).")
    id: str


class BulkRegistrationsOut(BaseModel):
    season: str
    accepted: int = Field(description="Registrations created: every row of the file.")
    registrations: list[BulkLine]


class RegistrationPage(BaseModel):
    season: str
    counts: dict[str, int] = Field(description="The employer's registrations by status.")
    items: list[RegistrationOut]
    next: str | None = Field(description="Pass as ``after`` for the next page; null on the last.")
