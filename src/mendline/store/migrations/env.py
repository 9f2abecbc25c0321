"""Alembic environment for Mendline's migrations.

At run time ``mendline.store.migrate`` passes an open connection in
``config.attributes["connection"]``. From the command line (developers only), the database
comes from ``-x url=...``, else ``MENDLINE_DB``, else the default file, as ``open_store``
would choose it.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from mendline.store.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite ALTERs need batch mode
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from mendline.store.engine import open_store

    url = context.get_x_argument(as_dictionary=True).get("url")
    store = open_store(url, migrate=False)
    try:
        with store.engine.begin() as conn:
            _run(conn)
    finally:
        store.close()


if context.is_offline_mode():
    raise SystemExit("Mendline migrations run online only (open_store runs them).")
run_migrations_online()
