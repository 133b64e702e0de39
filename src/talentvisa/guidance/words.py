"""How a path and a timeline are said to a person, in English or Chinese.

The terminal (cli/guidance.py) and the portal (web/routes/guidance.py) word them the same way
from here, through the shared catalogs (talentvisa/i18n.py); program and fact labels carry
their own two languages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from talentvisa.guidance.candidates import Threshold
from talentvisa.guidance.path import Change
from talentvisa.guidance.timeline import Reason
from talentvisa.i18n import N_, Lang
from talentvisa.rules.assessment import Outcome
from talentvisa.rules.declarations import Declarations
from talentvisa.rules.model import Text

OUTCOMES = {
    Outcome.eligible: N_("eligible"),
    Outcome.ineligible: N_("not eligible"),
    Outcome.unknown: N_("unknown"),
}

_REASONS = {
    "start": N_("the first date"),
    "parameter": N_("a dated value changes: %(label)s"),
    "program_starts": N_("the program starts"),
    "program_ends": N_("the program ends"),
    "birthday": N_("birthday: age %(value)s"),
    "anniversary": N_("%(value)s years since: %(label)s"),
    "window": N_("%(value)s years since %(label)s: a time window closes"),
    "reaches": N_("%(label)s reaches %(value)s (if you keep working as now)"),
}

_OPS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "=", "in": "∈"}


def text(t: Text | None, lang: Lang) -> str:
    if t is None:
        return ""
    return t.zh if lang.zh else t.en


def outcome(o: Outcome, lang: Lang) -> str:
    return lang.gettext(OUTCOMES[o])


def reason(r: Reason, lang: Lang) -> str:
    _ = lang.gettext
    return _(_REASONS[r.code]) % {"label": text(r.label, lang), "value": number(r.value)}


def number(v: Any) -> str:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return "" if v is None else str(v)
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}".rstrip("0").rstrip(".")


def value(fact: str, v: Any, decls: Declarations, lang: Lang) -> str:
    """A fact's value as a person reads it: an enum's label, yes or no, a number."""
    _ = lang.gettext
    if v is None:
        return _("not answered")
    if isinstance(v, bool):
        return _("yes") if v else _("no")
    d = decls.facts.get(fact)
    if d is not None and d.values and v in d.values:
        return text(d.values[v], lang)
    if isinstance(v, dt.date):
        return v.isoformat()
    return number(v)


def label(fact: str, decls: Declarations, lang: Lang) -> str:
    d = decls.facts.get(fact)
    return fact if d is None else text(d.label, lang)


def change(c: Change, decls: Declarations, lang: Lang) -> str:
    _ = lang.gettext
    out = _("%(fact)s: %(current)s → %(value)s") % {
        "fact": label(c.fact, decls, lang),
        "current": value(c.fact, c.current, decls, lang),
        "value": value(c.fact, c.value, decls, lang),
    }
    if c.gap is not None:
        out += " " + _("(a gap of %(gap)s)") % {"gap": number(abs(c.gap))}
    return out


def requirement(t: Threshold, yours: Any, decls: Declarations, lang: Lang) -> str:
    _ = lang.gettext
    amount = number(t.value)
    if t.unit:
        amount = f"{amount} {t.unit}"
    return _("%(fact)s %(op)s %(value)s from %(start)s; yours: %(yours)s") % {
        "fact": label(t.fact, decls, lang),
        "op": _OPS.get(t.op, t.op),
        "value": amount,
        "start": t.valid_from.isoformat() if t.valid_from else "",
        "yours": value(t.fact, yours, decls, lang),
    }
