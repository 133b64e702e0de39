"""The selection odds in words, in the reader's language (the portal and the CLI say the same).

Words come from the shared catalogs (talentvisa.i18n); pool labels carry their own en/zh text.
"""

from __future__ import annotations

from babel.numbers import format_percent

from talentvisa.guidance.odds import Chance, SelectionOdds
from talentvisa.i18n import N_, Lang
from talentvisa.rules.model import Text


def percent(p: float, lang: Lang) -> str:
    return format_percent(p, format="#,##0.#%", locale=lang.locale)


def text(t: Text, lang: Lang) -> str:
    return t.zh if lang.zh else t.en


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
