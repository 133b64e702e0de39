"""The comparison at a glance: one row per program, the same in the portal and the CLI.

Program, outcome, cost to the applicant, cost to an employer, this person's selection odds,
whether a job offer is needed, and the route to permanent residence. A cost resting on
answers not given is a range (guidance/costs.py), not "unknown". Each surface formats the
cells (money, words) itself; the choice of what a row says is made once, here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from talentvisa.guidance.costs import Hinge, PayerRange, hinges, payer_ranges
from talentvisa.guidance.odds import SelectionOdds, petition_based, selection_odds
from talentvisa.rules import compare
from talentvisa.rules.assessment import Assessment, BenefitLine
from talentvisa.rules.compiled import CompiledProgram
from talentvisa.rules.declarations import Declarations
from talentvisa.rules.model import Payer
from talentvisa.rules.params import NO_SETTINGS, Settings


@dataclass(frozen=True)
class Row:
    assessment: Assessment
    odds: SelectionOdds
    applicant: list[PayerRange]
    employer: list[PayerRange]
    #: The fees that hinge on answers not given, with their ranges.
    hinges: list[Hinge]
    job_offer: BenefitLine
    pr_route: BenefitLine

    @property
    def petition_based(self) -> bool:
        return petition_based(self.assessment)


def row(
    cp: CompiledProgram,
    a: Assessment,
    facts: Mapping[str, Any],
    decls: Declarations,
    settings: Settings = NO_SETTINGS,
) -> Row:
    found = hinges(cp, a, facts, decls, a.on, settings)
    return Row(
        a,
        selection_odds(a, facts),
        payer_ranges(compare.costs(a, Payer.applicant), found),
        payer_ranges(compare.costs(a, Payer.employer), found),
        found,
        compare.benefit(a, "job_offer_required"),
        compare.benefit(a, "pr_route"),
    )


def matrix(
    catalog: Mapping[str, CompiledProgram],
    assessments: list[Assessment],
    facts: Mapping[str, Any],
    decls: Declarations,
    settings: Settings = NO_SETTINGS,
) -> list[Row]:
    return [row(catalog[a.program_id], a, facts, decls, settings) for a in assessments]
