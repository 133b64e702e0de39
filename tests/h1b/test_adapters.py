"""The API router and the portal pages reach the H-1B domain only through its public use
cases: no adapter calls a `_private` helper of the service, nor builds the domain's queries."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import talentvisa
from talentvisa.h1b import service

SRC = Path(talentvisa.__file__).parent
ADAPTERS = ("api/routers/h1b.py", "web/routes/employer.py", "web/routes/admin.py", "demo.py")


def _service_names(tree: ast.Module) -> set[str]:
    """The local names `talentvisa.h1b.service` is imported under in a module."""
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "talentvisa.h1b"
        for alias in node.names
        if alias.name == "service"
    }


@pytest.mark.parametrize("module", ADAPTERS)
def test_an_adapter_uses_only_the_public_use_cases(module: str) -> None:
    tree = ast.parse((SRC / module).read_text(encoding="utf-8"))
    names = _service_names(tree)
    assert names, f"{module} does not import the H-1B service"
    used = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in names
    }
    assert used, f"{module} calls nothing of the H-1B service"
    private = sorted(a for a in used if a.startswith("_"))
    assert private == [], f"{module} calls private helpers {private}"
    # What it reaches for is a function the service defines, not something it imported.
    borrowed = sorted(
        a for a in used if getattr(getattr(service, a), "__module__", None) != service.__name__
    )
    assert borrowed == [], f"{module} reaches through the service for {borrowed}"
