"""Mendline's local web app: FastAPI, server-rendered Jinja2 pages, vendored HTMX.

    from mendline.web import create_app, WebSettings, serve
    serve(host="127.0.0.1", port=8765)        # what ``mendline serve`` runs

Needs the ``web`` extra (fastapi, uvicorn, jinja2, python-multipart, argon2-cffi,
itsdangerous). See docs/web.md for routes, accounts and the security model.
"""

try:
    import fastapi  # noqa: F401
    import jinja2  # noqa: F401
except ImportError as e:  # pragma: no cover - depends on the installed extras
    from mendline.errors import MendlineError

    raise MendlineError(
        "the web app needs its extra dependencies: pip install 'mendline[web]'"
    ) from e

from mendline.web.accounts import add_user, set_password, verify_login
from mendline.web.app import create_app
from mendline.web.server import serve
from mendline.web.settings import WebSettings

__all__ = ["create_app", "WebSettings", "serve", "add_user", "set_password", "verify_login"]
