"""Languages of talentvisa: Babel catalogs read from .po when first used, shared by the portal
and the CLI (`--lang zh`).

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


#: The language of the page being rendered (set around each render, read by gettext).
current: ContextVar[Lang | None] = ContextVar("current_lang", default=None)


def active() -> Lang:
    return current.get() or Lang(DEFAULT)


def language(code: str) -> str:
    """A language as typed (`zh`, `zh-Hans`, `en`) in the catalog's spelling, else ValueError."""
    low = code.strip().replace("-", "_").lower()
    if low in ("zh", "zh_hans", "zh_cn"):
        return "zh_Hans"
    if low in ("en", "en_us", "en_gb"):
        return "en"
    raise ValueError(f"unknown language {code!r}: use en or zh")
