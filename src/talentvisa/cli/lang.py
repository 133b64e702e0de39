"""The terminal's language: `--lang en|zh`, else $TALENTVISA_LANG, else English.

One option for every command that speaks to a person (check, compare, path, timeline),
read through the catalogs the portal uses (talentvisa/i18n.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from talentvisa.i18n import DEFAULT, Lang, current, language

LangOption = Annotated[
    str | None,
    typer.Option(
        "--lang",
        envvar="TALENTVISA_LANG",
        help="Language of the output: en or zh (default: $TALENTVISA_LANG, else en).",
        show_envvar=True,
    ),
]


class LangError(ValueError):
    """An unknown language, said in one line naming the option."""


def lang_of(value: str | None) -> Lang:
    if value is None or not value.strip():
        return Lang(DEFAULT)
    try:
        return Lang(language(value))
    except ValueError:
        raise LangError(f"--lang: unknown language {value!r} (use en or zh)") from None


@contextmanager
def speaking(lang: Lang) -> Iterator[Lang]:
    """Within the block, words from the catalogs are said in ``lang``."""
    token = current.set(lang)
    try:
        yield lang
    finally:
        current.reset(token)
