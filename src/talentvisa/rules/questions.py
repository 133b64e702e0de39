"""The questions people are asked, declared beside the programs that read the answers.

Each program folder (``programs/<cc>/``, and ``programs/common/`` for what every program uses)
may hold a ``questions.yaml``: the answers its programs need, each with the question (English
and Chinese), its type, bounds or choices, and where the answer goes in a Profile (``from:``).
The portal builds its "Which visa fits me?" form from these files and the CLI names a missing
answer by its question, so a new country folder needs no edit of ``web/`` or ``cli/``.

The file sits beside the folder's fact declarations (``facts.yaml``): an answer names the
fact it states (``fact:``) when it is one fact; grouped answers (the entries of a degree, the
four abilities of a language test) state the profile parts that facts are derived from.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from talentvisa.rules.loader import (
    Problem,
    ProgramFileError,
    builtin_program_dir,
    line_of,
    read_yaml,
    validation_problems,
)
from talentvisa.rules.messages import fact_label
from talentvisa.rules.model import Text

FILE = "questions.yaml"
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
    section: SectionDecl | None = None
    groups: dict[str, Group] = {}
    asked: dict[str, Asked]  # by the name the portal's query string uses

    @model_validator(mode="after")
    def _grouped_and_placed(self) -> QuestionFile:
        for name, a in self.asked.items():
            if a.group is not None and a.group not in self.groups:
                raise ValueError(f"{name}: group {a.group!r} is not declared in `groups`")
            if a.step is None and self.section is None:
                raise ValueError(f"{name}: give a `step`, or declare the folder's `section`")
        return self


class Declared(BaseModel):
    """One folder's questions, with where they come from."""

    model_config = ConfigDict(frozen=True)

    folder: str
    file: str
    questions: QuestionFile


def load_questions(directory: Path | None = None) -> list[Declared]:
    """Every folder's questions, common/ first; a bad file is a ProgramFileError with
    ``file:line: field: message`` problems."""
    root = directory or builtin_program_dir()
    paths = sorted(root.glob(f"*/{FILE}"), key=lambda p: (p.parent.name != "common", str(p)))
    out: list[Declared] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for path in paths:
        data, node = read_yaml(path)
        try:
            qf = QuestionFile.model_validate(data)
        except ValidationError as exc:
            problems.extend(validation_problems(str(path), node, exc))
            continue
        for name in qf.asked:
            if name in seen:
                line = line_of(node, ["asked", name])
                problems.append(Problem(str(path), line, f"asked.{name}: also in {seen[name]}"))
            seen[name] = str(path)
        out.append(Declared(folder=path.parent.name, file=str(path), questions=qf))
    if problems:
        raise ProgramFileError(problems)
    return out


@cache
def builtin_questions() -> tuple[Declared, ...]:
    return tuple(load_questions())


def question_of(fact: str, declared: tuple[Declared, ...] | None = None) -> str:
    """How to name a missing fact to a person (English): the question that states it, else
    the fact's label, else its name."""
    for d in declared if declared is not None else builtin_questions():
        for a in d.questions.asked.values():
            if a.fact == fact:
                return a.question.en
    label = fact_label(fact)
    return label.en if label is not None else fact
