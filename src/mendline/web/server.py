"""``serve()``: run the web app with uvicorn (what ``mendline serve`` calls)."""

from __future__ import annotations

import logging

from mendline.store import open_store
from mendline.web.settings import WebSettings

__all__ = ["serve"]

log = logging.getLogger(__name__)


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    db: str | None = None,
    *,
    settings: WebSettings | None = None,
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
) -> None:
    """Serve Mendline on ``host:port`` until interrupted.

    Binds to the loopback address by default: only this computer can connect. Give
    ``host="0.0.0.0"`` (and, for a practice server, a certificate) deliberately. With a
    certificate the session cookie is marked Secure.
    """
    import uvicorn

    from mendline.web.app import create_app

    store = open_store(db)
    if settings is None:
        settings = WebSettings(secure_cookies=True if ssl_certfile else None)
    app = create_app(store, settings)
    if host not in ("127.0.0.1", "localhost", "::1") and not ssl_certfile:
        log.warning("serving on %s without TLS: use a certificate or a TLS proxy", host)
    try:
        uvicorn.run(app, host=host, port=port, ssl_certfile=ssl_certfile,
                    ssl_keyfile=ssl_keyfile, log_level="warning", access_log=False,
                    server_header=False)
    finally:
        store.close()
