"""The applicant Profile: the facts programs need. Every field may be missing (unknown).

The shared parts are written here; each country's own section (germany, korea...) is generated
from its folder's fact declarations (rules/sections.py), so a country folder adds its section
without editing this file.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    create_model,
    field_validator,
)

from talentvisa.rules.bounds import LIST_MAX, Amount, Count, Name, Short
from talentvisa.rules.codes import CountryCode, CurrencyCode
from talentvisa.rules.declarations import declarations
from talentvisa.rules.refdata import load
from talentvisa.rules.sections import check_paths, section_fields

Country = CountryCode


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DegreeLevel(StrEnum):
    secondary = "secondary"
    vocational = "vocational"
    associate = "associate"
    bachelor = "bachelor"
    master = "master"
    doctorate = "doctorate"


#: Ordinal used by rule expressions (`bachelor`, `master`... are constants there).
DEGREE_ORDINAL = {lvl.value: i for i, lvl in enumerate(DegreeLevel, start=1)}


class FieldGroup(StrEnum):
    """Broad field when no CIP code is known; the STEM mapping is in data/stem_fields.yaml."""

    computer_science = "computer_science"
    engineering = "engineering"
    mathematics = "mathematics"
    natural_sciences = "natural_sciences"
    medicine_health = "medicine_health"
    agriculture = "agriculture"
    social_sciences = "social_sciences"
    business = "business"
    law = "law"
    education = "education"
    humanities = "humanities"
    arts = "arts"
    other = "other"


class CEFR(StrEnum):
    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"


CEFR_ORDINAL = {lvl.value: i for i, lvl in enumerate(CEFR, start=1)}

#: "I do not speak it": a definite answer (level 0), unlike a language left out (unknown).
NO_LANGUAGE = "none"
CefrAnswer = CEFR | Literal["none"]


def _iso639_1(code: str) -> str:
    if pycountry.languages.get(alpha_2=code) is None:
        raise ValueError(f"{code!r} is not an ISO 639-1 language code")
    return code


LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2}$"), AfterValidator(_iso639_1)]


class _OnlyPatternKeys:
    """Say in the JSON Schema that keys outside the pattern are refused, as validation does.

    `patternProperties` alone admits any other key, so a schema-driven client (or fuzzer)
    would send a key the API then refuses with a 422.
    """

    def __get_pydantic_json_schema__(
        self, core: Any, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        schema: dict[str, Any] = handler(core)
        schema["additionalProperties"] = False
        return schema


CefrLevels = Annotated[dict[LanguageCode, CefrAnswer], _OnlyPatternKeys()]

#: Canadian Language Benchmarks (NCLC for French) in data/language_levels.yaml: 1..12, and 0
#: for below CLB 1 or no test.
CLB_TOP = max(load("language_levels")["clb"]["order"])


class Degree(Model):
    level: DegreeLevel | None = None
    cip: str | None = Field(
        None, pattern=r"^\d{2}(\.\d{2}(\d{2})?)?$", description="CIP 2020 code, e.g. 11.0701"
    )
    field: FieldGroup | None = None
    stem: bool | None = Field(None, description="An assessor's STEM determination; overrides.")
    institution: Name | None = None
    institution_country: Country | None = None
    institution_rank: Count | None = Field(None, ge=1, description="World ranking position.")
    ranking_system: Short | None = None
    high_level_foreign_university: bool | None = None
    taught_in_chinese: bool | None = None
    graduation_date: dt.date | None = None

    @field_validator("graduation_date")
    @classmethod
    def _not_future(cls, v: dt.date | None) -> dt.date | None:
        # A degree not yet awarded counts for no program; taking it would answer as if it had.
        if v is not None and v > dt.date.today():
            raise ValueError(f"{v} is in the future; give the date the degree was awarded")
        return v


class ExperienceKind(StrEnum):
    research = "research"
    teaching = "teaching"
    industry = "industry"
    other = "other"


class Experience(Model):
    kind: ExperienceKind | None = None
    employer: Name | None = None
    country: Country | None = None
    at_university_or_research_institution: bool | None = None
    stem: bool | None = None
    institution_rank: Count | None = Field(None, ge=1)
    years: Amount | None = Field(None, ge=0, le=80)
    fortune_global_500: bool | None = None
    after_doctorate: bool | None = Field(None, description="Research done after the doctorate.")
    top_research_institute: bool | None = Field(
        None, description="At a top global research institute (as assessed)."
    )


class Employer(Model):
    name: Name | None = None
    fte: Count | None = Field(None, ge=0, description="Full-time-equivalent employees (US).")
    nonprofit: bool | None = None
    acwia_exempt: bool | None = None
    h1b_dependent: bool | None = Field(
        None, description="50+ US employees, more than half in H-1B or L-1 status."
    )
    cap_exempt: bool | None = None


class PetitionType(StrEnum):
    new_employment = "new_employment"
    change_of_employer = "change_of_employer"
    extension = "extension"
    amendment = "amendment"
    change_of_status = "change_of_status"


class Petition(Model):
    type: PetitionType | None = None
    consular_notification: bool | None = Field(
        None, description="Requests consular or port-of-entry notification or pre-flight."
    )
    exception_granted: bool | None = Field(
        None, description="A national-interest exception to Proclamation 10973 was granted."
    )


class CnRegionType(StrEnum):
    western = "western"
    northeast_old_industrial = "northeast_old_industrial"
    poverty_county = "poverty_county"
    other = "other"


class JobOffer(Model):
    country: Country | None = None
    employer: Employer | None = None
    annual_salary: Amount | None = Field(None, ge=0)
    currency: CurrencyCode | None = None
    occupation_code: Short | None = Field(None, description="SOC code for US offers.")
    wage_level: int | None = Field(None, ge=1, le=4, description="OEWS level I-IV as 1-4.")
    specialty_occupation: bool | None = None
    cn_region_type: CnRegionType | None = None
    cn_annual_months: Amount | None = Field(None, ge=0, le=12)
    local_average_wage: Amount | None = Field(
        None, ge=0, description="Prior-year local average annual wage, in the offer's currency."
    )
    petition: Petition | None = None
    hourly_rate: Amount | None = Field(None, ge=0, description="Hourly rate, offer's currency.")
    hours_per_week: Amount | None = Field(None, ge=0, le=168)
    permanent_or_12_months: bool | None = Field(
        None, description="Permanent, or fixed-term for at least 12 months."
    )
    accredited_employer: bool | None = Field(None, description="NZ accredited employer.")
    sector: Short | None = Field(
        None, description="Industry, e.g. semiconductors, bio, secondary_batteries, displays."
    )
    shortage_occupation: bool | None = Field(
        None, description="In the host country's shortage-occupation list (e.g. DE Blue Card)."
    )
    it_specialist: bool | None = Field(None, description="An IT specialist role.")
    anzsco_skill_level: int | None = Field(None, ge=1, le=5, description="ANZSCO skill level.")
    trades_technician_role: bool | None = Field(
        None, description="A role on NZ's specified trades and technician list."
    )
    language_teacher: bool | None = Field(
        None, description="The post is teaching your native language (China, work permit B)."
    )
    noc_code: str | None = Field(
        None,
        pattern=r"^\d{5}$",
        description="Canada's NOC 2021 code; its second digit is the TEER category and codes "
        "starting 00 are major group 00 (senior management).",
    )


class Money(Model):
    amount: Amount | None = Field(None, ge=0)
    currency: CurrencyCode | None = None


CLB = Annotated[int, Field(ge=0, le=CLB_TOP)]


class LanguageAbilities(Model):
    """Canadian Language Benchmark level of each ability (NCLC for French); 0 = no test."""

    reading: CLB | None = None
    writing: CLB | None = None
    listening: CLB | None = None
    speaking: CLB | None = None


class Languages(Model):
    cefr: CefrLevels | None = Field(
        None,
        max_length=LIST_MAX,
        description='ISO 639-1 code -> CEFR level, or "none" for a language not spoken at all; '
        "a language left out is unknown.",
    )
    hsk: int | None = Field(None, ge=0, le=9, description="HSK level passed; 0 for none.")
    clb: dict[Literal["en", "fr"], LanguageAbilities] | None = Field(
        None,
        description="Test results as CLB (English) or NCLC (French) levels per ability; a "
        "language left out is unknown, all abilities 0 means no test.",
    )


class Family(Model):
    spouse: bool | None = Field(None, description="Has a spouse or common-law partner.")
    children: Count | None = Field(None, ge=0)
    spouse_accompanying: bool | None = Field(
        None, description="The spouse or partner would come along (accompany the applicant)."
    )
    spouse_canadian_citizen_or_pr: bool | None = Field(
        None, description="The spouse or partner is a Canadian citizen or permanent resident."
    )


class CnVocationalLevel(StrEnum):
    senior_technician = "senior_technician"  # or the highest intl. recognised certificate
    technician = "technician"
    senior_worker = "senior_worker"
    none = "none"


class Recognitions(Model):
    cn_talent_programme: bool | None = None
    intl_recognised_achievement: bool | None = None
    cn_innovation_entrepreneur: bool | None = None
    cn_outstanding_young_talent: bool | None = None
    cn_excellent_graduate: bool | None = Field(
        None, description='An "excellent graduate" of a university in China (as assessed).'
    )
    patents: bool | None = None
    cn_local_bonus_points: Amount | None = Field(None, ge=0)
    cn_vocational_level: CnVocationalLevel | None = None


class CoreProfile(Model):
    """The shared parts of a Profile; each country's own section is generated (below)."""

    name: Name | None = Field(None, description="Free label; not used by any rule.")
    date_of_birth: dt.date | None = None
    nationalities: list[Country] | None = Field(None, max_length=LIST_MAX)
    current_country: Country | None = None
    immigration_status: Short | None = Field(None, description="e.g. F-1, H-1B, none")
    passport_type: Literal["ordinary", "diplomatic", "service", "other"] | None = None
    former_chinese_national: bool | None = None
    degrees: list[Degree] | None = Field(None, max_length=LIST_MAX)
    bachelor_equivalent_by_evaluation: bool | None = None
    experience: list[Experience] | None = Field(None, max_length=LIST_MAX)
    language_teaching_credential: bool | None = Field(
        None,
        description="A degree in education or languages, a teaching licence from home, or a "
        "TEFL-type certificate.",
    )
    cn_consecutive_years_working: Amount | None = Field(None, ge=0)
    has_job_offer: bool | None = None
    job_offer: JobOffer | None = None
    languages: Languages | None = None
    family: Family | None = None
    recognitions: Recognitions | None = None
    funds: Money | None = Field(None, description="Liquid funds available for the stay.")
    months_in_current_country: Amount | None = Field(
        None, ge=0, description="Months lived lawfully in current_country up to now."
    )
    preferred_currency: CurrencyCode | None = Field(
        None,
        description="Show money also in this currency (approximate; display only).",
    )

    @field_validator("date_of_birth")
    @classmethod
    def _plausible_birth(cls, v: dt.date | None) -> dt.date | None:
        if v is not None and not dt.date(1900, 1, 1) <= v <= dt.date(2100, 1, 1):
            raise ValueError("must be between 1900-01-01 and 2100-01-01")
        return v


_DECLARED = declarations()
check_paths(_DECLARED, CoreProfile)
_SECTION_FIELDS, _MADE = section_fields(_DECLARED, __name__)
# Generated models and enums are module attributes, so they pickle (dask workers) and import.
globals().update(_MADE)

if TYPE_CHECKING:

    class Profile(CoreProfile):
        """What we know about one person; the country sections are generated."""

        def __getattr__(self, name: str) -> Any: ...

else:
    Profile = create_model("Profile", __base__=CoreProfile, __module__=__name__, **_SECTION_FIELDS)
    Profile.__doc__ = "What we know about one person. `None` (or absent) always means unknown."

# The names web/fit.py imports, until the form generated from the declarations replaces it.
QualificationRecognition: type[StrEnum] = _MADE["DeQualificationRecognition"]
NzQualification: type[StrEnum] = _MADE["NzQualificationType"]
CaEducation: type[StrEnum] = _MADE["CaEducation"]
CaCanadianStudy: type[StrEnum] = _MADE["CaCanadianStudy"]
