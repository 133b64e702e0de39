"""One answer of the fit form, checked by its declared type: a value, or an error for its field.

A blank answer is unknown (None, no error). A choice outside the declared ones is unknown too,
as a select cannot send one; what a person types (numbers, dates, codes, text) is checked.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from talentvisa.rules.questions import Asked
from talentvisa.web.code_lists import known_country, known_currency
from talentvisa.web.i18n import N_
from talentvisa.web.messages import Msg

PICK = {
    "country": N_("Choose a country from the list."),
    "currency": N_("Choose a currency from the list."),
}
KNOWN = {"country": known_country, "currency": known_currency}
#: Bounds of a number without declared ones: no amount anyone types is larger.
LARGEST = 1e13
YES_NO = {"yes": True, "no": False}


def number(raw: str, a: Asked) -> tuple[float | int | None, Msg | None]:
    try:
        n = float(raw.replace(",", ""))
    except ValueError:
        return None, Msg(N_("Enter a number."))
    if not math.isfinite(n):  # "1e400" parses, as infinity
        return None, Msg(N_("Enter a number."))
    lo = a.min if a.min is not None else -LARGEST
    hi = a.max if a.max is not None else LARGEST
    if not lo <= n <= hi:
        return None, Msg(N_("Enter a number from %(lo)s to %(hi)s."), {"lo": lo, "hi": hi})
    if a.type == "int":
        if n != int(n):
            return None, Msg(N_("Enter a whole number."))
        return int(n), None
    return n, None


def parse(raw: str, a: Asked) -> tuple[Any, Msg | None]:
    """The answer as the Profile holds it, or an error to show beside the field."""
    if not raw:
        return None, None
    if a.values:
        if raw not in a.values:
            return None, None
        if a.type == "bool":
            return YES_NO.get(raw), None
        return (number(raw, a)[0], None) if a.type in ("int", "float") else (raw, None)
    if a.codes is not None:
        code = raw.upper()
        if not KNOWN[a.codes](code):
            return None, Msg(PICK[a.codes])
        return ([code] if a.type == "list" else code), None
    if a.type == "bool":
        return YES_NO.get(raw), None
    if a.type in ("int", "float"):
        return number(raw, a)
    if a.type == "date":
        try:
            return dt.date.fromisoformat(raw).isoformat(), None
        except ValueError:
            return None, Msg(N_("Enter a date as YYYY-MM-DD."))
    if a.pattern is not None and not re.fullmatch(a.pattern, raw):
        return None, Msg.declared(a.error)
    return raw, None
