"""A stated parameter value (a reform's or a deployer's) checked against the law's values.

A value must be of the kind the law's own values are (a number, a boolean, text or a list of
text), so a what-if or a setting cannot slip a string into a threshold. Booleans follow the one
convention of every input file (rules/conventions.py): text ``yes``/``no``/``1``/``0`` is read
as a boolean, and a bad one is worded as it is in a population or lottery file.
"""

from __future__ import annotations

from typing import Any

from talentvisa.rules.conventions import not_a_bool, parse_bool
from talentvisa.rules.model import Parameter


def expected_kind(param: Parameter) -> str:
    """number, bool, text or list: the kind of the law's values (number when all are null)."""
    kinds = {_kind(v.value) for v in param.values if v.value is not None}
    if len(kinds) == 1:
        return kinds.pop()
    if not kinds and param.unit and "list" in param.unit:
        return "list"
    return "number" if not kinds else "any"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "list"
    return "other"


def conventional(param: Parameter, value: Any) -> Any:
    """The value as the engine reads it: a boolean parameter's text read by the convention."""
    if expected_kind(param) == "bool" and isinstance(value, str | int):
        read = parse_bool(value)
        return value if read is None else read
    return value


def value_problem(param: Parameter, value: Any) -> str | None:
    """Why ``value`` cannot be this parameter's (None: it can), in the files' one wording."""
    want = expected_kind(param)
    value = conventional(param, value)
    if want == "any":
        return None
    got = _kind(value)
    if got == want and (want != "list" or all(isinstance(x, str) for x in value)):
        return None
    if want == "bool":
        return not_a_bool(value)
    words = {"number": "a number", "text": "text", "list": "a list of text values"}
    unit = f" ({param.unit})" if param.unit else ""
    return f"expected {words[want]}{unit}, like the law's values; got {value!r}"
