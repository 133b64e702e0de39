"""Derivations of the facts only Korean programs read (kr/facts.yaml)."""

from __future__ import annotations

from talentvisa.rules.derive_common import MASTER, and3, any3, at_least, degree_stem, on_degrees
from talentvisa.rules.profile import Degree
from talentvisa.rules.refdata import kstar_designated


@on_degrees("kr_kstar_stem_graduate")
def kstar_stem_graduate(degrees: list[Degree]) -> bool | None:
    """A STEM master's or doctorate from a university K-STAR designates (reference data)."""
    return any3(
        and3(
            at_least(d, MASTER),
            degree_stem(d),
            kstar_designated(d.institution, d.institution_country),
        )
        for d in degrees
    )
