"""Applications to any program whose intake is individual, over real HTTP, on both databases."""

from __future__ import annotations

import re

import pytest

from talentvisa.auth.models import Role
from talentvisa.rules.loader import builtin_catalog
from tests.api.fixtures import PDF, TODAY, Server

#: An EU Blue Card applicant with a German job offer above the general salary threshold.
BLUE_CARD = {
    "name": "Blue Card applicant",
    "date_of_birth": "1994-02-01",
    "nationalities": ["IN"],
    "degrees": [{"level": "master", "field": "computer_science", "graduation_date": "2019-07-01"}],
    "has_job_offer": True,
    "job_offer": {"country": "DE", "annual_salary": 60000, "currency": "EUR"},
}


def test_a_blue_card_application_is_created_prescreened_submitted_decided_and_issued(
    server: Server,
) -> None:
    _, token = server.user(Role.applicant)
    applicant = server.client(token)
    officer_id, officer_token = server.user(Role.officer)
    officer = server.client(officer_token)

    r = applicant.post("/applications", json={"program_id": "de-blue-card", "profile": BLUE_CARD})
    assert r.status_code == 201, r.text
    app = r.json()
    assert app["program_id"] == "de-blue-card" and app["state"] == "draft"
    up = applicant.post(
        f"/applications/{app['id']}/documents",
        files={"file": ("contract.pdf", PDF, "application/pdf")},
        data={"kind": "contract"},
    )
    assert up.status_code == 201, up.text

    version = applicant.get(f"/applications/{app['id']}").json()["version"]
    key = {"Idempotency-Key": f"submit-{app['id']}"}
    r = applicant.post(f"/applications/{app['id']}/submit", json={"version": version}, headers=key)
    assert r.status_code == 200, r.text
    case = r.json()
    assert case["state"] == "submitted" and case["prescreen_outcome"] == "eligible"
    assert case["prescreen_on"] == TODAY.isoformat()
    trace = applicant.get(f"/applications/{app['id']}/prescreen").json()
    assert trace["program_id"] == "de-blue-card" and trace["outcome"] == "eligible"
    assert {c["id"] for c in trace["criteria"]} >= {"german_job_offer", "salary_general"}
    queue = officer.get("/cases", params={"program_id": "de-blue-card"}).json()
    assert [c["id"] for c in queue] == [app["id"]]

    case = officer.post(
        f"/applications/{app['id']}/assign", json={"version": case["version"]}
    ).json()
    assert case["assigned_officer_id"] == officer_id
    k_only = officer.post(
        f"/applications/{app['id']}/decision",
        json={
            "decision": "approve",
            "reasons": ["stem_degree"],
            "text": "ok",
            "version": case["version"],
        },
    )
    assert k_only.status_code == 422 and k_only.json()["error"]["field"] == "reasons"
    assert "not criteria of de-blue-card" in k_only.json()["error"]["message"]
    case = officer.post(
        f"/applications/{app['id']}/decision",
        json={
            "decision": "approve",
            "reasons": ["german_job_offer", "salary_general", "degree"],
            "text": "Contract and degree verified.",
            "version": case["version"],
        },
    ).json()
    assert case["state"] == "approved" and case["override_code"] is None
    case = officer.post(
        f"/applications/{app['id']}/issue",
        json={
            "version": case["version"],
            "valid_from": "2026-04-01",
            "validity": 48,
            "validity_unit": "months",
            "entries": "multiple",
            "stay_days": 1460,
        },
    ).json()
    assert case["state"] == "issued"
    assert case["issued"]["valid_until"]["value"] == "2030-03-31"
    assert re.fullmatch(r"BC2026[0-9A-F]{8}", case["visa_number"]), case["visa_number"]


@pytest.mark.parametrize(
    ("program_id", "why"),
    [("us-h1b", "takes employer_registration intake"), ("xx-none", "is not in the catalog")],
)
def test_a_program_without_individual_intake_is_refused_naming_program_id(
    server: Server, program_id: str, why: str
) -> None:
    _, token = server.user(Role.applicant)
    applicant = server.client(token)
    r = applicant.post("/applications", json={"program_id": program_id})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid" and error["field"] == "program_id"
    assert error["message"].startswith(f"program_id: {program_id} {why}")
    assert "cn-k" in error["message"] and "de-blue-card" in error["message"]
    assert "us-h1b" not in error["message"].split("use one of:")[1]
    assert applicant.get("/applications").json() == []  # nothing was written


def test_openapi_lists_the_programs_taking_individual_applications(server: Server) -> None:
    with server.client() as c:
        schema = c.get("/openapi.json").json()
    field = schema["components"]["schemas"]["ApplicationCreate"]["properties"]["program_id"]
    assert "cn-k" in field["enum"] and "de-blue-card" in field["enum"]
    assert "us-h1b" not in field["enum"] and "cn-visa-free" not in field["enum"]
    individual = {
        i for i, cp in builtin_catalog().items() if cp.program.intake.type == "individual"
    }
    assert set(field["enum"]) == individual and field["default"] == "cn-k"
