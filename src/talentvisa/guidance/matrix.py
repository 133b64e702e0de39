"""The comparison at a glance: one row per program, the same in the portal and the CLI.

Program, outcome, cost to the applicant, cost to an employer, this person's selection odds,
whether a job offer is needed, and the route to permanent residence. Each surface formats the
cells (money, words) itself; the choice of what a row says is made once, here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from talentvisa.guidance.odds import SelectionOdds, petition_based, selection_odds
from talentvisa.rules import compare
from talentvisa.rules.assessment import Assessment, BenefitLine, PayerTotal
from talentvisa.rules.model import Payer


@dataclass(frozen=True)
class Row:
    assessment: Assessment
    odds: SelectionOdds
    applicant: list[PayerTotal]
    employer: list[PayerTotal]
    job_offer: BenefitLine
    pr_route: BenefitLine

    @property
    def petition_based(self) -> bool:
        return petition_based(self.assessment)


def row(a: Assessment, facts: Mapping[str, Any]) -> Row:
    return Row(
        a,
        selection_odds(a, facts),
        compare.costs(a, Payer.applicant),
        compare.costs(a, Payer.employer),
        compare.benefit(a, "job_offer_required"),
        compare.benefit(a, "pr_route"),
    )


def matrix(assessments: list[Assessment], facts: Mapping[str, Any]) -> list[Row]:
    return [row(a, facts) for a in assessments]
