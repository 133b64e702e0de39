"""Load program files and deployer settings from YAML, reporting problems as file:line."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from talentvisa.rules.bounds import first_invalid
from talentvisa.rules.compiled import CompiledProgram, ProgramError, compile_program
from talentvisa.rules.model import Program
from talentvisa.rules.params import DeployerValue, Settings
from talentvisa.rules.profile import Profile


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ProgramFileError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys instead of silently keeping the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _construct_date(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    # PyYAML raises a bare ValueError for 2000-02-30, which escapes as a traceback.
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value} is not a date that exists", node.start_mark
        ) from None


_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_date)


def _path_to(node: yaml.Node | None, mark: yaml.Mark) -> list[str | int]:
    """The keys and indexes leading to the node that starts at ``mark``, to name the field."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if value.start_mark.index == mark.index:
                return [key.value]
            if value.start_mark.index < mark.index <= value.end_mark.index:
                return [key.value, *_path_to(value, mark)]
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            if item.start_mark.index == mark.index:
                return [i]
            if item.start_mark.index < mark.index <= item.end_mark.index:
                return [i, *_path_to(item, mark)]
    return []


# YAML 1.1 reads yes/no/on/off as booleans, which silently turns Norway ("NO") into False.
# Program files accept only true/false as booleans.
_UniqueKeyLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_UniqueKeyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _line_of(root: yaml.Node | None, loc: Sequence[str | int]) -> int:
    node = root
    line = 1 if root is None else root.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if pair is None:
                break
            line = pair[0].start_mark.line + 1  # the key's line reads best in an editor
            node = pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def line_of(root: yaml.Node | None, loc: Sequence[str | int]) -> int:
    """The line of the item at ``loc`` (keys and list indexes) in a composed YAML tree."""
    return _line_of(root, loc)


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML file, returning the data and its node tree (for line numbers)."""
    name = str(path)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ProgramFileError([Problem(name, 0, f"cannot read file: {exc.strerror}")]) from None
    root: yaml.Node | None = None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        field = ".".join(map(str, _path_to(root, mark))) if mark and root else ""
        what = f"{field}: {exc.problem}" if field else f"invalid YAML: {exc.problem}"
        raise ProgramFileError([Problem(name, line, what)]) from None
    bad = first_invalid(data)
    if bad is not None:
        loc, why = bad
        field = ".".join(map(str, loc)) or "(document)"
        raise ProgramFileError([Problem(name, _line_of(root, loc), f"{field}: {why}")])
    return data, root


def validation_problems(name: str, root: yaml.Node | None, exc: ValidationError) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if isinstance(p, str | int)]
        where = ".".join(map(str, loc)) or "(top level)"
        # Our own validators' messages read better without Pydantic's "Value error, ".
        msg = str(err["ctx"]["error"]) if err["type"] == "value_error" else err["msg"]
        out.append(Problem(name, _line_of(root, loc), f"{where}: {msg}"))
    return out


def load_program(path: Path) -> CompiledProgram:
    name = str(path)
    data, root = read_yaml(path)
    if not isinstance(data, dict):
        raise ProgramFileError([Problem(name, 1, "a program file must be a YAML mapping")])
    try:
        program = Program.model_validate(data)
    except ValidationError as exc:
        raise ProgramFileError(validation_problems(name, root, exc)) from None
    if path.stem != program.id:
        raise ProgramFileError(
            [Problem(name, _line_of(root, ["id"]), f"file must be named {program.id}.yaml")]
        )
    try:
        return compile_program(program, path=name)
    except ProgramError as exc:
        raise ProgramFileError(
            [
                Problem(name, _line_of(root, loc), f"{'.'.join(map(str, loc))}: {msg}")
                for loc, msg in exc.problems
            ]
        ) from None


def builtin_program_dir() -> Path:
    return Path(str(resources.files("talentvisa").joinpath("programs")))


def load_catalog(directory: Path | None = None) -> dict[str, CompiledProgram]:
    """Every program in ``directory`` (default: the shipped catalog), by id."""
    folder = directory or builtin_program_dir()
    if not folder.is_dir():
        raise ProgramFileError([Problem(str(folder), 0, "not a directory")])
    problems: list[Problem] = []
    catalog: dict[str, CompiledProgram] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            cp = load_program(path)
        except ProgramFileError as exc:
            problems.extend(exc.problems)
            continue
        catalog[cp.id] = cp
    if problems:
        raise ProgramFileError(problems)
    return catalog


@cache
def builtin_catalog() -> dict[str, CompiledProgram]:
    return load_catalog()


def load_settings(path: Path, catalog: dict[str, CompiledProgram]) -> Settings:
    """Deployer settings: ``{program id: {parameter: {value: ..., note: ...}}}``.

    Only parameters that the program marks ``deployer_setting: true`` may be set, and a
    setting only ever fills a date on which the law's value is null (silent). For a contested
    parameter the value names one of its readings: the deployer's choice, reported as such.
    """
    name = str(path)
    data, root = read_yaml(path)
    problems: list[Problem] = []
    values: dict[str, dict[str, DeployerValue]] = {}
    for pid, entries in (data or {}).items():
        if pid not in catalog:
            problems.append(Problem(name, _line_of(root, [pid]), f"unknown program {pid!r}"))
            continue
        for pname, entry in (entries or {}).items():
            line = _line_of(root, [pid, pname])
            param = catalog[pid].program.parameters.get(pname)
            readings = {r.id for v in (param.values if param else []) for r in v.readings}
            if readings and isinstance(entry, dict) and entry.get("value") not in readings:
                problems.append(
                    Problem(
                        name,
                        line,
                        f"{pid}.{pname} is contested: `value` must name a reading "
                        f"({', '.join(sorted(readings))})",
                    )
                )
            elif param is None or not (param.deployer_setting or readings):
                problems.append(
                    Problem(name, line, f"{pid}.{pname} is not a deployer-settable parameter")
                )
            elif not isinstance(entry, dict) or "value" not in entry or not entry.get("note"):
                problems.append(Problem(name, line, f"{pid}.{pname} needs `value` and `note`"))
            else:
                values.setdefault(pid, {})[pname] = DeployerValue(entry["value"], entry["note"])
    if problems:
        raise ProgramFileError(problems)
    return Settings(values)


def settings_from_env(catalog: dict[str, CompiledProgram]) -> Settings:
    path = os.environ.get("TALENTVISA_SETTINGS")
    return load_settings(Path(path), catalog) if path else Settings()


class ProfileError(ValueError):
    """A profile file that cannot be read; the message names file, line and field."""


def load_profile(path: Path) -> Profile:
    name = str(path)
    try:
        data, root = read_yaml(path)
    except ProgramFileError as exc:
        raise ProfileError(str(exc)) from None
    if not isinstance(data, dict):
        raise ProfileError(f"{name}:1: a profile must be a YAML mapping of fields")
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError("\n".join(map(str, validation_problems(name, root, exc)))) from None
