"""Flatten a Profile into facts: the flat, typed values that rule expressions read.

Which facts exist, and how each is read from a Profile, is declared beside the programs
(programs/<folder>/facts.yaml, see rules/declarations.py). The same facts are the column
schema of a population for the batch path, so one person and one million people are described
the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from functools import cache
from types import MappingProxyType
from typing import Any

from talentvisa.rules.declarations import FactDecl, declarations
from talentvisa.rules.derive_common import ABILITIES
from talentvisa.rules.profile import CEFR_ORDINAL, DEGREE_ORDINAL, Profile

#: Every declared fact by name (read-only), in declaration order: common/, then each folder.
FACTS: Mapping[str, FactDecl] = MappingProxyType(declarations().facts)

#: Named constants usable in expressions, so rules read like the law ("bachelor", "B2").
CONSTANTS: dict[str, int] = {**DEGREE_ORDINAL, **CEFR_ORDINAL}

__all__ = ["ABILITIES", "CONSTANTS", "FACTS", "facts_of"]


def _reader(parts: list[str]) -> Callable[[Any], Any]:
    """Read ``b.c`` below a part of the Profile: unknown (None) as soon as a part is."""

    def read(value: Any) -> Any:
        for part in parts:
            value = getattr(value, part)
            if value is None:
                return None
        if isinstance(value, Enum):
            return value.value
        return list(value) if isinstance(value, list) else value

    return read


Readers = tuple[tuple[str, tuple[tuple[str, Callable[[Any], Any]], ...]], ...]


@cache
def _plan() -> tuple[Readers, tuple[tuple[str, Callable[[Profile], Any]], ...]]:
    """The `from:` facts grouped by the Profile part they start at, and the derived ones."""
    groups: dict[str, list[tuple[str, Callable[[Any], Any]]]] = {}
    for name, f in FACTS.items():
        if f.source_path is not None:
            head, *rest = f.source_path.split(".")
            groups.setdefault(head, []).append((name, _reader(rest)))
    derived = declarations().derivations()
    return tuple((h, tuple(r)) for h, r in groups.items()), tuple(derived.items())


def facts_of(p: Profile) -> dict[str, Any]:
    """Every fact in :data:`FACTS`, ``None`` where unknown."""
    out: dict[str, Any] = dict.fromkeys(FACTS)
    groups, derived = _plan()
    for head, readers in groups:
        part = getattr(p, head)
        if part is not None:  # an absent part leaves all its facts unknown
            for name, read in readers:
                out[name] = read(part)
    for name, derive in derived:
        out[name] = derive(p)
    return out
