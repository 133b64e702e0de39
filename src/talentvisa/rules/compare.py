"""Comparing programs for one profile, independent of how it is shown.

The terminal (cli/render.py) and the web portal draw the same comparison from these
functions: which criteria decide each result, the costs each payer bears, the large payments
due, the capped selection and its published odds, and the benefits compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from talentvisa.rules.assessment import (
    Assessment,
    BenefitLine,
    CriterionTrace,
    FeeLine,
    FeeStatus,
    PayerTotal,
)
from talentvisa.rules.model import Payer
from talentvisa.rules.refdata import convert

#: Benefits compared side by side, in this order (`activities` is too program-specific).
BENEFIT_ROWS = (
    "job_offer_required",
    "sponsor_required",
    "work_allowed",
    "entries",
    "validity",
    "max_stay",
    "family",
    "pr_route",
    "language",
)
#: A payment at least this large (in USD, converted approximately) is called out on its own.
LARGE_USD = 50_000


def deciding(a: Assessment) -> list[CriterionTrace]:
    """The leaf criteria that decide the outcome (empty when the program is not in force)."""
    return [a.criterion(cid) for cid in a.reasons] if a.criteria else []


def costs(a: Assessment, payer: Payer | str) -> list[PayerTotal]:
    """What one payer owes, one total per currency, with the fees whose amount is unknown."""
    return [t for t in a.totals if t.payer.value == str(payer)]


def _large(amount: float | None, currency: str) -> bool:
    """Unconvertible currencies compare as given."""
    usd = convert(amount, currency, "USD", None) if currency != "USD" else None
    return ((usd.amount if usd else amount) or 0) >= LARGE_USD


def large_payments(a: Assessment) -> list[FeeLine]:
    return [f for f in a.fees if f.status == FeeStatus.due and _large(f.amount, f.currency)]


@dataclass(frozen=True)
class Selection:
    """A capped selection: the cap numbers (None where unknown) and the last published rate."""

    caps: list[float | None]
    rate: float | None


def selection(a: Assessment) -> Selection | None:
    if a.selection is None:
        return None
    rate = a.selection.get("published_selection_rate")
    caps = [
        v if isinstance(v, int | float) else None
        for k, v in a.selection.items()
        if k.endswith("cap")
    ]
    return Selection(caps, float(rate) if isinstance(rate, int | float) else None)


def benefit(a: Assessment, key: str) -> BenefitLine:
    return next(b for b in a.benefits if b.key == key)


def summary(a: Assessment) -> dict[str, Any]:
    """One program's column of the comparison as plain data (for JSON downloads)."""
    sel = selection(a)
    return {
        "outcome": a.outcome.value,
        "deciding": [
            {"criterion": c.id, "outcome": c.outcome.value, "missing": c.missing}
            for c in deciding(a)
        ],
        "notes": a.notes,
        "costs": {p.value: [t.model_dump(mode="json") for t in costs(a, p)] for p in Payer},
        "large_payments": [f.id for f in large_payments(a)],
        "selection": None if sel is None else {"caps": sel.caps, "published_rate": sel.rate},
        "benefits": {
            k: {"value": benefit(a, k).value, "summary": benefit(a, k).summary.model_dump()}
            for k in BENEFIT_ROWS
        },
        "open_questions": [q.id for q in a.open_questions],
    }
