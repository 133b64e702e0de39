"""Collect each program folder's tests/<program-id>.yaml as test cases, one test per case.

The cases live beside their programs (src/talentvisa/programs/<cc>/tests/<id>.yaml); this
conftest collects them all whenever tests/programs is collected, so `pytest tests/programs`
runs every case and node ids name the case file itself.

A case gives a profile, a date, optional deployer settings, and what it expects. Every case is
run through the scalar engine and, for the outcome, criteria and points totals, through the
batch path too.

    program: cn-k
    cases:
      - name: a STEM master's from a top-50 university
        date: 2026-01-01
        settings: {max_age: {value: 35, note: test}}
        profile: {date_of_birth: 1999-05-01, degrees: [{level: master, cip: "11.0701"}]}
        expect:
          outcome: unknown
          criteria: {stem_degree: eligible}
          missing: {age_requirement: [date_of_birth]}
          points: {work_permit: [99, 99]}
          factor_points: {age: 105, education: [0, 150]}
          group_points: {transferability: 100}
          tiers: {A: eligible}
          fees: {proclamation: {status: due, amount: 100000}}
          totals: {employer USD: 103595}
          reasons: [well_known_institution]
          open_questions: [age_limit]
          notes_contain: not in force
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from talentvisa.rules import Profile, assess, builtin_catalog
from talentvisa.rules.assessment import Assessment
from talentvisa.rules.batch import assess_population, from_profiles
from talentvisa.rules.declarations import builtin_program_dir
from talentvisa.rules.params import DeployerValue, ParameterOutOfRange, Settings

HERE = Path(__file__)


def case_files() -> list[Path]:
    return sorted(builtin_program_dir().glob("*/tests/*.yaml"))


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    # Hung on this conftest itself: it is in tests/programs, and the cases are not.
    return AllCases.from_parent(parent, path=file_path) if file_path == HERE else None


class AllCases(pytest.File):
    """Every program folder's case files."""

    def collect(self) -> Iterator[pytest.Collector]:
        for path in case_files():
            yield ProgramCases.from_parent(self, path=path)


class ProgramCases(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        doc = yaml.safe_load(self.path.read_text("utf-8"))
        assert doc["program"] == self.path.stem, "test file must mirror its program file"
        for i, case in enumerate(doc["cases"]):
            yield ProgramCase.from_parent(
                self, name=f"{i:02d} {case['name']}", program=doc["program"], case=case
            )


class ProgramCase(pytest.Item):
    def __init__(self, *, program: str, case: dict[str, Any], **kw: Any) -> None:
        super().__init__(**kw)
        self.program, self.case = program, case

    def runtest(self) -> None:
        cp = builtin_catalog()[self.program]
        case = self.case
        # `date`, not `on`: YAML 1.1 reads a bare `on` key as the boolean True.
        on = case["date"]
        on = on if isinstance(on, dt.date) else dt.date.fromisoformat(on)
        settings = Settings(
            {
                self.program: {
                    k: DeployerValue(v["value"], v["note"])
                    for k, v in (case.get("settings") or {}).items()
                }
            }
        )
        profile = Profile.model_validate(case.get("profile") or {})
        expect = case["expect"]
        if "error" in expect:
            with pytest.raises(ParameterOutOfRange, match=expect["error"]):
                assess(cp, profile, on, settings)
            return
        a = assess(cp, profile, on, settings)
        check(a, expect)
        batch = assess_population([cp], from_profiles([profile]), on, settings).row(0, named=True)
        assert batch[f"{self.program}:outcome"] == a.outcome.value, "batch path disagrees"
        for c in a.criteria:
            got = batch[f"{self.program}:{c.id}"]
            assert {None: "unknown", True: "eligible", False: "ineligible"}[got] == c.outcome.value
        for pts in a.points:
            ends = (batch[f"{self.program}:points:{pts.id}:{end}"] for end in ("min", "max"))
            assert tuple(ends) == (pts.min, pts.max), f"batch points {pts.id} disagree"

    def reportinfo(self) -> tuple[Any, int, str]:
        return self.path, 0, f"{self.program}: {self.name}"


def check(a: Assessment, expect: dict[str, Any]) -> None:
    if "outcome" in expect:
        assert a.outcome.value == expect["outcome"], (a.outcome, a.reasons, a.notes)
    for cid, outcome in (expect.get("criteria") or {}).items():
        assert a.criterion(cid).outcome.value == outcome, (cid, a.criterion(cid))
    for cid, missing in (expect.get("missing") or {}).items():
        assert a.criterion(cid).missing == sorted(missing), (cid, a.criterion(cid).missing)
    for tid, (lo, hi) in (expect.get("points") or {}).items():
        table = next(p for p in a.points if p.id == tid)
        assert (table.min, table.max) == (lo, hi), table
    for fid, pts in (expect.get("factor_points") or {}).items():
        factor = next(f for p in a.points for f in p.factors if f.id == fid)
        assert [factor.min, factor.max] == ([pts, pts] if not isinstance(pts, list) else pts)
    for gid, pts in (expect.get("group_points") or {}).items():
        group = next(g for p in a.points for g in p.groups if g.id == gid)
        assert [group.min, group.max] == ([pts, pts] if not isinstance(pts, list) else pts), group
    for tid, outcome in (expect.get("tiers") or {}).items():
        assert a.tiers[tid].value == outcome, (tid, a.tiers)
    for fid, want in (expect.get("fees") or {}).items():
        fee = a.fee(fid)
        if "status" in want:
            assert fee.status.value == want["status"], (fid, fee)
        if "amount" in want:
            assert fee.amount == want["amount"], (fid, fee)
    for key, due in (expect.get("totals") or {}).items():
        payer, currency = key.split()
        total = next(t for t in a.totals if t.payer.value == payer and t.currency == currency)
        assert total.due == due, total
    if "reasons" in expect:
        assert a.reasons == expect["reasons"], a.reasons
    if "open_questions" in expect:
        assert [q.id for q in a.open_questions] == expect["open_questions"]
    if "exception" in expect:
        cid, eid = expect["exception"]
        assert a.criterion(cid).exception == eid
    if "notes_contain" in expect:
        assert any(expect["notes_contain"] in n for n in a.notes), a.notes
