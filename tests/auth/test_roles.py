"""One set of reviewing roles: the cases domain, its workflow and the officer pages share it."""

from __future__ import annotations

from talentvisa.auth.models import STAFF, Role
from talentvisa.cases import service as cases_service
from talentvisa.cases import workflow as cases_workflow
from talentvisa.web.routes import officer


def test_staff_is_defined_once_and_shared() -> None:
    assert frozenset({Role.officer, Role.supervisor}) == STAFF
    assert cases_service.STAFF is STAFF
    assert cases_workflow.STAFF is STAFF
    assert officer.STAFF is STAFF


def test_a_stored_role_string_is_a_member() -> None:
    # users.role is a plain string column: membership must hold for the stored value.
    assert {r for r in ("officer", "supervisor", "admin", "applicant") if r in STAFF} == {
        "officer",
        "supervisor",
    }
