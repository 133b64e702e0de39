"""Property-based API fuzzing from /openapi.json, as every role and anonymously.

No request may produce a 5xx, and every response must be one the schema documents: its status
code, content type, headers and body (errors in the envelope). Valid data must not be refused
as invalid, and a method a path does not serve answers 405 with `Allow`. The number of examples
per operation keeps the run to a minute or two.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from talentvisa.api.app import create_app
from talentvisa.auth import service as auth
from talentvisa.auth.models import Role
from talentvisa.db import migrate
from talentvisa.db.engine import make_engine, transaction
from tests.api.fixtures import TODAY

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    positive_data_acceptance,
    unsupported_method,
]


def _fuzzed_app():  # type: ignore[no-untyped-def]
    data = Path(tempfile.mkdtemp(prefix="talentvisa-fuzz-"))
    engine = make_engine(f"sqlite:///{data / 'db.sqlite3'}")
    migrate.upgrade(engine)
    app = create_app(engine, data, today=lambda: TODAY)
    tokens = {}
    with transaction(app.state.runtime.factory) as s:
        for role in Role:
            user = auth.create_user(s, f"{role.value}@fuzz.example.org", "fuzz-password-1", role)
            tokens[role.value] = auth.issue_token(s, user)[0]
    return app, tokens


APP, TOKENS = _fuzzed_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


def test_every_role_is_fuzzed() -> None:
    assert set(TOKENS) == {r.value for r in Role} and len(TOKENS) == 5


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_responses_conform_for_every_role(case) -> None:  # type: ignore[no-untyped-def]
    for token in [None, *TOKENS.values()]:  # anonymous, then each role in turn
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        case.call_and_validate(headers=headers, checks=CHECKS)
