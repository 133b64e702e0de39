"""Names of the enum values users see. Each table must cover its enum (a test checks)."""

from __future__ import annotations

from typing import Any

from talentvisa.web.i18n import N_

LABELS: dict[str, dict[str, str]] = {
    "outcome": {
        "eligible": N_("eligible"),
        "ineligible": N_("not eligible"),
        "unknown": N_("unknown"),
    },
    "state": {
        "draft": N_("draft"),
        "submitted": N_("submitted"),
        "under_review": N_("under review"),
        "awaiting_evidence": N_("awaiting evidence"),
        "evidence_overdue": N_("evidence overdue"),
        "pending_approval": N_("waiting for a supervisor's approval"),
        "approved": N_("approved"),
        "refused": N_("refused"),
        "issued": N_("visa issued"),
        "withdrawn": N_("withdrawn"),
    },
    "role": {
        "applicant": N_("applicant"),
        "employer": N_("employer"),
        "officer": N_("officer"),
        "supervisor": N_("supervisor"),
        "admin": N_("administrator"),
    },
    "payer": {"applicant": N_("applicant"), "employer": N_("employer")},
    "benefit": {
        "entries": N_("Entries"),
        "validity": N_("Validity"),
        "max_stay": N_("Length of stay"),
        "work_allowed": N_("Work allowed"),
        "job_offer_required": N_("Job offer needed"),
        "sponsor_required": N_("Sponsor needed"),
        "family": N_("Family"),
        "pr_route": N_("Route to permanent residence"),
        "language": N_("Language"),
        "activities": N_("Activities"),
    },
    "fee_status": {"due": N_("due"), "not_due": N_("not due"), "unknown": N_("unknown")},
    "frequency": {
        "one_time": N_("once"),
        "per_year": N_("per year"),
        "per_application": N_("per application"),
        "per_registration": N_("per registration"),
    },
    "category": {
        "talent_visa": N_("talent visa"),
        "work_visa": N_("work visa"),
        "visa_exemption": N_("visa exemption"),
        "residence": N_("residence"),
        "job_search": N_("job search"),
    },
    "action": {
        "create": N_("application started"),
        "update_profile": N_("draft saved"),
        "upload": N_("document uploaded"),
        "submit": N_("submitted"),
        "prescreen": N_("pre-screened by the rules"),
        "assign": N_("assigned to an officer"),
        "request_evidence": N_("evidence requested"),
        "respond": N_("evidence provided"),
        "deadline_passed": N_("evidence deadline passed"),
        "reminder": N_("reminder sent"),
        "extend_evidence": N_("evidence deadline extended"),
        "cancel_evidence": N_("evidence request cancelled"),
        "refuse_no_answer": N_("refused: no answer to the request"),
        "propose": N_("decision proposed for approval"),
        "confirm_approve": N_("approval confirmed by a supervisor"),
        "confirm_refuse": N_("refusal confirmed by a supervisor"),
        "send_back": N_("decision sent back by a supervisor"),
        "rescreen": N_("pre-screen run again"),
        "approve": N_("approved"),
        "refuse": N_("refused"),
        "issue": N_("visa issued"),
        "issued": N_("visa issued"),
        "withdraw": N_("withdrawn"),
    },
    # The applicant's progress (cases/progress.py): steps, and where the case is on each.
    "step": {
        "draft": N_("draft"),
        "submitted": N_("submitted"),
        "prescreen": N_("pre-screen by the rules"),
        "under_review": N_("in review by an officer"),
        "awaiting_evidence": N_("awaiting evidence (only if the officer asks)"),
        "pending_approval": N_("second approval (only where required)"),
        "decision": N_("decision"),
        "issued": N_("visa issued"),
    },
    "step_status": {
        "done": N_("done"),
        "current": N_("the case is here"),
        "skipped": N_("not needed"),
        "ahead": N_("still to come"),
        "not_reached": N_("not reached: the case has ended"),
    },
    # Who set a visa's term (cases/terms.py).
    "term_origin": {
        "program": N_("Set by the program."),
        "officer, within the program's terms": N_("You choose within the program's terms."),
        "officer (program silent)": N_("The program does not publish it: you set it."),
    },
    "four_eyes": {"override": N_("overrides the pre-screen"), "refusal": N_("a refusal")},
    "request": {
        "open": N_("waiting for the answer"),
        "answered": N_("answered"),
        "lapsed": N_("deadline passed"),
        "cancelled": N_("cancelled"),
    },
    "override": {
        "evidence_resolves_unknown": N_("Evidence resolves an unknown"),
        "evidence_contradicts_profile": N_("Evidence contradicts the profile"),
        "deployer_policy": N_("Agency policy"),
        "legal_exception": N_("Legal exception"),
        "other": N_("Other"),
    },
    "registration": {
        "submitted": N_("registered"),
        "selected": N_("selected"),
        "not_selected": N_("not selected"),
        "invalid_duplicate": N_("invalid (duplicate)"),
        "withdrawn_duplicate": N_("withdrawn (a copy of an earlier registration)"),
        "petition_filed": N_("petition filed"),
    },
    "identity": {
        "family_name": N_("family name"),
        "given_name": N_("given name"),
        "date_of_birth": N_("date of birth"),
        "us_advanced_degree": N_("US advanced degree"),
    },
    "season": {
        "draft": N_("not open yet"),
        "open": N_("open for registrations"),
        "closed": N_("closed"),
        "drawn": N_("drawn"),
    },
    "variant": {
        "registration_random": N_("each registration is one entry"),
        "beneficiary_random": N_("each beneficiary is one entry"),
        "beneficiary_weighted": N_("entries by the lowest wage level"),
    },
    "reliability": {
        "official": N_("official"),
        "law_firm": N_("law firm"),
        "news": N_("news"),
        "secondary": N_("secondary"),
    },
    "origin": {"law": N_("law"), "deployer": N_("agency setting")},
    "degree": {
        "secondary": N_("secondary school"),
        "vocational": N_("vocational"),
        "associate": N_("associate degree"),
        "bachelor": N_("bachelor's degree"),
        "master": N_("master's degree"),
        "doctorate": N_("doctorate"),
    },
    "field": {
        "computer_science": N_("computer science"),
        "engineering": N_("engineering"),
        "mathematics": N_("mathematics"),
        "natural_sciences": N_("natural sciences"),
        "medicine_health": N_("medicine and health"),
        "agriculture": N_("agriculture"),
        "social_sciences": N_("social sciences"),
        "business": N_("business"),
        "law": N_("law"),
        "education": N_("education"),
        "humanities": N_("humanities"),
        "arts": N_("arts"),
        "other": N_("other"),
    },
    "experience": {
        "research": N_("research"),
        "teaching": N_("teaching"),
        "industry": N_("industry"),
        "other": N_("other"),
    },
    "passport": {
        "ordinary": N_("ordinary"),
        "diplomatic": N_("diplomatic"),
        "service": N_("service"),
        "other": N_("other"),
    },
    "yesno": {"yes": N_("yes"), "no": N_("no"), "": N_("I don't know")},
    # Units of program parameters; a bare currency code (USD, EUR...) is shown as it is.
    "unit": {
        "points": N_("points"),
        "points/year": N_("points a year"),
        "years": N_("years"),
        "year": N_("year"),
        "months": N_("months"),
        "days": N_("days"),
        "hours/week": N_("hours a week"),
        "ratio": N_("times"),
        "rank": N_("rank"),
        "visas": N_("visas"),
        "people": N_("people"),
        "registrations": N_("registrations"),
        "ISO 3166-1 alpha-2 list": N_("country codes (ISO 3166-1)"),
        "CEFR ordinal": N_("CEFR level (A1 = 1 … C2 = 6)"),
        "EUR/year": N_("EUR a year"),
        "EUR/month": N_("EUR a month"),
        "NZD/hour": N_("NZD an hour"),
    },
}


def of(kind: str, value: Any) -> str:
    """The msgid for a value; an unexpected value is shown as it is, never hidden."""
    key = getattr(value, "value", value)
    return LABELS[kind].get("" if key is None else str(key), str(key))


def choices(kind: str) -> list[tuple[str, str]]:
    return list(LABELS[kind].items())


def unit(value: str) -> str:
    """The msgid of a parameter's unit; a currency code is its own name."""
    return LABELS["unit"].get(value, value)
