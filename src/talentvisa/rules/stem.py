"""STEM classification of a degree field (mapping and its source: data/stem_fields.yaml)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def stem_table() -> dict[str, Any]:
    text = resources.files("talentvisa").joinpath("data/stem_fields.yaml").read_text("utf-8")
    table: dict[str, Any] = yaml.safe_load(text)
    return table


def is_stem(explicit: bool | None, cip: str | None, field_group: str | None) -> bool | None:
    """True, False, or None when the field alone cannot tell."""
    if explicit is not None:
        return explicit
    t = stem_table()
    if cip is not None:
        if any(cip.startswith(code) for code in t["cip_stem_codes"]):
            return True
        series = cip[:2]
        if series in t["cip_stem_series"]:
            return True
    if field_group is not None:
        value: bool | None = t["field_groups"].get(field_group)
        return value
    return None
