"""The "Which visa fits me?" form as the declarations lay it out (rules/questions.py).

Five basic steps hold the answers declared with a `step:` (common/'s, in file order), and an
optional sixth holds one section per folder with a `section:`, holding the questions of its
facts and its questions.yaml. Answers that share a `group:` are asked together.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from talentvisa.rules.model import Text
from talentvisa.rules.questions import STEPS, Asked, Declared, builtin_questions


@dataclass(frozen=True)
class Question:
    name: str  # the query-string name, unchanged since results became links
    asked: Asked

    @property
    def path(self) -> tuple[str | int, ...]:
        raw = self.asked.source_path or ""
        return tuple(int(p) if p.isdigit() else p for p in raw.split(".") if p)


@dataclass(frozen=True)
class Fieldset:
    legend: Text
    hint: Text | None
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Section:
    id: str
    title: Text
    order: int
    items: tuple[Question | Fieldset, ...]

    def questions(self) -> list[Question]:
        out: list[Question] = []
        for item in self.items:
            out.extend(item.questions if isinstance(item, Fieldset) else (item,))
        return out


@dataclass(frozen=True)
class Form:
    steps: tuple[tuple[Question, ...], ...]  # the five basic steps
    more: tuple[Section, ...]  # the optional sixth, by section order

    def questions(self) -> list[Question]:
        return [q for step in self.steps for q in step] + [
            q for s in self.more for q in s.questions()
        ]

    def by_name(self) -> dict[str, Question]:
        return {q.name: q for q in self.questions()}


def _items(d: Declared, asked: list[tuple[str, Asked]]) -> tuple[Question | Fieldset, ...]:
    items: list[Question | Fieldset] = []
    for name, a in asked:
        q = Question(name, a)
        last = items[-1] if items else None
        if a.group is None:
            items.append(q)
        elif isinstance(last, Fieldset) and last.questions[0].asked.group == a.group:
            items[-1] = Fieldset(last.legend, last.hint, (*last.questions, q))
        else:
            g = d.groups[a.group]
            items.append(Fieldset(g.legend, g.hint, (q,)))
    return tuple(items)


def build(declared: tuple[Declared, ...]) -> Form:
    steps: list[list[Question]] = [[] for _ in range(STEPS)]
    more: list[Section] = []
    for d in declared:
        rest = [(n, a) for n, a in d.asked.items() if a.step is None]
        for name, a in d.asked.items():
            if a.step is not None:
                steps[a.step - 1].append(Question(name, a))
        if d.section is not None and rest:
            s = d.section
            more.append(Section(s.key, s.title, s.order, _items(d, rest)))
    more.sort(key=lambda s: s.order)
    return Form(tuple(map(tuple, steps)), tuple(more))


@cache
def builtin_form() -> Form:
    return build(builtin_questions())


def _bound(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e15 else f"{value:.0f}"


def number_attributes(a: Asked) -> str:
    """The HTML attributes of a number's input: its declared bounds, whole or not."""
    whole = a.type == "int"
    parts = [f'{k}="{_bound(v)}"' for k, v in (("min", a.min), ("max", a.max)) if v is not None]
    parts += [f'step="{1 if whole else "any"}"', f'inputmode="{"numeric" if whole else "decimal"}"']
    return " ".join([*parts, 'class="short"'])


def section_open(section: Section, answers: dict[str, str], errors: dict[str, Any]) -> bool:
    """A section of the optional step shows open when it holds an answer or an error."""
    return any(answers.get(q.name) or q.name in errors for q in section.questions())
