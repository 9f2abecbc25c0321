"""Alembic, run from code: the migrations ship inside the package, no alembic.ini needed.

``migrations/env.py`` takes the connection from ``Config.attributes["connection"]``, so
the schema is upgraded on exactly the connection (and PostgreSQL advisory lock) that
``open_store`` holds. Developers writing a new revision (after changing ``models.py``)
point ``MENDLINE_DB`` at a database at head and run, from Python:

    from alembic import command
    from mendline.store.migrate import alembic_config
    command.revision(alembic_config(), autogenerate=True, message="...")  # then edit it
    command.check(alembic_config())  # "No new upgrade operations detected."
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

__all__ = ["SCRIPT_LOCATION", "alembic_config", "head_revision", "current_revision",
           "upgrade_to_head"]

SCRIPT_LOCATION = "mendline.store:migrations"
# An arbitrary constant: serialises concurrent upgrades of one PostgreSQL database.
_PG_LOCK_KEY = 0x6D656E646C696E65 & 0x7FFFFFFFFFFFFFFF


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the package ships at least one migration"
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(engine: Engine) -> None:
    """Create or upgrade the schema to the newest revision; a no-op when already there."""
    head = head_revision()
    with engine.connect() as conn:
        if current_revision(conn) == head:
            return
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
            if current_revision(conn) == head:  # another process got there first
                return
        command.upgrade(alembic_config(conn), "head")
