"""assess(program, profile, on): the scalar, fully explained evaluation of one profile."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from talentvisa.rules.assessment import (
    Assessment,
    BenefitLine,
    ContestedLine,
    CourtOrderLine,
    CriterionTrace,
    DocumentLine,
    FactorScore,
    FeeLine,
    FeeReading,
    FeeStatus,
    GroupScore,
    Outcome,
    ParameterRead,
    PayerTotal,
    PointsResult,
    QuestionLine,
    ReadingLine,
)
from talentvisa.rules.codes import currencies
from talentvisa.rules.compiled import CompiledProgram
from talentvisa.rules.expr import BoolOp, Name, Node, Not
from talentvisa.rules.facts import CONSTANTS, FACTS, facts_of
from talentvisa.rules.messages import Message, message, not_in_force
from talentvisa.rules.model import Band, Factor, Payer
from talentvisa.rules.params import NO_SETTINGS, Resolved, Settings
from talentvisa.rules.prepared import Prepared, prepared, settings_hash
from talentvisa.rules.profile import Profile
from talentvisa.rules.scalar import Interval, evaluate, kleene_if

__all__ = ["assess", "settings_hash"]  # settings_hash lives in prepared.py, read from here


def band_points(bands: list[Band], value: float) -> float:
    """Points of the first band containing ``value``; 0 when none does."""
    for b in bands:
        if (b.at_least is None or value >= b.at_least) and (b.below is None or value < b.below):
            return b.points
    return 0.0


def add_in_order(values: Iterable[float]) -> float:
    """Left-to-right float sum; Python 3.12's sum() compensates, and the batch path does not."""
    return functools.reduce(operator.add, values, 0.0)


def rule_points(f: Factor, conditions: list[bool | None]) -> tuple[float, float]:
    """Bounds of a rules-factor when some conditions are unknown."""
    assert f.rules is not None
    agg = max if f.combine == "max" else add_in_order
    lo = agg([r.points for r, c in zip(f.rules, conditions, strict=True) if c is True] + [0.0])
    hi = agg([r.points for r, c in zip(f.rules, conditions, strict=True) if c is not False] + [0.0])
    return min(lo, f.cap), min(hi, f.cap)


def clip(value: float, cap: float) -> float:
    return max(0.0, min(float(value), cap))


@dataclass
class _Scope:
    """Name resolution for one evaluation, recording what each step read.

    Expressions run as the prepared closures while ``params`` are the prepared ones; a fee
    under another reading of contested law swaps them, and runs on the tree-walker.
    """

    facts: Mapping[str, Any]
    params: dict[str, Resolved]
    on: dt.date
    cp: CompiledProgram
    prepared: Prepared | None = None
    criteria: dict[str, bool | None] = field(default_factory=dict)
    points: dict[str, Interval] = field(default_factory=dict)
    read: dict[str, Any] = field(default_factory=dict)

    def lookup(self, name: str) -> Any:
        kind = self.cp.kinds[name]
        if kind == "fact":
            value = self.facts.get(name)
        elif kind == "parameter":
            value = self.params[name].value
        elif kind == "criterion":
            value = self.criteria[name]
        elif kind == "points":
            value = self.points[name]
        elif kind == "constant":
            return CONSTANTS[name]
        else:
            return self.on
        self.read[name] = value
        return value

    def run(self, node: Node) -> tuple[Any, dict[str, Any]]:
        self.read = {}
        p = self.prepared
        if p is not None and self.params is p.params:
            fn = p.closures.get(id(node)) or p.closure(node)
            value = fn(self)
        else:
            value = evaluate(node, self.lookup, self.on)
        return value, self.read


def assess(
    cp: CompiledProgram,
    profile: Profile | Mapping[str, Any],
    on: dt.date,
    settings: Settings = NO_SETTINGS,
    *,
    walk: bool = False,
) -> Assessment:
    """The explained assessment of one profile. ``walk`` evaluates with the tree-walker
    (scalar.evaluate), the reference the compiled closures are tested against."""
    facts = facts_of(profile) if isinstance(profile, Profile) else profile
    outside = coverage_outcome(cp, on)
    if outside is not None:
        head = _head(cp, on, settings_hash(cp, settings))
        return Assessment.made(**head, **_nothing_evaluated(), **outside)
    prep = prepared(cp, on, settings)
    scope = _Scope(facts, prep.params, on, cp, None if walk else prep)
    run = evaluate_program(cp, scope)
    explained = _explained(cp, run, prep)
    return Assessment.made(**_head(cp, on, prep.hash), **explained, in_force=True)


