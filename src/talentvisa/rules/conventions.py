"""How a boolean, a date and a list are written in every input file.

One convention for population files (CSV, Parquet text columns), lottery registration files,
reforms and settings, so a value that one file takes is never refused by another:

- a boolean is ``true``/``false``, ``yes``/``no`` or ``1``/``0``, in any case;
- a date is ISO 8601 ``YYYY-MM-DD`` (nothing else: ``07/12/2026`` is ambiguous between
  countries, and an analyst's spreadsheet should fail loudly rather than guess);
- a list (e.g. nationalities) is its items joined by ``;``.

In YAML (reforms, settings) only ``true``/``false`` are read as booleans by the parser, since
YAML 1.1 would turn Norway's code ``NO`` into false (rules/yamlfile.py); a boolean parameter
given the text ``yes``, ``no``, ``1`` or ``0`` is read with this same table.

A bad value is reported the same way in every file: ``FILE:LINE: FIELD: VALUE is not WORDS``,
where FIELD is ``column 'name'`` in a table and the dotted key path in YAML (not_a_bool,
not_a_date).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl
else:
    from talentvisa.rules.lazy import LazyModule

    pl = LazyModule("polars")  # program files read these rules too; the scalar path never

BOOLS: dict[str, bool] = {
    "true": True,
    "false": False,
    "yes": True,
    "no": False,
    "1": True,
    "0": False,
}
BOOL_WORDS = "true/false, yes/no or 1/0"
DATE_FORMAT = "%Y-%m-%d"
DATE_WORDS = "an ISO date YYYY-MM-DD"
LIST_SEPARATOR = ";"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def not_a_bool(value: Any) -> str:
    """The one wording of a bad boolean, after ``FILE:LINE: FIELD: `` in every file type."""
    return f"{value!r} is not {BOOL_WORDS}"


def not_a_date(value: Any) -> str:
    """The one wording of a bad date, after ``FILE:LINE: FIELD: `` in every file type."""
    return f"{value!r} is not {DATE_WORDS}"


def parse_bool(value: Any) -> bool | None:
    """The boolean a value stands for, or None when it is not one of BOOLS."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        return BOOLS.get(value.strip().lower())
    return None


def parse_date(text: str) -> dt.date | None:
    """The date written as ``YYYY-MM-DD``, or None (other ISO forms are refused too)."""
    if not _ISO_DATE.match(text.strip()):
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def bool_expr(column: str) -> pl.Expr:
    """A text column as Boolean by BOOLS (null where the text is none of them)."""
    text = pl.col(column).str.strip_chars().str.to_lowercase()
    return text.replace_strict(BOOLS, default=None, return_dtype=pl.Boolean)


def date_expr(column: str) -> pl.Expr:
    """A text column as Date, ``YYYY-MM-DD`` only (null where it is not one)."""
    text = pl.col(column).str.strip_chars()
    return (
        pl.when(text.str.contains(r"^\d{4}-\d{2}-\d{2}$"))
        .then(text.str.to_date(DATE_FORMAT, strict=False))
        .otherwise(None)
    )
