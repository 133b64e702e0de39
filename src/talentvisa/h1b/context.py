"""What one H-1B use case runs with: its unit of work, who asks, the programs and the time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from talentvisa.auth.models import User
from talentvisa.db.base import now
from talentvisa.rules.compiled import CompiledProgram
from talentvisa.rules.params import Settings


class Programs(Protocol):
    """The compiled catalog and deployment settings that fees are read from, and today's
    date for them (the cases domain's CaseContext is one)."""

    @property
    def catalog(self) -> dict[str, CompiledProgram]: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def today(self) -> Callable[[], dt.date]: ...


@dataclass(frozen=True)
class H1bContext:
    """The caller's transaction (the adapter opens and commits it), the caller, and the clock
    that stamps the season's steps and is checked against a beacon round's time."""

    session: Session
    user: User
    programs: Programs
    clock: Callable[[], dt.datetime] = now

    def today(self) -> dt.date:
        return self.programs.today()
