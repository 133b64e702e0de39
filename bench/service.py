"""Benchmark the case service over loopback HTTP, on SQLite and on PostgreSQL.

For each database it starts `talentvisa serve` in a fresh data directory (or PostgreSQL
schema), then drives concurrent clients for a fixed time:

* ceiling: GET /health, a trivial JSON endpoint of the same app (no database);
* submissions: create a K visa application, upload one small PNG, submit with an
  Idempotency-Key (three requests, each its own transaction);
* a portal page (--page, by default "Which visa fits me?" with its twelve assessments),
  fetched by --readers clients one request at a time: alone, then while the submission
  clients run. A page that waited for the writer lock would queue behind every submission.

It prints throughput and p50/p99 latency, and the ratio of submissions to the ceiling, by
requests and by whole submissions, and the page's latency under submissions against its
latency alone. The windows alternate for --rounds rounds, and the median of the per-round
ratios is reported, because the machine is shared. Every load loop stops by itself after
--seconds.

    python bench/service.py [--seconds 4] [--rounds 3] [--clients 16] [--readers 2]
                            [--page /programs] [--no-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

CLI = str(Path(sys.executable).parent / "talentvisa")
PG = "postgresql://postgres@127.0.0.1:5432/test"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
#: "Which visa fits me?" for a master's graduate with a US offer: twelve assessments.
FIT = (
    "/fit/result?dob=2000-03-14&nationality=IN&degree=master&field=computer_science"
    "&degree_country=IN&rank=211&experience=2&offer_country=US&salary=118000&currency=USD"
    "&wage_level=2"
)
PROFILE = {
    "date_of_birth": "1999-05-01",
    "nationalities": ["IN"],
    "degrees": [{"level": "master", "cip": "11.0701", "institution_rank": 120}],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    subprocess.run([CLI, "db", "upgrade"], env=env, check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen(
        [CLI, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120  # start-up compiles the catalog; slow on a busy machine
    while time.time() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start")


async def tokens(url: str, n: int) -> list[str]:
    out = []
    async with httpx.AsyncClient(base_url=url, timeout=60) as c:
        for i in range(n):
            email = f"bench-{i}-{secrets.token_hex(3)}@example.org"
            r = await c.post(
                "/auth/register",
                json={"email": email, "password": "bench-password-1", "display_name": "bench"},
            )
            r.raise_for_status()
            r = await c.post("/auth/token", json={"email": email, "password": "bench-password-1"})
            out.append(r.json()["access_token"])
    return out


Result = tuple[int, list[float], int]


async def drive(url: str, seconds: float, workers: list[tuple[str | None, str]]) -> list[Result]:
    """Run each worker's job in a loop until the time is up; per job, (count, latencies,
    errors). A job is "health", "submit" or a page's path."""
    results: dict[str, Result] = {}
    stop = time.perf_counter() + seconds

    async def one(token: str | None, job: str) -> None:
        latencies = results.setdefault(job, (0, [], 0))[1]
        errors = 0
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as c:
            while time.perf_counter() < stop:
                t = time.perf_counter()
                try:
                    if job == "health":
                        ok = (await c.get("/health")).status_code == 200
                    elif job == "submit":
                        ok = await submission(c)
                    else:
                        ok = (await c.get(job)).status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - t)
                else:
                    errors += 1
        results[job] = (len(results[job][1]), latencies, results[job][2] + errors)

    await asyncio.gather(*(one(t, job) for t, job in workers))
    jobs = list(dict.fromkeys(job for _, job in workers))
    return [results[job] for job in jobs]


async def submission(c: httpx.AsyncClient) -> bool:
    app = (await c.post("/applications", json={"profile": PROFILE})).json()
    up = await c.post(
        f"/applications/{app['id']}/documents", files={"file": ("degree.png", PNG, "image/png")}
    )
    version = app["version"] + 1 if up.status_code == 201 else app["version"]
    r = await c.post(
        f"/applications/{app['id']}/submit",
        json={"version": version},
        headers={"Idempotency-Key": f"bench-{app['id']}"},
    )
    return up.status_code == 201 and r.status_code == 200


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000
        if len(values) > 1
        else values[0] * 1000
    )


