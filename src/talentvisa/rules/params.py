"""Dated parameter lookup, with deployer settings filling only what the law leaves silent.

For what-if analysis only, hypothetical overrides (a reform) replace a parameter's value on
their dates, whatever the law or a deployer says; they are reported as such, never as law.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from talentvisa.rules.model import LegalStatus, Parameter, ParameterValue, Program, Text


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
class Override:
    """A hypothetical value of a parameter from ``start`` until ``before`` (excluded).

    Overrides come from a reform (what-if analysis); they are never law.
    """

    value: Any
    start: dt.date
    before: dt.date | None
    reform: str  # the reform's (or scenario's) name, reported wherever the value is used
    kind: Literal["reform", "scenario"] = "reform"

    def covers(self, on: dt.date) -> bool:
        return self.start <= on and (self.before is None or on < self.before)

    def as_json(self) -> dict[str, Any]:
        before = None if self.before is None else self.before.isoformat()
        return {"value": self.value, "from": self.start.isoformat(), "before": before}


@dataclass(frozen=True)
class Settings:
    """Deployer configuration: {program id: {parameter: DeployerValue}}.

    ``overrides`` ({program id: {parameter: (Override, ...)}}) holds a reform's hypothetical
    values; they are empty except in what-if analysis.
    """

    values: dict[str, dict[str, DeployerValue]] = field(default_factory=dict)
    overrides: dict[str, dict[str, tuple[Override, ...]]] = field(default_factory=dict)

    def for_program(self, program_id: str) -> dict[str, DeployerValue]:
        return self.values.get(program_id, {})

    def overrides_for(self, program_id: str) -> dict[str, tuple[Override, ...]]:
        return self.overrides.get(program_id, {})


NO_SETTINGS = Settings()


@dataclass(frozen=True)
class Resolved:
    name: str
    value: Any
    origin: Literal["law", "deployer", "reform", "scenario"]
    source: tuple[str, ...]
    note: Text | str | None  # the law's note, or the deployer's own (in their language)
    start: dt.date
    before: dt.date | None
    #: The law's entry for the date, for its legal status (None for a reform's value).
    entry: ParameterValue | None = None
    #: Contested value: the reading a deployer setting chose (never the law's choice).
    chosen: str | None = None

    @property
    def contested(self) -> bool:
        return self.entry is not None and self.entry.status == LegalStatus.contested


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
    for o in settings.overrides_for(program.id).get(name, ()):
        if o.covers(on):
            label = (
                "proposed value of scenario"
                if o.kind == "scenario"
                else "hypothetical value of reform"
            )
            note = f"{label} {o.reform!r}, not law"
            return Resolved(name, o.value, o.kind, (), note, o.start, o.before)
    p = program.parameters[name]
    entry = value_entry(program.id, name, p, on)
    deployer = settings.for_program(program.id).get(name)
    if entry.status == LegalStatus.contested:
        # Contested law has no single value: unknown, unless the deployer picked a reading.
        reading = entry.reading(str(deployer.value)) if deployer is not None else None
        if reading is None or deployer is None:
            src = tuple(entry.source)
            return Resolved(name, None, "law", src, entry.note, entry.start, entry.before, entry)
        note = f"the deployer's choice of reading {reading.id!r}, not law: {deployer.note}"
        return Resolved(
            name,
            reading.value,
            "deployer",
            tuple(reading.source),
            note,
            entry.start,
            entry.before,
            entry,
            reading.id,
        )
    # A choice of reading for a contested parameter does not fill its silent dates.
    fills = p.deployer_setting or not any(v.status == LegalStatus.contested for v in p.values)
    if entry.value is None and deployer is not None and fills:
        return Resolved(
            name,
            deployer.value,
            "deployer",
            tuple(entry.source),
            deployer.note,
            entry.start,
            entry.before,
            entry,
        )
    return Resolved(
        name, entry.value, "law", tuple(entry.source), entry.note, entry.start, entry.before, entry
    )


def scenario_overrides(program: Program, scenario: str) -> dict[str, tuple[Override, ...]]:
    """A proposed scenario's dated values as overrides, reported as the scenario's, not law."""
    sc = program.scenarios[scenario]
    return {
        name: tuple(Override(v.value, v.start, v.before, scenario, "scenario") for v in values)
        for name, values in sc.parameters.items()
    }


def with_scenario(catalog_programs: list[Program], scenario: str, base: Settings) -> Settings:
    """``base`` plus the scenario's values for every program that defines it."""
    overrides = dict(base.overrides)
    for program in catalog_programs:
        if scenario in program.scenarios:
            overrides[program.id] = {
                **overrides.get(program.id, {}),
                **scenario_overrides(program, scenario),
            }
    return Settings(base.values, overrides)


def resolve_all(program: Program, on: dt.date, settings: Settings) -> dict[str, Resolved]:
    return {n: resolve(program, n, on, settings) for n in program.parameters}
