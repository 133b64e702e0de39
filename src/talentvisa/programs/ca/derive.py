"""Derivations of the facts only Canada's Express Entry reads (ca/facts.yaml)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from talentvisa.rules.declarations import derivation
from talentvisa.rules.derive_common import ABILITIES, and3, clb, lowest
from talentvisa.rules.profile import LanguageAbilities, Profile

OTHER_LANGUAGE: dict[str, Literal["en", "fr"]] = {"en": "fr", "fr": "en"}


@derivation("ca_accompanying_spouse")
def accompanying_spouse(p: Profile) -> bool | None:
    """A spouse who comes along and is not a Canadian citizen or PR: the with-spouse grid."""
    f = p.family
    if f is None:
        return None
    citizen = f.spouse_canadian_citizen_or_pr
    return and3(f.spouse, f.spouse_accompanying, None if citizen is None else not citizen)


def official_language(p: Profile, which: str) -> LanguageAbilities | None:
    """The test results of the first (or second) official language the applicant declared."""
    first = p.canada.first_official_language if p.canada is not None else None
    if first is None:
        return None
    return clb(p).get(first if which == "first" else OTHER_LANGUAGE[first])


def _ability(which: str, ability: str) -> Callable[[Profile], int | None]:
    def get(p: Profile) -> int | None:
        levels = official_language(p, which)
        return None if levels is None else getattr(levels, ability)

    return get


for _which in ("first", "second"):
    for _ability_name in ABILITIES:
        derivation(f"ca_{_which}_language_{_ability_name}")(_ability(_which, _ability_name))


@derivation("ca_first_language_min")
def first_language_min(p: Profile) -> int | None:
    return lowest(official_language(p, "first"))


# NOC 2021: the second digit is the TEER category; codes starting 00 are senior management.
@derivation("job_offer_noc_teer")
def noc_teer(p: Profile) -> int | None:
    code = p.job_offer.noc_code if p.job_offer is not None else None
    return None if code is None else int(code[1])


@derivation("job_offer_noc_major_group_00")
def noc_major_group_00(p: Profile) -> bool | None:
    code = p.job_offer.noc_code if p.job_offer is not None else None
    return None if code is None else code[:2] == "00"
