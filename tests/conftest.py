"""Shared database fixtures: ``db_url`` and ``store``, each on SQLite and on PostgreSQL.

PostgreSQL comes from ``tests/pg_server.py``: ``MENDLINE_TEST_PG_URL`` if set, else a
throwaway server started once per test run. Each test run gets its own database; each
test starts with no data (rows deleted, or no schema at all for ``bare_db_url``). Without
a server the postgres cases are skipped with the reason, unless ``MENDLINE_REQUIRE_PG=1``
(CI), where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from mendline.store import Store, open_store
from tests import pg_server

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def pg_session_url() -> Iterator[URL]:
    """A fresh PostgreSQL database for this test run (dropped at the end)."""
    try:
        admin, server = pg_server.provide_server()
    except pg_server.Unavailable as e:
        _unavailable(str(e))
    try:
        try:
            url = pg_server.fresh_database(admin)
        except pg_server.Unavailable as e:
            _unavailable(str(e))
        yield url
        pg_server.drop_database(admin, url.database or "")
    finally:
        if server is not None:
            server.stop()


def _unavailable(reason: str) -> None:
    if os.environ.get("MENDLINE_REQUIRE_PG") == "1":
        pytest.fail(f"MENDLINE_REQUIRE_PG=1 but PostgreSQL is unavailable: {reason}",
                    pytrace=False)
    pytest.skip(f"PostgreSQL unavailable ({reason}); set MENDLINE_TEST_PG_URL to test it")


def _reset_postgres(url: URL, *, drop_schema: bool) -> None:
    """Empty the test database: truncate a migrated schema (fast), or drop it entirely."""
    import psycopg

    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        tables = [
            name for (name,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        ]
        if drop_schema or "alembic_version" not in tables:
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute("CREATE SCHEMA public")
            return
        # DELETE is much faster than TRUNCATE on tables this small; children first.
        from mendline.store.models import Base

        statements = [f'DELETE FROM "{t.name}"' for t in reversed(Base.metadata.sorted_tables)]
        statements += [
            f"SELECT setval(pg_get_serial_sequence('\"{t.name}\"', 'id'), 1, false)"
            for t in Base.metadata.sorted_tables
            if "id" in t.columns
        ]
        conn.execute("; ".join(statements))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _url(backend: str, tmp_path: Path, request: pytest.FixtureRequest, *, bare: bool) -> str:
    if backend == "sqlite":
        return str(tmp_path / "db" / "mendline.db")
    url: URL = request.getfixturevalue("pg_session_url")
    _reset_postgres(url, drop_schema=bare)
    return url.render_as_string(hide_password=False)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """The URL of a database without data (a file path for SQLite).

    On PostgreSQL the schema a previous test migrated may still be there, emptied; tests
    about migrations use ``bare_db_url``.
    """
    return _url(backend, tmp_path, request, bare=False)


@pytest.fixture
def bare_db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """The URL of a database with no tables at all."""
    return _url(backend, tmp_path, request, bare=True)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """An open store on an empty, migrated database."""
    opened = open_store(db_url)
    try:
        yield opened
    finally:
        opened.close()
