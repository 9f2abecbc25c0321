"""A PostgreSQL server for the tests: the one in MENDLINE_TEST_PG_URL, or a throwaway one.

``provide_server()`` returns an admin URL (a database the tests may CREATE DATABASE from):

* ``MENDLINE_TEST_PG_URL`` set: that server is used as it is (CI starts it with
  ``.ci/start_postgres.sh``); nothing is started or stopped.
* otherwise a PostgreSQL 15 cluster is ``initdb``-ed into a fresh directory under /tmp and
  started on a free loopback port, with fsync off (it is thrown away). PostgreSQL refuses
  to run as root, so under root it runs as the ``postgres`` system user via ``runuser``
  (or ``setpriv``). ``ThrowawayServer.stop()`` stops it and deletes the directory.

When neither is possible ``Unavailable`` explains why; conftest turns that into a skip, or
a failure when ``MENDLINE_REQUIRE_PG=1``.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

__all__ = ["Unavailable", "ThrowawayServer", "find_bindir", "provide_server", "fresh_database",
           "drop_database"]

URL_ENV = "MENDLINE_TEST_PG_URL"
_CANDIDATE_BINDIRS = ("/usr/lib/postgresql/15/bin",)


class Unavailable(RuntimeError):
    """No PostgreSQL server could be found or started; the message says why."""


def find_bindir() -> Path:
    for candidate in _CANDIDATE_BINDIRS:
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        bindir = Path(out.stdout.strip())
        if out.returncode == 0 and (bindir / "initdb").exists():
            return bindir
    raise Unavailable(
        "PostgreSQL binaries not found (looked in /usr/lib/postgresql/15/bin and pg_config "
        "--bindir); install postgresql-15 or set MENDLINE_TEST_PG_URL"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user() -> tuple[list[str], str | None]:
    """The command prefix that runs a program as a non-root user, and that user's name."""
    if os.geteuid() != 0:
        return [], None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise Unavailable(
            "running as root and there is no 'postgres' user to run the server as"
        ) from None
    if shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--"], "postgres"
    if shutil.which("setpriv"):
        ids = pwd.getpwnam("postgres")
        return [
            "setpriv", f"--reuid={ids.pw_uid}", f"--regid={ids.pw_gid}", "--init-groups",
        ], "postgres"
    raise Unavailable("running as root, and neither runuser nor setpriv is available")


@dataclass
class ThrowawayServer:
    """A PostgreSQL cluster living in ``directory``, reachable at ``url``."""

    directory: Path
    url: URL
    bindir: Path
    prefix: list[str]

    @classmethod
    def start(cls) -> ThrowawayServer:
        bindir = find_bindir()
        prefix, user = _as_server_user()
        directory = Path(tempfile.mkdtemp(prefix="mendline-pg-"))
        if user is not None:
            shutil.chown(directory, user=user, group=user)
        data, log = directory / "data", directory / "server.log"
        server = cls(directory, URL.create("postgresql+psycopg"), bindir, prefix)
        init = subprocess.run(
            [*prefix, str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
             "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"],
            capture_output=True, text=True,
        )
        if init.returncode != 0:
            shutil.rmtree(directory, ignore_errors=True)
            raise Unavailable(f"initdb failed: {init.stderr.strip()[-500:]}")
        last_error = ""
        for _ in range(3):  # the free port can be taken between finding and binding it
            port = _free_port()
            options = (
                f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            run = subprocess.run(
                [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w",
                 "-t", "30", "-o", options, "start"],
                capture_output=True, text=True,
            )
            if run.returncode == 0:
                server.url = URL.create(
                    "postgresql+psycopg", username="postgres", host="127.0.0.1", port=port,
                    database="postgres",
                )
                atexit.register(server.stop)  # also if the session ends abnormally
                return server
            last_error = log.read_text(errors="replace")[-500:] if log.exists() else run.stderr
        shutil.rmtree(directory, ignore_errors=True)
        raise Unavailable(f"pg_ctl could not start the server: {last_error.strip()}")

    def stop(self) -> None:
        if not self.directory.exists():
            return
        subprocess.run(
            [*self.prefix, str(self.bindir / "pg_ctl"), "-D", str(self.directory / "data"),
             "-m", "immediate", "-w", "stop"],
            capture_output=True,
        )
        shutil.rmtree(self.directory, ignore_errors=True)


def provide_server() -> tuple[URL, ThrowawayServer | None]:
    """The admin URL to use, and the server to stop afterwards (None if not ours)."""
    given = os.environ.get(URL_ENV)
    if given:
        url = make_url(given)
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        return url, None
    server = ThrowawayServer.start()
    return server.url, server


def _admin_execute(admin: URL, sql: str) -> None:
    import psycopg

    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql)


def fresh_database(admin: URL) -> URL:
    """Create an empty database with a unique name; its URL."""
    name = f"mendline_test_{uuid.uuid4().hex[:12]}"
    try:
        _admin_execute(admin, f'CREATE DATABASE "{name}"')
    except Exception as e:  # any driver failure means the same: no usable server
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise Unavailable(
            f"cannot create a test database on {admin.host}:{admin.port}: {first}"
        ) from None
    return admin.set(database=name)


def drop_database(admin: URL, database: str) -> None:
    _admin_execute(admin, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
