"""Load program files and deployer settings from YAML, reporting problems as file:line."""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from talentvisa.rules.compiled import CompiledProgram, ProgramError, compile_program
from talentvisa.rules.declarations import (
    COMMON,
    FACT_FILE,
    NOT_PROGRAMS,
    builtin_program_dir,
    declarations,
)
from talentvisa.rules.expr import names
from talentvisa.rules.model import Program
from talentvisa.rules.params import DeployerValue, Settings
from talentvisa.rules.profile import Profile
from talentvisa.rules.values import conventional, value_problem
from talentvisa.rules.yamlfile import (
    Problem,
    ProgramFileError,
    line_of,
    read_yaml,
    validation_problems,
)

__all__ = [
    "Problem",
    "ProgramFileError",
    "builtin_program_dir",
    "line_of",
    "read_yaml",
    "validation_problems",
]


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
            [Problem(name, line_of(root, ["id"]), f"file must be named {program.id}.yaml")]
        )
    try:
        return compile_program(program, path=name)
    except ProgramError as exc:
        where = undeclared_hint(program.country)
        raise ProgramFileError(
            [
                Problem(
                    name,
                    line_of(root, loc),
                    f"{'.'.join(map(str, loc))}: {msg}"
                    + (where if msg.startswith("unknown name") else ""),
                )
                for loc, msg in exc.problems
            ]
        ) from None


def undeclared_hint(country: str) -> str:
    """Where a fact a program reads must be declared, for an error naming an unknown name."""
    return (
        f"; declare a fact in programs/{country.lower()}/facts.yaml or programs/common/facts.yaml"
    )


def program_files(folder: Path) -> list[Path]:
    """Program files: each country folder's (``<cc>/<id>.yaml``), or a flat folder's own."""
    nested = [p for p in folder.glob("*/*.yaml") if p.name not in NOT_PROGRAMS]
    return sorted(folder.glob("*.yaml")) + sorted(nested)


def load_catalog(directory: Path | None = None) -> dict[str, CompiledProgram]:
    """Every program in ``directory`` (default: the shipped catalog), by id.

    A program reads only facts declared in programs/common/ or in its own country's folder.
    """
    folder = directory or builtin_program_dir()
    if not folder.is_dir():
        raise ProgramFileError([Problem(str(folder), 0, "not a directory")])
    problems: list[Problem] = []
    catalog: dict[str, CompiledProgram] = {}
    for path in program_files(folder):
        try:
            cp = load_program(path)
            check_folder(cp, path)
        except ProgramFileError as exc:
            problems.extend(exc.problems)
            continue
        catalog[cp.id] = cp
    if problems:
        raise ProgramFileError(problems)
    return catalog


def facts_read(cp: CompiledProgram) -> set[str]:
    """The facts a compiled program's expressions read."""
    nodes = [
        cp.eligibility,
        *cp.criteria.values(),
        *(n for ex in cp.exceptions.values() for _, n, _ in ex),
        *(n for table in cp.factor_nodes.values() for ns in table.values() for n in ns),
        *(n for pair in cp.fee_nodes.values() for n in pair),
        *(n for _, n in cp.tier_nodes),
        *(n for _, n in cp.document_nodes),
    ]
    return {n for node in nodes for n in names(node) if cp.kinds.get(n) == "fact"}


def check_folder(cp: CompiledProgram, path: Path) -> None:
    """The program's folder is its country's, and it reads facts of common/ or that folder."""
    name, own = str(path), cp.program.country.lower()
    if path.parent.name != own and (path.parent / FACT_FILE).is_file():
        line = line_of(read_yaml(path)[1], ["country"])
        raise ProgramFileError(
            [Problem(name, line, f"country: a {cp.program.country} program belongs in {own}/")]
        )
    decls = declarations()
    foreign = [f for f in sorted(facts_read(cp)) if decls.folder_of(f) not in (COMMON, own)]
    if not foreign:
        return
    root = read_yaml(path)[1]
    problems = []
    for fact in foreign:
        folder = decls.folder_of(fact)
        loc = _first_mention(root, fact)
        problems.append(
            Problem(
                name,
                line_of(root, loc),
                f"{'.'.join(map(str, loc))}: fact {fact!r} is declared in {folder}/facts.yaml; "
                f"a {cp.program.country} program reads facts of {own}/facts.yaml or "
                f"common/facts.yaml only (declare it there)",
            )
        )
    if problems:
        raise ProgramFileError(problems)


def _first_mention(node: yaml.Node | None, word: str) -> list[str | int]:
    """Where a name is first used in a composed YAML tree (keys and indexes)."""
    if isinstance(node, yaml.ScalarNode):
        return [] if re.search(rf"\b{re.escape(word)}\b", str(node.value)) else ["?"]
    children: list[tuple[str | int, yaml.Node]] = []
    if isinstance(node, yaml.MappingNode):
        children = [(k.value, v) for k, v in node.value]
    elif isinstance(node, yaml.SequenceNode):
        children = list(enumerate(node.value))
    for key, child in children:
        found = _first_mention(child, word)
        if found != ["?"]:
            return [key, *found]
    return ["?"]


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
    if not path.is_file():
        raise ProgramFileError([Problem(name, 1, "no such file")])
    data, root = read_yaml(path)
    problems: list[Problem] = []
    values: dict[str, dict[str, DeployerValue]] = {}
    if not isinstance(data, dict | None):
        shape = "a mapping of program ids to {parameter: {value, note}}"
        raise ProgramFileError([Problem(name, 1, f"settings must be {shape}")])
    for pid, entries in (data or {}).items():
        if pid not in catalog:
            problems.append(Problem(name, line_of(root, [pid]), f"unknown program {pid!r}"))
            continue
        if not isinstance(entries, dict | None):
            problems.append(
                Problem(name, line_of(root, [pid]), f"{pid}: must map parameters to settings")
            )
            continue
        for pname, entry in (entries or {}).items():
            line = line_of(root, [pid, pname])
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
            elif extra := sorted(set(entry) - {"value", "note"}, key=str):
                at = line_of(root, [pid, pname, extra[0]])
                problems.append(
                    Problem(name, at, f"{pid}.{pname}.{extra[0]}: unknown key (use value, note)")
                )
            elif not readings and (wrong := value_problem(param, entry["value"])):
                at = line_of(root, [pid, pname, "value"])
                problems.append(Problem(name, at, f"{pid}.{pname}.value: {wrong}"))
            else:
                value = entry["value"] if readings else conventional(param, entry["value"])
                values.setdefault(pid, {})[pname] = DeployerValue(value, entry["note"])
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
