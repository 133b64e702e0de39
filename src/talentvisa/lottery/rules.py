"""Which selection rule applies to a cap season, with the sources that say so."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Variant(StrEnum):
    registration_random = "registration_random"  # each registration is one entry
    beneficiary_random = "beneficiary_random"  # each unique beneficiary is one entry
    beneficiary_weighted = "beneficiary_weighted"  # entries by lowest OEWS wage level


@dataclass(frozen=True)
class SelectionRule:
    variant: Variant
    first_season: int
    last_season: int | None
    weights: dict[int, int]  # OEWS wage level (1-4) -> entries
    sources: tuple[str, ...]

    @property
    def beneficiary_centric(self) -> bool:
        return self.variant != Variant.registration_random


EQUAL = {1: 1, 2: 1, 3: 1, 4: 1}

RULES: tuple[SelectionRule, ...] = (
    SelectionRule(
        Variant.registration_random,
        2021,
        2024,
        EQUAL,
        (
            # Regular cap selected first, then the advanced-degree allocation (rule of 31 Jan 2019).
            "https://natlawreview.com/article/uscis-announces-final-rule-to-amend-h-1b-visa-lottery-process",
        ),
    ),
    SelectionRule(
        Variant.beneficiary_random,
        2025,
        2026,
        EQUAL,
        (
            "https://nafsa.org/regulatory-information/uscis-rule-improving-h-1b-registration-selection-process-and-program",
        ),
    ),
    SelectionRule(
        Variant.beneficiary_weighted,
        2027,
        None,
        {1: 1, 2: 2, 3: 3, 4: 4},
        ("https://www.govinfo.gov/content/pkg/FR-2025-12-29/html/2025-23853.htm",),
    ),
)

#: 8 CFR 214.2(h)(8)(iii)(A)(2): a registrant's several registrations for one beneficiary in
#: one fiscal year are all invalid.
SAME_REGISTRANT_DUPLICATES = (
    "https://www.ecfr.gov/current/title-8/chapter-I/subchapter-B/part-214/subpart-A/section-214.2",
    "https://www.greencardmaker.com/Denial-of-H1B-Visa-lottery-due-to-double-filing-of-H1B-visa-by-multiple-companies",
)


class SeasonError(ValueError):
    pass


def parse_season(text: str) -> int:
    m = re.fullmatch(r"(?i)FY\s?(\d{4})", text.strip())
    if not m:
        raise SeasonError(f"season {text!r} must look like FY2027")
    return int(m.group(1))


def rule_for(season: int) -> SelectionRule:
    for r in RULES:
        if season >= r.first_season and (r.last_season is None or season <= r.last_season):
            return r
    raise SeasonError(
        f"FY{season}: electronic registration began with FY2021; no selection rule is encoded"
    )
