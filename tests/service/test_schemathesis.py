"""Property-based API fuzzing from /openapi.json: no request may produce a 5xx."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from talentvisa.api.app import create_app
from talentvisa.auth import service as auth
from talentvisa.auth.models import Role
from talentvisa.db import migrate
from talentvisa.db.engine import make_engine, transaction

from .conftest import TODAY


def _fuzzed_app():  # type: ignore[no-untyped-def]
    data = Path(tempfile.mkdtemp(prefix="talentvisa-fuzz-"))
    engine = make_engine(f"sqlite:///{data / 'db.sqlite3'}")
    migrate.upgrade(engine)
    app = create_app(engine, data, today=lambda: TODAY)
    tokens = []
    with transaction(app.state.runtime.factory) as s:
        for role in (Role.applicant, Role.officer, Role.employer, Role.admin):
            user = auth.create_user(s, f"{role.value}@fuzz.example.org", "fuzz-password-1", role)
            tokens.append(auth.issue_token(s, user)[0])
    return app, tokens


APP, TOKENS = _fuzzed_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case) -> None:  # type: ignore[no-untyped-def]
    for token in [None, *TOKENS]:  # anonymous, then every role
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = case.call(headers=headers)
        assert response.status_code < 500, (
            case.method,
            case.path,
            response.status_code,
            response.text[:500],
        )
