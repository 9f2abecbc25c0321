"""The web app's safeguards: secret key, login sessions, CSRF, rate limiting, headers, body limits.

Why each one (45 CFR §164.312 technical safeguards, clinical.md):

- **Login sessions** live in server memory, keyed by a random id in a signed cookie
  (HttpOnly, SameSite=Strict, Secure under TLS). Logging out or idling past
  ``idle_timeout_s`` deletes the server-side entry, so a copied cookie stops working too
  (automatic log-off). A restart logs everyone out, which is acceptable for a local app.
- **CSRF**: every session has its own random token; every POST must carry it as the
  ``csrf_token`` form field or the ``X-CSRF-Token`` header (HTMX sends the header, set from
  a ``<meta>`` tag by ``static/app.js``). SameSite=Strict alone is not enough for old
  browsers.
- **Login rate limiting**: failures are counted per (username, remote address) in memory;
  after ``login_max_failures`` within ``login_window_s`` further attempts are refused
  without checking the password, until the oldest failure leaves the window.
- **Headers**: a strict Content-Security-Policy (``default-src 'self'``, no inline
  scripts or styles), no framing, no referrer, no MIME sniffing.
- **Body limits**: a request body larger than the limit is refused by its Content-Length
  before anything is read, and by counting while it streams when no length is given.
"""

from __future__ import annotations

import hmac
import os
import secrets
import stat
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mendline.errors import InputError, StoreError

__all__ = [
    "COOKIE_NAME",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "LoginSession",
    "SessionRegistry",
    "LoginLimiter",
    "BodyTooLarge",
    "SecurityHeaders",
    "BodyLimit",
    "load_secret",
    "same_token",
]

COOKIE_NAME = "mendline_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_MAX_SESSIONS = 10_000  # anonymous sessions are created by GET /login; cap the memory

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


def load_secret(path: Path) -> str:
    """The key that signs session cookies: read from ``path``, or created there (0600).

    Created with ``O_EXCL`` so two processes starting at once cannot write different keys.
    """
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, stat.S_IRUSR | stat.S_IWUSR)
    except FileExistsError:
        return _read_secret(path)
    except OSError as e:
        raise StoreError(f"cannot create the web secret key at {path}: {e.strerror}") from None
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
    return key


def _read_secret(path: Path) -> str:
    try:
        key = path.read_text("ascii").strip()
    except OSError as e:
        raise StoreError(f"cannot read the web secret key at {path}: {e.strerror}") from None
    if len(key) < 32:
        raise StoreError(f"the web secret key at {path} is too short; delete it to renew")
    return key


def same_token(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two tokens (either may be missing)."""
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass
class LoginSession:
    """One browser's session; ``user_id`` is None before login (CSRF for the login form)."""

    id: str
    csrf: str
    last_seen: float
    user_id: int | None = None
    username: str | None = None
    role: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


class SessionRegistry:
    """Server-side login sessions, with idle expiry and a signed cookie value."""

    def __init__(self, secret: str, idle_timeout_s: float, clock: Callable[[], float]) -> None:
        self._signer = URLSafeSerializer(secret, salt="mendline.session")
        self._idle = idle_timeout_s
        self._clock = clock
        self._sessions: dict[str, LoginSession] = {}
        self._lock = threading.Lock()

    def new(self) -> LoginSession:
        now = self._clock()
        s = LoginSession(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now)
        with self._lock:
            if len(self._sessions) >= _MAX_SESSIONS:
                self._prune(now)
            if len(self._sessions) >= _MAX_SESSIONS:  # still full: drop the oldest
                oldest = min(self._sessions.values(), key=lambda x: x.last_seen)
                del self._sessions[oldest.id]
            self._sessions[s.id] = s
        return s

    def cookie_value(self, s: LoginSession) -> str:
        return str(self._signer.dumps(s.id))

    def lookup(self, cookie: str | None) -> tuple[LoginSession | None, bool]:
        """The live session for a cookie, and whether an expired one was dropped."""
        if not cookie:
            return None, False
        try:
            sid = self._signer.loads(cookie)
        except BadSignature:
            return None, False
        now = self._clock()
        with self._lock:
            s = self._sessions.get(sid)
            if s is None:
                return None, False
            if now - s.last_seen > self._idle:
                del self._sessions[sid]
                return None, s.user_id is not None
            s.last_seen = now
            return s, False

    def rotate(self, old: LoginSession | None) -> LoginSession:
        """A fresh session id and CSRF token at login (no session fixation)."""
        if old is not None:
            self.drop(old)
        return self.new()

    def drop(self, s: LoginSession) -> None:
        with self._lock:
            self._sessions.pop(s.id, None)

    def drop_user(self, user_id: int) -> None:
        with self._lock:
            for sid in [k for k, v in self._sessions.items() if v.user_id == user_id]:
                del self._sessions[sid]

    def _prune(self, now: float) -> None:
        for sid in [k for k, v in self._sessions.items() if now - v.last_seen > self._idle]:
            del self._sessions[sid]


class LoginLimiter:
    """Failed logins per (username, address) in a sliding window, in memory."""

    def __init__(self, max_failures: int, window_s: float, clock: Callable[[], float]) -> None:
        self._max = max_failures
        self._window = window_s
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        now = self._clock()
        q = self._failures.setdefault(key, deque())
        while q and now - q[0] >= self._window:
            q.popleft()
        return q

    def blocked_for(self, username: str, address: str) -> float:
        """Seconds until another attempt is allowed (0 when allowed now)."""
        key = (username.casefold(), address)
        with self._lock:
            q = self._recent(key)
            if len(q) < self._max:
                return 0.0
            return max(0.0, self._window - (self._clock() - q[0]))

    def failed(self, username: str, address: str) -> None:
        key = (username.casefold(), address)
        with self._lock:
            self._recent(key).append(self._clock())

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._failures.pop((username.casefold(), address), None)


class BodyTooLarge(InputError):
    """A request body over the limit (an upload too big, or an oversized form)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        shown = f"{limit / 1_048_576:.0f} MB" if limit >= 1_048_576 else f"{limit // 1024} kB"
        super().__init__(
            f"the file or form is too large: the limit is {shown}; "
            "a transcript is usually well under 1 MB, so check that this is the right file"
        )


class SecurityHeaders:
    """Adds the security headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] not in _HEADER_NAMES]
                message["headers"] = headers + HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


_HEADER_NAMES = {name for name, _ in HEADERS}


class BodyLimit:
    """Refuses request bodies over a limit: by Content-Length first, then while streaming.

    ``limit_for(path)`` gives the limit for a request path (uploads get more room than
    forms). Over the limit, the app's ``BodyTooLarge`` handler renders the error.
    """

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope.get("headers", [])).get(b"content-length")
        too_big = False
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = True
        if too_big:  # refuse before a single byte of the body is read

            async def refuse() -> Message:
                raise BodyTooLarge(limit)

            await self.app(scope, refuse, send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counting_receive, send)
