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


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    return list(value) if isinstance(value, list) else value


def _reader(path: str) -> Callable[[Profile], Any]:
    """Read ``a.b.c`` from a Profile: unknown (None) as soon as a part along the way is."""
    parts = path.split(".")

    def read(p: Profile) -> Any:
        value: Any = p
        for part in parts:
            value = getattr(value, part)
            if value is None:
                return None
        return _plain(value)

    return read


@cache
def _plan() -> tuple[tuple[str, Callable[[Profile], Any]], ...]:
    derived = declarations().derivations()
    return tuple(
        (name, _reader(f.source_path) if f.source_path is not None else derived[name])
        for name, f in FACTS.items()
    )


def facts_of(p: Profile) -> dict[str, Any]:
    """Every fact in :data:`FACTS`, ``None`` where unknown."""
    return {name: get(p) for name, get in _plan()}
