"""The compiled evaluator (rules/closures.py) against the tree-walker (rules/scalar.py).

Random expression trees over facts of every type (some of the wrong type), parameters,
criteria, points totals and the date: both evaluators give the same value, read the same
names in the same order, and refuse the same input with the same error. Then whole
assessments: assess() on the closures states exactly what it states on the tree-walker, and
every part the engine builds without validation is what validating it would make.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import warnings
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from talentvisa.rules import assess
from talentvisa.rules.assessment import Assessment
from talentvisa.rules.closures import compile_expression
from talentvisa.rules.expr import (
    Arith,
    BoolOp,
    Call,
    Compare,
    Const,
    IfElse,
    ListLit,
    Name,
    Neg,
    Node,
    Not,
)
from talentvisa.rules.facts import CONSTANTS
from talentvisa.rules.params import Settings
from talentvisa.rules.profile import Profile
from talentvisa.rules.scalar import Interval, evaluate

from .test_scalar_batch_agree import PROGRAMS, PROPERTY, dates, deployer_settings, profiles

ON = dt.date(2026, 6, 15)
KINDS = {
    "b": "fact",
    "c": "fact",
    "n": "fact",
    "x": "fact",
    "s": "fact",
    "d": "fact",
    "p": "parameter",
    "q": "parameter",
    "k": "criterion",
    "t": "points",
    "on": "date",
    "bachelor": "constant",
}
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(-2, 2, allow_nan=False),
    st.sampled_from(["a", "b"]),
    st.dates(dt.date(1990, 1, 1), dt.date(2030, 1, 1)),
)
LEAVES: st.SearchStrategy[Node] = st.one_of(
    st.builds(Const, SCALARS), st.sampled_from(sorted(KINDS)).map(Name)
)
CALLS = ["min", "max", "floor", "abs", "age", "years_since", "is_known", "overlaps", "nope"]


def _trees(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    two = st.tuples(children, children)
    return st.one_of(
        st.builds(
            BoolOp,
            st.sampled_from(["and", "or"]),
            st.lists(children, min_size=2, max_size=3).map(tuple),
        ),
        st.builds(Not, children),
        st.builds(
            lambda op, ab: Compare(op, *ab),
            st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "in", "notin"]),
            two,
        ),
        st.builds(lambda op, ab: Arith(op, *ab), st.sampled_from(["+", "-", "*", "/"]), two),
        st.builds(Neg, children),
        st.builds(IfElse, children, children, children),
        st.builds(ListLit, st.lists(children, max_size=2).map(tuple)),
        st.builds(
            Call, st.sampled_from(CALLS), st.lists(children, min_size=1, max_size=3).map(tuple)
        ),
    )


EXPRESSIONS = st.recursive(LEAVES, _trees, max_leaves=12)


class Values:
    """One evaluation's values and record, as the engine's scope holds them."""

    def __init__(self, facts: dict[str, Any], k: Any, t: Interval) -> None:
        self.facts, self.criteria, self.points = facts, {"k": k}, {"t": t}
        self.read: dict[str, Any] = {}


def _outcome(run: Any) -> tuple[str, Any]:
    try:
        return "value", run()
    except Exception as exc:  # the same refusal, whatever it is, is what is compared
        return type(exc).__name__, str(exc)


@PROPERTY
@given(
    EXPRESSIONS,
    st.fixed_dictionaries({n: SCALARS for n, kind in KINDS.items() if kind == "fact"}),
    st.fixed_dictionaries({"p": SCALARS, "q": SCALARS}),
    st.sampled_from([True, False, None]),
    st.tuples(st.integers(0, 5), st.integers(0, 5)).map(lambda b: Interval(min(b), max(b))),
)
def test_closures_and_tree_walker_agree(
    node: Node, facts: dict[str, Any], params: dict[str, Any], k: Any, t: Interval
) -> None:
    walked, compiled = Values(facts, k, t), Values(facts, k, t)

    def lookup(name: str) -> Any:
        kind = KINDS[name]
        if kind == "constant":
            return CONSTANTS[name]
        if kind == "date":
            return ON
        value = {"fact": facts.get(name), "parameter": params.get(name), "criterion": k}.get(
            kind, t
        )
        walked.read[name] = value
        return value

    want = _outcome(lambda: evaluate(node, lookup, ON))
    got = _outcome(lambda: compile_expression(node, KINDS, params, ON)(compiled))
    assert got == want, node
    assert list(compiled.read.items()) == list(walked.read.items()), node


@st.composite
def assessments(draw: st.DrawFn) -> tuple[dt.date, list[Profile], Settings]:
    on = draw(dates)
    return on, draw(st.lists(profiles(on), min_size=1, max_size=4)), draw(deployer_settings())


@settings(PROPERTY, max_examples=10)
@given(assessments())
def test_assess_on_closures_states_what_the_tree_walker_states(
    case: tuple[dt.date, list[Profile], Settings],
) -> None:
    on, people, chosen = case
    for cp in PROGRAMS:
        for person in people:
            try:
                walked = assess(cp, person, on, chosen, walk=True)
            except LookupError:  # a parameter without a value that day: both refuse
                continue
            compiled = assess(cp, person, on, chosen)
            assert compiled.model_dump_json() == walked.model_dump_json(), (cp.id, on)
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # a field of the wrong type warns on dumping
                validated = Assessment.model_validate(compiled.model_dump())
                assert validated.model_dump_json() == compiled.model_dump_json(), cp.id
            assert validated == compiled


def test_one_assessment_does_not_import_polars() -> None:
    """The scalar path pays nothing for the batch path's engine (rules/lazy.py)."""
    code = (
        "import sys, datetime as dt\n"
        "from talentvisa.rules import builtin_catalog, assess\n"
        "a = assess(builtin_catalog()['cn-k'], {'hsk_level': 4}, dt.date(2026, 6, 15))\n"
        "print(a.outcome.value, 'polars' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["unknown", "False"], out.stdout
