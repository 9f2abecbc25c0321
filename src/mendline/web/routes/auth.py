"""Signing in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from mendline.web import deps
from mendline.web.accounts import verify_login
from mendline.web.security import COOKIE_NAME, LoginSession

__all__ = ["router", "set_cookie"]

router = APIRouter()


def set_cookie(request: Request, response: Response, session: LoginSession) -> None:
    settings = request.app.state.settings
    secure = settings.secure_cookies
    if secure is None:
        secure = request.url.scheme == "https"
    response.set_cookie(COOKIE_NAME, request.app.state.sessions.cookie_value(session),
                        httponly=True, samesite="strict", secure=secure, path="/")


def _home(role: str | None) -> str:
    return "/admin" if role == "admin" else "/caseload"


@router.get("/")
def home(request: Request) -> Response:
    s = request.state.login
    if s is None or s.user_id is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(_home(s.role), status_code=303)


@router.get("/login")
def login_page(request: Request, expired: int = 0) -> Response:
    session = request.state.login
    if session is not None and session.user_id is not None:
        return RedirectResponse(_home(session.role), status_code=303)
    fresh = session is None
    if fresh:
        session = request.app.state.sessions.new()
        request.state.login = session
    message = "You were signed out after a period of inactivity." if expired else None
    response = deps.show(request, "login.html", {"message": message, "error": None})
    if fresh:
        set_cookie(request, response, session)
    return response


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""),
          next: str = Form("")) -> Response:
    state = request.app.state
    address = deps.remote_addr(request) or "?"
    name = username.strip()[:150]
    wait = state.limiter.blocked_for(name, address)
    if wait > 0:
        deps.audit(request, name or "?", "login.blocked", f"user:{name}")
        minutes = max(1, round(wait / 60))
        return deps.show(request, "login.html", {
            "message": None,
            "error": f"Too many attempts. For your account's safety, please wait about "
                     f"{minutes} minute{'s' if minutes != 1 else ''} and try again.",
        }, 429)
    person = verify_login(state.store, name, password) if name and password else None
    if person is None:
        state.limiter.failed(name, address)
        deps.audit(request, name or "?", "login.failed", f"user:{name}")
        return deps.show(request, "login.html", {
            "message": None, "error": "That username and password do not match. Try again.",
        }, 400)
    state.limiter.succeeded(name, address)
    session = state.sessions.rotate(request.state.login)
    session.user_id, session.username, session.role = person.id, person.username, person.role
    session.data["display_name"] = person.display_name
    request.state.login = session
    deps.audit(request, person.username, "login", f"user:{person.username}")
    target = next if _local(next) else _home(person.role)
    response = RedirectResponse(target, status_code=303)
    set_cookie(request, response, session)
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    session = request.state.login
    if session is not None:
        if session.username:
            deps.audit(request, session.username, "logout", f"user:{session.username}")
        request.app.state.sessions.drop(session)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


def _local(target: str) -> bool:
    """Only same-site paths, so the login form cannot be used to redirect elsewhere."""
    parts = urlsplit(target)
    return bool(target) and target.startswith("/") and not target.startswith("//") \
        and not parts.scheme and not parts.netloc and "\\" not in target
