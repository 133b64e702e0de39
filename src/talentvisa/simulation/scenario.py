"""A Scenario: the engine settings a population is assessed under, with its version hashes.

A run compares two: the ``baseline`` (the law, with any deployer settings) and the ``reform``
(the baseline plus a reform's hypothetical values).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from talentvisa.rules.compiled import CompiledProgram
from talentvisa.rules.engine import settings_hash
from talentvisa.rules.params import NO_SETTINGS, Settings, resolve_all

BASELINE, REFORM = "baseline", "reform"


@dataclass(frozen=True)
class Scenario:
    name: str
    settings: Settings = NO_SETTINGS
    hypothetical: bool = False

    def hashes(self, programs: Iterable[CompiledProgram]) -> dict[str, str]:
        """Each program's version hash under this scenario (its settings and overrides)."""
        return {cp.id: settings_hash(cp, self.settings) for cp in programs}

    def check(self, programs: Iterable[CompiledProgram], on: dt.date) -> None:
        """Raise ParameterOutOfRange if a program cannot be assessed on ``on``."""
        for cp in programs:
            parameter_values(cp, on, self.settings)


def parameter_values(
    cp: CompiledProgram, on: dt.date, settings: Settings
) -> dict[str, tuple[type, Any]] | None:
    """What the batch path reads of the parameters on ``on`` (None: not assessed by rules).

    Two scenarios with equal values give equal results for the program, so a run evaluates a
    program under the reform only where its values differ from the baseline's.
    """
    if not (cp.program.in_force_on(on) and cp.program.encoded_on(on)):
        return None
    return {n: (type(r.value), r.value) for n, r in resolve_all(cp.program, on, settings).items()}


def settings_data(settings: Settings) -> dict[str, Any]:
    """Settings as plain JSON data."""
    return {
        "values": {
            pid: {n: {"value": v.value, "note": v.note} for n, v in sorted(entries.items())}
            for pid, entries in sorted(settings.values.items())
        },
        "overrides": {
            pid: {
                n: [o.as_json() | {"reform": o.reform} for o in os]
                for n, os in sorted(entries.items())
            }
            for pid, entries in sorted(settings.overrides.items())
        },
    }


def settings_from_data(data: dict[str, Any]) -> Settings:
    from talentvisa.rules.params import DeployerValue, Override

    values = {
        pid: {n: DeployerValue(v["value"], v["note"]) for n, v in entries.items()}
        for pid, entries in data["values"].items()
    }
    overrides = {
        pid: {
            n: tuple(
                Override(
                    o["value"],
                    dt.date.fromisoformat(o["from"]),
                    None if o["before"] is None else dt.date.fromisoformat(o["before"]),
                    o["reform"],
                )
                for o in os
            )
            for n, os in entries.items()
        }
        for pid, entries in data["overrides"].items()
    }
    return Settings(values, overrides)
