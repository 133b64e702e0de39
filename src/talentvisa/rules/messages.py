"""What the engine says to people: stable message codes with parameters, and fact labels.

The rules core does not translate. An Assessment carries each of its notes twice: as English
text (`notes`, for the terminal, logs and JSON readers) and as a `Message` (`messages`: a code
from :data:`MESSAGES` and its parameters), which a renderer words in its own language. The web
portal keeps a wording for every code in its Babel catalog (web/engine_text.py); a test checks
that each code has one, with the same parameters.

The names of facts a result reports missing (``date_of_birth``, ``ca_first_language_min``) are
shown with their bilingual labels, declared with each fact (programs/<folder>/facts.yaml).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from talentvisa.rules.declarations import declarations
from talentvisa.rules.model import Text

#: How a renderer shows a parameter: a date (per locale), a value of a rule (as data), or a
#: name or free text (as it is).
ParamKind = Literal["date", "value", "text"]


class MessageSpec(BaseModel):
    model_config = ConfigDict(frozen=True)

    english: str  # str.format template; {name!r} for values
    params: dict[str, ParamKind]


MESSAGES: dict[str, MessageSpec] = {
    "not_in_force_from": MessageSpec(
        english="not in force on {on} (in force from {start})",
        params={"on": "date", "start": "date"},
    ),
    "not_in_force_between": MessageSpec(
        english="not in force on {on} (in force from {start} until {before})",
        params={"on": "date", "start": "date", "before": "date"},
    ),
    "not_in_force_until": MessageSpec(
        english="not in force on {on} (in force until {before})",
        params={"on": "date", "before": "date"},
    ),
    "not_encoded": MessageSpec(
        english="rules before {coverage_from} are not encoded in this program file",
        params={"coverage_from": "date"},
    ),
    "deployer_setting": MessageSpec(
        english="{parameter}: deployer setting {value!r} ({note})",
        params={"parameter": "text", "value": "value", "note": "text"},
    ),
    "not_converted": MessageSpec(
        english="{criterion}: the amount is in {currency}; this program compares money in its "
        "own currency and its authority publishes no conversion, so the answer stays unknown",
        params={"criterion": "text", "currency": "text"},
    ),
}


class Message(BaseModel):
    """One note of the engine: a code of :data:`MESSAGES` and its parameters."""

    model_config = ConfigDict(frozen=True)

    code: str
    params: dict[str, Any]

    def english(self) -> str:
        spec = MESSAGES[self.code]
        return spec.english.format(**self.params)


def message(code: str, **params: Any) -> Message:
    spec = MESSAGES[code]
    if set(params) != set(spec.params):
        raise ValueError(f"message {code!r} takes {sorted(spec.params)}, got {sorted(params)}")
    return Message(code=code, params=params)


def not_in_force(on: dt.date, start: dt.date | None, before: dt.date | None) -> Message:
    if start is not None and before is not None:
        return message("not_in_force_between", on=on, start=start, before=before)
    if before is not None:
        return message("not_in_force_until", on=on, before=before)
    return message("not_in_force_from", on=on, start=start)


@cache
def fact_labels() -> dict[str, Text]:
    """Bilingual label of each fact, for lists of missing answers (from its declaration)."""
    return {name: f.label for name, f in declarations().facts.items()}


def fact_label(name: str) -> Text | None:
    return fact_labels().get(name)
