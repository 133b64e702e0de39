"""Derivations of the facts only the US program reads (us/facts.yaml)."""

from __future__ import annotations

from talentvisa.rules.derive_common import MASTER, and3, any3, at_least, eq, on_degrees
from talentvisa.rules.profile import Degree


@on_degrees("us_advanced_degree")
def us_advanced_degree(degrees: list[Degree]) -> bool | None:
    return any3(and3(at_least(d, MASTER), eq(d.institution_country, "US")) for d in degrees)
