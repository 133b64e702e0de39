"""How a path, a timeline and the selection odds are said to a person, in English or Chinese.

The terminal (cli/guidance.py) and the portal (web/routes/guidance.py) word them the same way
from here, through the shared catalogs (talentvisa/i18n.py); program and fact labels carry
their own two languages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.numbers import format_percent

from talentvisa.guidance.candidates import Threshold
from talentvisa.guidance.odds import Chance, SelectionOdds
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


def percent(p: float, lang: Lang) -> str:
    return format_percent(p, format="#,##0.#%", locale=lang.locale)


def chance_words(c: Chance, lang: Lang) -> str:
    """The chance, its rounds, the season and pool it used, and the range across pools."""
    g = lang.gettext
    low, high = percent(c.low, lang), percent(c.high, lang)
    if c.used is None:
        return g(
            N_("%(low)s to %(high)s in %(season)s, depending on your wage level and degree")
        ) % {"low": low, "high": high, "season": c.season.season}
    o = c.used.odds
    rounds = (
        g(N_("round 1: %(r1)s, round 2: %(r2)s"))
        % {
            "r1": percent(o.p_round1, lang),
            "r2": percent(o.p_round2, lang),
        }
        if c.us_advanced_degree
        else g(N_("round 1 only: no US master's or higher"))
    )
    said = g(N_("%(chance)s (%(rounds)s); %(season)s, pool: %(pool)s")) % {
        "chance": percent(o.p_overall, lang),
        "rounds": rounds,
        "season": c.season.season,
        "pool": text(c.used.pool.label, lang),
    }
    if low != high:
        pools = len(c.season.pools)
        said += "; " + g(N_("%(low)s to %(high)s across %(n)s pool assumptions")) % {
            "low": low,
            "high": high,
            "n": pools,
        }
    return said


def odds_words(s: SelectionOdds, lang: Lang) -> str:
    g = lang.gettext
    if s.kind == "none":
        return g(N_("No capped selection"))
    if s.chance is None:
        return g(N_("Capped, odds not modelled"))
    return chance_words(s.chance, lang)


def eligible_words(s: SelectionOdds, lang: Lang) -> str | None:
    """What "eligible" means for a capped program, or None where it means what it says."""
    g = lang.gettext
    if s.kind == "none":
        return None
    if s.chance is not None and s.chance.used is not None:
        chance = percent(s.chance.used.odds.p_overall, lang)
        return g(N_("An employer can petition for you; selection chance %(chance)s")) % {
            "chance": chance
        }
    return g(N_("An employer can petition for you; selection by lottery"))
