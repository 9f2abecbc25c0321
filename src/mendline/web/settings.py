"""How the web app is configured: one frozen dataclass, passed to ``create_app``.

Times are read through ``clock`` (seconds, like ``time.time``) so tests can move time
forward instead of sleeping; nothing else in the web package reads the wall clock for
security decisions.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mendline.web.deid import ViewDeidentifier, deidentify_view

__all__ = ["WebSettings", "DEFAULT_MAX_UPLOAD_BYTES"]

DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # the same limit ingest applies to a file


@dataclass(frozen=True)
class WebSettings:
    """Everything ``create_app`` needs besides the store.

    ``secret_key``: signs session cookies; when ``None`` it is read from (or created in)
    ``secret_path``, a 0600 file next to the database (see ``security.load_secret``).
    ``secure_cookies``: set the cookie's ``Secure`` flag; ``None`` means "when the request
    came over https", which is right behind a TLS-terminating proxy that sets the scheme.
    ``idle_timeout_s``: automatic log-off after this much inactivity (45 CFR §164.312(a)(2)(iii)).
    ``deidentify``: strips identifiers from what a supervisor sees. It receives the view
    data of a shared client (client page, session page, caseload row) and a
    ``deid.ViewContext`` (speaker labels by role, the per-client date offset) and returns
    the data to show. The default uses ``mendline.reports.Deidentifier``
    (``deid.deidentify_view``); it cannot be switched off, only replaced.
    """

    secret_key: str | None = None
    secret_path: Path | None = None
    secure_cookies: bool | None = None
    idle_timeout_s: float = 15 * 60
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    max_form_bytes: int = 1024 * 1024
    login_max_failures: int = 5
    login_window_s: float = 15 * 60
    pending_upload_ttl_s: float = 30 * 60
    clock: Callable[[], float] = time.time
    deidentify: ViewDeidentifier = deidentify_view
    upload_dir: Path | None = None  # where uploads wait for the role step; a private tmp dir
    extra: Mapping[str, Any] = field(default_factory=dict)
