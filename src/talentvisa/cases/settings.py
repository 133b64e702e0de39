"""The agency's settings: the values it chose where a program's law is silent, versioned.

A program marks the parameters a deployer may set (`deployer_setting: true`, or contested law
whose reading a deployer picks); the rules core applies such a value only on dates the law
leaves empty (rules/params.py). Here an agency's admin sets them over time. Every change is a
new row, never an update: the row's id is the settings version it makes, so the settings of
version N are the rows up to N, and an Assessment that names N can be replayed exactly. Each
row carries its effective date, the note saying why, and who set it; each change is also on
the audit chain. A value of null withdraws the agency's setting from its effective date.

Beside the program's parameters, an agency sets how it works each program's cases
(`CASEWORK`): whether a decision that overrides the pre-screen, or a refusal, needs a second
person (cases/approval.py), and how many days before an evidence deadline the applicant is
reminded (cases/scheduler.py). These are the agency's practice, no law's, so each has a
default that applies until the agency records its own; they are versioned, audited and
replayed like the rest, and a decision names the version it ran under.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from talentvisa.audit import service as audit
from talentvisa.auth.models import Role, User
from talentvisa.db.base import Base, UTCDateTime, now
from talentvisa.rules.compiled import CompiledProgram, settable
from talentvisa.rules.model import Text as Bilingual
from talentvisa.rules.params import DeployerValue, Settings, resolve
from talentvisa.service_errors import Forbidden, Invalid, NotFound

READERS = frozenset({Role.admin.value, Role.supervisor.value})
#: Bounds far beyond any sensible value, so that a slip of the keyboard is refused: years of
#: age or experience, a ranking position, and anything else (points, an amount of money).
VALUE_MAX = {"years": 150, "rank": 100_000}
AMOUNT_MAX = 10**12


class AgencySetting(Base):
    __tablename__ = "agency_settings"
    __table_args__ = (Index("ix_agency_settings_key", "program_id", "parameter", "effective"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # the settings version
    program_id: Mapped[str] = mapped_column(String(60))
    parameter: Mapped[str] = mapped_column(String(60))
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    effective: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    set_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)


@dataclass(frozen=True)
class CaseworkSetting:
    """How the agency works a program's cases: a yes/no or a number of days."""

    kind: str  # "yes/no" or "days"
    description: Bilingual
    top: int = 1


#: Four eyes on the K visa by default: the agency's practice before versioned settings.
FOUR_EYES_BY_DEFAULT = frozenset({"cn-k"})
#: Days before an evidence deadline the applicant is reminded, where the agency set none.
REMIND_DAYS_BY_DEFAULT = 3
CASEWORK: dict[str, CaseworkSetting] = {
    "four_eyes_overrides": CaseworkSetting(
        "yes/no",
        Bilingual(
            en="Four eyes on overrides: a decision against the pre-screen needs a supervisor",
            zh="四眼原则（推翻预审）：与预审结果相反的决定须经主管批准",
        ),
    ),
    "four_eyes_refusals": CaseworkSetting(
        "yes/no",
        Bilingual(
            en="Four eyes on refusals: every refusal needs a supervisor",
            zh="四眼原则（拒签）：所有拒签决定须经主管批准",
        ),
    ),
    "remind_days_before": CaseworkSetting(
        "days",
        Bilingual(
            en="Days before an evidence deadline the applicant is reminded",
            zh="补充材料截止日前提醒申请人的天数",
        ),
        top=90,
    ),
}


def casework_default(program_id: str, name: str) -> bool | int:
    if name == "remind_days_before":
        return REMIND_DAYS_BY_DEFAULT
    return program_id in FOUR_EYES_BY_DEFAULT


@dataclass(frozen=True)
class Casework:
    """A program's casework settings on a day, and the settings version they come from."""

    version: int
    four_eyes_overrides: bool
    four_eyes_refusals: bool
    remind_days_before: int


def casework(
    session: Session, program_id: str, on: dt.date, version: int | None = None
) -> Casework:
    """The casework settings of `program_id` in force on `on` (as of `version`, by default
    the newest), each the agency's value or, where it set none, the default."""
    version = current_version(session) if version is None else version
    chosen = {
        r.parameter: r.value
        for r in _in_force(session, version, on)
        if r.program_id == program_id and r.parameter in CASEWORK
    }
    values = {n: chosen.get(n, casework_default(program_id, n)) for n in CASEWORK}
    return Casework(version=version, **values)


def reminder_leads(session: Session, on: dt.date) -> tuple[dict[str, int], int]:
    """The reminder lead time of each program whose agency set one, and the default."""
    rows = _in_force(session, current_version(session), on)
    return {
        r.program_id: int(r.value) for r in rows if r.parameter == "remind_days_before"
    }, REMIND_DAYS_BY_DEFAULT


@dataclass(frozen=True)
class Unset:
    """A settable parameter with neither the law's value nor the agency's on a date."""

    parameter: str
    description: Bilingual


def current_version(session: Session) -> int:
    """The newest settings version; 0 before any setting was made."""
    return session.scalar(select(func.max(AgencySetting.id))) or 0


