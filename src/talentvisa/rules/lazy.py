"""A module imported on first use, for the parts of the core only the batch path needs.

Polars takes longer to import than assessing hundreds of people one at a time; the scalar
path (the CLI's `assess`, a worker checking one case) never touches it.
"""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    """Stands for module ``name``; the first attribute read imports it."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)
