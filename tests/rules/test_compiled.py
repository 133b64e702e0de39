"""Steps of compile_program (rules/compiled.py) checked alone."""

from __future__ import annotations

import pytest

from talentvisa.rules import builtin_catalog
from talentvisa.rules.compiled import Checker, Loc, criteria_order, name_kinds
from talentvisa.rules.expr import parse

CATALOG = builtin_catalog()
K = CATALOG["cn-k"].program


def test_a_criterion_comes_after_every_criterion_it_reads() -> None:
    graph = {"route": {"degree", "age"}, "age": set(), "degree": {"field"}, "field": set()}
    problems: list[tuple[Loc, str]] = []
    order = criteria_order(graph, problems)
    assert problems == []
    assert sorted(order) == sorted(graph)
    for criterion, reads in graph.items():
        assert all(order.index(r) < order.index(criterion) for r in reads)


def test_criteria_in_a_cycle_are_one_problem_and_keep_their_file_order() -> None:
    problems: list[tuple[Loc, str]] = []
    order = criteria_order({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}, problems)
    assert order == ["a", "b", "c", "d"]
    [(loc, message)] = problems
    assert loc == ("criteria",)
    assert message.startswith("criteria refer to each other in a cycle: [")


@pytest.mark.parametrize("pid", sorted(CATALOG))
def test_every_name_a_builtin_program_reads_has_one_kind(pid: str) -> None:
    kinds, problems = name_kinds(CATALOG[pid].program)
    assert problems == []
    assert kinds == CATALOG[pid].kinds


def test_a_name_that_is_already_a_fact_or_reserved_is_a_problem() -> None:
    param = next(iter(K.parameters.values()))
    criterion = next(iter(K.criteria.values()))
    program = K.model_copy(
        update={
            "parameters": {**K.parameters, "date_of_birth": param},
            "criteria": {**K.criteria, "outcome": criterion},
        }
    )
    kinds, problems = name_kinds(program)
    assert problems == [
        (("criteria",), "'outcome' is a reserved name"),
        (("parameters", "date_of_birth"), "name 'date_of_birth' is already a fact"),
    ]
    assert kinds["date_of_birth"] == "parameter"  # the later declaration wins, reported


def test_the_checker_reports_unknown_names_sorted_at_their_location() -> None:
    kinds, _ = name_kinds(K)
    chk = Checker(K, kinds, [])
    node = chk.expr(("tiers", 0, "when"), "zeta > 1 and date_of_birth and alpha")
    assert node == parse("zeta > 1 and date_of_birth and alpha")
    chk.sources(("fees", "visa", "source"), [next(iter(K.sources)), "nowhere"])
    assert chk.problems == [
        (("tiers", 0, "when"), "unknown name 'alpha' (not a fact, parameter or criterion)"),
        (("tiers", 0, "when"), "unknown name 'zeta' (not a fact, parameter or criterion)"),
        (("fees", "visa", "source"), "unknown source id 'nowhere'"),
    ]