def _head(cp: CompiledProgram, on: dt.date, program_hash: str) -> dict[str, Any]:
    """What every assessment of the program says, whatever the profile."""
    prog = cp.program
    return {
        "program_id": prog.id,
        "program_name": prog.name,
        "program_version": prog.version,
        "program_hash": program_hash,
        "on": on,
        "benefits": list(cp.memo("benefits", functools.partial(_benefits, cp))),
    }


def _nothing_evaluated() -> dict[str, Any]:
    return {
        "criteria": [],
        "parameters": [],
        "points": [],
        "fees": [],
        "totals": [],
        "documents": [],
        "open_questions": [],
        "reasons": [],
        "selection": None,
        "tiers": {},
    }


def coverage_outcome(cp: CompiledProgram, on: dt.date) -> dict[str, Any] | None:
    """The outcome on a date the program's rules are not assessed: ineligible outside its
    in-force window, unknown before the date its encoding covers; None on any other date."""
    prog = cp.program
    window = prog.in_force
    if not prog.in_force_on(on):
        return {
            **_noted([not_in_force(on, window.start, window.before)]),
            "in_force": False,
            "outcome": Outcome.ineligible,
        }
    if not prog.encoded_on(on):
        return {
            **_noted([message("not_encoded", coverage_from=prog.coverage_from)]),
            "in_force": True,
            "outcome": Outcome.unknown,
        }
    return None


@dataclass
class Evaluation:
    """Every value one assessment computed, before the notes and questions that explain it."""

    params: dict[str, Resolved]
    points: list[PointsResult]
    traces: dict[str, CriterionTrace]
    outcome: Outcome
    reasons: list[str]
    tiers: dict[str, Outcome]
    fees: list[FeeLine]
    documents: list[DocumentLine]
    selection: dict[str, Any] | None
    params_used: set[str]


def evaluate_program(cp: CompiledProgram, scope: _Scope) -> Evaluation:
    """Points tables, then criteria in dependency order, then what reads them."""
    prog = cp.program
    points = [_score_table(cp, tid, scope) for tid in prog.points]
    params_used: set[str] = set()
    traces = {cid: _criterion(cp, cid, scope, params_used) for cid in cp.order}
    outcome_value, _ = scope.run(cp.eligibility)
    reasons = _explain(cp, cp.eligibility, outcome_value, scope)
    tiers = {tid: Outcome.of(scope.run(node)[0]) for tid, node in cp.tier_nodes}
    fees = [_fee(cp, fid, scope, params_used) for fid in prog.fees]
    for _, node in cp.tier_nodes:
        params_used |= {n for n in scope.run(node)[1] if cp.kinds[n] == "parameter"}
    documents = [
        DocumentLine.made(id=d.id, label=d.label, required=Outcome.of(scope.run(node)[0]))
        for d, (_, node) in zip(prog.documents, cp.document_nodes, strict=True)
    ]
    selection = None
    if prog.intake.capped:
        cap_names = [n for n in [*prog.intake.cap_parameters, prog.intake.odds_parameter] if n]
        selection = {n: scope.params[n].value for n in cap_names}
        params_used |= set(cap_names)
    return Evaluation(
        params=scope.params,
        points=points,
        traces=traces,
        outcome=Outcome.of(outcome_value),
        reasons=reasons,
        tiers=tiers,
        fees=fees,
        documents=documents,
        selection=selection,
        params_used=params_used,
    )


