"""Who works here: read-only look-ups of accounts for assigning cases and naming actors."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from talentvisa.auth.models import Role, User


def staff(session: Session) -> list[User]:
    """Active officers and supervisors, for assigning cases."""
    return list(
        session.scalars(
            select(User)
            .where(User.role.in_([Role.officer.value, Role.supervisor.value]), User.active)
            .order_by(User.display_name, User.id)
        )
    )


def display_names(session: Session, ids: set[int]) -> dict[int, str]:
    """Users' display names by id (for timelines and queues)."""
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {uid: name for uid, name in rows}
