"""The scripted journeys of the service issue, over real HTTP, on both databases."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from talentvisa.auth.models import Role
from tests.api.fixtures import PDF, PNG, PROFILE, TODAY, Server


def test_k_visa_journey(server: Server) -> None:
    # An applicant signs up and gets a token.
    email = f"journey-{server.backend}@example.org"
    r = httpx_post(
        server,
        "/auth/register",
        json={"email": email, "password": "a-long-password-1", "display_name": "Journey"},
    )
    assert r.status_code == 202, r.text
    tok = server.client().post(
        "/auth/token", json={"email": email, "password": "a-long-password-1"}
    )
    applicant = server.client(tok.json()["access_token"])
    officer_id, officer_token = server.user(Role.officer)
    officer = server.client(officer_token)

    app = applicant.post("/applications", json={"profile": PROFILE}).json()
    assert app["state"] == "draft" and app["allowed_actions"] == ["submit", "withdraw"]
    up = applicant.post(
        f"/applications/{app['id']}/documents",
        files={"file": ("degree.png", PNG, "image/png")},
        data={"kind": "degree"},
    )
    assert up.status_code == 201, up.text
    assert up.json()["content_type"] == "image/png" and len(up.json()["sha256"]) == 64

    key = {"Idempotency-Key": f"submit-{app['id']}"}
    version = applicant.get(f"/applications/{app['id']}").json()["version"]
    first = applicant.post(
        f"/applications/{app['id']}/submit", json={"version": version}, headers=key
    )
    assert first.status_code == 200, first.text
    again = applicant.post(
        f"/applications/{app['id']}/submit", json={"version": version}, headers=key
    )
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    mine = applicant.get("/applications").json()
    assert [a["id"] for a in mine] == [app["id"]]  # one case, not two
    case = first.json()
    assert case["state"] == "submitted" and case["prescreen_outcome"] == "unknown"
    assert case["program_hash"] and case["prescreen_on"] == TODAY.isoformat()
    trace = applicant.get(f"/applications/{app['id']}/prescreen").json()
    assert {c["id"] for c in trace["criteria"]} >= {"stem_degree", "age_requirement"}

    queue = officer.get("/cases", params={"state": "submitted", "assigned": "unassigned"}).json()
    assert app["id"] in [c["id"] for c in queue]
    case = officer.post(
        f"/applications/{app['id']}/assign", json={"version": case["version"]}
    ).json()
    assert case["assigned_officer_id"] == officer_id
    case = officer.post(
        f"/applications/{app['id']}/request-evidence",
        json={
            "message": "Please upload your transcript.",
            "due": "2026-04-30",
            "version": case["version"],
        },
    ).json()
    assert case["state"] == "awaiting_evidence"
    up = applicant.post(
        f"/applications/{app['id']}/documents",
        files={"file": ("transcript.pdf", PDF, "application/pdf")},
    )
    assert up.status_code == 201, up.text
    case = applicant.get(f"/applications/{app['id']}").json()  # an upload changes the version
    case = applicant.post(
        f"/applications/{app['id']}/respond",
        json={"response": "Transcript uploaded.", "version": case["version"]},
    ).json()
    assert case["state"] == "under_review"

    refused = officer.post(
        f"/applications/{app['id']}/decision",
        json={
            "decision": "approve",
            "reasons": ["graduate_route"],
            "text": "ok",
            "version": case["version"],
        },
    )
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "override_code"
    case = officer.post(
        f"/applications/{app['id']}/decision",
        json={
            "decision": "approve",
            "reasons": ["graduate_route", "age_requirement"],
            "text": "Degree and age verified against the passport and the transcript.",
            "override_code": "evidence_resolves_unknown",
            "version": case["version"],
        },
    ).json()
    # An override on the K visa waits for a supervisor's second pair of eyes (approval.py).
    assert case["state"] == "pending_approval" and case["decision"] is None
    _, sup_token = server.user(Role.supervisor)
    supervisor = server.client(sup_token)
    case = supervisor.post(
        f"/applications/{app['id']}/approval", json={"confirm": True, "version": case["version"]}
    ).json()
    assert case["state"] == "approved" and case["override_code"] == "evidence_resolves_unknown"

    missing = officer.post(
        f"/applications/{app['id']}/issue",
        json={"version": case["version"], "valid_from": "2026-04-01"},
    )
    # The K visa publishes no terms: the officer sets each one, a number or "multiple".
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "entries"
    terms = {
        "version": case["version"],
        "valid_from": "2026-04-01",
        "validity": 60,
        "validity_unit": "months",
        "entries": "multiple",
        "stay_days": 180,
    }
    for wrong, field in (
        ({"entries": "multipel"}, "entries"),
        ({"validity": 0}, "validity"),
        ({"validity_unit": "years"}, "validity_unit"),
        ({"stay_days": 2000}, "stay_days"),  # longer than the five-year visa
    ):
        refused = officer.post(f"/applications/{app['id']}/issue", json={**terms, **wrong})
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["field"] == field, refused.text
    assert officer.get(f"/applications/{app['id']}").json()["state"] == "approved"
    case = officer.post(f"/applications/{app['id']}/issue", json=terms).json()
    assert case["state"] == "issued" and case["visa_number"].startswith("K2026")
    assert case["issued"]["entries"] == {"value": "multiple", "origin": "officer (program silent)"}
    assert case["issued"]["valid_until"]["value"] == "2031-03-31"

    seen = applicant.get(f"/applications/{app['id']}").json()
    assert seen["state"] == "issued" and len(seen["documents"]) == 2
    timeline = [e["action"] for e in applicant.get(f"/applications/{app['id']}/timeline").json()]
    assert timeline == [
        "create",
        "upload",
        "submit",
        "prescreen",
        "assign",
        "request_evidence",
        "upload",
        "respond",
        "rescreen",
        "propose",
        "confirm_approve",
        "issue",
        "issued",
    ]

    chain = supervisor.get("/audit/verify").json()
    assert chain["ok"] and chain["events"] >= len(timeline)


def httpx_post(server: Server, path: str, **kw):  # type: ignore[no-untyped-def]
    with server.client() as c:
        return c.post(path, **kw)


def test_h1b_season_end_to_end(server: Server, tmp_path: Path) -> None:
    _, admin_token = server.user(Role.admin)
    admin = server.client(admin_token)
    employers = [server.client(server.user(Role.employer)[1]) for _ in range(2)]
    season = f"FY20{27 if server.backend == 'sqlite' else 28}"
    made = admin.post(
        "/seasons", json={"season": season, "regular_target": 3, "advanced_target": 1}
    )
    assert made.status_code == 201, made.text
    commitment = made.json()["commitment"]
    early = employers[0].post(f"/seasons/{season}/registrations", json=reg(0))
    assert early.status_code == 409 and "not open" in early.json()["error"]["message"]
    assert admin.post(f"/seasons/{season}/open").json()["commitment"] == commitment

    ids = []
    for i in range(8):
        r = employers[i % 2].post(f"/seasons/{season}/registrations", json=reg(i))
        assert r.status_code == 201, r.text
        assert r.json()["fee_amount"] == 215.0 and r.json()["passport_number_last4"]
        ids.append(r.json()["id"])
    # The same beneficiary registered by the other employer counts once at the lower level.
    dup = employers[1].post(f"/seasons/{season}/registrations", json={**reg(0), "wage_level": 1})
    assert dup.status_code == 201
    again = employers[0].post(f"/seasons/{season}/registrations", json=reg(0))
    assert again.status_code == 409 and again.json()["error"]["field"] == "passport_number"

    assert admin.post(f"/seasons/{season}/draw").status_code == 409  # window still open
    admin.post(f"/seasons/{season}/close").raise_for_status()
    assert employers[0].post(f"/seasons/{season}/registrations", json=reg(20)).status_code == 409
    early_round = admin.post(f"/seasons/{season}/rounds", json={"cap": "regular", "target": 1})
    assert early_round.status_code == 409 and "follows the draw" in early_round.text
    drawn = admin.post(f"/seasons/{season}/draw")
    assert drawn.status_code == 200, drawn.text
    reveal = drawn.json()["reveal"]
    assert reveal["commitment"] == commitment and reveal["units"] == 8
    assert "talentvisa lottery verify" in drawn.json()["verify_command"]

    statuses = [r["status"] for e in employers for r in e.get("/registrations").json()]
    assert sorted(set(statuses)) == ["not_selected", "selected"]
    assert statuses.count("selected") >= 4  # 3 + 1 units; a beneficiary may hold two

    # Anyone with the files can re-run the draw with the command-line tool.
    (tmp_path / "registrations.csv").write_text(
        admin.get(f"/seasons/{season}/registrations.csv").text
    )
    (tmp_path / "selected.csv").write_text(admin.get(f"/seasons/{season}/selected.csv").text)
    import json

    (tmp_path / "reveal.json").write_text(json.dumps(reveal))
    cli = Path(sys.executable).parent / "talentvisa"
    check = subprocess.run(
        [
            str(cli),
            "lottery",
            "verify",
            str(tmp_path / "registrations.csv"),
            "--reveal",
            str(tmp_path / "reveal.json"),
            "--selected",
            str(tmp_path / "selected.csv"),
            "--commitment",
            commitment,
        ],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr

    mine = employers[0].get("/registrations").json()
    chosen = next((r for r in mine if r["status"] == "selected"), None)
    if chosen is None:
        chosen = next(
            r for r in employers[1].get("/registrations").json() if r["status"] == "selected"
        )
        owner = employers[1]
    else:
        owner = employers[0]
    petition = {
        "beneficiary_location": "IN",
        "immigration_status": "none",
        "petition_type": "new_employment",
        "consular_notification": True,
        "employer": {"fte": 300, "nonprofit": False},
        "highest_degree": "master",
    }
    filed = owner.post(f"/registrations/{chosen['id']}/petition", json=petition)
    assert filed.status_code == 200, filed.text
    fees = {f["id"]: f for f in filed.json()["petition"]["fees"]}
    assert fees["proclamation"]["status"] == "due" and fees["proclamation"]["amount"] == 100000
    assert fees["proclamation"]["payer"] == "employer"
    loser = next(
        (
            r
            for e in employers
            for r in e.get("/registrations").json()
            if r["status"] == "not_selected"
        ),
        None,
    )
    if loser is not None:
        for e in employers:
            r = e.post(f"/registrations/{loser['id']}/petition", json=petition)
            assert r.status_code in (404, 409)

    # Too few petitions filed: a further round selects more from the same committed seed.
    assert (
        employers[0]
        .post(f"/seasons/{season}/rounds", json={"cap": "regular", "target": 2})
        .status_code
        == 403
    )
    before = {r["id"]: r["status"] for e in employers for r in e.get("/registrations").json()}
    more = admin.post(f"/seasons/{season}/rounds", json={"cap": "regular", "target": 2})
    assert more.status_code == 200, more.text
    rounds = more.json()["reveal"]["rounds"]
    assert [(r["cap"], r["target"]) for r in rounds] == [
        ("regular", 3),
        ("advanced", 1),
        ("regular", 2),
    ]
    assert rounds[2]["selected"] == 2 and rounds[:2] == reveal["rounds"]
    after = {r["id"]: r["status"] for e in employers for r in e.get("/registrations").json()}
    assert after[chosen["id"]] == "petition_filed"  # a filed petition keeps its status
    assert all(after[i] == "selected" for i, st in before.items() if st == "selected")
    newly = [i for i, st in after.items() if st == "selected" and before[i] == "not_selected"]
    assert len(newly) >= 2  # two more units; a beneficiary may hold two registrations
    (tmp_path / "selected.csv").write_text(admin.get(f"/seasons/{season}/selected.csv").text)
    (tmp_path / "reveal.json").write_text(json.dumps(more.json()["reveal"]))
    again = subprocess.run(check.args, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    timeline = server.client(server.user(Role.supervisor)[1]).get("/audit/verify").json()
    assert timeline["ok"], timeline


def reg(i: int) -> dict:
    return {
        "passport_country": "IN",
        "passport_number": f"K{5000000 + i}",
        "family_name": f"Worker{i}",
        "given_name": "Test",
        "date_of_birth": "1997-02-03",
        "wage_level": 1 + i % 4,
        "soc_code": "15-1252",
        "worksite": "Seattle, WA",
        "us_advanced_degree": i % 3 == 0,
    }
