"""Every value in the shipped programs cites a source with its URL and the date it was read."""

from __future__ import annotations

import datetime as dt

import pytest

from talentvisa.rules import builtin_catalog
from talentvisa.rules.compiled import CompiledProgram

CATALOG = builtin_catalog()
FIRST_FOUR = ["cn-k", "cn-r", "cn-visa-free", "us-h1b"]


def test_catalog_has_the_first_four_programs() -> None:
    assert set(FIRST_FOUR) <= set(CATALOG)


@pytest.mark.parametrize("pid", sorted(CATALOG))
def test_every_parameter_value_cites_a_read_source(pid: str) -> None:
    cp: CompiledProgram = CATALOG[pid]
    prog = cp.program
    assert prog.parameters, f"{pid} has no parameters"
    for name, param in prog.parameters.items():
        for value in param.values:
            assert value.source, f"{pid}.{name} from {value.start} has no source"
            for sid in value.source:
                src = prog.sources[sid]
                assert src.url.startswith(("http://", "https://")), (pid, name, sid)
                assert dt.date(2025, 1, 1) <= src.read <= dt.date.today(), (pid, sid, src.read)


@pytest.mark.parametrize("pid", sorted(CATALOG))
def test_criteria_factors_fees_and_stated_benefits_cite_sources(pid: str) -> None:
    prog = CATALOG[pid].program
    for cid, c in prog.criteria.items():
        assert c.source and all(s in prog.sources for s in c.source), cid
    for table in prog.points.values():
        for fid, f in table.factors.items():
            assert f.source and all(s in prog.sources for s in f.source), fid
    for fid, fee in prog.fees.items():
        assert fee.source and all(s in prog.sources for s in fee.source), fid
    for key, b in prog.benefits:
        if b.value is not None:
            assert b.source and all(s in prog.sources for s in b.source), key
        else:
            assert b.note, f"{pid}: unpublished benefit {key} needs a note"


@pytest.mark.parametrize("pid", sorted(CATALOG))
def test_silent_law_is_null_with_a_note_never_a_guess(pid: str) -> None:
    prog = CATALOG[pid].program
    for name, param in prog.parameters.items():
        for v in param.values:
            if v.value is None:
                assert v.note, f"{pid}.{name}: null value without a note"


def test_k_visa_thresholds_ship_unknown_with_deployer_settings() -> None:
    prog = CATALOG["cn-k"].program
    for name in ("max_age", "min_experience_years", "well_known_max_rank"):
        param = prog.parameters[name]
        assert param.deployer_setting
        assert all(v.value is None for v in param.values), f"{name} must not invent a number"
    settable = {q.deployer_setting for q in prog.open_questions if q.deployer_setting}
    assert {"max_age", "min_experience_years", "well_known_max_rank"} <= settable
