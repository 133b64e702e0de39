"""The portal's choice of language per request; the catalogs are talentvisa.i18n's."""

from __future__ import annotations

from talentvisa.i18n import (
    DEFAULT,
    LANGUAGES,
    N_,
    NATIVE,
    Lang,
    active,
    current,
    translations,
)

__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "LANG_COOKIE",
    "NATIVE",
    "N_",
    "Lang",
    "active",
    "current",
    "pick",
    "translations",
]

LANG_COOKIE = "tv_lang"


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
