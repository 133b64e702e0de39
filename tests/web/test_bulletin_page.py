"""The employer's portal view of a beacon season: bulletin, own proofs and the commands."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path

from talentvisa.auth.models import Role
from tests.conftest import run_cli
from tests.h1b.test_http_bulletin import AFTER_ROUND, BEACON, CLOSE, registration
from tests.lottery.test_bulletin import QUICKNET_1000

from .conftest import Server, Visitor


def test_an_employer_sees_the_bulletin_and_downloads_a_proof_that_verifies(
    server: Server, tmp_path: Path
) -> None:
    rt = server.app.state.runtime
    real = rt.clock
    moment = [CLOSE]
    rt.clock = lambda: moment[0]
    try:
        email = f"employer-{secrets.token_hex(4)}@example.org"
        _, admin = server.user(Role.admin)
        _, employer = server.user(Role.employer, email)
        other_email = f"employer-{secrets.token_hex(4)}@example.org"
        server.user(Role.employer, other_email)
        season = "FY2036"
        api = server.client(admin)
        api.post(
            "/seasons",
            json={"season": season, "regular_target": 3, "advanced_target": 1, "beacon": BEACON},
        ).raise_for_status()
        api.post(f"/seasons/{season}/open").raise_for_status()
        ids = [
            server.client(employer)
            .post(f"/seasons/{season}/registrations", json=registration(f"W{n:07d}", 2, n < 3))
            .json()["id"]
            for n in range(12)
        ]
        api.post(f"/seasons/{season}/close").raise_for_status()

        visitor = Visitor(server.url)
        visitor.login(email)
        page = visitor.get(f"/employer/seasons/{season}")
        assert page.status_code == 200, page.text[:500]
        root = server.client().get(f"/seasons/{season}/bulletin.json").json()["root"]
        assert f'id="bulletin-root">{root}<' in page.text
        assert "talentvisa lottery prove --bulletin bulletin.csv" in page.text
        assert all(f"/employer/registrations/{i}/proof.json" in page.text for i in ids)
        zh = visitor.get(f"/employer/seasons/{season}?lang=zh_Hans").text
        assert "公开公告" in zh and "下载公告 (CSV)" in zh

        proof = visitor.get(f"/employer/registrations/{ids[4]}/proof.json")
        assert proof.status_code == 200
        (tmp_path / "proof.json").write_bytes(proof.content)
        (tmp_path / "bulletin.csv").write_bytes(
            server.client().get(f"/seasons/{season}/bulletin.csv").content
        )
        checked = run_cli(
            "lottery", "prove", "--bulletin", str(tmp_path / "bulletin.csv"),
            "--registration", ids[4], "--proof", str(tmp_path / "proof.json"),
        )  # fmt: skip
        assert checked.returncode == 0, checked.stderr
        stranger = Visitor(server.url)
        stranger.login(other_email)
        assert stranger.get(f"/employer/registrations/{ids[4]}/proof.json").status_code == 404

        api.post(f"/seasons/{season}/beacon", json=QUICKNET_1000).raise_for_status()
        moment[0] = AFTER_ROUND
        api.post(f"/seasons/{season}/draw").raise_for_status()
        drawn = visitor.get(f"/employer/seasons/{season}")
        assert drawn.status_code == 200, drawn.text[:500]
        assert f"--root {root} --beacon-round 1000" in drawn.text
        assert f'href="/seasons/{season}/bulletin/reveal.json"' in drawn.text
    finally:
        rt.clock = real
    assert datetime.now(UTC) > AFTER_ROUND
