"""Apply and check Alembic migrations without an alembic.ini."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, command.downgrade, revision)


def _run(engine: Engine, step: Callable[[Config, str], None], revision: str) -> None:
    cfg = _config(engine)
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("COMMIT")  # leave the BEGIN IMMEDIATE hook's transaction
        cfg.attributes["connection"] = conn
        step(cfg, revision)
        conn.commit()


def revision(engine: Engine, message: str) -> None:
    cfg = _config(engine)
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.revision(cfg, message=message, autogenerate=True)


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


class SchemaOutOfDate(RuntimeError):
    pass


def check(engine: Engine) -> None:
    """Refuse to serve a database whose schema is not at the latest migration."""
    have, want = current(engine), head_revision()
    if have != want:
        raise SchemaOutOfDate(
            f"database schema is at {have or 'nothing'}, code expects {want}: "
            "run `talentvisa db upgrade`"
        )