def _in_force(session: Session, version: int, on: dt.date) -> list[AgencySetting]:
    """For each parameter, its row of version `version` or earlier in force on `on`: the
    latest effective date on or before `on`, and of rows with the same date the later one.
    Withdrawn settings (null) are left out."""
    rows = session.scalars(
        select(AgencySetting)
        .where(AgencySetting.id <= version, AgencySetting.effective <= on)
        .order_by(AgencySetting.effective, AgencySetting.id)
    )
    latest = {(r.program_id, r.parameter): r for r in rows}
    return [r for r in latest.values() if r.value is not None]


def effective(
    session: Session, base: Settings, on: dt.date, version: int | None = None
) -> tuple[int, Settings]:
    """The settings in force on `on` as of `version` (default: the newest), over `base`, the
    deployer's file (TALENTVISA_SETTINGS): the agency's rows take precedence."""
    version = current_version(session) if version is None else version
    values = {pid: dict(params) for pid, params in base.values.items()}
    for row in _in_force(session, version, on):
        if row.parameter in CASEWORK:
            continue  # how cases are worked, not a rule's parameter
        values.setdefault(row.program_id, {})[row.parameter] = DeployerValue(row.value, row.note)
    return version, Settings(values, base.overrides)


def in_force(session: Session, user: User, on: dt.date) -> tuple[int, list[AgencySetting]]:
    """The newest version and its settings in force on `on`, for the settings screens."""
    _may_read(user)
    version = current_version(session)
    return version, _in_force(session, version, on)


def unset(cp: CompiledProgram, on: dt.date, settings: Settings) -> list[Unset]:
    """The settable parameters the pre-screen had no value for: an officer must judge them."""
    out = []
    for name, p in cp.program.parameters.items():
        if settable(p):
            try:
                value = resolve(cp.program, name, on, settings).value
            except LookupError:
                continue  # not in force on that date: nothing to set
            if value is None:
                out.append(Unset(name, p.description))
    return out


def history(session: Session, user: User, program_id: str | None = None) -> list[AgencySetting]:
    """Every version, newest first (optionally of one program)."""
    _may_read(user)
    q = select(AgencySetting).order_by(AgencySetting.id.desc())
    if program_id is not None:
        q = q.where(AgencySetting.program_id == program_id)
    return list(session.scalars(q))


def set_value(
    session: Session,
    catalog: dict[str, CompiledProgram],
    user: User,
    *,
    program_id: str,
    parameter: str,
    value: Any,
    effective_from: dt.date,
    note: str,
) -> AgencySetting:
    """Record a new version of one setting (an admin's act), and audit it."""
    if user.role != Role.admin.value:
        raise Forbidden("only an admin changes the agency's settings")
    cp = catalog.get(program_id)
    if cp is None:
        raise NotFound(f"program {program_id} is not in the catalog")
    if parameter in CASEWORK:
        checked = None if value is None else _casework_checked(parameter, value)
    else:
        p = cp.program.parameters.get(parameter)
        if p is None or not settable(p):
            raise Invalid(f"parameter: {program_id}.{parameter} is not settable", "parameter")
        checked = None if value is None else _checked(cp, parameter, value)
    if not note.strip():
        raise Invalid("note: say why the agency sets this value", "note")
    previous = session.scalar(
        select(AgencySetting)
        .where(AgencySetting.program_id == program_id, AgencySetting.parameter == parameter)
        .order_by(AgencySetting.id.desc())
        .limit(1)
    )
    row = AgencySetting(
        program_id=program_id,
        parameter=parameter,
        value=checked,
        effective=effective_from,
        note=note.strip(),
        set_by=user.id,
        set_at=now(),
    )
    session.add(row)
    session.flush()  # the id is the version the audit event names
    audit.append(
        session,
        actor_id=user.id,
        entity_type="agency_setting",
        entity_id=f"{program_id}.{parameter}",
        action="set_setting",
        data={
            "version": row.id,
            "value": checked,
            "effective": effective_from.isoformat(),
            "note": row.note,
            "previous": None if previous is None else previous.id,
        },
    )
    return row


def _casework_checked(name: str, value: Any) -> bool | int:
    setting = CASEWORK[name]
    if setting.kind == "yes/no":
        if not isinstance(value, bool):
            raise Invalid(f"value: {name} takes yes or no (true or false)", "value")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise Invalid(f"value: {name} takes a whole number of days", "value")
    if not 0 <= value <= setting.top:
        raise Invalid(f"value: {name} must be between 0 and {setting.top} days", "value")
    return int(value)


def _checked(cp: CompiledProgram, parameter: str, value: Any) -> Any:
    """The value if it suits the parameter: a reading's id for contested law, else a number."""
    p = cp.program.parameters[parameter]
    readings = sorted({r.id for v in p.values for r in v.readings})
    if readings:
        if value not in readings:
            named = ", ".join(readings)
            raise Invalid(f"value: {parameter} is contested; name a reading ({named})", "value")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Invalid(f"value: {parameter} takes a number ({p.unit or 'no unit'})", "value")
    top = VALUE_MAX.get(p.unit or "", AMOUNT_MAX)
    if not 0 <= value <= top:
        raise Invalid(f"value: {parameter} must be between 0 and {top:,}", "value")
    if p.unit in ("years", "rank") and value != int(value):
        raise Invalid(f"value: {parameter} takes a whole number of {p.unit}", "value")
    return int(value) if p.unit in ("years", "rank") else value


def _may_read(user: User) -> None:
    if user.role not in READERS:
        raise Forbidden("only admins and supervisors see the agency's settings")