def _explained(cp: CompiledProgram, run: Evaluation, prep: Prepared) -> dict[str, Any]:
    """An evaluation's parts of an Assessment, with the notes and questions that explain it."""
    prog, params, used = cp.program, run.params, run.params_used
    contested = [
        prep.part("contested:" + n, functools.partial(_contested, cp, params[n]))
        for n in prog.parameters
        if n in used
    ]
    reads = [
        prep.part("read:" + n, functools.partial(_param_read, cp, params[n]))
        for n in prog.parameters
        if n in used
    ]
    return {
        **_noted(_notes(cp, run)),
        "outcome": run.outcome,
        "reasons": run.reasons,
        "criteria": [run.traces[c] for c in prog.criteria],
        "parameters": reads,
        "points": run.points,
        "tiers": run.tiers,
        "selection": run.selection,
        "fees": run.fees,
        "totals": _totals(run.fees),
        "documents": run.documents,
        "open_questions": open_questions(cp, run),
        "contested": [c for c in contested if c is not None],
    }


def _notes(cp: CompiledProgram, run: Evaluation) -> list[Message]:
    """The deployer settings the assessment used, and amounts left unconverted."""
    params = run.params
    return [
        message(
            "deployer_setting",
            parameter=n,
            value=params[n].chosen or params[n].value,
            note=params[n].note,
        )
        for n in sorted(run.params_used)
        if params[n].origin == "deployer"
    ] + (_not_converted(cp, run.traces) if run.outcome == Outcome.unknown else [])


def open_questions(cp: CompiledProgram, run: Evaluation) -> list[QuestionLine]:
    """The program's open questions that bear on this assessment.

    A question bears on it when an item it affects is unknown here (an unknown criterion, a
    silent parameter, a fee or benefit without a value), or, for a ``when_used`` question,
    when the assessment merely used an item it affects.
    """
    prog, params = cp.program, run.params
    touched = (
        {c for c, t in run.traces.items() if t.outcome == Outcome.unknown}
        # a contested value is not silent law: its own questions name it (when_used)
        | {n for n in run.params_used if params[n].value is None and not params[n].contested}
        | {f.id for f in run.fees if f.status == FeeStatus.unknown or f.amount is None}
        | cp.memo("benefits:unknown", lambda: {k for k, b in prog.benefits if b.value is None})
    )
    used = (
        set(run.traces)
        | run.params_used
        | {f.id for f in run.fees if f.status != FeeStatus.not_due}
        | cp.memo("benefits:keys", lambda: {key for key, _ in prog.benefits})
    )
    return [
        QuestionLine.made(id=q.id, question=q.question, deployer_setting=q.deployer_setting)
        for q in prog.open_questions
        if (touched | (used if q.when_used else set[str]())) & set(q.affects)
    ]


@functools.cache
def currency_facts() -> tuple[str, ...]:
    """Facts naming the currency of an amount that a criterion compares with a threshold:
    by the declarations' naming rule, those called `..._currency` (docs/facts.md), so a new
    country's currency fact gets the same note without an edit here."""
    return tuple(name for name in FACTS if name.endswith("_currency"))


def _not_converted(cp: CompiledProgram, traces: dict[str, CriterionTrace]) -> list[Message]:
    """Notes for criteria that compare an amount given in another currency than the law's.

    No program file's authority publishes a conversion (docs/answers.md), so such an amount is
    never converted: the criterion stays unknown and this says why.
    """
    out: list[Message] = []
    for t in traces.values():
        if t.outcome != Outcome.unknown:
            continue
        wanted = {_currency_of(cp.program.parameters[n].unit) for n in t.parameters} - {None}
        for f in currency_facts():
            given = t.facts.get(f)
            if given is not None and wanted and given not in wanted:
                out.append(message("not_converted", criterion=t.id, currency=given))
    return out


def _currency_of(unit: str | None) -> str | None:
    """The currency of a parameter's unit ("EUR/year" -> EUR), None if it is not money."""
    head = (unit or "").split("/")[0]
    return head if head in currencies() else None


def _noted(messages: list[Message]) -> dict[str, Any]:
    """An Assessment's notes: in English, and as message codes for other languages."""
    return {"notes": [m.english() for m in messages], "messages": messages}


