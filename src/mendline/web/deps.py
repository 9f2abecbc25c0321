"""What every route shares: the logged-in viewer, rendering a page or its JSON twin, audit.

``guard`` runs before every route (an app-wide dependency): it finds the login session
from the cookie and, for every state-changing method, checks the CSRF token, so a route
added later is protected without remembering to ask for it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from mendline.store import Store, record_audit
from mendline.web.queries import ClientRef, Viewer, visible_client
from mendline.web.security import CSRF_FIELD, CSRF_HEADER, LoginSession, same_token

__all__ = [
    "LoginRequired",
    "CsrfFailed",
    "guard",
    "require_viewer",
    "require_admin",
    "require_clinical",
    "require_clinician",
    "store_of",
    "show",
    "ClinicalViewer",
    "ClinicianViewer",
    "AdminViewer",
    "client_for",
    "audit",
    "remote_addr",
    "wants_json",
]

_SAFE = {"GET", "HEAD", "OPTIONS"}


class LoginRequired(Exception):
    """No live login: redirect to the login page (or 401 for JSON)."""

    def __init__(self, expired: bool = False) -> None:
        self.expired = expired


class CsrfFailed(Exception):
    """A state-changing request without this session's CSRF token."""


def store_of(request: Request) -> Store:
    return request.app.state.store


def wants_json(request: Request) -> bool:
    return request.url.path.endswith(".json") or (
        "application/json" in request.headers.get("accept", "")
        and "text/html" not in request.headers.get("accept", "")
    )


def remote_addr(request: Request) -> str | None:
    return request.client.host if request.client else None


async def guard(request: Request) -> AsyncIterator[None]:
    """Find the login session; check CSRF on state-changing requests; close uploads after."""
    try:
        await _check(request)
        yield
    finally:
        await request.close()  # closes uploaded files the form parser spooled to disk


async def _check(request: Request) -> None:
    state = request.app.state
    cookie = request.cookies.get("mendline_session")
    session, expired = state.sessions.lookup(cookie)
    request.state.login = session
    request.state.expired = expired
    if request.method in _SAFE:
        return
    sent = request.headers.get(CSRF_HEADER)
    if not sent and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if session is None:
        if expired:
            raise LoginRequired(expired=True)
        raise CsrfFailed()
    if not same_token(sent, session.csrf):
        raise CsrfFailed()


def require_viewer(request: Request) -> Viewer:
    session: LoginSession | None = request.state.login
    if session is None or session.user_id is None:
        raise LoginRequired(expired=bool(request.state.expired))
    return Viewer(session.user_id, session.username or "", session.role or "",
                  session.data.get("display_name", session.username or ""))


def require_clinical(request: Request) -> Viewer:
    """A clinician or supervisor; an admin gets 404 (no clinical content for admins)."""
    from mendline.errors import NotFound

    viewer = require_viewer(request)
    if viewer.role == "admin":
        raise NotFound("this page holds clinical content, which admin accounts do not see")
    return viewer


def require_clinician(request: Request) -> Viewer:
    """Clinicians only: supervisors see shared clients read-only and own none."""
    from mendline.errors import NotFound

    viewer = require_viewer(request)
    if viewer.role != "clinician":
        raise NotFound("this page is for clinicians with their own caseload")
    return viewer


def require_admin(request: Request) -> Viewer:
    from mendline.errors import NotFound

    viewer = require_viewer(request)
    if viewer.role != "admin":
        raise NotFound("no such page")
    return viewer


ClinicalViewer = Annotated[Viewer, Depends(require_clinical)]
ClinicianViewer = Annotated[Viewer, Depends(require_clinician)]
AdminViewer = Annotated[Viewer, Depends(require_admin)]


def client_for(request: Request, viewer: Viewer, client_id: int, *, write: bool = False
               ) -> ClientRef:
    """The client if this viewer may see (``write``: change) it, else NotFound (404).

    Routes call this first, before validating anything else they were sent, so a foreign
    id always answers 404 and never reveals, through a different error, that it exists.
    """
    with store_of(request).transaction() as s:
        return visible_client(s, viewer, client_id, write=write)


def show(request: Request, template: str, data: dict[str, Any], status: int = 200,
         *, as_json: bool = False) -> Response:
    """The page, or (``as_json``) its JSON twin, from the same view data."""
    if as_json:
        return JSONResponse(data, status_code=status)
    session: LoginSession | None = getattr(request.state, "login", None)
    context = {
        "request": request,
        "data": data,
        "csrf_token": session.csrf if session else "",
        "me": getattr(request.state, "viewer", None) or _viewer_or_none(session),
        "flash": request.query_params.get("done"),
    }
    html = request.app.state.templates.get_template(template).render(context)
    return HTMLResponse(html, status_code=status)


def _viewer_or_none(session: LoginSession | None) -> Viewer | None:
    if session is None or session.user_id is None:
        return None
    return Viewer(session.user_id, session.username or "", session.role or "",
                  session.data.get("display_name", session.username or ""))


def audit(request: Request, viewer: Viewer | str, action: str, obj: str,
          detail: str | None = None) -> None:
    """Append who/what/when/where to the audit log (never content)."""
    actor = viewer if isinstance(viewer, str) else viewer.username
    record_audit(store_of(request), actor=actor, action=action, object=obj, detail=detail,
                 remote_addr=remote_addr(request))
