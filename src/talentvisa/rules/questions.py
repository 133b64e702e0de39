"""How the portal asks what the fact declarations cannot say alone (``questions.yaml``).

A fact declared with a ``question:`` in a folder's facts.yaml is asked as it is: its type,
bounds, choices and ``from:`` path say how to check and where to put the answer, under the
name ``form:`` (the query string's). A folder's ``questions.yaml`` adds only what that is not:
the basic step a common fact belongs to (``step:``), the order of its section's questions,
grouped answers (the four abilities of a language test), the entries a derived fact is computed
from (a degree, years carved out of work experience), code lists and answers that depend on
each other. An entry named like a fact's ``form:`` completes that fact's question; any other
entry is an answer of its own, declared whole.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from talentvisa.rules.declarations import (
    COMMON,
    QUESTION_FILE,
    Declarations,
    FactDecl,
    builtin_program_dir,
    declarations,
    load_declarations,
)
from talentvisa.rules.model import Text
from talentvisa.rules.yamlfile import (
    Problem,
    ProgramFileError,
    line_of,
    read_yaml,
    validation_problems,
)

#: Basic steps of the form; an answer without a step belongs to its folder's section.
STEPS = 5


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Anchor(_Strict):
    """Answers inside this one's profile part count only when this one is answered; those of
    the basic steps are then left out quietly, those of the optional step say why."""

    missing: Text | None = None  # said beside the optional step's others when this is blank
    refused_by: dict[str, str] = {}  # another answer that says the part does not exist
    refused: Text | None = None  # said beside this answer then


class Carve(_Strict):
    """Years carved out of the entries of a list (e.g. work experience) into an entry of
    their own: ``set`` on the carved entry, ``rest`` on what remains."""

    part: str | None = None  # the list whose first entry holds the total
    within: str | None = None  # or: carve out of another carved answer
    keep: list[str] = []  # attributes of the entry carved from that the carved one shares
    set: dict[str, Any]
    rest: dict[str, Any] = {}
    error: Text  # when the carved years exceed what they are carved from


class Asked(_Strict):
    """One answer the form asks for."""

    type: Literal["bool", "int", "float", "date", "str", "enum", "list"]
    question: Text
    hint: Text | None = None
    source_path: str | None = Field(None, alias="from")  # where the answer goes in a Profile
    fact: str | None = None  # the declared fact this answer states, if it is one
    step: int | None = Field(None, ge=1, le=STEPS)
    group: str | None = None  # a key of the file's `groups`
    values: dict[str, Text] = {}  # enum (or a select of numbers): value -> label
    codes: Literal["country", "currency"] | None = None  # an ISO code list to choose from
    min: float | None = None
    max: float | None = None
    pattern: str | None = None  # str: the answer must match
    error: Text | None = None  # said when the pattern does not match
    empty_when: dict[str, Text] = {}  # this value means the list part is empty: the error if
    # another answer describes an entry anyway
    anchor: Anchor | None = None
    needs: dict[str, Text] = {}  # other answers this one needs: what to say beside each
    carve: Carve | None = None
    autocomplete: str | None = None  # the HTML autocomplete token, e.g. bday
    when_yes: dict[str, Any] = {}  # bool: more attributes of the same entry; "$name" copies
    # another answer

    @model_validator(mode="after")
    def _one_destination(self) -> Asked:
        if (self.source_path is None) == (self.carve is None):
            raise ValueError("give exactly one of `from` (a profile path) and `carve`")
        if self.carve is not None and (self.carve.part is None) == (self.carve.within is None):
            raise ValueError("a `carve` names exactly one of `part` and `within`")
        if self.pattern is not None and self.error is None:
            raise ValueError("a `pattern` needs the `error` said when an answer misses it")
        return self


class Group(_Strict):
    legend: Text
    hint: Text | None = None


class SectionDecl(_Strict):
    key: str
    title: Text
    order: int


class QuestionFile(_Strict):
    section: SectionDecl | None = None  # for common/, whose facts.yaml has none
    groups: dict[str, Group] = {}
    asked: dict[str, dict[str, Any]]  # by query-string name; completed in `asked_in`

    @model_validator(mode="after")
    def _grouped(self) -> QuestionFile:
        for name, a in self.asked.items():
            group = a.get("group")
            if group is not None and group not in self.groups:
                raise ValueError(f"{name}: group {group!r} is not declared in `groups`")
        return self


class Declared(BaseModel):
    """One folder's questions, in the order asked, with where they come from."""

    model_config = ConfigDict(frozen=True)

    folder: str
    file: str
    section: SectionDecl | None
    groups: dict[str, Group]
    asked: dict[str, Asked]