def measure(name: str, env: dict[str, str], args: argparse.Namespace) -> list[tuple[str, ...]]:
    """Alternate the windows of each kind, so that all see the same machine load.

    The machines are shared: a window of each kind per round, and the ratio of each round,
    of which the median is reported.
    """
    proc, url = start_server(env)
    health: list[Result] = []
    subs: list[Result] = []
    alone: list[Result] = []
    loaded: list[Result] = []
    beside: list[Result] = []
    readers: list[tuple[str | None, str]] = [(None, args.page)] * args.readers
    try:
        toks = asyncio.run(tokens(url, args.clients))
        writers: list[tuple[str | None, str]] = [(t, "submit") for t in toks]
        for _ in range(args.rounds):
            health += asyncio.run(drive(url, args.seconds, [(None, "health")] * args.clients))
            subs += asyncio.run(drive(url, args.seconds, writers))
            alone += asyncio.run(drive(url, args.seconds, readers))
            page, with_page = asyncio.run(drive(url, args.seconds, readers + writers))
            loaded.append(page)
            beside.append(with_page)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    window = args.seconds
    ratios = sorted(s[0] / h[0] for h, s in zip(health, subs, strict=True) if h[0])
    ratio = statistics.median(ratios) if ratios else 0.0
    slowdown = statistics.median(
        pct(b[1], 50) / pct(a[1], 50) for a, b in zip(alone, loaded, strict=True)
    )
    kept = statistics.median(b[0] / s[0] for s, b in zip(subs, beside, strict=True) if s[0])
    spread = f"rounds {ratios[0]:.1%}-{ratios[-1]:.1%}" if ratios else ""

    def row(load: str, runs: list[Result], rate: str, note: str = "") -> tuple[str, ...]:
        lat = [x for _, xs, _ in runs for x in xs]
        errors = sum(e for _, _, e in runs)
        return (name, load, rate, f"{pct(lat, 50):.1f}", f"{pct(lat, 99):.1f}", str(errors), note)

    def per_second(runs: list[Result]) -> float:
        return statistics.median(n / window for n, _, _ in runs)

    rate_s = per_second(subs)
    short = args.page if len(args.page) < 30 else args.page[:27] + "..."
    return [
        row("GET /health (ceiling)", health, f"{per_second(health):,.0f}/s"),
        row(
            "submission: create + upload + submit",
            subs,
            f"{rate_s:,.1f}/s ({3 * rate_s:,.0f} req/s)",
            f"{3 * ratio:.1%} by requests, {ratio:.1%} by submissions ({spread})",
        ),
        row(f"page {short}, alone", alone, f"{per_second(alone):,.1f}/s"),
        row(
            f"page {short}, under submissions",
            loaded,
            f"{per_second(loaded):,.1f}/s",
            f"p50 x{slowdown:.2f} of the page alone",
        ),
        row(
            "submissions beside the page",
            beside,
            f"{per_second(beside):,.1f}/s",
            f"{kept:.1%} of submissions alone",
        ),
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=4.0, help="length of each window")
    ap.add_argument("--rounds", type=int, default=3, help="ceiling/submission window pairs")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--readers", type=int, default=2, help="clients fetching the page")
    ap.add_argument("--page", default=FIT, help="the portal page measured under submissions")
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TALENTVISA_DATA_DIR": tmp}
        env.pop("TALENTVISA_DATABASE_URL", None)
        rows += measure("SQLite (WAL)", env, args)
    if not args.no_postgres:
        schema = f"bench_{secrets.token_hex(4)}"
        admin = sa.create_engine(PG.replace("postgresql://", "postgresql+psycopg://"))
        with admin.begin() as c:
            c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        try:
            with tempfile.TemporaryDirectory() as tmp:
                env = {
                    **os.environ,
                    "TALENTVISA_DATA_DIR": tmp,
                    "TALENTVISA_DATABASE_URL": f"{PG}?options=-csearch_path%3D{schema}",
                }
                rows += measure("PostgreSQL", env, args)
        finally:
            with admin.begin() as c:
                c.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    table = Table(
        title=(
            f"case service over loopback: {args.clients} clients, {args.rounds} rounds of "
            f"{args.seconds:g} s per load; medians, ratios against the ceiling of the same round"
        )
    )
    for col in ("database", "load", "throughput", "p50 ms", "p99 ms", "errors", "vs ceiling"):
        table.add_column(col)
    for r in rows:
        table.add_row(*r)
    Console(width=200).print(table)
    print(
        "target: SQLite submission requests >= 30% of the ceiling's request throughput; "
        "a submission is three requests (create, upload, submit)"
    )


if __name__ == "__main__":
    main()
