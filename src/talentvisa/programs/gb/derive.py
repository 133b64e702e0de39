"""Derivations of the facts only the UK's High Potential Individual route reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from talentvisa.rules.derive_common import BACHELOR, and3, any3, at_least, on_degrees
from talentvisa.rules.profile import Degree
from talentvisa.rules.refdata import hpi_listed


def listed_latest(degrees: list[Degree], version: str) -> dict[str, Any]:
    """Is any bachelor's+ degree on the list, and the latest award date of a listed one.

    The date is unknown when an unsure degree could be more recent than the best known one.
    """

    def listed(d: Degree) -> bool | None:
        return and3(at_least(d, BACHELOR), hpi_listed(d.institution, d.graduation_date, version))

    status = [(d, listed(d)) for d in degrees]
    sure = [d.graduation_date for d, s in status if s is True and d.graduation_date]
    unsure = [d for d, s in status if s is None]
    best = max(sure) if sure else None
    if best is not None and any(
        d.graduation_date is None or d.graduation_date > best for d in unsure
    ):
        best = None
    return {"listed": any3(s for _, s in status), "date": best}


def _part(version: str, key: str) -> Callable[[list[Degree]], Any]:
    return lambda degrees: listed_latest(degrees, version)[key]


for _version in ("top50", "top100"):
    on_degrees(f"uk_hpi_listed_{_version}")(_part(_version, "listed"))
    on_degrees(f"uk_hpi_award_date_{_version}")(_part(_version, "date"))
