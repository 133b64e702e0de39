"""Bounded input types: text that is valid Unicode and of a documented length, finite numbers.

Every place input enters (API bodies, portal forms, CLI files, profiles) uses these so that a
value the database or the rules cannot hold is refused at the door with a 422 naming the field,
instead of being stored and breaking every later rendering (a lone UTF-16 surrogate committed
once made the officer queue fail for everyone).

The limits are the documented maxima of docs/inputs.md.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field

#: Documented maxima. Names and short labels, free text, lists.
NAME_MAX = 200
SHORT_MAX = 100
TEXT_MAX = 5_000
LIST_MAX = 20
#: Signed 64-bit: what PostgreSQL's BIGINT and SQLite's INTEGER hold.
INT64_MAX = 2**63 - 1
#: Money and other amounts: far above any fee, salary or fund threshold in any currency, and
#: exactly representable as a float.
AMOUNT_MAX = 1e15

# Control characters other than tab, newline and carriage return (C0, DEL and C1); NUL is
# among them and PostgreSQL's text type cannot store it.
_CONTROL = (
    {chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)}
    | {"\x7f"}
    | {chr(c) for c in range(0x80, 0xA0)}
)


def valid_text(value: str) -> str:
    """Refuse what cannot be stored or shown: lone surrogates, NUL and other control chars."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"text is not valid Unicode (a lone surrogate at position {exc.start})"
        ) from None
    for i, ch in enumerate(value):
        if ch in _CONTROL:
            raise ValueError(f"text contains the control character U+{ord(ch):04X} at {i}")
    return value


def single_line(value: str) -> str:
    valid_text(value)
    if any(unicodedata.category(ch) in ("Zl", "Zp") or ch in "\r\n" for ch in value):
        raise ValueError("text must be a single line")
    return value


def finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("number must be finite")
    return value


#: What `valid_text` and `single_line` accept, for the published schemas (JSON Schema regex).
TEXT_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"
LINE_PATTERN = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$"
_LINE = {"pattern": LINE_PATTERN}
_TEXT = {"pattern": TEXT_PATTERN}

#: One line of text of at most NAME_MAX characters (names, institutions, employers).
Name = Annotated[
    str, AfterValidator(single_line), Field(max_length=NAME_MAX, json_schema_extra=_LINE)
]
#: A short single-line label (codes the law does not enumerate, ranking systems).
Short = Annotated[
    str, AfterValidator(single_line), Field(max_length=SHORT_MAX, json_schema_extra=_LINE)
]
#: Free text of at most TEXT_MAX characters (notes, reasons, descriptions).
FreeText = Annotated[
    str, AfterValidator(valid_text), Field(max_length=TEXT_MAX, json_schema_extra=_TEXT)
]
#: A non-negative integer the database can hold.
Count = Annotated[int, Field(ge=0, le=INT64_MAX)]
#: Any 64-bit integer (ids, targets, positions).
Int64 = Annotated[int, Field(ge=-INT64_MAX - 1, le=INT64_MAX)]
#: A finite amount of money or quantity, never infinity or NaN.
Amount = Annotated[float, AfterValidator(finite), Field(ge=-AMOUNT_MAX, le=AMOUNT_MAX)]

#: The longest text any field takes (an evidence response); a safety net for every entry point.
ANY_TEXT_MAX = 20_000
#: The longest list any field takes; a safety net for every entry point.
ANY_LIST_MAX = 1_000

Loc = tuple[str | int, ...]


def first_invalid(value: object, loc: Loc = ()) -> tuple[Loc, str] | None:
    """Where a decoded JSON or YAML document holds what no field may hold, and why.

    A net under the per-field types: it runs on the whole document before any model sees it,
    so that a lone surrogate, a NUL, infinity or a 65-bit integer is refused by every entry
    point (including ones whose models predate these types) with the place named.
    """
    if isinstance(value, str):
        if len(value) > ANY_TEXT_MAX:
            return loc, f"text is longer than {ANY_TEXT_MAX:,} characters"
        try:
            valid_text(value)
        except ValueError as exc:
            return loc, str(exc)
    elif isinstance(value, bool):
        return None
    elif isinstance(value, int):
        if not -INT64_MAX - 1 <= value <= INT64_MAX:
            return loc, "integer does not fit in 64 bits"
    elif isinstance(value, float):
        if not math.isfinite(value):
            return loc, "number must be finite"
    elif isinstance(value, dict):
        for k, v in value.items():
            key = k if isinstance(k, str | int) else str(k)
            found = first_invalid(key, (*loc, key)) or first_invalid(v, (*loc, key))
            if found:
                return found
    elif isinstance(value, list | tuple):
        if len(value) > ANY_LIST_MAX:
            return loc, f"list has more than {ANY_LIST_MAX:,} items"
        for i, v in enumerate(value):
            found = first_invalid(v, (*loc, i))
            if found:
                return found
    return None
