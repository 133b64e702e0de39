"""What /fit/result shows: the matrix of guidance/matrix.py (the CLI's), and the blank
questions its cost ranges rest on, asked inline.

A question is asked inline only if the form has it (a fact declared with a ``question:``) and
it is still blank; a cost resting on facts no one is asked shows its range alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from talentvisa.guidance.matrix import Row, matrix
from talentvisa.rules.assessment import Assessment
from talentvisa.rules.compiled import CompiledProgram
from talentvisa.rules.declarations import declarations
from talentvisa.rules.params import Settings
from talentvisa.web.form import Question, builtin_form


@dataclass(frozen=True)
class Comparison:
    rows: list[Row]
    #: The blank questions that would settle a cost, each once, in the form's order.
    ask: list[Question]

    def hinged(self) -> list[Row]:
        return [r for r in self.rows if r.hinges]


def comparison(
    catalog: Mapping[str, CompiledProgram],
    results: list[Assessment],
    facts: Mapping[str, Any],
    answers: Mapping[str, str],
    settings: Settings,
) -> Comparison:
    rows = matrix(catalog, results, facts, declarations(), settings)
    wanted = {f for r in rows for h in r.hinges for f in h.facts}
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
    return Comparison(rows, ask)
