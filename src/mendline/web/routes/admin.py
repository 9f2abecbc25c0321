"""Administration: accounts and the audit log. No clinical content is reachable from here."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from mendline.web import deps
from mendline.web.accounts import ROLES, add_user, list_users
from mendline.web.queries import Viewer
from mendline.web.views import audit_view

__all__ = ["router"]

router = APIRouter()


def _users(request: Request) -> dict:
    return {
        "users": [{"username": u.username, "display_name": u.display_name, "role": u.role,
                   "has_password": u.has_password,
                   "created": u.created_at.date().isoformat()}
                  for u in list_users(deps.store_of(request))],
        "roles": list(ROLES),
    }


@router.get("/admin")
def admin_page(request: Request, viewer: deps.AdminViewer) -> Response:
    return deps.show(request, "admin.html", _users(request))


@router.get("/admin.json")
def admin_json(request: Request, viewer: deps.AdminViewer) -> Response:
    return deps.show(request, "admin.html", _users(request), as_json=True)


@router.post("/admin/users")
def create_user(request: Request,
                viewer: deps.AdminViewer, username: str = Form(...), password: str = Form(...),
                role: str = Form(...), display_name: str = Form("")) -> Response:
    person = add_user(deps.store_of(request), username, password, role,
                      display_name.strip() or None)
    deps.audit(request, viewer, "user.add", f"user:{person.username}", f"role {person.role}")
    return RedirectResponse("/admin?done=user", status_code=303)


def _audit(request: Request, viewer: Viewer, actor: str | None, as_json: bool) -> Response:
    data = audit_view(deps.store_of(request), actor=actor or None)
    data["actor"] = actor or ""
    deps.audit(request, viewer, "audit.view", "audit", "json" if as_json else None)
    return deps.show(request, "audit.html", data, as_json=as_json)


@router.get("/admin/audit")
def audit_page(request: Request, viewer: deps.AdminViewer, actor: str = "") -> Response:
    return _audit(request, viewer, actor, False)


@router.get("/admin/audit.json")
def audit_json(request: Request, viewer: deps.AdminViewer, actor: str = "") -> Response:
    return _audit(request, viewer, actor, True)
