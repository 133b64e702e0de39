"""Fact declarations: what each fact is, read from programs/<folder>/facts.yaml.

A country folder declares the facts its programs read, beside them (as an OpenFisca country
package declares its variables); programs/common/facts.yaml holds the shared ones. A fact is
either read from a path of the Profile (`from:`) or computed by a small function registered
with :func:`derivation` in the folder's derive.py (shared derivations live in
rules/derive_common.py). Nothing here imports the Profile: the Profile is generated from these
declarations (rules/profile.py), and derivations are imported only when first used.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from talentvisa.rules.model import Text
from talentvisa.rules.yamlfile import (
    Problem,
    ProgramFileError,
    line_of,
    read_yaml,
    validation_problems,
)

FactType = Literal["bool", "int", "float", "date", "str", "enum", "list"]
#: How a fact moves with time alone: ``years`` grows by one a year (experience, while one
#: keeps working); ``anniversary`` is a date whose anniversaries can turn a rule (a birthday,
#: years since a degree).
Accrual = Literal["years", "anniversary"]
COMMON = "common"
FACT_FILE = "facts.yaml"
#: How the portal asks a folder's facts, beyond their declarations (rules/questions.py).
QUESTION_FILE = "questions.yaml"
#: The files of a folder that are not programs.
NOT_PROGRAMS = frozenset({FACT_FILE, QUESTION_FILE})
DERIVE_FILE = "derive.py"
#: Where the core's own (shared) derivations are registered.
COMMON_DERIVATIONS = "talentvisa.rules.derive_common"

_NAME = r"^[a-z][a-z0-9_]*$"
_PATH = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class FactEntry(_Strict):
    """One fact of a facts.yaml file (the file's `facts:` mapping gives its name)."""

    type: FactType
    label: Text
    question: Text | None = None
    hint: Text | None = None
    unit: str | None = Field(None, pattern=r"^(years|months|hours|points|[A-Z]{3})$")
    min: float | None = None
    max: float | None = None
    values: dict[str, Text] | None = Field(None, min_length=1)
    from_: str | None = Field(None, alias="from", pattern=_PATH)
    derive: str | None = Field(None, pattern=_NAME)
    reads: list[str] = Field(default_factory=list)
    form: str | None = Field(None, pattern=_NAME)
    formerly: list[str] = Field(default_factory=list)
    reference: str | None = Field(None, pattern=r"^https?://")
    changeable: bool = False  # a person can change it (a salary, a language level, an offer)
    accrues: Accrual | None = None

    @model_validator(mode="after")
    def _consistent(self) -> FactEntry:
        if (self.from_ is None) == (self.derive is None):
            raise ValueError("give exactly one of `from` and `derive`")
        if (self.values is not None) != (self.type == "enum"):
            raise ValueError("`values` is required for type enum and allowed for it only")
        if (self.min is not None or self.max is not None) and self.type not in ("int", "float"):
            raise ValueError("`min` and `max` apply to int and float facts only")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("`min` is greater than `max`")
        if self.reads and self.derive is None:
            raise ValueError("`reads` is for derived facts; `from` already names the path")
        wanted = {"years": ("int", "float"), "anniversary": ("date",)}
        if self.accrues is not None and self.type not in wanted[self.accrues]:
            raise ValueError(
                f"`accrues: {self.accrues}` is for {' and '.join(wanted[self.accrues])} facts"
            )
        return self


class SectionEntry(_Strict):
    key: str | None = Field(None, pattern=_NAME)
    title: Text
    order: int


class FactFile(_Strict):
    """A programs/<folder>/facts.yaml file."""

    country: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    section: SectionEntry | None = None
    facts: dict[str, FactEntry] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _names(self) -> FactFile:
        bad = [n for n in self.facts if not re.match(_NAME, n)]
        if bad:
            raise ValueError(f"fact names are lower snake case: {', '.join(bad)}")
        return self


@dataclass(frozen=True)
class FactDecl:
    name: str
    type: FactType
    label: Text
    question: Text | None
    hint: Text | None
    unit: str | None
    min: float | None
    max: float | None
    values: dict[str, Text]
    source_path: str | None
    derive: str | None
    reads: tuple[str, ...]
    form: str
    formerly: tuple[str, ...]
    reference: str | None
    folder: str
    file: str
    line: int
    changeable: bool = False
    accrues: Accrual | None = None

    @property
    def kind(self) -> str:
        """How the value is stored (an enum is text): the batch column's type."""
        return "str" if self.type == "enum" else self.type

    @property
    def doc(self) -> str:
        return self.label.en


@dataclass(frozen=True)
class Section:
    key: str | None  # the Profile section of this country's own answers, if it has one
    title: Text
    order: int
    country: str
    folder: str
    facts: list[FactDecl]
    programs: list[str]


Derivation = Callable[[Any], Any]
#: Registrations of the built-in modules; a folder loaded from elsewhere gets its own (pushed
#: while its derive.py runs), so a copy of a built-in folder does not register names twice.
_BUILTIN: dict[str, Derivation] = {}
_ACTIVE: list[dict[str, Derivation]] = [_BUILTIN]


def derivation(name: str) -> Callable[[Derivation], Derivation]:
    """Register ``fn(profile) -> value | None`` as the derivation named ``name``."""

    def register(fn: Derivation) -> Derivation:
        target = _ACTIVE[-1]
        if name in target and target[name] is not fn:
            raise ValueError(f"derivation {name!r} is registered twice")
        target[name] = fn
        return fn

    return register


@dataclass(frozen=True)
class Declarations:
    facts: dict[str, FactDecl]
    sections: list[Section]
    common: list[FactDecl]
    directory: Path
    builtin: bool

    @cached_property
    def version(self) -> str:
        """A stable hash of the declarations: changes when any fact's meaning could."""
        doc = {
            n: {
                "type": f.type,
                "unit": f.unit,
                "min": f.min,
                "max": f.max,
                "values": sorted(f.values),
                "from": f.source_path,
                "derive": f.derive,
                "formerly": list(f.formerly),
                "folder": f.folder,
            }
            for n, f in sorted(self.facts.items())
        }
        canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]

    def folder_of(self, fact: str) -> str | None:
        f = self.facts.get(fact)
        return None if f is None else f.folder

    def for_program(self, program_id: str) -> list[FactDecl]:
        """The declared facts the built-in program ``program_id`` reads, in declaration order."""
        from talentvisa.rules.loader import builtin_catalog, facts_read

        read = facts_read(builtin_catalog()[program_id])
        return [f for n, f in self.facts.items() if n in read]

    @cached_property
    def renamed(self) -> dict[str, str]:
        """Old name -> the fact's name now (from `formerly`)."""
        return {old: f.name for f in self.facts.values() for old in f.formerly}

    @cached_property
    def _registries(self) -> dict[str, dict[str, Derivation]]:
        """Each folder's registrations (the common ones are the core's)."""
        importlib.import_module(COMMON_DERIVATIONS)
        out: dict[str, dict[str, Derivation]] = {}
        for folder in {f.folder for f in self.facts.values()} - {COMMON}:
            path = self.directory / folder / DERIVE_FILE
            if not path.is_file():
                out[folder] = {}
            elif self.builtin:
                importlib.import_module(f"talentvisa.programs.{folder}.derive")
                out[folder] = _BUILTIN
            else:
                out[folder] = _run_derive(path)
        return out

    def derivations(self) -> dict[str, Derivation]:
        """Fact name -> its derivation function, importing the folders' derive modules."""
        out: dict[str, Derivation] = {}
        problems = []
        for f in self.facts.values():
            if f.derive is None:
                continue
            registry = _BUILTIN if f.folder == COMMON else self._registries[f.folder]
            fn = registry.get(f.derive)
            if fn is None:
                where = "rules/derive_common.py" if f.folder == COMMON else f"{f.folder}/derive.py"
                problems.append(
                    Problem(
                        f.file, f.line, f"{f.name}.derive: no @derivation({f.derive!r}) in {where}"
                    )
                )
            else:
                out[f.name] = fn
        if problems:
            raise ProgramFileError(problems)
        return out