def _from_fact(f: FactDecl) -> dict[str, Any]:
    out: dict[str, Any] = {"type": f.type, "question": f.question}
    out |= {"fact": f.name, "from": f.source_path, "hint": f.hint, "values": f.values or {}}
    out |= {"min": f.min, "max": f.max}
    return {k: v for k, v in out.items() if v is not None}


def _section(decls: Declarations, folder: str) -> SectionDecl | None:
    for s in decls.sections:
        if s.folder == folder:
            return SectionDecl(key=s.key or folder, title=s.title, order=s.order)
    return None


class _Completed(_Strict):
    asked: dict[str, Asked]


def _files(directory: Path) -> tuple[dict[str, tuple[QuestionFile, Any]], list[Problem]]:
    files: dict[str, tuple[QuestionFile, Any]] = {}
    problems: list[Problem] = []
    for path in sorted(directory.glob(f"*/{QUESTION_FILE}")):
        data, node = read_yaml(path)
        try:
            files[path.parent.name] = (QuestionFile.model_validate(data), node)
        except ValidationError as exc:
            problems.extend(validation_problems(str(path), node, exc))
    return files, problems


def asked_in(decls: Declarations, directory: Path) -> list[Declared]:
    """Every folder's questions, common/ first: its facts' questions completed by its
    questions.yaml. A bad file is a ProgramFileError with ``file:line: field: message``."""
    by_form = {f.form: f for f in decls.facts.values() if f.question is not None}
    files, problems = _files(directory)
    claimed = {name for qf, _ in files.values() for name in qf.asked}
    folders = sorted({f.folder for f in decls.facts.values()} | set(files))
    folders.sort(key=lambda name: name != COMMON)
    out: list[Declared] = []
    for folder in folders:
        path = directory / folder / QUESTION_FILE
        qf, node = files.get(folder, (QuestionFile(asked={}), None))
        own = [
            f.form
            for f in decls.facts.values()
            if f.folder == folder and f.form in by_form and f.form not in claimed
        ]
        entries = {
            name: {**(_from_fact(by_form[name]) if name in by_form else {}), **extra}
            for name, extra in [*qf.asked.items(), *((n, {}) for n in own)]
        }
        try:
            asked = _Completed.model_validate({"asked": entries}).asked
        except ValidationError as exc:
            problems.extend(validation_problems(str(path), node, exc))
            continue
        section = qf.section or _section(decls, folder)
        problems.extend(
            Problem(
                str(path),
                line_of(node, ["asked", n]),
                f"asked.{n}: give a `step`, or declare the folder's `section`",
            )
            for n, a in asked.items()
            if a.step is None and section is None
        )
        out.append(
            Declared(folder=folder, file=str(path), section=section, groups=qf.groups, asked=asked)
        )
    if problems:
        raise ProgramFileError(problems)
    return out


def load_questions(directory: Path) -> list[Declared]:
    return asked_in(load_declarations(directory), directory)


@cache
def builtin_questions() -> tuple[Declared, ...]:
    return tuple(asked_in(declarations(), builtin_program_dir()))


def question_of(fact: str, decls: Declarations | None = None) -> str:
    """How to name a missing fact to a person (English): its question, else its label, else
    (a parameter, a name from a newer engine) the name itself."""
    f = (decls or declarations()).facts.get(fact)
    if f is None:
        return fact
    return (f.question or f.label).en
