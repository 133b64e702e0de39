"""Derivations of the facts only Chinese programs read (cn/facts.yaml)."""

from __future__ import annotations

from talentvisa.rules.declarations import derivation
from talentvisa.rules.derive_common import any3, master_in, on_degrees
from talentvisa.rules.profile import Degree, Profile


@on_degrees("cn_master_plus_graduate")
def cn_master_plus_graduate(degrees: list[Degree]) -> bool | None:
    return any3(master_in(d, china=True) for d in degrees)


# Chinese thresholds are in CNY, and no rule converts a currency: other offers stay unknown.
@derivation("job_offer_salary_cny")
def salary_cny(p: Profile) -> float | None:
    j = p.job_offer
    return None if j is None or j.currency != "CNY" else j.annual_salary


@derivation("job_offer_local_average_wage_cny")
def local_average_wage_cny(p: Profile) -> float | None:
    j = p.job_offer
    return None if j is None or j.currency != "CNY" else j.local_average_wage
