"""The batch column schema: one population row as JSON Schema, generated from the declarations.

Published as schema/facts.schema.json (``talentvisa schema --facts``) with the declarations'
version, so a data producer can check a Parquet or CSV file before a run. A column is named
after its fact; every value may be missing (null: unknown). Old names a fact was known by
(`formerly`) are listed and refused by the batch path with a message naming the new one.
"""

from __future__ import annotations

from typing import Any

from talentvisa.rules.declarations import Declarations, FactDecl
from talentvisa.rules.errors import PopulationError

JSON_TYPES = {
    "bool": "boolean",
    "int": "integer",
    "float": "number",
    "date": "string",
    "str": "string",
    "enum": "string",
    "list": "array",
}


def column(f: FactDecl) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": [JSON_TYPES[f.type], "null"],
        "title": f.label.en,
        "x-title-zh": f.label.zh,
        "x-fact-type": f.type,
        "x-declared-in": f"{f.folder}/facts.yaml",
    }
    if f.type == "date":
        out["format"] = "date"
    if f.type == "list":
        out["items"] = {"type": "string"}
        out["x-csv-separator"] = ";"
    if f.type == "enum":
        out["enum"] = [*f.values, None]
    if f.min is not None:
        out["minimum"] = f.min
    if f.max is not None:
        out["maximum"] = f.max
    if f.unit is not None:
        out["x-unit"] = f.unit
    if f.formerly:
        out["x-formerly"] = list(f.formerly)
    if f.changeable:
        out["x-changeable"] = True
    if f.accrues is not None:
        out["x-accrues"] = f.accrues
    return out


def facts_schema(decls: Declarations) -> dict[str, Any]:
    """JSON Schema of one row of a population file, versioned by the declarations."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "talentvisa population row (batch column schema)",
        "description": "One person's facts; a column left out, or null, is unknown.",
        "type": "object",
        "version": decls.version,
        "properties": {name: column(f) for name, f in decls.facts.items()},
    }


def refuse_renamed(columns: Any, decls: Declarations) -> None:
    """A column under a fact's old name is an error naming the new one (never dropped)."""
    renamed = decls.renamed
    for c in columns:
        if c in renamed:
            raise PopulationError(
                f"column {c!r} is now named {renamed[c]!r} (facts schema {decls.version}); "
                "rename the column"
            )
