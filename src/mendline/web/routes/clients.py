"""A client's page: timeline, sessions, measures, attendance, settings, sharing, comments."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from mendline.errors import InputError
from mendline.store import add_comment, share_client, update_client_settings
from mendline.web import deps
from mendline.web.queries import Viewer
from mendline.web.views import client_view

__all__ = ["router"]

router = APIRouter()


def _client(request: Request, viewer: Viewer, client_id: int, as_json: bool) -> Response:
    data = client_view(deps.store_of(request), viewer, client_id,
                       privacy=request.app.state.privacy)
    deps.audit(request, viewer, "client.view", f"client:{client_id}",
               "json" if as_json else None)
    return deps.show(request, "client.html", data, as_json=as_json)


@router.get("/clients/{client_id:int}")
def client_page(request: Request, viewer: deps.ClinicalViewer, client_id: int) -> Response:
    return _client(request, viewer, client_id, False)


@router.get("/clients/{client_id:int}.json")
def client_json(request: Request, viewer: deps.ClinicalViewer, client_id: int) -> Response:
    return _client(request, viewer, client_id, True)


def _whole(value: str, field: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise InputError(f"{field}: expected a whole number from 1, or leave it empty")
    return int(value)


@router.post("/clients/{client_id:int}/settings")
def save_settings(request: Request, viewer: deps.ClinicalViewer,
                  client_id: int, planned_sessions: str = Form(""),
                  termination_from: str = Form("")) -> Response:
    c = deps.client_for(request, viewer, client_id, write=True)
    with deps.store_of(request).transaction() as s:
        update_client_settings(
            s, clinician=c.owner, code=c.code,
            planned_sessions=_whole(planned_sessions, "planned number of sessions"),
            termination_from=_whole(termination_from, "ending work from session"),
        )
    deps.audit(request, viewer, "client.settings", f"client:{client_id}")
    return RedirectResponse(f"/clients/{client_id}?done=settings#settings", status_code=303)


@router.post("/clients/{client_id:int}/share")
def share(request: Request, viewer: deps.ClinicalViewer,
          client_id: int, supervisor: str = Form(...)) -> Response:
    c = deps.client_for(request, viewer, client_id, write=True)
    with deps.store_of(request).transaction() as s:
        share_client(s, clinician=c.owner, code=c.code, supervisor=supervisor.strip())
    deps.audit(request, viewer, "client.share", f"client:{client_id}",
               f"shared with {supervisor.strip()[:150]}")
    return RedirectResponse(f"/clients/{client_id}?done=shared#sharing", status_code=303)


@router.post("/clients/{client_id:int}/comments")
def comment(request: Request, viewer: deps.ClinicalViewer, client_id: int, body: str = Form(...),
            session_number: str = Form("")) -> Response:
    c = deps.client_for(request, viewer, client_id)
    number = _whole(session_number, "session")
    if len(body) > 10_000:
        raise InputError("comment: expected at most 10,000 characters")
    with deps.store_of(request).transaction() as s:
        add_comment(s, author=viewer.username, owner=c.owner, client_code=c.code, body=body,
                    session_number=number)
    deps.audit(request, viewer, "comment.add", f"client:{client_id}"
               + (f"/session:{number}" if number else ""))
    target = (f"/clients/{client_id}/sessions/{number}#comments" if number
              else f"/clients/{client_id}#comments")
    return RedirectResponse(target, status_code=303)
