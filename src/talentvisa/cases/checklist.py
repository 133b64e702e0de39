"""A request for evidence as a checklist: the program's documents that apply to this case,
plus what the officer writes in.

Which documents apply is the pre-screen's answer (rules/engine.py, `DocumentLine.required`):
a document whose condition is false for this profile (a degree certificate when no degree
route is claimed) is not asked for; one whose condition is unknown is asked for and says so,
because the officer cannot yet rule it out.
"""

from __future__ import annotations

from typing import Any

from talentvisa.rules.assessment import Outcome

#: The item id of free-text lines the officer adds: `extra_1`, `extra_2`, ...
EXTRA = "extra_"


def applicable(prescreen: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The program's documents that apply to the case, as the pre-screen found them."""
    lines = (prescreen or {}).get("documents", [])
    return [
        {"id": d["id"], "label": d["label"], "conditional": d["required"] == Outcome.unknown}
        for d in lines
        if d["required"] != Outcome.ineligible
    ]


def build(
    prescreen: dict[str, Any] | None, documents: list[str], extra: list[str]
) -> list[dict[str, Any]]:
    """The checklist of one request: the chosen program documents (each must apply to the
    case) and the officer's own lines. Raises ValueError naming what does not apply."""
    offered = {d["id"]: d for d in applicable(prescreen)}
    wrong = [d for d in documents if d not in offered]
    if wrong:
        raise ValueError(f"{', '.join(wrong)} do not apply to this case")
    items = [{**offered[d], "document": d} for d in dict.fromkeys(documents)]
    items += [
        {"id": f"{EXTRA}{i}", "label": {"en": text, "zh": text}, "conditional": False}
        for i, text in enumerate((t for t in extra if t.strip()), start=1)
    ]
    return items


def item_ids(items: list[dict[str, Any]]) -> set[str]:
    return {i["id"] for i in items}


def answered(
    items: list[dict[str, Any]], uploads: list[tuple[str | None, str]]
) -> list[dict[str, Any]]:
    """Each item with the files that answer it: `uploads` are (item id, document id)."""
    by_item: dict[str, list[str]] = {}
    for item, doc in uploads:
        if item:
            by_item.setdefault(item, []).append(doc)
    return [{**i, "answered_by": by_item.get(i["id"], [])} for i in items]
