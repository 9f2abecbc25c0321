"""Opening a store: where the database is, how SQLite is configured, and errors people see."""

from __future__ import annotations

import os
import socket
import stat
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import text

from mendline.errors import StoreError
from mendline.store import get_or_create_clinician, open_store, record_audit, resolve_url
from mendline.store.migrate import current_revision, head_revision


@pytest.mark.parametrize(
    ("argument", "env", "expected_backend", "expected_driver"),
    [
        (None, None, "sqlite", "sqlite"),
        ("relative/dir/m.db", None, "sqlite", "sqlite"),
        (None, "/var/tmp/elsewhere.db", "sqlite", "sqlite"),
        ("postgresql://u@db.example:5433/mendline", None, "postgresql", "postgresql+psycopg"),
        (None, "postgresql+psycopg://u@h/m", "postgresql", "postgresql+psycopg"),
        ("sqlite:////tmp/x.db", "postgresql://u@h/m", "sqlite", "sqlite"),
    ],
)
def test_resolve_url_chooses_argument_then_env_then_default(
    monkeypatch: pytest.MonkeyPatch, argument, env, expected_backend, expected_driver
) -> None:
    if env is None:
        monkeypatch.delenv("MENDLINE_DB", raising=False)
    else:
        monkeypatch.setenv("MENDLINE_DB", env)
    url = resolve_url(argument)
    assert url.get_backend_name() == expected_backend
    assert url.drivername == expected_driver
    if argument is None and env is None:
        assert url.database is not None and url.database.endswith(os.path.join("mendline",
                                                                                "mendline.db"))
    if argument == "relative/dir/m.db":
        assert Path(url.database or "").is_absolute()


@pytest.mark.parametrize("name", ["fresh.db", "nested/deeper/fresh.db"])
def test_new_sqlite_file_is_private(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with open_store(str(path)) as store:
        record_audit(store, actor="system", action="test.write", object="-")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for suffix in ("-wal", "-shm"):
        sidecar = Path(str(path) + suffix)
        if sidecar.exists():
            assert stat.S_IMODE(sidecar.stat().st_mode) == 0o600
    if name.startswith("nested"):
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700  # the directory holding it


def test_default_location_is_the_platform_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MENDLINE_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    with open_store() as store:
        assert store.location == str(tmp_path / "xdg" / "mendline" / "mendline.db")
    assert stat.S_IMODE((tmp_path / "xdg" / "mendline" / "mendline.db").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "xdg" / "mendline").stat().st_mode) == 0o700


@pytest.mark.parametrize(
    ("pragma", "expected"),
    [("journal_mode", "wal"), ("foreign_keys", 1), ("busy_timeout", 5000)],
)
def test_sqlite_connections_are_configured(tmp_path: Path, pragma: str, expected) -> None:
    with open_store(str(tmp_path / "m.db")) as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql(f"PRAGMA {pragma}").scalar() == expected


def test_foreign_keys_are_enforced(store) -> None:
    with pytest.raises(StoreError, match="could not save"):
        with store.transaction() as s:
            s.execute(text(
                "INSERT INTO clients (clinician_id, code, settings, created_at) "
                "VALUES (4242, 'X1', '{}', CURRENT_TIMESTAMP)"
            ))


def test_open_twice_keeps_schema_at_head(bare_db_url: str) -> None:
    with open_store(bare_db_url) as first:
        get_or_create_clinician(first, "dr.lee")
    with open_store(bare_db_url) as second, second.engine.connect() as conn:
        assert current_revision(conn) == head_revision()
        assert get_or_create_clinician(second, "dr.lee").id == 1


def test_timestamps_come_back_aware_utc(store) -> None:
    clinician = get_or_create_clinician(store, "dr.lee")
    assert clinician.created_at.tzinfo is not None
    assert clinician.created_at.utcoffset().total_seconds() == 0
    assert clinician.created_at.tzinfo == UTC


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("make_target", "message"),
    [
        (lambda tmp: str(tmp), "it is a directory"),
        (lambda tmp: str(tmp / "afile" / "m.db"), "not a directory"),
        (lambda tmp: f"postgresql+psycopg://u:secret@127.0.0.1:{_closed_port()}/m",
         "PostgreSQL unreachable at 127.0.0.1:"),
        (lambda tmp: "mysql://u@h/m", "unsupported database 'mysql'"),
    ],
)
def test_cannot_open_says_where_and_what_to_do(tmp_path: Path, make_target, message) -> None:
    (tmp_path / "afile").write_text("not a directory")
    target = make_target(tmp_path)
    with pytest.raises(StoreError, match=message) as caught:
        open_store(target)
    assert "secret" not in str(caught.value)


def test_unwritable_file_is_reported_as_permission_denied(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can write any file; the permission check cannot be observed")
    path = tmp_path / "ro.db"
    path.touch(mode=0o400)
    with pytest.raises(StoreError, match="permission denied"):
        open_store(str(path))