def _run_derive(path: Path) -> dict[str, Derivation]:
    """Run a derive.py from outside the package, collecting what it registers."""
    registry: dict[str, Derivation] = {}
    spec = importlib.util.spec_from_file_location(f"_derive_{path.parent.name}", path)
    if spec is None or spec.loader is None:
        return registry
    _ACTIVE.append(registry)
    try:
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    finally:
        _ACTIVE.pop()
    return registry


def builtin_program_dir() -> Path:
    return Path(str(resources.files("talentvisa").joinpath("programs")))


def fact_files(directory: Path) -> Iterator[Path]:
    """common/facts.yaml first, then each country folder's, by folder name."""
    common = directory / COMMON / FACT_FILE
    if common.is_file():
        yield common
    for path in sorted(directory.glob(f"*/{FACT_FILE}")):
        if path.parent.name != COMMON:
            yield path


def load_declarations(directory: Path, *, builtin: bool = False) -> Declarations:
    """Every fact declared in ``directory``/*/facts.yaml; problems as file:line."""
    problems: list[Problem] = []
    facts: dict[str, FactDecl] = {}
    sections: list[Section] = []
    keys: dict[str, str] = {}
    for path in fact_files(directory):
        problems += _load_file(path, facts, sections, keys)
    for f in facts.values():
        head = (f.source_path or "").split(".")[0]
        if head in keys and keys[head] != f.folder:
            problems.append(
                Problem(
                    f.file,
                    f.line,
                    f"facts.{f.name}.from: {head} is the section of "
                    f"{keys[head]}/; a fact of {f.folder}/ cannot be read from it",
                )
            )
    if problems:
        raise ProgramFileError(problems)
    for s in sections:
        s.programs.extend(
            sorted(
                p.stem for p in (directory / s.folder).glob("*.yaml") if p.name not in NOT_PROGRAMS
            )
        )
    sections.sort(key=lambda s: (s.order, s.folder))
    common = [f for f in facts.values() if f.folder == COMMON]
    return Declarations(facts, sections, common, directory, builtin)


