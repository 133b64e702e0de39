"""Shared reference data (src/talentvisa/data/*.yaml): versioned, cited, and pure.

Currency conversion is for showing money side by side only, and is always labelled
approximate; no rule ever converts a currency to decide eligibility. University lists give
three-valued answers: an institution on a transcribed list is True, one missing from a
transcribed list is False, and anything the data does not cover is None (unknown).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def load(name: str) -> Any:
    """One data file, parsed (``name`` without the ``.yaml``)."""
    text = resources.files("talentvisa").joinpath(f"data/{name}.yaml").read_text("utf-8")
    return yaml.safe_load(text)


# --- currency -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Approx:
    """An amount converted with a dated reference rate: an approximation, never a legal value."""

    amount: float
    currency: str
    rate_date: dt.date


def _rates(on: dt.date | None) -> tuple[dt.date, dict[str, float]] | None:
    versions = load("currency_rates")["versions"]
    usable = [v for v in versions if on is None or v["from"] <= on] or versions[:1]
    if not usable:
        return None
    chosen = usable[-1]
    return chosen["from"], {k: float(v) for k, v in chosen["per_eur"].items()}


def convert(
    amount: float | None, from_ccy: str, to_ccy: str, on: dt.date | None = None
) -> Approx | None:
    """``amount`` in ``to_ccy`` with the latest rate table at ``on``; None if not convertible."""
    if amount is None:
        return None
    found = _rates(on)
    if found is None:
        return None
    day, per_eur = found
    if from_ccy not in per_eur or to_ccy not in per_eur:
        return None
    return Approx(amount / per_eur[from_ccy] * per_eur[to_ccy], to_ccy, day)


# --- names and lists ------------------------------------------------------------------------


def normalise(name: str) -> str:
    """Case-, accent- and punctuation-insensitive form of an institution name."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _names(entry: str | dict[str, Any]) -> set[str]:
    """An entry's name, any parenthesised short form, and listed aliases, normalised."""
    if isinstance(entry, dict):
        base = str(entry["name"])
        out = {normalise(base)} | {normalise(a) for a in entry.get("aliases", [])}
    else:
        base = entry
        out = {normalise(base)}
    inner = re.findall(r"\(([^)]*)\)", base)
    out |= {normalise(re.sub(r"\([^)]*\)", " ", base))} | {normalise(i) for i in inner}
    return {n for n in out if n}


@cache
def _hpi_award_years(version: str) -> list[tuple[dt.date, dt.date, frozenset[str] | None]]:
    years = load("uk_hpi_universities")["versions"][version]["award_years"]
    out = []
    for y in years:
        names = y.get("institutions")
        listed = None if names is None else frozenset(n for e in names for n in _names(e))
        out.append((y["award_from"], y["award_before"], listed))
    return out


def hpi_listed(institution: str | None, awarded: dt.date | None, version: str) -> bool | None:
    """Is ``institution`` on the HPI Global Universities List for the award date?

    ``version`` is ``top50`` or ``top100``. The top100 lists are a superset of the top50 lists
    for the same award year, so a top50 listing also answers True for top100.
    """
    if institution is None or awarded is None:
        return None
    key = normalise(institution)
    if version == "top100" and hpi_listed(institution, awarded, "top50") is True:
        return True
    for start, before, listed in _hpi_award_years(version):
        if start <= awarded < before:
            if listed is None:
                return None
            return key in listed
    return None


@cache
def _kstar_names() -> frozenset[str]:
    data = load("kr_kstar_universities")
    return frozenset(n for e in data["known_designated"] for n in _names(e))


def kstar_designated(institution: str | None, country: str | None) -> bool | None:
    """True for a known K-STAR university; False outside Korea; otherwise unknown."""
    if country is not None and country != "KR":
        return False
    if institution is None:
        return None
    if normalise(institution) in _kstar_names():
        return True
    return None if not load("kr_kstar_universities")["list_complete"] else False
