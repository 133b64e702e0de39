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

    @cached_property
    def expressions(self) -> dict[str, str]:
        """Each criterion's base rule as one expression, as its trace states it."""
        return {cid: c.as_expression() for cid, c in self.program.criteria.items()}

    @property
    def id(self) -> str:
        return self.program.id


def program_hash(program: Program, extra: object = None) -> str:
    """SHA-256 of the canonical JSON of the program (and any deployer settings applied)."""
    doc = {"program": program.model_dump(mode="json", by_alias=True), "settings": extra}
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def compile_program(program: Program, path: str | None = None) -> CompiledProgram:
    """Check ``program`` step by step and compile its expressions.

    Each step adds the problems it finds to one list, in a fixed order (so an error message
    is stable); any problem refuses the program.
    """
    kinds, problems = name_kinds(program)
    chk = Checker(program, kinds, problems)
    criteria, exceptions, graph = _criteria(chk)
    order = criteria_order(graph, problems)
    factor_nodes = _factors(chk)
    fee_nodes = _fees(chk)
    tier_nodes = [
        (t.id, chk.expr(("tiers", i, "when"), t.when)) for i, t in enumerate(program.tiers)
    ]
    document_nodes = [
        (d.id, chk.expr(("documents", i, "when"), d.when)) for i, d in enumerate(program.documents)
    ]
    eligibility = chk.expr(("eligibility",), program.eligibility)
    _check_parameters(chk)
    _check_citations(chk)
    _check_open_questions(chk)
    _check_intake(chk)
    for i, conflict in enumerate(program.conflicts):
        chk.sources(("conflicts", i, "sources"), conflict.sources)
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


def name_kinds(program: Program) -> tuple[dict[str, NameKind], list[tuple[Loc, str]]]:
    """What each name an expression may read is, and the names that clash or are reserved."""
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
    return kinds, problems


@dataclass
class Checker:
    """The problems found so far, and the checks the steps of compile_program share."""

    program: Program
    kinds: dict[str, NameKind]
    problems: list[tuple[Loc, str]]

    def expr(self, loc: Loc, source: str) -> Node:
        """``source`` parsed, each name it reads that the program does not know a problem."""
        node = parse(source)
        for n in sorted(names(node) - self.kinds.keys()):
            self.problems.append((loc, f"unknown name {n!r} (not a fact, parameter or criterion)"))
        return node

    def sources(self, loc: Loc, ids: list[str]) -> None:
        for s in ids:
            if s not in self.program.sources:
                self.problems.append((loc, f"unknown source id {s!r}"))

    def criteria_read(self, node: Node) -> set[str]:
        return {n for n in names(node) if self.kinds.get(n) == "criterion"}


def _criteria(
    chk: Checker,
) -> tuple[dict[str, Node], dict[str, list[tuple[str, Node, bool]]], dict[str, set[str]]]:
    """Each criterion's expression and exceptions, and the criteria each one reads."""
    criteria: dict[str, Node] = {}
    exceptions: dict[str, list[tuple[str, Node, bool]]] = {}
    graph: dict[str, set[str]] = {}
    for cid, c in chk.program.criteria.items():
        loc: Loc = ("criteria", cid)
        node = chk.expr(loc, c.as_expression())
        criteria[cid] = node
        deps = chk.criteria_read(node)
        exceptions[cid] = []
        for i, e in enumerate(c.exceptions):
            enode = chk.expr((*loc, "exceptions", i, "when"), e.when)
            exceptions[cid].append((e.id, enode, e.then))
            deps |= chk.criteria_read(enode)
        graph[cid] = deps
        chk.sources((*loc, "source"), c.source + [s for e in c.exceptions for s in e.source])
    return criteria, exceptions, graph


def criteria_order(graph: dict[str, set[str]], problems: list[tuple[Loc, str]]) -> list[str]:
    """Criteria in an order where each comes after those it reads; a cycle is a problem."""
    try:
        # sorted: the order (and so the batch path's columns) must not vary with str hashing
        return list(TopologicalSorter({c: sorted(d) for c, d in graph.items()}).static_order())
    except CycleError as exc:
        problems.append((("criteria",), f"criteria refer to each other in a cycle: {exc.args[1]}"))
        return list(graph)


