"""`--lang` (or TALENTVISA_LANG) on the commands that speak to a person: the portal's catalogs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from talentvisa.i18n import Lang, current, language

LangOption = Annotated[
    str,
    typer.Option(
        "--lang",
        envvar="TALENTVISA_LANG",
        help="Language of the output: en or zh (also TALENTVISA_LANG).",
    ),
]


def parse_lang(code: str) -> Lang:
    """The language as typed; a bad value is one line naming --lang, exit 2."""
    try:
        return Lang(language(code))
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--lang") from None


@contextmanager
def speaking(lang: Lang) -> Iterator[Lang]:
    token = current.set(lang)
    try:
        yield lang
    finally:
        current.reset(token)