def _criterion(cp: CompiledProgram, cid: str, scope: _Scope, used: set[str]) -> CriterionTrace:
    c = cp.program.criteria[cid]
    value, read = scope.run(cp.criteria[cid])
    applied: str | None = None
    reads = read  # each run records into a dict of its own
    for eid, enode, then in reversed(cp.exceptions[cid]):
        cond, eread = scope.run(enode)
        if cond is True or (cond is None and value != then):
            reads |= eread  # an exception that cannot change the result is not a reason
        if cond is True:
            applied = eid
        value = kleene_if(cond, then, value)
    scope.criteria[cid] = value
    kinds = cp.kinds
    facts: dict[str, Any] = {}
    parameters: list[str] = []
    points: dict[str, tuple[float, float]] = {}
    criteria: dict[str, Outcome] = {}
    for n, v in reads.items():  # one pass: this loop runs for every criterion of every person
        kind = kinds[n]
        if kind == "fact":
            facts[n] = v
        elif kind == "parameter":
            parameters.append(n)
        elif kind == "points":
            points[n] = (v.lo, v.hi)
        elif kind == "criterion":
            criteria[n] = Outcome.of(v)
    used.update(parameters)
    return CriterionTrace.made(
        id=cid,
        label=c.label,
        outcome=Outcome.of(value),
        expression=cp.expressions[cid],
        facts=facts,
        missing=sorted(n for n, v in facts.items() if v is None),
        parameters=sorted(parameters),
        points=points,
        criteria=criteria,
        exception=applied,
        sources=cp.source_refs(c.source),
        note=c.note,
    )


def _score_table(cp: CompiledProgram, tid: str, scope: _Scope) -> PointsResult:
    table = cp.program.points[tid]
    scores: list[FactorScore] = []
    for fid, f in table.factors.items():
        nodes = cp.factor_nodes[tid][fid]
        results = [scope.run(n) for n in nodes]
        missing = sorted({n for _, r in results for n, v in r.items() if v is None})
        if f.bands is not None:
            v = results[0][0]
            lo, hi = f.bounds() if v is None else (min(band_points(f.bands, v), f.cap),) * 2
        elif f.rules is not None:
            lo, hi = rule_points(f, [r[0] for r in results])
        else:
            v = results[0][0]
            lo, hi = f.bounds() if v is None else (clip(v, f.cap),) * 2
        scores.append(
            FactorScore.made(id=fid, label=f.label, min=lo, max=hi, cap=f.cap, missing=missing)
        )
    by_id = {s.id: s for s in scores}
    groups = [
        GroupScore.made(
            id=gid,
            label=g.label,
            min=min(add_in_order(by_id[f].min for f in g.factors), g.cap),
            max=min(add_in_order(by_id[f].max for f in g.factors), g.cap),
            cap=g.cap,
            factors=list(g.factors),
        )
        for gid, g in table.groups.items()
    ]
    # Ungrouped factors in table order, then each group's capped sub-total (vector.py adds
    # in the same order).
    loose = [by_id[fid] for fid in table.ungrouped()]
    total = Interval(
        add_in_order([s.min for s in loose] + [g.min for g in groups]),
        add_in_order([s.max for s in loose] + [g.max for g in groups]),
    )
    scope.points[tid] = total
    return PointsResult.made(
        id=tid, label=table.label, min=total.lo, max=total.hi, factors=scores, groups=groups
    )


def _fee(cp: CompiledProgram, fid: str, scope: _Scope, used: set[str]) -> FeeLine:
    f = cp.program.fees[fid]
    amount_node, when_node = cp.fee_nodes[fid]
    amount, aread = scope.run(amount_node)
    applies, wread = scope.run(when_node)
    used |= {n for n in {**aread, **wread} if cp.kinds[n] == "parameter"}
    status = _fee_status(applies, amount)
    missing = sorted(n for n, v in {**aread, **wread}.items() if v is None)
    read_params = [n for n in {**aread, **wread} if cp.kinds[n] == "parameter"]
    readings = [r for n in read_params for r in _fee_readings(cp, fid, scope, n)]
    return FeeLine.made(
        id=fid,
        label=f.label,
        status=status,
        amount=None if amount is None else float(amount),
        currency=f.currency,
        payer=f.payer,
        frequency=f.frequency,
        stage=f.stage,
        optional=f.optional,
        missing=missing,
        note=f.note,
        sources=cp.source_refs(f.source),
        readings=readings,
    )


def _fee_status(applies: Any, amount: Any) -> FeeStatus:
    if applies is False or amount == 0:
        return FeeStatus.not_due
    return FeeStatus.unknown if applies is None else FeeStatus.due


