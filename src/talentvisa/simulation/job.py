"""A Job: what a worker needs to assess partitions, as plain JSON text.

Nothing opaque is shipped. The job names each program by its version hash and carries the
program itself as the canonical JSON document that the hash is computed over; scenarios are
plain dicts of settings and dated overrides. A worker compiles each program once, caches it by
hash, and refuses a document whose hash differs (a different program than the client meant).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import talentvisa
from talentvisa.rules.compiled import CompiledProgram, compile_program
from talentvisa.rules.model import Program
from talentvisa.simulation.scenario import (
    Scenario,
    parameter_values,
    settings_data,
    settings_from_data,
)

Mode = Literal["simulate", "assess"]


class JobError(RuntimeError):
    """A worker cannot run a job as the client described it."""


@dataclass(frozen=True)
class Job:
    """A parsed job. ``scenarios`` is ordered: the first is the baseline."""

    mode: Mode
    on: dt.date
    programs: tuple[CompiledProgram, ...]
    scenarios: tuple[Scenario, ...]
    keep: tuple[str, ...]
    by: str | None
    rows: bool
    # per scenario after the first: ids of the programs whose parameter values differ from
    # the baseline's on `on` (only those are evaluated again)
    differs: tuple[frozenset[str], ...]


def job_text(
    mode: Mode,
    on: dt.date,
    programs: Sequence[CompiledProgram],
    scenarios: Sequence[Scenario],
    keep: Sequence[str] = (),
    by: str | None = None,
    rows: bool = True,
) -> str:
    """The job as canonical JSON text: the only thing sent to workers besides partitions."""
    doc = {
        "engine": talentvisa.__version__,
        "mode": mode,
        "on": on.isoformat(),
        "programs": [
            {
                "id": cp.id,
                "hash": cp.hash,
                "document": cp.program.model_dump(mode="json", by_alias=True),
            }
            for cp in programs
        ],
        "scenarios": [
            {
                "name": s.name,
                "hypothetical": s.hypothetical,
                "settings": settings_data(s.settings),
            }
            for s in scenarios
        ],
        "keep": list(keep),
        "by": by,
        "rows": rows,
    }
    remember(programs)  # a worker in this process (local, threads) need not compile again
    # Keys keep the program file's order: points are added in factor order, and a float sum
    # depends on it (the version hash sorts keys itself).
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


_COMPILED: dict[str, CompiledProgram] = {}
_LOCK = threading.Lock()


def remember(programs: Iterable[CompiledProgram]) -> None:
    with _LOCK:
        for cp in programs:
            _COMPILED.setdefault(cp.hash, cp)


def compiled(entry: dict[str, Any]) -> CompiledProgram:
    """The compiled program for a job entry, from the cache or compiled once from its document."""
    digest = entry["hash"]
    with _LOCK:
        cp = _COMPILED.get(digest)
    if cp is not None:
        return cp
    cp = compile_program(Program.model_validate(entry["document"]))
    if cp.hash != digest:
        raise JobError(
            f"{entry['id']}: the shipped program compiles to hash {cp.hash[:12]}, "
            f"not {digest[:12]}; client and worker read programs differently"
        )
    remember([cp])
    return cp


@lru_cache(maxsize=8)
def parse_job(text: str) -> Job:
    doc = json.loads(text)
    if doc["engine"] != talentvisa.__version__:
        raise JobError(
            f"the client runs talentvisa {doc['engine']}, this worker {talentvisa.__version__}"
        )
    on = dt.date.fromisoformat(doc["on"])
    programs = tuple(compiled(entry) for entry in doc["programs"])
    scenarios = tuple(
        Scenario(s["name"], settings_from_data(s["settings"]), s["hypothetical"])
        for s in doc["scenarios"]
    )
    base = {cp.id: parameter_values(cp, on, scenarios[0].settings) for cp in programs}
    differs = tuple(
        frozenset(cp.id for cp in programs if parameter_values(cp, on, s.settings) != base[cp.id])
        for s in scenarios[1:]
    )
    return Job(
        mode=doc["mode"],
        on=on,
        programs=programs,
        scenarios=scenarios,
        keep=tuple(doc["keep"]),
        by=doc["by"],
        rows=doc["rows"],
        differs=differs,
    )
