"""The API refuses unknown country and currency codes and dates that do not exist with a 422
envelope naming the field, on SQLite and PostgreSQL (issue 12, item 5)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from talentvisa.auth.models import Role
from tests.api.fixtures import PROFILE, Server
from tests.api.test_envelope import assert_envelope

NEXT_YEAR = dt.date.today().year + 1


@pytest.mark.parametrize(
    ("profile", "field", "says"),
    [
        ({"nationalities": ["XX"]}, "profile.nationalities.0", "'XX' is not an ISO 3166-1"),
        ({"current_country": "Germany"}, "profile.current_country", "pattern"),
        (
            {"job_offer": {"country": "US", "currency": "RUP"}},
            "profile.job_offer.currency",
            "'RUP' is not an ISO 4217 currency code",
        ),
        ({"funds": {"amount": 5, "currency": "XYZ"}}, "profile.funds.currency", "ISO 4217"),
        ({"date_of_birth": "2000-02-30"}, "profile.date_of_birth", "day value is outside"),
        (
            {"degrees": [{"level": "master", "graduation_date": f"{NEXT_YEAR}-06-30"}]},
            "profile.degrees.0.graduation_date",
            "is in the future",
        ),
        ({"languages": {"cefr": {"xx": "B2"}}}, "profile.languages.cefr.xx.[key]", "ISO 639-1"),
    ],
)
def test_bad_codes_and_dates_are_a_422_naming_the_field(
    server: Server, profile: dict[str, Any], field: str, says: str
) -> None:
    _, token = server.user(Role.applicant)
    with server.client(token) as c:
        r = c.post("/applications", json={"program_id": "cn-k", "profile": PROFILE | profile})
        assert r.status_code == 422, r.text
        assert_envelope(r.json(), "invalid")
        assert r.json()["error"]["field"] == field
        assert says in r.json()["error"]["message"]
        assert c.get("/applications").json() == []  # nothing was created
