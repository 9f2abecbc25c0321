"""Shared helpers for the web tests: a movable clock, accounts, signing in, uploading."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ZOOM_VTT = FIXTURES / "ingest" / "zoom_session3.transcript.vtt"
PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


@dataclass
class Clock:
    """Seconds, moved by hand: the app reads time only through this."""

    now: float = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def csrf_of(html: str) -> str:
    m = _CSRF.search(html)
    assert m, "page has no csrf meta tag"
    return m.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the login form; returns the session's CSRF token."""
    page = client.get("/login")
    token = csrf_of(page.text)
    r = client.post("/login", data={"username": username, "password": password,
                                    "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    home = client.get(r.headers["location"])
    return csrf_of(home.text)


def upload(client: TestClient, csrf: str, path: Path, client_code: str,
           name: str | None = None, content: bytes | None = None, date: str = ""):
    data = content if content is not None else path.read_bytes()
    return client.post(
        "/upload",
        data={"csrf_token": csrf, "client": client_code, "date": date},
        files={"file": (name or path.name, data, "text/plain")},
        follow_redirects=False,
    )


IDENTIFIERS_VTT = FIXTURES / "web" / "zoom_identifiers.vtt"
# What zoom_identifiers.vtt (and the display name given at upload) says that identifies
# someone: the client's and therapist's names, a relative, a place, a phone number.
IDENTIFIERS = ("Maren", "Oyelaran", "Whitlock", "Ilse", "Portland", "555-0147")


def share(owner: TestClient, csrf: str, client_id: int, supervisor: str = "sue") -> None:
    r = owner.post(f"/clients/{client_id}/share",
                   data={"supervisor": supervisor, "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
