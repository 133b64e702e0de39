"""Dated parameter lookup, with deployer settings filling only what the law leaves silent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from talentvisa.rules.model import Parameter, ParameterValue, Program


class ParameterOutOfRange(LookupError):
    """A parameter has no encoded value on the requested date: never extrapolated."""

    def __init__(self, program: str, name: str, on: dt.date, detail: str) -> None:
        super().__init__(f"{program}: parameter {name!r} has no value on {on}: {detail}")
        self.program, self.name, self.on = program, name, on


@dataclass(frozen=True)
class DeployerValue:
    value: Any
    note: str


@dataclass(frozen=True)
class Settings:
    """Deployer configuration: {program id: {parameter: DeployerValue}}."""

    values: dict[str, dict[str, DeployerValue]] = field(default_factory=dict)

    def for_program(self, program_id: str) -> dict[str, DeployerValue]:
        return self.values.get(program_id, {})


NO_SETTINGS = Settings()


@dataclass(frozen=True)
class Resolved:
    name: str
    value: Any
    origin: Literal["law", "deployer"]
    source: tuple[str, ...]
    note: str | None
    start: dt.date
    before: dt.date | None


def value_entry(program_id: str, name: str, p: Parameter, on: dt.date) -> ParameterValue:
    first = p.values[0]
    if on < first.start:
        raise ParameterOutOfRange(program_id, name, on, f"first value starts {first.start}")
    chosen = first
    for v in p.values:
        if v.start <= on:
            chosen = v
    if chosen.before is not None and on >= chosen.before:
        raise ParameterOutOfRange(program_id, name, on, f"last value ended before {chosen.before}")
    return chosen


def resolve(program: Program, name: str, on: dt.date, settings: Settings) -> Resolved:
    p = program.parameters[name]
    entry = value_entry(program.id, name, p, on)
    deployer = settings.for_program(program.id).get(name)
    if entry.value is None and deployer is not None:
        return Resolved(
            name,
            deployer.value,
            "deployer",
            tuple(entry.source),
            deployer.note,
            entry.start,
            entry.before,
        )
    return Resolved(
        name, entry.value, "law", tuple(entry.source), entry.note, entry.start, entry.before
    )


def resolve_all(program: Program, on: dt.date, settings: Settings) -> dict[str, Resolved]:
    return {n: resolve(program, n, on, settings) for n in program.parameters}
