"""Which programs take an application from a person: those whose `intake:` is individual.

The catalog says it, so a program file added with that intake is open to applications
without a change here; the API documents the same list in /openapi.json.
"""

from __future__ import annotations

from collections.abc import Mapping

from talentvisa.rules.compiled import CompiledProgram
from talentvisa.rules.model import IntakeType
from talentvisa.service_errors import Invalid

#: The program an application names when it names none (the K visa, the first one offered).
DEFAULT_PROGRAM = "cn-k"


def individual(catalog: Mapping[str, CompiledProgram]) -> list[str]:
    """The ids of the programs taking individual applications, in id order."""
    return sorted(
        pid for pid, cp in catalog.items() if cp.program.intake.type == IntakeType.individual
    )


def open_program(catalog: Mapping[str, CompiledProgram], program_id: str) -> CompiledProgram:
    """The program an application may name, or 422 naming `program_id` and the allowed ids."""
    cp = catalog.get(program_id)
    if cp is None or cp.program.intake.type != IntakeType.individual:
        why = (
            "is not in the catalog"
            if cp is None
            else f"takes {cp.program.intake.type.value} intake"
        )
        raise Invalid(
            f"program_id: {program_id} {why}, not individual applications; "
            f"use one of: {', '.join(individual(catalog))}",
            "program_id",
        )
    return cp


def visa_prefix(program_id: str) -> str:
    """The letters a visa number starts with: the program's id after its country, a single
    word whole (cn-k: K, kr-f27: F27), several by their initials (de-blue-card: BC)."""
    words = program_id.split("-")[1:] or [program_id]
    return (words[0] if len(words) == 1 else "".join(w[0] for w in words)).upper()
