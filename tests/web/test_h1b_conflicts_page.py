"""The portal's admin view of passports registered with conflicting identity data."""

from __future__ import annotations

import secrets

from talentvisa.auth.models import Role
from tests.h1b.test_http_races import registration

from .conftest import Server, Visitor


def test_the_admin_sees_the_conflicts_page_and_an_employer_does_not(server: Server) -> None:
    admin_email = f"admin-{secrets.token_hex(4)}@example.org"
    employer_email = f"employer-{secrets.token_hex(4)}@example.org"
    _, admin = server.user(Role.admin, admin_email)
    _, emp_a = server.user(Role.employer, employer_email)
    _, emp_b = server.user(Role.employer)
    season = f"FY{2064 + (0 if server.backend == 'sqlite' else 1)}"
    api = server.client(admin)
    api.post(
        "/seasons", json={"season": season, "regular_target": 5, "advanced_target": 0}
    ).raise_for_status()
    api.post(f"/seasons/{season}/open").raise_for_status()
    path = f"/seasons/{season}/registrations"
    server.client(emp_a).post(path, json=registration("E1234567")).raise_for_status()
    server.client(emp_b).post(
        path, json=registration("E1234567", family_name="Sarmah")
    ).raise_for_status()
    api.post(f"/seasons/{season}/close").raise_for_status()
    api.post(f"/seasons/{season}/draw").raise_for_status()

    visitor = Visitor(server.url)
    visitor.login(admin_email)
    listing = visitor.get("/admin/seasons").text
    assert f'href="/admin/seasons/{season}/conflicts"' in listing
    page = visitor.get(f"/admin/seasons/{season}/conflicts")
    assert page.status_code == 200, page.text[:500]
    assert "IN:E1234567" in page.text and "Sharma" in page.text and "Sarmah" in page.text
    assert "Disagree on: family name" in page.text
    zh = visitor.get(f"/admin/seasons/{season}/conflicts?lang=zh_Hans").text
    assert f"{season} 的身份信息冲突" in zh and "不一致之处: 姓" in zh

    employer = Visitor(server.url)
    employer.login(employer_email)
    refused = employer.get(f"/admin/seasons/{season}/conflicts")
    assert refused.status_code == 403 and "Sarmah" not in refused.text
