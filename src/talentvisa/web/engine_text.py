"""The engine's words in the page's language: its notes (message codes) and missing facts.

The rules core emits notes as codes with parameters (rules/messages.py) and names missing
answers by fact. Here each code has a msgid of the portal's catalog, with the same
parameters, and each fact its bilingual label from its declaration (programs/<folder>/
facts.yaml). Tests check that every code has a wording here and every fact a program reads
has a label.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from talentvisa.rules.assessment import Assessment
from talentvisa.rules.messages import MESSAGES, Message, fact_label
from talentvisa.rules.model import Program
from talentvisa.web.i18n import N_, active

#: One msgid per engine message code; the placeholders are the code's parameters.
WORDING: dict[str, str] = {
    "not_in_force_from": N_("Not in force on %(on)s (in force from %(start)s)."),
    "not_in_force_between": N_(
        "Not in force on %(on)s (in force from %(start)s until %(before)s)."
    ),
    "not_in_force_until": N_("Not in force on %(on)s (in force until %(before)s)."),
    "not_encoded": N_("The rules before %(coverage_from)s are not encoded in this program file."),
    "deployer_setting": N_(
        "%(parameter)s: set by the agency to %(value)s, not by law (the agency's note: %(note)s)."
    ),
    "not_converted": N_(
        "%(criterion)s: the amount is in %(currency)s; this program compares money in its own "
        "currency and its authority publishes no conversion, so the answer stays unknown."
    ),
}


YES, NO = N_("yes"), N_("no")


def _param(kind: str, value: Any) -> str:
    from talentvisa.web.templating import day, number

    if value is None:
        return active().gettext("unknown")
    if kind == "date":
        return day(value if isinstance(value, dt.date | str) else str(value))
    if kind == "value":
        if isinstance(value, bool):
            return active().gettext(YES if value else NO)
        if isinstance(value, int | float):
            return number(value)
        if isinstance(value, list):
            return ", ".join(map(str, value))
    return str(value)


def say_message(message: Message | dict[str, Any]) -> str:
    """One engine note in the page's language."""
    m = message if isinstance(message, Message) else Message.model_validate(message)
    spec = MESSAGES.get(m.code)
    if spec is None or m.code not in WORDING:  # from a newer engine: say it in English
        return m.english() if spec is not None else m.code
    params = {k: _param(kind, m.params.get(k)) for k, kind in spec.params.items()}
    return active().gettext(WORDING[m.code]) % params


def notes(a: Assessment) -> list[str]:
    """An assessment's notes; those stored before notes had codes stay in English."""
    if a.messages:
        return [say_message(m) for m in a.messages]
    return list(a.notes)


def missing(name: str, program: Program | None = None) -> str:
    """What a missing name means: a fact's label, or the description of a parameter."""
    label = fact_label(name)
    if label is not None:
        return label.zh if active().zh else label.en
    if program is not None and name in program.parameters:
        d = program.parameters[name].description
        return (d.zh if active().zh else d.en) + " (" + active().gettext("not published") + ")"
    return name
