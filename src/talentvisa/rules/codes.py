"""ISO 3166-1 country and ISO 4217 currency codes, checked against pycountry's tables.

Names in each language come from Babel's CLDR data (``babel.Locale.territories`` and
``babel.numbers.get_currency_name``), never from a hand-written list.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated

import pycountry
from pydantic import AfterValidator, Field


class UnknownCode(ValueError):
    pass


@cache
def _alpha2_of() -> dict[str, str]:
    table: dict[str, str] = {}
    for c in pycountry.countries:
        table[c.alpha_2] = c.alpha_2
        table[c.alpha_3] = c.alpha_2
    return table


def alpha2_table() -> dict[str, str]:
    """Every alpha-2 and alpha-3 code -> its alpha-2 code (a copy, safe to hand out)."""
    return dict(_alpha2_of())


def country_alpha2(code: str) -> str:
    """The ISO 3166-1 alpha-2 code for an alpha-2 or alpha-3 code (any case): IND -> IN."""
    found = _alpha2_of().get(code.strip().upper())
    if found is None:
        raise UnknownCode(f"{code!r} is not an ISO 3166-1 country code")
    return found


def is_country(code: str) -> bool:
    return code in _alpha2_of() and len(code) == 2


@cache
def currencies() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def currency(code: str) -> str:
    """An ISO 4217 alphabetic code, upper case, or UnknownCode."""
    up = code.strip().upper()
    if up not in currencies():
        raise UnknownCode(f"{code!r} is not an ISO 4217 currency code")
    return up


def country_list() -> list[str]:
    """Every current ISO 3166-1 alpha-2 code, sorted."""
    return sorted(c.alpha_2 for c in pycountry.countries)


def _known_country(code: str) -> str:
    # The pattern already forces two capitals; this refuses codes no country has ("XX").
    if not is_country(code):
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def _known_currency(code: str) -> str:
    if code not in currencies():
        raise ValueError(f"{code!r} is not an ISO 4217 currency code")
    return code


#: An ISO 3166-1 alpha-2 code of a country that exists ("IN"; never "XX" or "Germany").
CountryCode = Annotated[
    str,
    Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code"),
    AfterValidator(_known_country),
]
#: An ISO 4217 alphabetic code of a currency that exists ("EUR"; never "RUP").
CurrencyCode = Annotated[
    str,
    Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 currency code"),
    AfterValidator(_known_currency),
]
