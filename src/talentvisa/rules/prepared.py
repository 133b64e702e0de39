"""What assessing one program on one date under one set of settings needs, whoever is assessed.

The parameters' values, the settings hash, and the compiled closure of each expression
depend on the program, the settings and the date alone; assess() used to rebuild them for
every person. A :class:`Prepared` holds them, kept per program object for the latest dates
and settings used (the closures are keyed by expression node, which belong to that object).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from talentvisa.rules.closures import Closure, compile_expression
from talentvisa.rules.compiled import CompiledProgram, program_hash
from talentvisa.rules.expr import Node
from talentvisa.rules.params import Resolved, Settings, resolve_all

#: Settings and dates kept per program: a timeline or a what-if walks through a few dates.
PREPARED_KEPT = 64
_LOCK = threading.Lock()  # the portal assesses from several threads at once


def settings_hash(cp: CompiledProgram, settings: Settings) -> str:
    """The program's hash with the deployer settings (and a reform's overrides) it is run with."""
    chosen = settings.for_program(cp.id)
    overrides = settings.overrides_for(cp.id)
    if not chosen and not overrides:
        return cp.hash
    extra: dict[str, Any] = {
        k: {"value": v.value, "note": v.note} for k, v in sorted(chosen.items())
    }
    if overrides:
        reform = {k: [o.as_json() for o in os] for k, os in sorted(overrides.items())}
        extra = {"deployer": extra, "reform": reform}
    # Hashing the whole program again costs more than assessing it; the settings are small,
    # so their canonical text keys the result.
    key = "hash:" + json.dumps(extra, sort_keys=True)
    return cp.memo(key, functools.partial(program_hash, cp.program, extra))


@dataclass
class Prepared:
    cp: CompiledProgram
    on: dt.date
    hash: str
    params: dict[str, Resolved]
    closures: dict[int, Closure] = field(default_factory=dict, repr=False)
    _parts: dict[str, Any] = field(default_factory=dict, repr=False)

    def closure(self, node: Node) -> Closure:
        """``node`` compiled with this date's parameter values, on its first evaluation."""
        fn = self.closures.get(id(node))  # nodes live as long as the program: ids are stable
        if fn is None:
            values = {n: r.value for n, r in self.params.items()}
            fn = self.closures[id(node)] = compile_expression(node, self.cp.kinds, values, self.on)
        return fn

    def part(self, key: str, build: Callable[[], Any]) -> Any:
        """A piece of every assessment's explanation that depends on these settings alone."""
        if key not in self._parts:
            self._parts[key] = build()
        return self._parts[key]


def prepared(cp: CompiledProgram, on: dt.date, settings: Settings) -> Prepared:
    """The program's :class:`Prepared` for ``on`` and ``settings``, built on first use.

    Keyed by the settings hash (their content, not the object), so equal settings built
    anew reuse it and a changed value never reads a stale one.
    """
    cache: OrderedDict[tuple[str, dt.date], Prepared] = cp.memo("prepared", OrderedDict)
    h = settings_hash(cp, settings)
    key = (h, on)
    with _LOCK:
        found = cache.get(key)
        if found is not None:
            cache.move_to_end(key)
            return found
    made = Prepared(cp, on, h, resolve_all(cp.program, on, settings))
    with _LOCK:
        found = cache.setdefault(key, made)
        if len(cache) > PREPARED_KEPT:
            cache.popitem(last=False)
    return found
