"""Crash leftovers among documents: `db fsck` and the start-up sweep of `serve`, both databases."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import sqlalchemy as sa

from talentvisa.auth.models import Role
from tests.api.fixtures import PDF, PNG, PROFILE, Server, free_port
from tests.audit.test_http_and_cli import CLI, run

TWO_HOURS = 2 * 3600
# Large enough that a kill often lands between writing the file and committing its row.
PDF_BIG = ("big.pdf", PDF + b"%" * 2_000_000)


def env_of(server: Server) -> dict[str, str]:
    return {
        "TALENTVISA_DATA_DIR": str(server.data_dir),
        "TALENTVISA_DATABASE_URL": server.engine.url.render_as_string(hide_password=False),
    }


@dataclass
class Uploaded:
    token: str
    doc_id: str
    url: str


def upload(server: Server, content: bytes, name: str) -> Uploaded:
    _, token = server.user(Role.applicant)
    c = server.client(token)
    app = c.post("/applications", json={"profile": PROFILE}).json()
    r = c.post(f"/applications/{app['id']}/documents", files={"file": (name, content)})
    assert r.status_code == 201, r.text
    doc = r.json()["id"]
    return Uploaded(token, doc, f"/applications/{app['id']}/documents/{doc}")


def leftover(documents: Path, name: str, content: bytes, age: int) -> Path:
    """A file as a process killed between writing it and committing its row leaves it."""
    path = documents / name
    path.write_bytes(content)
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_fsck_reports_both_kinds_and_removes_only_aged_orphan_files(server: Server) -> None:
    kept = upload(server, PNG, "kept.png")
    lost = upload(server, PDF, "lost.pdf")
    documents = server.data_dir / "documents"
    stored = {p.name for p in documents.iterdir()}
    assert len(stored) >= 2
    (lost_file,) = [n for n in stored if n.endswith(".pdf")]
    (documents / lost_file).unlink()  # a row whose file is gone
    old = leftover(documents, "0" * 32 + ".png", PNG, TWO_HOURS)
    part = leftover(documents, "." + "1" * 32 + ".pdf.part", PDF[:10], TWO_HOURS)
    young = leftover(documents, "2" * 32 + ".pdf", PDF, 60)  # an upload still in progress
    env = env_of(server)

    report = run("db", "fsck", "--json", env=env)
    assert report.returncode == 1, report.stderr
    found = json.loads(report.stdout)
    orphans = {f["name"]: f for f in found["files_without_row"]}
    assert set(orphans) == {old.name, part.name, young.name}
    assert orphans[old.name]["older_than_grace"] and orphans[part.name]["older_than_grace"]
    assert not orphans[young.name]["older_than_grace"]
    assert orphans[old.name]["size"] == len(PNG)
    assert [m["document_id"] for m in found["rows_without_file"]] == [lost.doc_id]
    assert found["rows_without_file"][0]["stored_name"] == lost_file
    assert not any(f["removed"] for f in found["files_without_row"])
    assert old.exists() and part.exists()  # a report changes nothing

    text = run("db", "fsck", "--remove", env=env)
    assert text.returncode == 1  # the row without a file still needs a person
    assert f"{old} (" in text.stdout and "removed" in text.stdout
    assert f"document {lost.doc_id}" in text.stderr and "missing" in text.stderr
    assert "3 document files without a row (2 removed), 1 rows without a file" in text.stdout
    assert not old.exists() and not part.exists()
    assert young.exists()

    # A shorter grace period (from the environment, as a deployment sets it) takes the young one.
    again = run("db", "fsck", "--remove", "--json", env={**env, "TALENTVISA_FSCK_GRACE": "30"})
    assert [f["name"] for f in json.loads(again.stdout)["files_without_row"]] == [young.name]
    assert not young.exists()
    # The document with both its row and its file was never touched.
    assert server.client(kept.token).get(kept.url).content == PNG
    gone = server.client(lost.token).get(lost.url)
    assert gone.status_code == 404 and "missing on the server" in gone.json()["error"]["message"]


def test_serve_sweeps_leftovers_at_start_up(server: Server) -> None:
    documents = server.data_dir / "documents"
    documents.mkdir(exist_ok=True)
    old = leftover(documents, "3" * 32 + ".jpg", b"\xff\xd8\xff", TWO_HOURS)
    port = free_port()
    args = [CLI, "serve", "--port", str(port), "--fsck", "remove"]
    proc = subprocess.Popen(
        args,
        env={**os.environ, **env_of(server)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(2)]
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
    assert lines[0].startswith("fsck: ") and "(1 removed)" in lines[0], lines
    assert "talentvisa serving" in lines[1]
    assert f"fsck: file without a row: {old}" in stderr and "removed" in stderr
    assert not old.exists()


def test_after_kill_9_mid_upload_every_file_is_accounted_for(server: Server) -> None:
    """A real crash: a server killed while uploads stream in leaves nothing fsck misses."""
    _, token = server.user(Role.applicant)
    app = server.client(token).post("/applications", json={"profile": PROFILE}).json()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [CLI, "serve", "--port", str(port), "--fsck", "off"],
        env={**os.environ, **env_of(server)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    accepted: list[str] = []
    stop = threading.Event()

    def keep_uploading() -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, headers=headers, timeout=10) as c:
            while not stop.is_set():
                try:
                    r = c.post(f"/applications/{app['id']}/documents", files={"file": PDF_BIG})
                except httpx.HTTPError:
                    return
                if r.status_code == 201:
                    accepted.append(r.json()["id"])

    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        uploaders = [threading.Thread(target=keep_uploading) for _ in range(4)]
        for t in uploaders:
            t.start()
        while len(accepted) < 5 and time.time() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)  # mid-stream: some uploads are half-way
        proc.wait(timeout=30)
    finally:
        stop.set()
        if proc.poll() is None:
            proc.kill()
    for t in uploaders:
        t.join(timeout=30)
    assert len(accepted) >= 5

    documents = server.data_dir / "documents"
    on_disk = {p.name for p in documents.iterdir()}
    found = json.loads(run("db", "fsck", "--json", "--grace", "0", env=env_of(server)).stdout)
    orphans = {f["name"] for f in found["files_without_row"]}
    with server.engine.connect() as c:
        rows = dict(c.execute(sa.text("select id, stored_name from documents")).all())
    # Every file is a row's or reported; every upload that was answered 201 kept its file.
    assert on_disk <= set(rows.values()) | orphans
    assert orphans.isdisjoint(rows.values())
    assert all(rows[doc] in on_disk for doc in accepted)
    missing = {m["document_id"] for m in found["rows_without_file"]}
    assert missing.isdisjoint(accepted)

    run("db", "fsck", "--remove", "--grace", "0", env=env_of(server))
    after = json.loads(run("db", "fsck", "--json", "--grace", "0", env=env_of(server)).stdout)
    assert after["files_without_row"] == []
    assert {p.name for p in documents.iterdir()} == on_disk - orphans
