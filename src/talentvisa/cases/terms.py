"""The terms a visa is issued on: structured fields, within what the program publishes.

Entries are a number or "multiple"; validity is a length in days or months from `valid_from`;
the stay is a number of days per entry. Where a program states its terms (the `terms:` of its
benefits in the YAML), an officer chooses within them and cannot grant more; where it states
one value only, that value is granted. Where it is silent the officer sets the term, and the
visa records that the officer did. The limits used where a program is silent only catch a slip
of the keyboard (a ten-year visa is the longest any shipped program speaks of); they are no
reading of any law.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from talentvisa.rules.model import MULTIPLE, Benefits, Terms
from talentvisa.service_errors import Invalid

#: What an officer may choose from where a program states no number of entries: the kinds
#: of visa by entries that consulates issue (single, double, multiple).
ENTRIES_WHEN_SILENT: tuple[int | str, ...] = (1, 2, MULTIPLE)
#: The keyboard-slip limits where a program is silent: ten years.
SLIP = {"days": 3660, "months": 120}
PROGRAM, WITHIN, SILENT = (
    "program",
    "officer, within the program's terms",
    "officer (program silent)",
)


@dataclass(frozen=True)
class Length:
    unit: str
    min: int
    max: int


@dataclass(frozen=True)
class Bounds:
    """What the issue form offers and the service accepts, for one program."""

    entries: tuple[int | str, ...]
    entries_origin: str
    #: By unit the officer may use: one unit where the program states the length.
    validity: tuple[Length, ...]
    validity_origin: str
    #: The most days per stay the program allows; None: it is silent.
    stay_max: int | None


def _origin(stated: bool, fixed: bool) -> str:
    return SILENT if not stated else PROGRAM if fixed else WITHIN


def _length(terms: Terms) -> Length:
    assert terms.unit is not None  # Terms requires a unit with a length
    scale = 12 if terms.unit == "years" else 1
    unit = "months" if terms.unit == "years" else terms.unit
    return Length(unit, (terms.min or 1) * scale, (terms.max or SLIP[unit] // scale) * scale)


def bounds(benefits: Benefits) -> Bounds:
    entries = benefits.entries.terms
    choices = tuple(entries.entries) if entries and entries.entries else ENTRIES_WHEN_SILENT
    validity = benefits.validity.terms
    lengths = (
        (_length(validity),)
        if validity is not None
        else tuple(Length(u, 1, top) for u, top in SLIP.items())
    )
    stay = benefits.max_stay.terms
    return Bounds(
        entries=choices,
        entries_origin=_origin(entries is not None, len(choices) == 1),
        validity=lengths,
        validity_origin=_origin(
            validity is not None, validity is not None and lengths[0].min == lengths[0].max
        ),
        stay_max=stay.max if stay is not None else None,
    )


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day if it has no such day."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _entries(b: Bounds, given: int | str | None) -> int | str:
    if given is None and len(b.entries) == 1:
        return b.entries[0]
    if isinstance(given, str) and given.isdigit():
        given = int(given)
    allowed = ", ".join(str(e) for e in b.entries)
    if given not in b.entries:
        said = "nothing" if given is None else repr(given)
        raise Invalid(
            f"entries: {said} is not one of the entries allowed here ({allowed})", "entries"
        )
    return given


def _validity(b: Bounds, amount: int | None, unit: str | None) -> tuple[int, str]:
    lengths = {length.unit: length for length in b.validity}
    if unit is None and len(lengths) == 1:
        unit = next(iter(lengths))
    if unit not in lengths:
        raise Invalid(f"validity_unit: use {' or '.join(lengths)}", "validity_unit")
    length = lengths[unit]
    if amount is None and length.min == length.max:
        amount = length.min
    if amount is None or not length.min <= amount <= length.max:
        raise Invalid(
            f"validity: from {length.min} to {length.max} {unit} here"
            + ("" if b.validity_origin == SILENT else " (the program's terms)"),
            "validity",
        )
    return amount, unit


def issue_terms(
    benefits: Benefits,
    valid_from: dt.date,
    entries: int | str | None,
    validity: int | None,
    validity_unit: str | None,
    stay_days: int | None,
) -> dict[str, Any]:
    """The terms to record on the visa, each with who set it; Invalid names the field."""
    b = bounds(benefits)
    count = _entries(b, entries)
    amount, unit = _validity(b, validity, validity_unit)
    try:
        end = (
            add_months(valid_from, amount)
            if unit == "months"
            else valid_from + dt.timedelta(amount)
        ) - dt.timedelta(days=1)
    except (ValueError, OverflowError):  # past 31 Dec 9999
        raise Invalid("valid_from: the visa would end beyond the year 9999", "valid_from") from None
    longest = (end - valid_from).days + 1
    top = min(longest, b.stay_max) if b.stay_max else longest
    if stay_days is None and b.stay_max is not None:
        stay_days = top
    if stay_days is None or not 1 <= stay_days <= top:
        why = "the program's limit" if b.stay_max and top == b.stay_max else "the validity"
        raise Invalid(f"stay_days: from 1 to {top} days per entry here ({why})", "stay_days")
    stay_origin = SILENT if b.stay_max is None else PROGRAM if stay_days == b.stay_max else WITHIN
    return {
        "valid_from": valid_from.isoformat(),
        "valid_until": {"value": end.isoformat(), "origin": b.validity_origin},
        "validity": {"value": amount, "unit": unit, "origin": b.validity_origin},
        "entries": {"value": count, "origin": b.entries_origin},
        "max_stay_days": {"value": stay_days, "origin": stay_origin},
    }
