"""Fixtures for the web app: a real SQLite store, accounts, and TestClients per person."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mendline.store import Store, open_store
from mendline.web import WebSettings, add_user, create_app
from tests.web.helpers import PASSWORD, ZOOM_VTT, Clock, sign_in, upload

USERS = [
    ("alice", "clinician", "Dr Alice Lee"),
    ("bob", "clinician", "Dr Bob Stone"),
    ("sue", "supervisor", "Sue Park"),
    ("ada", "admin", "Ada Admin"),
]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the accounts, made once: argon2 hashing is slow by design."""
    path = tmp_path_factory.mktemp("web-template") / "web.db"
    store = open_store(str(path))
    for username, role, name in USERS:
        add_user(store, username, PASSWORD, role, name)
    store.close()
    return path


@pytest.fixture
def web_store(tmp_path: Path, template_db: Path) -> Iterator[Store]:
    db = tmp_path / "web.db"
    shutil.copyfile(template_db, db)
    db.chmod(0o600)
    store = open_store(str(db))
    yield store
    store.close()


@pytest.fixture
def app(web_store: Store, clock: Clock, tmp_path: Path):
    return create_app(web_store, WebSettings(clock=clock, secret_path=tmp_path / "secret",
                                             upload_dir=tmp_path / "uploads"))


@pytest.fixture
def browser_for(app):
    """``browser_for("alice")`` -> (TestClient signed in as alice, csrf token)."""
    made: list[TestClient] = []

    def make(username: str | None) -> tuple[TestClient, str]:
        c = TestClient(app, raise_server_exceptions=False)
        made.append(c)
        token = sign_in(c, username) if username else ""
        return c, token

    yield make
    for c in made:
        c.close()


@pytest.fixture
def alice_session(browser_for):
    """Alice signed in, with the Zoom session uploaded; returns (client, csrf, session url)."""
    c, token = browser_for("alice")
    r = upload(c, token, ZOOM_VTT, "C-ALDER", date="2026-01-21")
    assert r.status_code == 303, r.text[:800]
    return c, token, r.headers["location"].split("?")[0]


@pytest.fixture
def shared(browser_for):
    """Alice's client "Maren" (a transcript full of identifiers), shared with Sue.

    Returns a namespace: alice, alice_csrf, sue, sue_csrf, cid, url (the session page).
    """
    from types import SimpleNamespace

    from tests.web.helpers import IDENTIFIERS_VTT, share

    alice, token = browser_for("alice")
    r = alice.post("/upload", data={"csrf_token": token, "client": "C-MO", "date": "2026-01-21",
                                    "display_name": "Maren"},
                   files={"file": (IDENTIFIERS_VTT.name, IDENTIFIERS_VTT.read_bytes(),
                                   "text/vtt")}, follow_redirects=False)
    assert r.status_code == 303, r.text[:800]
    url = r.headers["location"].split("?")[0]
    cid = int(url.split("/")[2])
    share(alice, token, cid)
    sue, sue_token = browser_for("sue")
    return SimpleNamespace(alice=alice, alice_csrf=token, sue=sue, sue_csrf=sue_token, cid=cid,
                           url=url)
