"""The applicant Profile: the facts programs need. Every field may be missing (unknown)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code")]


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


class Degree(Model):
    level: DegreeLevel | None = None
    cip: str | None = Field(
        None, pattern=r"^\d{2}(\.\d{2}(\d{2})?)?$", description="CIP 2020 code, e.g. 11.0701"
    )
    field: FieldGroup | None = None
    stem: bool | None = Field(None, description="An assessor's STEM determination; overrides.")
    institution: str | None = None
    institution_country: Country | None = None
    institution_rank: int | None = Field(None, ge=1, description="World ranking position.")
    ranking_system: str | None = None
    high_level_foreign_university: bool | None = None
    taught_in_chinese: bool | None = None
    graduation_date: dt.date | None = None


class ExperienceKind(StrEnum):
    research = "research"
    teaching = "teaching"
    industry = "industry"
    other = "other"


class Experience(Model):
    kind: ExperienceKind | None = None
    employer: str | None = None
    country: Country | None = None
    at_university_or_research_institution: bool | None = None
    stem: bool | None = None
    institution_rank: int | None = Field(None, ge=1)
    years: float | None = Field(None, ge=0, le=80)
    fortune_global_500: bool | None = None
    after_doctorate: bool | None = Field(None, description="Research done after the doctorate.")
    top_research_institute: bool | None = Field(
        None, description="At a top global research institute (as assessed)."
    )


class Employer(Model):
    name: str | None = None
    fte: int | None = Field(None, ge=0, description="Full-time-equivalent employees (US).")
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
    annual_salary: float | None = Field(None, ge=0)
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    occupation_code: str | None = Field(None, description="SOC code for US offers.")
    wage_level: int | None = Field(None, ge=1, le=4, description="OEWS level I-IV as 1-4.")
    specialty_occupation: bool | None = None
    cn_region_type: CnRegionType | None = None
    cn_annual_months: float | None = Field(None, ge=0, le=12)
    local_average_wage: float | None = Field(
        None, ge=0, description="Prior-year local average annual wage, in the offer's currency."
    )
    petition: Petition | None = None
    hourly_rate: float | None = Field(None, ge=0, description="Hourly rate, offer's currency.")
    hours_per_week: float | None = Field(None, ge=0, le=168)
    permanent_or_12_months: bool | None = Field(
        None, description="Permanent, or fixed-term for at least 12 months."
    )
    accredited_employer: bool | None = Field(None, description="NZ accredited employer.")
    sector: str | None = Field(
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


class Money(Model):
    amount: float | None = Field(None, ge=0)
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")


class QualificationRecognition(StrEnum):
    full = "full"
    partial = "partial"
    none = "none"


class Germany(Model):
    """Facts only German programs ask about."""

    qualification_recognition: QualificationRecognition | None = Field(
        None, description="Recognition of the foreign qualification in Germany."
    )
    basic_qualification: bool | None = Field(
        None,
        description="Foreign degree or 2+ year vocational qualification state-recognised where "
        "obtained, or a German Chamber of Commerce Abroad (AHK) qualification.",
    )
    shortage_occupation_qualification: bool | None = None
    experience_years_last_5: float | None = Field(
        None, ge=0, le=5, description="Qualified professional experience in the last 5 years."
    )
    experience_years_last_7: float | None = Field(
        None, ge=0, le=7, description="Qualified professional experience in the last 7 years."
    )
    prior_stay_6_months: bool | None = Field(
        None, description="Lawful continuous stay of 6+ months in Germany in the last 5 years."
    )
    partner_applies_jointly: bool | None = Field(
        None, description="Spouse/partner meets the Opportunity Card requirements and applies too."
    )
    livelihood_other_proof: bool | None = Field(
        None, description="Livelihood secured by an obligation letter or a part-time job contract."
    )


class Korea(Model):
    university_president_recommendation: bool | None = None
    f27_applicant_category: bool | None = Field(
        None, description="In one of the five F-2-7 applicant categories."
    )
    lawful_stay_years: float | None = Field(None, ge=0)
    annual_income_krw: float | None = Field(None, ge=0)


class NzQualification(StrEnum):
    doctoral = "doctoral"  # level 10
    masters = "masters"  # level 9
    bachelor_honours = "bachelor_honours"  # level 8
    postgraduate_diploma = "postgraduate_diploma"  # level 8
    postgraduate_certificate = "postgraduate_certificate"  # level 8
    bachelors = "bachelors"  # level 7
    level_only = "level_only"  # overseas, IQA gave a level but no NZ qualification type
    other = "other"


class NewZealand(Model):
    qualification_type: NzQualification | None = Field(
        None, description="Best qualification as NZQF type (NZQA IQA for overseas ones)."
    )
    qualification_level: int | None = Field(None, ge=1, le=10, description="NZQF level.")
    registration_training_years: float | None = Field(
        None, ge=0, description="Training years of a listed NZ occupational registration; 0 none."
    )
    skilled_work_years: float | None = Field(None, ge=0, description="Skilled work in NZ.")
    relevant_work_years: float | None = Field(
        None, ge=0, description="Directly relevant work experience anywhere."
    )
    post_qualification_years: float | None = Field(None, ge=0)
    nz_work_lowest_hourly_rate: float | None = Field(
        None, ge=0, description="Lowest hourly rate (NZD) during the NZ work experience."
    )


class Languages(Model):
    cefr: dict[str, CEFR] | None = Field(None, description="ISO 639-1 code -> CEFR level.")
    hsk: int | None = Field(None, ge=0, le=9, description="HSK level passed; 0 for none.")


class Family(Model):
    spouse: bool | None = None
    children: int | None = Field(None, ge=0)


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
    patents: bool | None = None
    cn_local_bonus_points: float | None = Field(None, ge=0)
    cn_vocational_level: CnVocationalLevel | None = None


class Profile(Model):
    """What we know about one person. `None` (or absent) always means unknown."""

    name: str | None = Field(None, description="Free label; not used by any rule.")
    date_of_birth: dt.date | None = None
    nationalities: list[Country] | None = None
    current_country: Country | None = None
    immigration_status: str | None = Field(None, description="e.g. F-1, H-1B, none")
    passport_type: Literal["ordinary", "diplomatic", "service", "other"] | None = None
    former_chinese_national: bool | None = None
    degrees: list[Degree] | None = None
    bachelor_equivalent_by_evaluation: bool | None = None
    experience: list[Experience] | None = None
    cn_consecutive_years_working: float | None = Field(None, ge=0)
    has_job_offer: bool | None = None
    job_offer: JobOffer | None = None
    languages: Languages | None = None
    family: Family | None = None
    recognitions: Recognitions | None = None
    funds: Money | None = Field(None, description="Liquid funds available for the stay.")
    months_in_current_country: float | None = Field(
        None, ge=0, description="Months lived lawfully in current_country up to now."
    )
    preferred_currency: str | None = Field(
        None,
        pattern=r"^[A-Z]{3}$",
        description="Show money also in this currency (approximate; display only).",
    )
    germany: Germany | None = None
    korea: Korea | None = None
    new_zealand: NewZealand | None = None

    @field_validator("date_of_birth")
    @classmethod
    def _plausible_birth(cls, v: dt.date | None) -> dt.date | None:
        if v is not None and not dt.date(1900, 1, 1) <= v <= dt.date(2100, 1, 1):
            raise ValueError("must be between 1900-01-01 and 2100-01-01")
        return v
