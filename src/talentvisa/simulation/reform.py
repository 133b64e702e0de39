"""A Reform: hypothetical, dated parameter values per program, for what-if analysis.

A reform is data (YAML or a dict), never law. It names programs and parameters of the catalog
and gives each a value from a date (until ``before``, if given)::

    name: k35-bluecard
    title: What if the K visa's age limit were 35?
    parameters:
      cn-k:
        max_age: {value: 35, from: 2026-01-01}
      de-blue-card:
        general_threshold:            # several dated values: a list
          - {value: 45000, from: 2026-01-01, before: 2027-01-01}
    settings:                         # deployer settings, as in --settings (optional)
      cn-k:
        min_experience_years: {value: 0, note: "no minimum"}

Applying a reform builds new engine Settings around the already compiled programs; nothing is
reloaded, recompiled or mutated (see ``Reform.apply``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from talentvisa.rules.compiled import CompiledProgram
from talentvisa.rules.conventions import not_a_date, parse_date
from talentvisa.rules.loader import ProgramFileError, line_of, read_yaml
from talentvisa.rules.params import DeployerValue, Override, Settings
from talentvisa.rules.values import conventional, value_problem

Loc = tuple[str | int, ...]
NOTICE = "hypothetical: a reform's values are what-if assumptions, not law"


class ReformError(ValueError):
    """A reform that cannot be used; each problem names the file, line and field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _iso_date(value: Any) -> Any:
    """A date by the files' one convention: YAML's own date, or text ``YYYY-MM-DD``."""
    if isinstance(value, dt.datetime):
        raise ValueError(not_a_date(value.isoformat(sep=" ")))
    if isinstance(value, dt.date) or value is None:
        return value
    read = parse_date(value) if isinstance(value, str) else None
    if read is None:
        raise ValueError(not_a_date(value))
    return read


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


class DatedValue(_Strict):
    """One hypothetical value of a parameter, from ``from`` until ``before`` (excluded)."""

    value: Any
    start: IsoDate = Field(alias="from")
    before: IsoDate | None = None

    @field_validator("value")
    @classmethod
    def _stated(cls, v: Any) -> Any:
        if v is None:
            raise ValueError("a reform states a value; null is not allowed")
        return v

    @field_validator("before")
    @classmethod
    def _after_start(cls, v: dt.date | None, info: Any) -> dt.date | None:
        start = info.data.get("start")
        if v is not None and start is not None and v <= start:
            raise ValueError(f"`before` {v} must be after `from` {start}")
        return v


class SettingValue(_Strict):
    """A deployer setting carried by the reform (fills only what the law leaves silent)."""

    value: Any
    note: str = Field(min_length=1)


def _as_list(v: Any) -> Any:
    """A single dated value may be written as a mapping instead of a one-item list."""
    if isinstance(v, Mapping):
        return {k: [x] if isinstance(x, Mapping) else x for k, x in v.items()}
    return v


