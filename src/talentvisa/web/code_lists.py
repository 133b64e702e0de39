"""Countries and currencies to choose from, named in the page's language.

The codes are ISO 3166-1 and ISO 4217 (pycountry, via rules/codes.py); the names are CLDR's
(Babel's locale data), so no list here is written by hand and a typed "Germany" can never
become a code.
"""

from __future__ import annotations

from babel.numbers import get_currency_name

from talentvisa.rules.codes import country_list, currencies, is_country
from talentvisa.web.i18n import active


def country_options() -> list[tuple[str, str]]:
    """(alpha-2 code, name) for every country, sorted by name in the page's language."""
    names = active().locale.territories
    pairs = [(code, names.get(code, code)) for code in country_list()]
    return sorted(pairs, key=lambda p: p[1])


def currency_options() -> list[tuple[str, str]]:
    """(ISO 4217 code, "name (code)") for every currency, sorted by name."""
    locale = active().locale
    pairs = [(c, f"{get_currency_name(c, locale=locale)} ({c})") for c in sorted(currencies())]
    return sorted(pairs, key=lambda p: p[1])


def known_country(code: str) -> bool:
    return is_country(code)


def known_currency(code: str) -> bool:
    return code in currencies()
