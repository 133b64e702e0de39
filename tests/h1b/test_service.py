"""The H-1B use cases in process, on a real migrated SQLite database: the declared workflow
refuses each step from every state it is not taken from, writes nothing when it does, and the
context's clock stamps the season."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from talentvisa.audit import keys
from talentvisa.auth import service as auth
from talentvisa.auth.models import Role
from talentvisa.cases.service import CaseContext
from talentvisa.db import migrate
from talentvisa.db.engine import make_engine, session_factory, transaction
from talentvisa.h1b import service, workflow
from talentvisa.h1b.context import H1bContext
from talentvisa.h1b.schemas import PetitionIn, RegistrationIn, RoundIn, SeasonIn
from talentvisa.h1b.workflow import IllegalStep, SeasonState
from talentvisa.rules.loader import builtin_catalog, settings_from_env
from talentvisa.service_errors import Conflict
from tests.h1b.test_http_races import registration

SEASON = "FY2031"
MOMENTS = iter(dt.datetime(2030, 3, d, 12, tzinfo=dt.UTC) for d in range(1, 29))


@pytest.fixture(scope="module")
def programs() -> CaseContext:
    catalog = builtin_catalog()
    return CaseContext(
        catalog, settings_from_env(catalog), Path("unused"), lambda: dt.date(2030, 3, 1)
    )


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'h1b.sqlite3'}")
    migrate.upgrade(engine)
    keys.bind(engine, tmp_path)
    with transaction(session_factory(engine)) as s:
        yield s
    engine.dispose()


@pytest.fixture
def made(session: Session, programs: CaseContext) -> tuple[H1bContext, H1bContext]:
    """An admin's and an employer's context, and a draft season the admin created."""
    admin = auth.create_user(session, "admin@example.org", "a-long-test-password", Role.admin)
    employer = auth.create_user(session, "hr@example.org", "a-long-test-password", Role.employer)
    clock: Callable[[], dt.datetime] = lambda: next(MOMENTS)  # noqa: E731 - one moment a step
    ctx = H1bContext(session, admin, programs, clock)
    service.create_season(ctx, SeasonIn(season=SEASON, regular_target=1, advanced_target=0))
    return ctx, H1bContext(session, employer, programs)


def steps(admin: H1bContext, employer: H1bContext) -> dict[str, Callable[[], object]]:
    """Every season step but the beacon's (a season without a beacon refuses that first)."""
    return {
        "open": lambda: service.open_season(admin, SEASON),
        "close": lambda: service.close_season(admin, SEASON),
        "register": lambda: service.register(
            employer, SEASON, RegistrationIn.model_validate(registration("P1234567"))
        ),
        "draw": lambda: service.draw(admin, SEASON),
        "further_round": lambda: service.further_round(
            admin, SEASON, RoundIn(cap="regular", target=1)
        ),
    }


def test_every_season_step_is_refused_outside_its_states_and_writes_nothing(
    session: Session, made: tuple[H1bContext, H1bContext]
) -> None:
    admin, employer = made
    take = steps(admin, employer)
    path = ["open", "register", "close", "draw"]  # draft -> open -> (open) -> closed -> drawn
    for state in SeasonState:
        season = service.season_named(session, SEASON)
        assert season.state == state
        for action, run in take.items():
            step = workflow.SEASON_STEPS[action]
            if state in step.sources:
                continue
            before = (season.state, season.version)
            with pytest.raises(IllegalStep) as refused:
                run()
            assert refused.value.status == 409 and isinstance(refused.value, Conflict)
            assert f" is {state.value}" in refused.value.message
            assert (season.state, season.version) == before
        while path and state in workflow.SEASON_STEPS[path[0]].sources:
            take[path.pop(0)]()
    assert path == []


def test_the_refusals_say_what_they_said_before_the_workflow_was_declared(
    made: tuple[H1bContext, H1bContext],
) -> None:
    admin, employer = made
    take = steps(admin, employer)
    said = {}
    for action in ("close", "register", "draw", "further_round"):
        with pytest.raises(IllegalStep) as refused:
            take[action]()
        said[action] = refused.value.message
    assert said == {
        "close": f"season {SEASON} is draft; it must be open to become closed",
        "register": f"the registration window for {SEASON} is draft, not open",
        "draw": f"season {SEASON} is draft; close the window first",
        "further_round": f"season {SEASON} is draft; a further round follows the draw",
    }
    take["open"]()
    with pytest.raises(IllegalStep, match=f"season {SEASON} is open; it must be draft to become"):
        take["open"]()


def test_a_petition_waits_for_the_selection(made: tuple[H1bContext, H1bContext]) -> None:
    admin, employer = made
    service.open_season(admin, SEASON)
    reg = service.register(
        employer, SEASON, RegistrationIn.model_validate(registration("P7654321"))
    )
    petition = PetitionIn.model_validate(
        {
            "beneficiary_location": "US",
            "immigration_status": "F-1",
            "petition_type": "change_of_status",
            "consular_notification": False,
            "employer": {"fte": 120, "nonprofit": False},
            "highest_degree": "master",
        }
    )
    with pytest.raises(IllegalStep, match=r"a petition \(this one is submitted\)$"):
        service.file_petition(employer, reg.id, petition)
    service.close_season(admin, SEASON)
    service.draw(admin, SEASON)  # one registration, one place: selected
    filed = service.file_petition(employer, reg.id, petition)
    assert filed.status == workflow.RegistrationStatus.petition_filed == "petition_filed"
    assert filed.petition is not None and filed.petition["filed_on"] == "2030-03-01"
    with pytest.raises(IllegalStep, match=r"\(this one is petition_filed\)$"):
        service.file_petition(employer, reg.id, petition)


def test_the_context_clock_stamps_each_state_entered(
    session: Session, made: tuple[H1bContext, H1bContext]
) -> None:
    admin, employer = made
    ticks = [dt.datetime(2030, 4, 1, h, tzinfo=dt.UTC) for h in (9, 10, 11)]
    admin = H1bContext(session, admin.user, admin.programs, iter(ticks).__next__)
    service.open_season(admin, SEASON)
    service.register(employer, SEASON, RegistrationIn.model_validate(registration("P1111111")))
    service.close_season(admin, SEASON)
    service.draw(admin, SEASON)
    session.flush()
    session.expire_all()  # read back what was stored
    season = service.season_named(session, SEASON)
    assert [season.opened_at, season.closed_at, season.drawn_at] == ticks
