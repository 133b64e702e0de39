"""A real server over real HTTP, on SQLite and on PostgreSQL.

PostgreSQL runs at 127.0.0.1:5432 (user postgres, database test); each test module gets a
schema of its own. Under CI=true a missing PostgreSQL fails the tests instead of skipping them.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn

from talentvisa.api.app import create_app
from talentvisa.auth import service as auth
from talentvisa.auth.models import Role
from talentvisa.db import migrate
from talentvisa.db.engine import make_engine, transaction

PG_ADMIN_URL = os.environ.get(
    "TALENTVISA_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PASSWORD = "a-long-test-password"
TODAY = dt.date(2026, 3, 20)


def pg_available() -> bool:
    try:
        with sa.create_engine(PG_ADMIN_URL).connect() as c:
            c.exec_driver_sql("select 1")
        return True
    except Exception:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def served(app: Any) -> Iterator[str]:
    """Run `app` under uvicorn in a thread over real HTTP, and yield its base URL."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", proxy_headers=False
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not srv.started:
        if time.time() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@dataclass
class Server:
    url: str
    backend: str
    app: Any
    engine: sa.Engine
    data_dir: Path

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def user(self, role: Role, email: str | None = None) -> tuple[int, str]:
        """Create an account directly, and return (id, bearer token) got over HTTP."""
        email = email or f"{role.value}-{secrets.token_hex(4)}@example.org"
        with transaction(self.app.state.runtime.factory) as s:
            uid = auth.create_user(s, email, PASSWORD, role).id
        r = httpx.post(f"{self.url}/auth/token", json={"email": email, "password": PASSWORD})
        r.raise_for_status()
        return uid, r.json()["access_token"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    backend = request.param
    data_dir = tmp_path_factory.mktemp(f"data-{backend}")
    schema = None
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{data_dir / 'talentvisa.sqlite3'}")
    else:
        if not pg_available():
            if os.environ.get("CI") == "true":
                pytest.fail(
                    f"PostgreSQL is required under CI=true and not reachable: {PG_ADMIN_URL}"
                )
            pytest.skip("PostgreSQL not reachable")
        schema = f"tv_{secrets.token_hex(6)}"
        admin = sa.create_engine(PG_ADMIN_URL)
        with admin.begin() as c:
            c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        engine = make_engine(f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}")
    migrate.upgrade(engine)
    app = create_app(engine, data_dir, today=lambda: TODAY)
    try:
        with served(app) as url:
            yield Server(url, backend, app, engine, data_dir)
    finally:
        engine.dispose()
        if schema:
            with sa.create_engine(PG_ADMIN_URL).begin() as c:
                c.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

PROFILE = {
    "name": "Test applicant",
    "date_of_birth": "1999-05-01",
    "nationalities": ["IN"],
    "passport_type": "ordinary",
    "degrees": [{"level": "master", "cip": "11.0701", "institution_rank": 120}],
    "experience": [],
}