def _load_file(
    path: Path, facts: dict[str, FactDecl], sections: list[Section], keys: dict[str, str]
) -> list[Problem]:
    name, folder = str(path), path.parent.name
    data, root = read_yaml(path)
    try:
        ff = FactFile.model_validate(data or {})
    except ValidationError as exc:
        return validation_problems(name, root, exc)
    problems = []
    if folder == COMMON and (ff.country or ff.section):
        problems.append(Problem(name, 1, "common/facts.yaml names no country and no section"))
    if folder != COMMON and ff.country != folder.upper():
        problems.append(
            Problem(
                name,
                line_of(root, ["country"]),
                f"country: must be {folder.upper()}, the "
                "folder's name (ISO 3166-1 alpha-2, lower case)",
            )
        )
    own_key = ff.section.key if ff.section else None
    if own_key is not None:
        if own_key in keys:
            problems.append(
                Problem(
                    name,
                    line_of(root, ["section", "key"]),
                    f"section.key: {own_key!r} is already the section of {keys[own_key]}/",
                )
            )
        keys[own_key] = folder
    decls = []
    for fname, e in ff.facts.items():
        line = line_of(root, ["facts", fname])
        if fname in facts:
            other = facts[fname]
            problems.append(
                Problem(name, line, f"facts.{fname}: already declared at {other.file}:{other.line}")
            )
            continue
        decl = FactDecl(
            name=fname,
            type=e.type,
            label=e.label,
            question=e.question,
            hint=e.hint,
            unit=e.unit,
            min=e.min,
            max=e.max,
            values=dict(e.values or {}),
            source_path=e.from_,
            derive=e.derive,
            reads=tuple(e.reads),
            form=e.form or fname,
            formerly=tuple(e.formerly),
            reference=e.reference,
            folder=folder,
            file=name,
            line=line,
            changeable=e.changeable,
            accrues=e.accrues,
        )
        facts[fname] = decl
        decls.append(decl)
    if ff.section is not None and ff.country is not None:
        sections.append(
            Section(
                ff.section.key, ff.section.title, ff.section.order, ff.country, folder, decls, []
            )
        )
    return problems


@cache
def declarations() -> Declarations:
    """The declarations of the built-in programs folder."""
    return load_declarations(builtin_program_dir(), builtin=True)
