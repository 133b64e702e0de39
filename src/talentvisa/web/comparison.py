"""What /fit/result shows: the matrix of guidance/matrix.py (the CLI's), each row's costs with
the range left by unanswered questions (guidance/costs.py), and those questions, asked inline.

A question is asked inline only if the form has it (a fact declared with a ``question:``) and
it is still blank; a cost resting on facts no one is asked shows its range alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from talentvisa.guidance.costs import Hinge, PayerRange, hinges, payer_ranges
from talentvisa.guidance.matrix import Row, matrix
from talentvisa.rules.assessment import Assessment
from talentvisa.rules.compiled import CompiledProgram
from talentvisa.rules.declarations import declarations
from talentvisa.rules.params import Settings
from talentvisa.web.form import Question, builtin_form


@dataclass(frozen=True)
class Line:
    """One program's row of the result page's matrix."""

    row: Row
    applicant: list[PayerRange]
    employer: list[PayerRange]
    hinges: list[Hinge]

    @property
    def a(self) -> Assessment:
        return self.row.assessment


@dataclass(frozen=True)
class Comparison:
    lines: list[Line]
    #: The blank questions that would settle a cost, each once, in the form's order.
    ask: list[Question]

    def hinged(self) -> list[Line]:
        return [ln for ln in self.lines if ln.hinges]


def comparison(
    catalog: Mapping[str, CompiledProgram],
    results: list[Assessment],
    facts: Mapping[str, Any],
    answers: Mapping[str, str],
    on: dt.date,
    settings: Settings,
) -> Comparison:
    decls = declarations()
    lines = []
    for r in matrix(results, facts):
        found = hinges(catalog[r.assessment.program_id], r.assessment, facts, decls, on, settings)
        lines.append(
            Line(r, payer_ranges(r.applicant, found), payer_ranges(r.employer, found), found)
        )
    wanted = {f for ln in lines for h in ln.hinges for f in h.facts}
    form = builtin_form()
    # An answer inside a part whose anchor is blank (the job offer's country) would be
    # dropped, so it is not asked until the anchor is given.
    blank_parts = {
        q.path[0] for q in form.questions() if q.asked.anchor and not answers.get(q.name)
    }
    ask = [
        q
        for q in form.questions()
        if q.asked.fact in wanted and not answers.get(q.name) and q.path[0] not in blank_parts
    ]
    return Comparison(lines, ask)
