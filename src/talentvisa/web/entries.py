"""Years carved out of a list's entry into entries of their own (declared `carve:`).

Work experience is asked as a total (entry 0 of `experience`); a program folder may ask how
many of those years were of a kind (at Fortune Global 500 companies, research after the
doctorate, and of that, at top institutes). Each such answer becomes an entry with its
declared attributes, the entry it was carved from keeps the remaining years and the
attributes that say it is not of that kind, so sums over the entries stay the total.
"""

from __future__ import annotations

from typing import Any

from talentvisa.web.form import Form, Question
from talentvisa.web.messages import Msg


def _split(
    base: dict[str, Any],
    carved: list[Question],
    values: dict[str, Any],
    children: dict[str, list[Question]],
) -> list[dict[str, Any]]:
    """The entries of `base` once each answered carve has taken its years out."""
    out: list[dict[str, Any]] = []
    rest = dict(base)
    taken = 0.0
    for q in carved:
        rule = q.asked.carve
        assert rule is not None
        years = values[q.name]
        taken += years
        rest |= rule.rest
        siblings = {
            k: v
            for o in carved
            if o is not q and o.asked.carve is not None
            for k, v in o.asked.carve.rest.items()
        }
        if years:
            shared = {k: base[k] for k in rule.keep if k in base}
            entry = {**shared, **siblings, **rule.set, "years": years}
            out.extend(_split(entry, children.get(q.name, []), values, children))
    if rest.get("years") is not None:
        rest["years"] -= taken
    if rest.get("years") != 0 or set(rest) - {"years"} - _rests(carved) or not out:
        out.append({k: v for k, v in rest.items() if v is not None})
    return out


def _rests(carved: list[Question]) -> set[str]:
    return {k for q in carved if q.asked.carve is not None for k in q.asked.carve.rest}


def _too_many(
    base: dict[str, Any],
    carved: list[Question],
    values: dict[str, Any],
    errors: dict[str, Msg],
    children: dict[str, list[Question]],
) -> bool:
    for q in carved:  # the innermost carve first: it is the one to correct
        kids = children.get(q.name, [])
        if kids and _too_many({"years": values[q.name]}, kids, values, errors, children):
            return True
    total = base.get("years")
    if total is not None and sum(values[q.name] for q in carved) > total:
        first = next((q for q in carved if values[q.name]), carved[0])
        errors[first.name] = Msg.declared(first.asked.carve.error if first.asked.carve else None)
        return True
    return False


def carve(form: Form, values: dict[str, Any], errors: dict[str, Msg], p: dict[str, Any]) -> None:
    """Split the entry each answered carve names; a carve of an unanswered one is an error."""
    carves = [q for q in form.questions() if q.asked.carve is not None and q.name in values]
    if not carves:
        return
    children: dict[str, list[Question]] = {}
    top: dict[str, list[Question]] = {}
    for q in carves:
        rule = q.asked.carve
        assert rule is not None
        if rule.within is None:
            top.setdefault(rule.part or "", []).append(q)
        elif rule.within not in values:
            errors[q.name] = Msg.declared(rule.error)
            return
        else:
            children.setdefault(rule.within, []).append(q)
    for part, carved in top.items():
        entries = p.get(part) or [{}]
        if _too_many(entries[0], carved, values, errors, children):
            return
        p[part] = _split(entries[0], carved, values, children) + entries[1:]