def _factors(chk: Checker) -> dict[str, dict[str, list[Node]]]:
    """table -> factor -> its parsed expression(s): a band input, rule conditions or formula."""
    factor_nodes: dict[str, dict[str, list[Node]]] = {}
    for tid, table in chk.program.points.items():
        factor_nodes[tid] = {}
        for fid, f in table.factors.items():
            floc: Loc = ("points", tid, "factors", fid)
            if f.bands is not None and f.input is not None:
                factor_nodes[tid][fid] = [chk.expr((*floc, "input"), f.input)]
            elif f.rules is not None:
                factor_nodes[tid][fid] = [
                    chk.expr((*floc, "rules", i, "when"), r.when) for i, r in enumerate(f.rules)
                ]
            elif f.formula is not None:
                factor_nodes[tid][fid] = [chk.expr((*floc, "formula"), f.formula)]
            chk.sources((*floc, "source"), f.source)
        for gid, g in table.groups.items():
            chk.sources(("points", tid, "groups", gid, "source"), g.source)
    return factor_nodes


def _fees(chk: Checker) -> dict[str, tuple[Node, Node]]:
    fees = chk.program.fees
    nodes = {
        fid: (chk.expr(("fees", fid, "amount"), f.amount), chk.expr(("fees", fid, "when"), f.when))
        for fid, f in fees.items()
    }
    for fid, fee in fees.items():
        chk.sources(("fees", fid, "source"), fee.source)
    return nodes


def _check_parameters(chk: Checker) -> None:
    """Each parameter says what applied from the program's encoded start, and cites sources."""
    program = chk.program
    encoded_from = program.coverage_from or program.in_force.start
    for pid, p in program.parameters.items():
        if encoded_from is not None and p.values[0].start > encoded_from:
            chk.problems.append(
                (
                    ("parameters", pid, "values", 0, "from"),
                    f"starts {p.values[0].start}, after the program's encoded start "
                    f"{encoded_from}: say what applied before (null if unknown)",
                )
            )
        for i, v in enumerate(p.values):
            chk.sources(("parameters", pid, "values", i, "source"), v.source)
            loc: Loc = ("parameters", pid, "values", i)
            for j, r in enumerate(v.readings):
                chk.sources((*loc, "readings", j, "source"), r.source)
            for j, o in enumerate(v.orders):
                chk.sources((*loc, "orders", j, "source"), o.source)
            if v.pending is not None:
                chk.sources((*loc, "pending", "source"), v.pending.source)


def _check_citations(chk: Checker) -> None:
    """Scenarios, benefits and the in-force window cite known sources."""
    program = chk.program
    for sid, sc in program.scenarios.items():
        chk.sources(("scenarios", sid, "source"), sc.source)
        for name, svalues in sc.parameters.items():
            for i, sv in enumerate(svalues):
                chk.sources(("scenarios", sid, "parameters", name, i, "source"), sv.source)
    for key, benefit in program.benefits:
        chk.sources(("benefits", key, "source"), benefit.source)
    chk.sources(("in_force", "source"), program.in_force.source)


def _check_open_questions(chk: Checker) -> None:
    """An open question affects known items, and names a parameter a deployer may set."""
    program = chk.program
    known = set(chk.kinds) | set(program.fees) | set(type(program.benefits).model_fields)
    for i, q in enumerate(program.open_questions):
        for a in q.affects:
            if a not in known:
                chk.problems.append((("open_questions", i, "affects"), f"unknown item {a!r}"))
        if q.deployer_setting is not None and not (
            q.deployer_setting in program.parameters
            and settable(program.parameters[q.deployer_setting])
        ):
            chk.problems.append(
                (
                    ("open_questions", i, "deployer_setting"),
                    f"{q.deployer_setting!r} is not a parameter marked deployer_setting "
                    "or contested",
                )
            )


def _check_intake(chk: Checker) -> None:
    intake = chk.program.intake
    for name in [*intake.cap_parameters, intake.odds_parameter or ""]:
        if name and name not in chk.program.parameters:
            chk.problems.append((("intake",), f"unknown parameter {name!r}"))


def settable(p: Parameter) -> bool:
    """A deployer may set it: where the law is silent, or to pick a reading of contested law."""
    return p.deployer_setting or any(v.status == LegalStatus.contested for v in p.values)
