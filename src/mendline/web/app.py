"""``create_app(store, settings)``: the FastAPI application, wired together.

Errors become pages in plain words (or JSON for ``.json`` twins): a ``MendlineError``'s
own message (which never holds transcript text) with 400/404/413, anything unexpected a
500 page with no details. Validation errors never echo what was sent.
"""

from __future__ import annotations

import logging
import re
import tempfile
import traceback
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute

from mendline.errors import IngestError, InputError, MendlineError, NotFound, StoreError
from mendline.store import Store
from mendline.web import deps
from mendline.web.routes import (
    admin,
    auth,
    caseload,
    clients,
    measures,
    reports,
    sessions,
    upload,
)
from mendline.web.security import (
    BodyLimit,
    BodyTooLarge,
    LoginLimiter,
    SecurityHeaders,
    SessionRegistry,
    load_secret,
)
from mendline.web.settings import WebSettings
from mendline.web.views import FAMILY_LABELS, Privacy

__all__ = ["create_app", "secret_path_for", "iter_routes", "chart_svg"]

log = logging.getLogger(__name__)
_PACKAGE = resources.files("mendline.web")
_UPLOAD_PATHS = ("/upload", "/attendance/import")


def secret_path_for(store: Store) -> Path:
    """A 0600 file next to a SQLite database; the user data directory for PostgreSQL."""
    if store.backend == "sqlite" and store.url.database not in (None, "", ":memory:"):
        db = Path(store.url.database or "")
        return db.with_name(db.name + ".web-secret")
    import platformdirs

    folder = Path(platformdirs.user_data_dir("mendline"))
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder / "web-secret"


def iter_routes(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    """Every route, with included routers flattened (FastAPI may keep them nested)."""
    for r in routes:
        inner = getattr(r, "original_router", None)
        if inner is not None:
            yield from iter_routes(inner.routes)
        else:
            yield r


_SVG_FORBIDDEN = re.compile(
    r"<\s*(?:script|foreignObject|iframe|image|use|a)\b|\son\w+\s*=|href|javascript:|"
    r"url\((?!#)|<!|<\?|style\s*=", re.I)


def chart_svg(svg: str) -> Markup:
    """The one place a template inserts markup: an SVG drawn by ``mendline.reports.charts``.

    Those charts escape every piece of text they draw (``reports.svg.esc``); this filter
    also refuses anything that could run or load something (scripts, event handlers,
    links, external references, inline styles that the CSP would block), so a chart that
    is not what it should be shows as nothing rather than as markup.
    """
    text = str(svg)
    if not text.startswith("<svg ") or not text.endswith("</svg>") or \
            _SVG_FORBIDDEN.search(text):
        log.error("a chart was refused: it is not a plain SVG drawing")
        return Markup("")
    return Markup(text)  # noqa: S704 - checked above; text inside was escaped by reports.svg


def _templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(_PACKAGE.joinpath("templates"))),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["FAMILY_LABELS"] = FAMILY_LABELS
    env.filters["chart_svg"] = chart_svg
    return env


def create_app(store: Store, settings: WebSettings | None = None) -> FastAPI:
    settings = settings or WebSettings()
    secret = settings.secret_key or load_secret(settings.secret_path or secret_path_for(store))
    app = FastAPI(
        title="Mendline",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(deps.guard)],
    )
    app.state.store = store
    app.state.settings = settings
    app.state.sessions = SessionRegistry(secret, settings.idle_timeout_s, settings.clock)
    app.state.limiter = LoginLimiter(settings.login_max_failures, settings.login_window_s,
                                     settings.clock)
    app.state.templates = _templates()
    app.state.pending = {}
    app.state.timelines = {}  # client id -> (input fingerprint, ClientTimeline)
    app.state.privacy = Privacy(settings.deidentify, secret)
    app.state.maps = {}  # rupture maps by what they draw (views._rupture_map)
    upload_dir = settings.upload_dir or Path(tempfile.mkdtemp(prefix="mendline-uploads-"))
    upload_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    app.state.upload_dir = upload_dir
    for module in (auth, caseload, clients, sessions, reports, upload, measures, admin):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=str(_PACKAGE.joinpath("static"))), name="static")

    def limit_for(path: str) -> int:
        if path.startswith(_UPLOAD_PATHS) or path.endswith(_UPLOAD_PATHS):
            return settings.max_upload_bytes
        return settings.max_form_bytes

    app.add_middleware(BodyLimit, limit_for=limit_for)
    app.add_middleware(SecurityHeaders)
    _add_error_handlers(app)
    return app


def _error(request: Request, status: int, title: str, message: str) -> Response:
    if deps.wants_json(request):
        return JSONResponse({"error": {"status": status, "title": title, "message": message}},
                            status_code=status)
    return deps.show(request, "error.html",
                     {"status": status, "title": title, "message": message}, status)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(deps.LoginRequired)
    async def login_required(request: Request, exc: deps.LoginRequired) -> Response:
        if deps.wants_json(request):
            return JSONResponse({"error": {"status": 401, "title": "Please sign in",
                                           "message": "your session has ended; sign in again"}},
                                status_code=401)
        target = "/login?expired=1" if exc.expired else "/login"
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(deps.CsrfFailed)
    async def csrf_failed(request: Request, exc: deps.CsrfFailed) -> Response:
        return _error(request, 403, "This form has expired",
                      "The page was open too long or came from somewhere else. Go back, "
                      "reload the page and try again.")

    @app.exception_handler(MendlineError)
    async def mendline_error(request: Request, exc: MendlineError) -> Response:
        if isinstance(exc, NotFound):
            return _error(request, 404, "Not found",
                          "There is nothing here, or it is not yours to see.")
        if isinstance(exc, BodyTooLarge):
            return _error(request, 413, "Too large", str(exc))
        if isinstance(exc, StoreError):
            log.error("database error: %s", exc)
            return _error(request, 503, "The database is not available", str(exc))
        if isinstance(exc, IngestError | InputError):
            return _error(request, 400, "That did not work", str(exc))
        return _error(request, 400, "That did not work", str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        fields = sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")})
        where = f" (check: {', '.join(fields)})" if fields else ""
        return _error(request, 400, "Something is missing",
                      f"Some of what was sent is missing or not in the expected form{where}.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return _error(request, 404, "Not found",
                          "There is nothing here, or it is not yours to see.")
        if exc.status_code == 405:
            return _error(request, 405, "Not allowed", "This page cannot be used that way.")
        return _error(request, exc.status_code, "That did not work",
                      "The request could not be handled.")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        where = f"{frame.filename}:{frame.lineno}" if frame else "?"
        # The type and place only: an exception's message could quote session content.
        log.error("unexpected %s at %s on %s %s", type(exc).__name__, where, request.method,
                  request.url.path)
        return _error(request, 500, "Something went wrong",
                      "Mendline hit an unexpected problem. Nothing you entered was lost "
                      "unless you were saving it just now; please try again.")
