"""What a program file says to people is in English and Chinese; everything else is data.

The program format types every user-visible free text as `Text` (en + zh). A plain `str` field
must be one of the non-prose fields below (ids, expressions, codes, a citation's title), so a
new prose field without Chinese fails here. And each shipped text's `zh` is really Chinese.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any

import pytest
from pydantic import BaseModel

from talentvisa.rules import builtin_catalog
from talentvisa.rules.model import Program, Text

CATALOG = builtin_catalog()

#: Fields typed `str` that are not prose, and why.
NOT_PROSE = {
    ("Program", "id"): "identifier",
    ("Program", "version"): "version number",
    ("Program", "country"): "ISO code",
    ("Program", "eligibility"): "rule expression",
    ("Source", "url"): "address",
    ("Source", "title"): "a citation keeps its published title; `lang` says its language",
    ("Source", "lang"): "language code",
    ("Source", "ref"): "dossier reference for rule authors",
    ("Conflict", "sources"): "source ids",
    ("ParameterValue", "source"): "source ids",
    ("Parameter", "unit"): "a unit: the portal words it through its catalog (web/labels.py)",
    ("Exception_", "id"): "identifier",
    ("Exception_", "when"): "rule expression",
    ("Exception_", "source"): "source ids",
    ("Criterion", "expr"): "rule expression",
    ("Criterion", "all"): "rule expressions",
    ("Criterion", "any"): "rule expressions",
    ("Criterion", "not_"): "rule expression",
    ("Criterion", "source"): "source ids",
    ("PointRule", "when"): "rule expression",
    ("Factor", "input"): "rule expression",
    ("Factor", "formula"): "rule expression",
    ("Factor", "source"): "source ids",
    ("FactorGroup", "factors"): "factor ids",
    ("FactorGroup", "source"): "source ids",
    ("PointsTable", "source"): "source ids",
    ("Tier", "id"): "identifier",
    ("Tier", "when"): "rule expression",
    ("Fee", "amount"): "rule expression",
    ("Fee", "currency"): "ISO code",
    ("Fee", "stage"): "a tag of when a fee is paid; not shown to people",
    ("Fee", "when"): "rule expression",
    ("Fee", "source"): "source ids",
    ("Benefit", "value"): "the fact as data; people read its `summary`",
    ("Benefit", "source"): "source ids",
    ("Document", "id"): "identifier",
    ("Document", "when"): "rule expression",
    ("Document", "source"): "source ids",
    ("Intake", "cap_parameters"): "parameter names",
    ("Intake", "odds_parameter"): "parameter name",
    ("OpenQuestion", "id"): "identifier",
    ("OpenQuestion", "affects"): "ids of what it affects",
    ("OpenQuestion", "deployer_setting"): "parameter name",
    ("OpenQuestion", "source"): "source ids",
    ("InForce", "source"): "source ids",
    ("CourtOrder", "court"): "the court's name as cited, like a source title",
    ("CourtOrder", "case"): "case number",
    ("CourtOrder", "url"): "URL",
    ("CourtOrder", "source"): "source ids",
    ("Reading", "id"): "identifier",
    ("Reading", "source"): "source ids",
    ("PendingEvent", "source"): "source ids",
    ("Scenario", "docket"): "docket number",
    ("Scenario", "source"): "source ids",
    ("ScenarioValue", "source"): "source ids",
}


def _mentions(annotation: Any, wanted: type) -> bool:
    """Whether a value of this type may be a `wanted` (dict keys are ids, not prose)."""
    if annotation is wanted:
        return True
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is dict:
        args = args[1:]
    return any(_mentions(a, wanted) for a in args)


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if isinstance(annotation, types.UnionType) or typing.get_args(annotation):
        return [m for a in typing.get_args(annotation) for m in _models(a)]
    return []


def test_every_prose_field_of_the_format_is_bilingual() -> None:
    seen: set[type[BaseModel]] = set()
    todo: list[type[BaseModel]] = [Program]
    plain = []
    while todo:
        model = todo.pop()
        if model in seen or model is Text:
            continue
        seen.add(model)
        for name, f in model.model_fields.items():
            todo.extend(_models(f.annotation))
            if _mentions(f.annotation, str) and (model.__name__, name) not in NOT_PROSE:
                plain.append(f"{model.__name__}.{name}")
    assert not plain, f"make these Text (en + zh), or say why they are not prose: {plain}"
    assert {m for m, _ in NOT_PROSE} <= {m.__name__ for m in seen}  # no stale entries


CJK = re.compile(r"[\u3400-\u9fff]")
WORD = re.compile(r"[A-Za-z]{3,}")


def _texts(node: Any, path: str = "") -> list[tuple[str, dict[str, str]]]:
    if isinstance(node, dict):
        if set(node) == {"en", "zh"}:
            return [(path, node)]
        return [t for k, v in node.items() for t in _texts(v, f"{path}/{k}")]
    if isinstance(node, list):
        return [t for i, v in enumerate(node) for t in _texts(v, f"{path}/{i}")]
    return []


@pytest.mark.parametrize("pid", sorted(CATALOG))
def test_every_text_of_the_program_has_chinese(pid: str) -> None:
    texts = _texts(CATALOG[pid].program.model_dump(mode="json", by_alias=True))
    assert texts
    untranslated = [
        path
        for path, t in texts
        if not t["zh"].strip() or (WORD.search(t["en"]) and not CJK.search(t["zh"]))
    ]
    assert not untranslated, f"{pid}: zh is missing or not Chinese at {untranslated}"


def test_notes_and_conflicts_are_bilingual_in_every_program() -> None:
    """The free texts that were English only before: a spot check on the data itself."""
    for cp in CATALOG.values():
        p = cp.program
        for c in p.conflicts:
            assert all(isinstance(x, Text) for x in (c.about, c.chosen, c.rejected, c.why))
        for param in p.parameters.values():
            assert all(v.note is None or isinstance(v.note, Text) for v in param.values)
        for _, b in p.benefits:
            assert b.note is None or isinstance(b.note, Text)
