"""'Which visa fits me?': the form's answers, as a query string and as a Profile.

The answers live in the query string, so a result is a link that anyone can open again.
A blank answer stays unknown: the rules then say what it would decide, never guess. Every
question, its checks and where its answer goes are declared in the program folders
(rules/questions.py); this module only applies them, the same way for every answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from itertools import pairwise
from typing import Any

from pydantic import ValidationError

from talentvisa.rules.profile import Profile
from talentvisa.web import entries
from talentvisa.web.answer import parse
from talentvisa.web.form import Form, Question, builtin_form, section_open
from talentvisa.web.i18n import N_
from talentvisa.web.messages import Msg

__all__ = ["answers_of", "profile_of", "section_open"]
#: The date of the rules to apply: asked last, not part of a Profile.
ON = "on"
INVALID = N_("Some of the information is not valid. Check it and try again.")


def answers_of(query: Mapping[str, str], form: Form | None = None) -> dict[str, str]:
    names = [q.name for q in (form or builtin_form()).questions()] + [ON]
    return {n: str(query.get(n, "")).strip() for n in names}


def _put(target: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    node: Any = target
    for key, nxt in pairwise(path):
        empty: Any = [] if isinstance(nxt, int) else {}
        if isinstance(key, int):
            while len(node) <= key:
                node.append({})
            node = node[key]
        else:
            node = node.setdefault(key, empty)
    if isinstance(path[-1], int):
        while len(node) <= path[-1]:
            node.append(None)
    node[path[-1]] = value


def _anchored(
    form: Form, a: Mapping[str, str], values: dict[str, Any], errors: dict[str, Msg]
) -> None:
    """Drop the answers of a part whose anchor is blank or refused, saying so beside each."""
    for anchor in form.questions():
        rule = anchor.asked.anchor
        if rule is None:
            continue
        part = anchor.path[0]
        refused = any(a.get(k) == v for k, v in rule.refused_by.items())
        if refused and anchor.name in values:
            errors[anchor.name] = Msg.declared(rule.refused)
        if anchor.name in values and not refused:
            continue
        values.pop(anchor.name, None)
        for q in form.questions():
            if q is not anchor and q.path[:1] == (part,) and q.name in values:
                del values[q.name]
                said = rule.missing is not None and q.asked.step is None
                if said and (anchor.name not in errors or refused):
                    errors.setdefault(q.name, Msg.declared(rule.missing))


def _needed(
    form: Form, a: Mapping[str, str], values: dict[str, Any], errors: dict[str, Msg]
) -> None:
    """An answer that needs another (an amount its currency) says so beside the other."""
    for q in form.questions():
        if q.name in values:
            for other, error in q.asked.needs.items():
                if not a.get(other):
                    errors.setdefault(other, Msg.declared(error))


def _emptied(form: Form, values: dict[str, Any], errors: dict[str, Msg], p: dict[str, Any]) -> None:
    """A "none" answer (no degree) empties its list; an entry described anyway is an error."""
    for q in form.questions():
        for none, error in q.asked.empty_when.items():
            if values.get(q.name) != none:
                continue
            del values[q.name]
            part = q.path[0]
            if any(o.path[:1] == (part,) for o in form.questions() if o.name in values):
                errors[q.name] = Msg.declared(error)
            p[str(part)] = []


def _placed(form: Form, values: dict[str, Any], p: dict[str, Any]) -> None:
    for q in form.questions():
        if q.name not in values or q.asked.carve is not None:
            continue
        value = values[q.name]
        _put(p, q.path, value)
        if value is True:
            for key, extra in q.asked.when_yes.items():
                if isinstance(extra, str) and extra.startswith("$"):
                    extra = values.get(extra[1:])
                if extra is not None:
                    _put(p, (*q.path[:-1], key), extra)


def _invalid(form: Form, exc: ValidationError, errors: dict[str, Msg]) -> None:
    """Say a Profile's refusal beside the question whose answer it refuses."""
    by_path = {q.path: q.name for q in form.questions()}
    for err in exc.errors():
        name = by_path.get(tuple(err["loc"]), "_form")
        errors.setdefault(name, Msg(INVALID))


def profile_of(
    answers: Mapping[str, str], form: Form | None = None
) -> tuple[dict[str, Any], dt.date | None, dict[str, Msg]]:
    """The profile the answers describe, the evaluation date, and any errors by question."""
    form = form or builtin_form()
    errors: dict[str, Msg] = {}
    values: dict[str, Any] = {}
    for q in form.questions():
        value, error = parse(answers.get(q.name, ""), q.asked)
        if error is not None:
            errors[q.name] = error
        elif value is not None:
            values[q.name] = value
    p: dict[str, Any] = {}
    _anchored(form, answers, values, errors)
    _needed(form, answers, values, errors)
    _emptied(form, values, errors, p)
    _placed(form, values, p)
    entries.carve(form, values, errors, p)
    on = None
    if answers.get(ON):
        try:
            on = dt.date.fromisoformat(answers[ON])
        except ValueError:
            errors[ON] = Msg(N_("Enter a date as YYYY-MM-DD."))
    if not errors:
        try:
            Profile.model_validate(p)
        except ValidationError as exc:
            _invalid(form, exc, errors)
    return p, on, errors


def question(name: str) -> Question:
    return builtin_form().by_name()[name]
