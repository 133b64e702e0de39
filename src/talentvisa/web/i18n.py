"""Languages of the portal: Babel catalogs read from .po at start-up, chosen per request.

The .po files are the only source; they are compiled in memory, so there is no build step.
Program content (names, labels, summaries, questions) carries its own `en`/`zh` text and does
not go through these catalogs.
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "zh_Hans")
DEFAULT = "en"
#: How each language names itself in the switch.
NATIVE = {"en": "English", "zh_Hans": "简体中文"}
LANG_COOKIE = "tv_lang"


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is shown."""
    return message


@cache
def translations(lang: str) -> Translations:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)  # fuzzy entries are left out, so they fall back to English
    buf.seek(0)
    return Translations(fp=buf)


@dataclass(frozen=True)
class Lang:
    code: str

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.code)

    @property
    def html(self) -> str:
        return "zh-Hans" if self.code == "zh_Hans" else "en"

    @property
    def zh(self) -> bool:
        return self.code == "zh_Hans"

    def gettext(self, message: str) -> str:
        return str(translations(self.code).ugettext(message))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return str(translations(self.code).ungettext(singular, plural, n))


def pick(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The query's `lang`, else the remembered choice, else the browser's preference."""
    for chosen in (query, cookie):
        if chosen in LANGUAGES:
            return chosen
    if accept_language:
        wanted = []
        for part in accept_language.split(","):
            tag, _, q = part.strip().partition(";q=")
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                continue
            wanted.append((weight, tag.strip().replace("-", "_")))
        for _, tag in sorted(wanted, key=lambda w: -w[0]):
            lower = tag.lower()
            if lower.startswith("zh") and not any(
                lower.startswith(p) for p in ("zh_hant", "zh_tw", "zh_hk", "zh_mo")
            ):
                return "zh_Hans"
            if lower.startswith("en"):
                return "en"
    return DEFAULT


#: The language of the page being rendered (set around each render, read by gettext).
current: ContextVar[Lang | None] = ContextVar("current_lang", default=None)


def active() -> Lang:
    return current.get() or Lang(DEFAULT)