class Reform(_Strict):
    """Hypothetical parameter values for some programs (what-if analysis, never law)."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)
    title: str = Field(min_length=1)
    status: Literal["hypothetical"] = Field(
        "hypothetical", description="A reform is always a hypothetical, never law."
    )
    description: str | None = None
    parameters: dict[str, dict[str, list[DatedValue]]] = Field(default_factory=dict)
    settings: dict[str, dict[str, SettingValue]] = Field(default_factory=dict)
    # A cap-selection what-if (simulation/selection.py): checked there, reported by `simulate`.
    season: str | None = None
    selection: dict[str, Any] | None = None

    @field_validator("parameters", mode="before")
    @classmethod
    def _single_values(cls, v: Any) -> Any:
        if isinstance(v, Mapping):
            return {pid: _as_list(entries) for pid, entries in v.items()}
        return v

    def document(self) -> dict[str, Any]:
        """The reform as plain JSON data (what is hashed and shipped to workers)."""
        doc = self.model_dump(mode="json", by_alias=True)
        # Absent selection keys stay out, so reforms without one keep their hash.
        for key in ("season", "selection"):
            if doc[key] is None:
                del doc[key]
        return doc

    @property
    def hash(self) -> str:
        """SHA-256 of the canonical JSON of the reform."""
        canonical = json.dumps(
            self.document(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def touches(self, program_id: str) -> bool:
        return bool(self.parameters.get(program_id) or self.settings.get(program_id))

    def apply(self, base: Settings) -> Settings:
        """Engine settings for the reform scenario: ``base`` plus the reform.

        The reform's deployer settings replace the base's for the same parameter, and its dated
        values become overrides. The compiled programs and ``base`` are not changed.
        """
        values = {pid: dict(entries) for pid, entries in base.values.items()}
        for pid, entries in self.settings.items():
            chosen = values.setdefault(pid, {})
            for name, s in entries.items():
                chosen[name] = DeployerValue(s.value, s.note)
        overrides = {pid: dict(entries) for pid, entries in base.overrides.items()}
        for pid, params in self.parameters.items():
            chosen_o = overrides.setdefault(pid, {})
            for name, dated in params.items():
                chosen_o[name] = tuple(
                    Override(d.value, d.start, d.before, self.name) for d in dated
                )
        return Settings(values, overrides)

    def problems(self, catalog: Mapping[str, CompiledProgram]) -> Iterator[tuple[Loc, str]]:
        """What the reform gets wrong about the catalog: programs, parameters, types, dates."""
        for pid, params in self.parameters.items():
            cp = catalog.get(pid)
            if cp is None:
                yield ("parameters", pid), _unknown_program(pid, catalog)
                continue
            for name, dated in params.items():
                loc: Loc = ("parameters", pid, name)
                param = cp.program.parameters.get(name)
                if param is None:
                    yield loc, _unknown_parameter(pid, name, cp)
                    continue
                for i, d in enumerate(dated):
                    wrong = value_problem(param, d.value)
                    if wrong:
                        yield (*loc, i, "value"), wrong
                for i in range(1, len(dated)):
                    prev, cur = dated[i - 1], dated[i]
                    if cur.start <= prev.start:
                        yield (
                            (*loc, i, "from"),
                            f"dates must increase: {cur.start} after {prev.start}",
                        )
                    elif prev.before is None or prev.before > cur.start:
                        yield (
                            (*loc, i, "from"),
                            f"the value from {prev.start} still applies on {cur.start}",
                        )
        for pid, entries in self.settings.items():
            cp = catalog.get(pid)
            if cp is None:
                yield ("settings", pid), _unknown_program(pid, catalog)
                continue
            for name, s in entries.items():
                param = cp.program.parameters.get(name)
                if param is None or not param.deployer_setting:
                    yield (
                        ("settings", pid, name),
                        f"{pid}.{name} is not a deployer-settable parameter",
                    )
                elif wrong := value_problem(param, s.value):
                    yield ("settings", pid, name, "value"), wrong


def _unknown_program(pid: str, catalog: Mapping[str, CompiledProgram]) -> str:
    return f"unknown program {pid!r} (known: {', '.join(catalog)})"


def _unknown_parameter(pid: str, name: str, cp: CompiledProgram) -> str:
    return f"unknown parameter {name!r} of {pid} (it has: {', '.join(cp.program.parameters)})"


def reform_from_data(
    data: Any,
    catalog: Mapping[str, CompiledProgram],
    name: str = "reform",
    root: Any = None,
) -> Reform:
    """Validate a reform given as plain data; errors name the field (and line, from YAML)."""

    def where(loc: Loc) -> str:
        shown = _shown_loc(data, loc)
        field = ".".join(map(str, shown)) or "(top level)"
        line = f":{line_of(root, shown)}" if root is not None else ""
        return f"{name}{line}: {field}"

    if not isinstance(data, Mapping):
        raise ReformError([f"{name}: a reform must be a mapping with `name`, `title`, ..."])
    try:
        reform = Reform.model_validate(_read_by_convention(data, catalog))
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
            # our own validators' words, without Pydantic's "Value error, " in front
            said = str(err["ctx"]["error"]) if err["type"] == "value_error" else err["msg"]
            problems.append(f"{where(loc)}: {said}")
        raise ReformError(problems) from None
    found = [f"{where(loc)}: {msg}" for loc, msg in reform.problems(catalog)]
    found += [f"{where(loc)}: {msg}" for loc, msg in _selection_problems(reform)]
    if found:
        raise ReformError(found)
    return reform


def _read_by_convention(data: Mapping[str, Any], catalog: Mapping[str, CompiledProgram]) -> Any:
    """The reform with boolean parameters' text (yes/no/1/0) read as booleans."""

    def read(pid: Any, name: Any, entry: Any) -> Any:
        cp = catalog.get(pid) if isinstance(pid, str) else None
        param = cp.program.parameters.get(name) if cp is not None else None
        if param is None or not isinstance(entry, Mapping) or "value" not in entry:
            return entry
        return {**entry, "value": conventional(param, entry["value"])}

    out = dict(data)
    for section in ("parameters", "settings"):
        programs = data.get(section)
        if not isinstance(programs, Mapping):
            continue
        out[section] = {
            pid: {
                name: [read(pid, name, e) for e in entry]
                if isinstance(entry, list)
                else read(pid, name, entry)
                for name, entry in params.items()
            }
            if isinstance(params, Mapping)
            else params
            for pid, params in programs.items()
        }
    return out


