"""Opening the database: which one, how it is configured, and bringing its schema to head.

Which database (first match wins):

1. the ``url`` passed to ``open_store`` (a SQLAlchemy URL or a plain file path);
2. the ``MENDLINE_DB`` environment variable (same forms);
3. ``mendline.db`` in the platform data directory (``platformdirs.user_data_dir``).

A plain path means SQLite. A new SQLite file is created with mode 0600 (and a directory
Mendline creates, 0700) because it holds session content; SQLite gives its ``-wal`` and
``-shm`` files the same mode as the database. Every SQLite connection gets WAL,
``foreign_keys=ON`` and a busy timeout.

Errors come out as ``StoreError`` naming the place and the fix; they never carry SQL
parameters (the engine is created with ``hide_parameters=True``) or driver details that
could echo a stored value.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from mendline.errors import StoreError

__all__ = ["ENV_VAR", "Store", "default_db_path", "resolve_url", "open_store", "describe"]

ENV_VAR = "MENDLINE_DB"
_SQLITE_BUSY_MS = 5000


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir("mendline")) / "mendline.db"


def resolve_url(url: str | None = None) -> URL:
    """The database URL to use: the argument, else ``MENDLINE_DB``, else the default file."""
    raw = url if url is not None else os.environ.get(ENV_VAR) or None
    if raw is None:
        return URL.create("sqlite", database=str(default_db_path()))
    if "://" not in raw:
        return URL.create("sqlite", database=str(Path(raw).expanduser().resolve()))
    try:
        parsed = make_url(raw)
    except exc.ArgumentError:
        raise StoreError(
            f"cannot understand the database URL given in {_origin(url)}: expected a file path "
            "or a URL such as postgresql+psycopg://user@host:5432/mendline"
        ) from None
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3 is what we ship
    return parsed


def describe(url: URL) -> str:
    """Where the database is, safe to show: a file path, or host:port/db without password."""
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


@dataclass(frozen=True)
class Store:
    """An open database. Use ``transaction()`` for a unit of work; ``close()`` when done."""

    engine: Engine
    url: URL
    _sessions: sessionmaker[Session]

    @property
    def backend(self) -> str:
        return self.url.get_backend_name()

    @property
    def location(self) -> str:
        return describe(self.url)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises.

        Database failures become ``StoreError``; ``MendlineError``s pass through unchanged.
        """
        session = self._sessions()
        try:
            with translate_errors(self):
                with session.begin():
                    yield session
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@contextmanager
def translate_errors(store: Store) -> Iterator[None]:
    """Turn driver errors into ``StoreError`` with a safe, actionable message."""
    try:
        yield
    except exc.IntegrityError as e:
        raise StoreError(
            f"could not save to the database at {store.location}: {_safe_reason(e)}"
        ) from None
    except exc.OperationalError as e:
        raise StoreError(_connect_message(store.url, e)) from None
    except exc.DBAPIError as e:
        raise StoreError(
            f"the database at {store.location} refused the operation: {_safe_reason(e)}"
        ) from None
    except exc.StatementError as e:  # a value our own column types refused (no SQL ran)
        raise StoreError(f"could not save to the database at {store.location}: {e.orig}") from None


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open (creating if needed) the database and upgrade its schema to the newest revision."""
    target = resolve_url(url)
    if target.get_backend_name() == "sqlite":
        engine = _sqlite_engine(target)
    elif target.get_backend_name() == "postgresql":
        engine = create_engine(target, hide_parameters=True, pool_pre_ping=True)
    else:
        raise StoreError(
            f"unsupported database {target.get_backend_name()!r} in {_origin(url)}: "
            "use a file path (SQLite) or a postgresql+psycopg:// URL"
        )
    store = Store(engine, target, sessionmaker(engine, expire_on_commit=False))
    if migrate:
        from mendline.store.migrate import upgrade_to_head

        try:
            with translate_errors(store):
                upgrade_to_head(engine)
        except BaseException:
            engine.dispose()
            raise
    return store


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        _prepare_sqlite_file(Path(database))
    engine = create_engine(url, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so DDL
        # (migrations) and reads are transactional too (SQLAlchemy's documented recipe).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {_SQLITE_BUSY_MS}")
            cur.execute("PRAGMA foreign_keys = ON")
            if database and database != ":memory:":
                cur.execute("PRAGMA journal_mode = WAL")
                # NORMAL is crash-safe in WAL mode; only the last commit can be lost on power
                # loss (https://www.sqlite.org/pragma.html#pragma_synchronous).
                cur.execute("PRAGMA synchronous = NORMAL")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def _prepare_sqlite_file(path: Path) -> None:
    """Create the directory (0700) and an empty database file (0600) if they are missing."""
    where = str(path)
    try:
        if not path.parent.exists():
            path.parent.mkdir(mode=0o700, parents=True)
        if path.exists():
            if path.is_dir():
                raise StoreError(
                    f"cannot open database at {where}: it is a directory; give a file path"
                )
            if not os.access(path, os.R_OK | os.W_OK):
                raise StoreError(
                    f"cannot open database at {where}: permission denied (the file must be "
                    "readable and writable by this user)"
                )
            return
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, stat.S_IRUSR | stat.S_IWUSR)
        os.close(fd)
    except PermissionError:
        raise StoreError(
            f"cannot open database at {where}: permission denied; choose another place with "
            f"{ENV_VAR} or fix the permissions of {path.parent}"
        ) from None
    except (NotADirectoryError, FileExistsError, IsADirectoryError):
        raise StoreError(
            f"cannot open database at {where}: a file in the way is not a directory; "
            f"choose another place with {ENV_VAR}"
        ) from None
    except OSError as e:
        reason = e.strerror or "system error"
        raise StoreError(f"cannot open database at {where}: {reason}") from None


def _origin(url: str | None) -> str:
    return "the url argument" if url is not None else ENV_VAR


def _connect_message(url: URL, e: exc.DBAPIError) -> str:
    if url.get_backend_name() == "sqlite":
        reason = str(e.orig) if e.orig is not None else "unknown error"
        if "unable to open" in reason:
            reason = "the file or its directory is not accessible (permission denied?)"
        return f"cannot use database at {describe(url)}: {reason}"
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    primary = _pg_primary(e)
    if e.connection_invalidated or primary is None or "connect" in primary.lower():
        if primary and "password authentication failed" in primary:
            return (
                f"PostgreSQL at {where} refused the login for user {url.username!r}: "
                f"check the user and password in {ENV_VAR}"
            )
        if primary and "does not exist" in primary:
            return f"PostgreSQL at {where}: database {url.database!r} does not exist; create it"
        return f"PostgreSQL unreachable at {where} — is the server running? check {ENV_VAR}"
    return f"PostgreSQL at {where} failed: {primary}"


def _pg_primary(e: exc.DBAPIError) -> str | None:
    diag = getattr(e.orig, "diag", None)
    primary = getattr(diag, "message_primary", None)
    if primary:
        return str(primary)
    # Connection failures carry no diagnostics; their text names host and port only.
    return str(e.orig).splitlines()[0] if e.orig is not None else None


def _safe_reason(e: exc.DBAPIError) -> str:
    """The driver's primary message, which names constraints and columns but not values.

    PostgreSQL's DETAIL line ("Key (...)=(...)", "Failing row contains ...") can echo
    stored values and is deliberately left out.
    """
    diag = getattr(e.orig, "diag", None)
    if diag is not None:
        name = getattr(diag, "constraint_name", None)
        primary = getattr(diag, "message_primary", None) or type(e.orig).__name__
        return f"{primary} ({name})" if name and name not in primary else str(primary)
    return str(e.orig).splitlines()[0] if e.orig is not None else type(e).__name__