def _fee_readings(cp: CompiledProgram, fid: str, scope: _Scope, name: str) -> list[FeeReading]:
    """The fee under each reading of contested parameter ``name`` (none if it is not)."""
    r = scope.params[name]
    if not r.contested or r.entry is None:
        return []
    amount_node, when_node = cp.fee_nodes[fid]
    out: list[FeeReading] = []
    saved = scope.params
    try:
        for reading in r.entry.readings:
            scope.params = {**saved, name: dataclasses.replace(r, value=reading.value)}
            amount, applies = scope.run(amount_node)[0], scope.run(when_node)[0]
            out.append(
                FeeReading.made(
                    parameter=name,
                    reading=reading.id,
                    label=reading.label,
                    status=_fee_status(applies, amount),
                    amount=None if amount is None else float(amount),
                )
            )
    finally:
        scope.params = saved
    return out


def _contested(cp: CompiledProgram, r: Resolved) -> ContestedLine | None:
    if not r.contested or r.entry is None:
        return None
    e = r.entry
    return ContestedLine.made(
        parameter=r.name,
        description=cp.program.parameters[r.name].description,
        valid_from=e.start,
        valid_before=e.before,
        note=e.note,
        readings=[
            ReadingLine.made(
                id=x.id, label=x.label, value=x.value, sources=cp.source_refs(x.source)
            )
            for x in e.readings
        ],
        orders=[
            CourtOrderLine.made(court=o.court, case=o.case, date=o.date, url=o.url, effect=o.effect)
            for o in e.orders
        ],
        pending=None if e.pending is None else e.pending.event,
        pending_date=None if e.pending is None else e.pending.date,
        deployer_choice=r.chosen,
    )


def _totals(fees: list[FeeLine]) -> list[PayerTotal]:
    out: dict[tuple[str, str], tuple[float, list[str]]] = {}
    for f in fees:
        if f.optional or f.status == FeeStatus.not_due:
            continue
        due, unknown = out.get((f.payer.value, f.currency), (0.0, []))
        if f.status == FeeStatus.due and f.amount is not None:
            due += f.amount
        else:
            unknown = [*unknown, f.id]
        out[(f.payer.value, f.currency)] = (due, unknown)
    return [
        PayerTotal.made(payer=Payer(p), currency=c, due=d, unknown_fees=u)
        for (p, c), (d, u) in sorted(out.items())
    ]


def _benefits(cp: CompiledProgram) -> list[BenefitLine]:
    return [
        BenefitLine.made(
            key=key,
            value=b.value,
            summary=b.summary,
            note=b.note,
            sources=cp.source_refs(b.source),
        )
        for key, b in cp.program.benefits
    ]


def _param_read(cp: CompiledProgram, r: Resolved) -> ParameterRead:
    return ParameterRead.made(
        name=r.name,
        value=r.value,
        origin=r.origin,
        valid_from=r.start,
        valid_before=r.before,
        note=r.note,
        sources=cp.source_refs(r.source),
    )


def _explain(cp: CompiledProgram, node: Node, value: Any, scope: _Scope) -> list[str]:
    """Leaf criteria that decide ``node``'s value: the failing ones of a false `and`, etc."""
    out: list[str] = []

    def walk(n: Node, v: Any) -> None:
        if isinstance(n, Name) and cp.kinds.get(n.id) == "criterion":
            before = len(out)
            excepted = any(scope.run(en)[0] is True for _, en, _ in cp.exceptions.get(n.id, []))
            if not excepted:
                walk(cp.criteria[n.id], scope.criteria[n.id])
            if len(out) == before:  # a leaf: nothing below it decides
                out.append(n.id)
        elif isinstance(n, Not):
            walk(n.item, None if v is None else not v)
        elif isinstance(n, BoolOp):
            values = [(item, scope.run(item)[0]) for item in n.items]
            decisive = n.op == "or"
            if v == decisive:
                chosen = [i for i, iv in values if iv == decisive]
            elif v is None:
                chosen = [i for i, iv in values if iv is None]
            else:
                chosen = [i for i, _ in values]
            for item in chosen:
                walk(item, v)

    walk(node, value)
    return list(dict.fromkeys(out))