def _selection_problems(reform: Reform) -> Iterator[tuple[Loc, str]]:
    """A `selection:` block checked when the reform is read, naming its line."""
    if reform.selection is None:
        return
    from talentvisa.lottery.rules import SeasonError, parse_season
    from talentvisa.simulation.selection import SelectionError, block_changes

    try:
        parse_season(reform.season or "")
    except SeasonError as exc:
        yield ("season",), f"{exc} (a selection: block needs its season, e.g. FY2027)"
    try:
        block_changes(reform.selection)
    except SelectionError as exc:
        yield ("selection", *exc.field), exc.reason


def _shown_loc(data: Any, loc: Loc) -> Loc:
    """Drop the list index that a single (mapping) dated value did not have in the file."""
    if len(loc) >= 4 and loc[0] == "parameters" and isinstance(loc[3], int):
        try:
            written = data["parameters"][loc[1]][loc[2]]
        except (KeyError, TypeError):
            return loc
        if isinstance(written, Mapping):
            return (*loc[:3], *loc[4:])
    return loc


def load_reform(path: Path, catalog: Mapping[str, CompiledProgram]) -> Reform:
    """Read and validate a reform file against the catalog."""
    if not path.is_file():
        raise ReformError([f"{path}: no such file"])
    try:
        data, root = read_yaml(path)
    except ProgramFileError as exc:
        raise ReformError([str(p) for p in exc.problems]) from None
    return reform_from_data(data, catalog, str(path), root)


def reform_of_scenario(scenario: str, catalog: Mapping[str, CompiledProgram]) -> Reform:
    """A program's proposed scenario as a reform, so `simulate` can show it beside the law.

    The proposal's values are what-if values here too: a scenario is never law.
    """
    programs = {pid: cp.program for pid, cp in catalog.items() if scenario in cp.program.scenarios}
    if not programs:
        known = sorted({s for cp in catalog.values() for s in cp.program.scenarios})
        raise ReformError(
            [f"--scenario: unknown scenario {scenario!r} (known: {', '.join(known) or 'none'})"]
        )
    first = next(iter(programs.values())).scenarios[scenario]
    return Reform.model_validate(
        {
            "name": "scenario-" + scenario.replace("_", "-"),
            "title": f"If {first.label.en} (proposed, docket {first.docket}; not law)",
            "parameters": {
                pid: {
                    name: [
                        v.model_dump(mode="json", by_alias=True, exclude={"source", "note"})
                        for v in values
                    ]
                    for name, values in p.scenarios[scenario].parameters.items()
                }
                for pid, p in programs.items()
            },
        }
    )
