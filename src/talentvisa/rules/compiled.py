"""A validated Program with its expressions parsed, names checked and criteria ordered."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from graphlib import CycleError, TopologicalSorter
from typing import Any, Literal, TypeVar, cast

from talentvisa.rules.assessment import SourceRef
from talentvisa.rules.expr import Node, names, parse
from talentvisa.rules.facts import CONSTANTS, FACTS
from talentvisa.rules.model import LegalStatus, Parameter, Program

NameKind = Literal["criterion", "parameter", "points", "fact", "constant", "date"]
Loc = tuple[str | int, ...]


class ProgramError(ValueError):
    """A program file is inconsistent; `problems` are (location in the file, message)."""

    def __init__(self, problems: list[tuple[Loc, str]]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in problems))
        self.problems = problems


T = TypeVar("T")


@dataclass(frozen=True)
class CompiledProgram:
    program: Program
    hash: str
    kinds: dict[str, NameKind]
    criteria: dict[str, Node]
    exceptions: dict[str, list[tuple[str, Node, bool]]]
    order: list[str]
    eligibility: Node
    path: str | None = None
    # table -> factor -> parsed expression(s)
    factor_nodes: dict[str, dict[str, list[Node]]] = field(default_factory=dict)
    fee_nodes: dict[str, tuple[Node, Node]] = field(default_factory=dict)
    tier_nodes: list[tuple[str, Node]] = field(default_factory=list)
    document_nodes: list[tuple[str, Node]] = field(default_factory=list)
    _memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """A value that depends on the program alone, built on first use."""
        if key not in self._memo:
            self._memo[key] = build()
        return cast(T, self._memo[key])

    def source_refs(self, ids: list[str] | tuple[str, ...]) -> list[SourceRef]:
        # SourceRefs are immutable and cited by many criteria: built once per program, not per
        # assessment, where building them was a fifth of assess()'s time.
        refs = self._source_refs
        return [refs[i] for i in ids]

    @cached_property
    def _source_refs(self) -> dict[str, SourceRef]:
        return {
            i: SourceRef(
                id=i,
                url=s.url,
                title=s.title,
                lang=s.lang,
                read=s.read,
                reliability=s.reliability.value,
            )
            for i, s in self.program.sources.items()
        }

    @property
    def id(self) -> str:
        return self.program.id


def program_hash(program: Program, extra: object = None) -> str:
    """SHA-256 of the canonical JSON of the program (and any deployer settings applied)."""
    doc = {"program": program.model_dump(mode="json", by_alias=True), "settings": extra}
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def compile_program(program: Program, path: str | None = None) -> CompiledProgram:
    problems: list[tuple[Loc, str]] = []
    kinds: dict[str, NameKind] = {"on": "date"}
    for reserved in ("outcome", "points", "fee", "tier"):  # batch column names use these
        if reserved in program.criteria or reserved in program.points:
            problems.append((("criteria",), f"{reserved!r} is a reserved name"))
    for n in CONSTANTS:
        kinds[n] = "constant"
    for n in FACTS:
        kinds[n] = "fact"
    for group, kind, keys in (
        ("parameters", "parameter", program.parameters),
        ("points", "points", program.points),
        ("criteria", "criterion", program.criteria),
    ):
        for key in keys:
            if key in kinds:
                problems.append(((group, key), f"name {key!r} is already a {kinds[key]}"))
            kinds[key] = kind  # type: ignore[assignment]

    def check(loc: Loc, source: str) -> Node:
        node = parse(source)
        for n in sorted(names(node) - kinds.keys()):
            problems.append((loc, f"unknown name {n!r} (not a fact, parameter or criterion)"))
        return node

    criteria: dict[str, Node] = {}
    exceptions: dict[str, list[tuple[str, Node, bool]]] = {}
    graph: dict[str, set[str]] = {}
    for cid, c in program.criteria.items():
        loc: Loc = ("criteria", cid)
        node = check(loc, c.as_expression())
        criteria[cid] = node
        deps = {n for n in names(node) if kinds.get(n) == "criterion"}
        exceptions[cid] = []
        for i, e in enumerate(c.exceptions):
            enode = check((*loc, "exceptions", i, "when"), e.when)
            exceptions[cid].append((e.id, enode, e.then))
            deps |= {n for n in names(enode) if kinds.get(n) == "criterion"}
        graph[cid] = deps
        for s in c.source + [s for e in c.exceptions for s in e.source]:
            if s not in program.sources:
                problems.append(((*loc, "source"), f"unknown source id {s!r}"))
    try:
        # sorted: the order (and so the batch path's columns) must not vary with str hashing
        order = list(TopologicalSorter({c: sorted(d) for c, d in graph.items()}).static_order())
    except CycleError as exc:
        problems.append((("criteria",), f"criteria refer to each other in a cycle: {exc.args[1]}"))
        order = list(graph)

    factor_nodes: dict[str, dict[str, list[Node]]] = {}
    for tid, table in program.points.items():
        factor_nodes[tid] = {}
        for fid, f in table.factors.items():
            floc: Loc = ("points", tid, "factors", fid)
            if f.bands is not None and f.input is not None:
                factor_nodes[tid][fid] = [check((*floc, "input"), f.input)]
            elif f.rules is not None:
                factor_nodes[tid][fid] = [
                    check((*floc, "rules", i, "when"), r.when) for i, r in enumerate(f.rules)
                ]
            elif f.formula is not None:
                factor_nodes[tid][fid] = [check((*floc, "formula"), f.formula)]
            _sources(program, (*floc, "source"), f.source, problems)
        for gid, g in table.groups.items():
            _sources(program, ("points", tid, "groups", gid, "source"), g.source, problems)
    fee_nodes = {
        fid: (check(("fees", fid, "amount"), f.amount), check(("fees", fid, "when"), f.when))
        for fid, f in program.fees.items()
    }
    for fid, fee in program.fees.items():
        _sources(program, ("fees", fid, "source"), fee.source, problems)
    tier_nodes = [(t.id, check(("tiers", i, "when"), t.when)) for i, t in enumerate(program.tiers)]
    document_nodes = [
        (d.id, check(("documents", i, "when"), d.when)) for i, d in enumerate(program.documents)
    ]
    eligibility = check(("eligibility",), program.eligibility)

    encoded_from = program.coverage_from or program.in_force.start
    for pid, p in program.parameters.items():
        if encoded_from is not None and p.values[0].start > encoded_from:
            problems.append(
                (
                    ("parameters", pid, "values", 0, "from"),
                    f"starts {p.values[0].start}, after the program's encoded start "
                    f"{encoded_from}: say what applied before (null if unknown)",
                )
            )
        for i, v in enumerate(p.values):
            _sources(program, ("parameters", pid, "values", i, "source"), v.source, problems)
            loc = ("parameters", pid, "values", i)
            for j, r in enumerate(v.readings):
                _sources(program, (*loc, "readings", j, "source"), r.source, problems)
            for j, o in enumerate(v.orders):
                _sources(program, (*loc, "orders", j, "source"), o.source, problems)
            if v.pending is not None:
                _sources(program, (*loc, "pending", "source"), v.pending.source, problems)
    for sid, sc in program.scenarios.items():
        _sources(program, ("scenarios", sid, "source"), sc.source, problems)
        for name, svalues in sc.parameters.items():
            for i, sv in enumerate(svalues):
                loc = ("scenarios", sid, "parameters", name, i, "source")
                _sources(program, loc, sv.source, problems)
    for key, benefit in program.benefits:
        _sources(program, ("benefits", key, "source"), benefit.source, problems)
    _sources(program, ("in_force", "source"), program.in_force.source, problems)
    for i, q in enumerate(program.open_questions):
        known = set(kinds) | set(program.fees) | set(type(program.benefits).model_fields)
        for a in q.affects:
            if a not in known:
                problems.append((("open_questions", i, "affects"), f"unknown item {a!r}"))
        if q.deployer_setting is not None and not (
            q.deployer_setting in program.parameters
            and settable(program.parameters[q.deployer_setting])
        ):
            problems.append(
                (
                    ("open_questions", i, "deployer_setting"),
                    f"{q.deployer_setting!r} is not a parameter marked deployer_setting "
                    "or contested",
                )
            )
    for name in [*program.intake.cap_parameters, program.intake.odds_parameter or ""]:
        if name and name not in program.parameters:
            problems.append((("intake",), f"unknown parameter {name!r}"))
    for i, conflict in enumerate(program.conflicts):
        _sources(program, ("conflicts", i, "sources"), conflict.sources, problems)

    if problems:
        raise ProgramError(problems)
    return CompiledProgram(
        program=program,
        hash=program_hash(program),
        kinds=kinds,
        criteria=criteria,
        exceptions=exceptions,
        order=order,
        eligibility=eligibility,
        path=path,
        factor_nodes=factor_nodes,
        fee_nodes=fee_nodes,
        tier_nodes=tier_nodes,
        document_nodes=document_nodes,
    )


def _sources(program: Program, loc: Loc, ids: list[str], problems: list[tuple[Loc, str]]) -> None:
    for s in ids:
        if s not in program.sources:
            problems.append((loc, f"unknown source id {s!r}"))


def settable(p: Parameter) -> bool:
    """A deployer may set it: where the law is silent, or to pick a reading of contested law."""
    return p.deployer_setting or any(v.status == LegalStatus.contested for v in p.values)
