"""The officer queue over real HTTP, on both databases: search by reference or name, and
"take next" assigning the longest-waiting eligible case, each once."""

from __future__ import annotations

import secrets

from talentvisa.auth.models import Role
from tests.api.fixtures import PROFILE, Server


def _submitted(server: Server, name: str, profile: dict) -> str:  # type: ignore[type-arg]
    applicant = server.client(server.user(Role.applicant)[1])
    app = applicant.post("/applications", json={"profile": {**profile, "name": name}}).json()
    applicant.post(
        f"/applications/{app['id']}/submit",
        json={"version": app["version"]},
        headers={"Idempotency-Key": f"queue-{app['id']}"},
    ).raise_for_status()
    return str(app["id"])


def test_search_and_take_next(server: Server) -> None:
    admin = server.client(server.user(Role.admin)[1])
    for parameter, value in (("max_age", 45), ("min_experience_years", 0)):
        admin.post(
            f"/settings/cn-k/{parameter}",
            json={"value": value, "effective": "2025-10-01", "note": "queue test"},
        ).raise_for_status()
    admin.post(
        "/settings/cn-k/well_known_max_rank",
        json={"value": 500, "effective": "2025-10-01", "note": "queue test"},
    ).raise_for_status()
    tag = secrets.token_hex(3)
    first = _submitted(server, f"Mei {tag} Older", PROFILE)
    second = _submitted(server, f"Ravi {tag} Later", PROFILE)
    over = _submitted(server, f"Old {tag}", {**PROFILE, "date_of_birth": "1960-01-01"})

    officer = server.client(server.user(Role.officer)[1])
    by_name = officer.get("/cases", params={"q": f"{tag} older"}).json()
    assert [c["id"] for c in by_name] == [first]
    by_ref = officer.get("/cases", params={"q": second[:10].upper()}).json()
    assert [c["id"] for c in by_ref] == [second]
    # A wildcard is searched for as itself: no name holds "%".
    assert officer.get("/cases", params={"q": "%"}).json() == []

    other = server.client(server.user(Role.officer)[1])
    taken = [officer.post("/cases/take-next"), other.post("/cases/take-next")]
    ids = [t.json()["id"] for t in taken]
    assert ids[0] == first and ids[1] == second  # oldest first, each once
    assert all(t.json()["state"] == "under_review" for t in taken)
    # The ineligible case is never taken this way; nothing eligible is left.
    left = officer.post("/cases/take-next")
    assert left.status_code == 404 and left.json()["error"]["code"] == "not_found"
    assert over not in ids
