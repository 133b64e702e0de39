"""The terminal's language: `--lang en|zh`, else $TALENTVISA_LANG, else English.

One option for every command that speaks to a person (path, timeline; check and compare may
take it too), read through the catalogs the portal uses (talentvisa/i18n.py).
"""

from __future__ import annotations

from typing import Annotated

import typer

from talentvisa.i18n import DEFAULT, Lang, language

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
