"""A session: the transcript with markers and repairs, episodes, feedback, roles."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from mendline.errors import InputError, NotFound
from mendline.store import add_feedback
from mendline.transcript import Role
from mendline.web import deps
from mendline.web.queries import Viewer, reassign_roles
from mendline.web.views import session_view

__all__ = ["router"]

router = APIRouter()
_BASE = "/clients/{client_id:int}/sessions/{number:int}"


def _data(request: Request, viewer: Viewer, client_id: int, number: int) -> dict:
    return session_view(deps.store_of(request), viewer, client_id, number,
                        privacy=request.app.state.privacy, maps=request.app.state.maps)


@router.get(_BASE)
def session_page(request: Request, viewer: deps.ClinicalViewer,
                 client_id: int, number: int) -> Response:
    data = _data(request, viewer, client_id, number)
    deps.audit(request, viewer, "session.view", f"client:{client_id}/session:{number}")
    return deps.show(request, "session.html", data)


@router.get(_BASE + ".json")
def session_json(request: Request, viewer: deps.ClinicalViewer,
                 client_id: int, number: int) -> Response:
    data = _data(request, viewer, client_id, number)
    deps.audit(request, viewer, "session.view", f"client:{client_id}/session:{number}",
               "json")
    return deps.show(request, "session.html", data, as_json=True)


@router.post(_BASE + "/feedback")
def feedback(request: Request, viewer: deps.ClinicalViewer,
             client_id: int, number: int, kind: str = Form(...),
             index: int = Form(...), action: str = Form(...),
             new_label: str = Form("")) -> Response:
    deps.client_for(request, viewer, client_id, write=True)
    store = deps.store_of(request)
    data = session_view(store, viewer, client_id, number, privacy=None)
    if data["analysis_id"] is None:
        raise NotFound(f"session {number} has no analysis to give feedback on")
    with store.transaction() as s:
        add_feedback(s, clinician=viewer.username, analysis_id=data["analysis_id"], item_kind=kind,
                     item_index=index, action=action,
                     new_label=new_label or None if action == "relabel" else None)
    deps.audit(request, viewer, "feedback.add", f"client:{client_id}/session:{number}",
               f"{kind} {index}: {action}")
    if request.headers.get("hx-request"):
        data = session_view(store, viewer, client_id, number, privacy=None)
        items = data["markers"] if kind == "marker" else data["repairs"]
        item = next(i for i in items if i["index"] == index)
        return deps.show(request, "_item.html", {**data, "item": item})
    return RedirectResponse(f"/clients/{client_id}/sessions/{number}#item-{kind[0]}{index}",
                            status_code=303)


@router.post(_BASE + "/roles")
async def roles(request: Request, viewer: deps.ClinicalViewer,
                client_id: int, number: int) -> Response:
    c = deps.client_for(request, viewer, client_id, write=True)
    form = await request.form()
    try:
        line = int(str(form.get("line", "")))
        role = Role(str(form.get("role", "")))
    except ValueError:
        raise InputError("speaker role: choose a line and a role (therapist, client or other)"
                         ) from None
    everywhere = form.get("all_lines") == "yes"
    store = deps.store_of(request)

    def work() -> None:
        data = session_view(store, viewer, client_id, number, privacy=None)
        speaker = next((ln["speaker"] for ln in data["lines"] if ln["index"] == line), None)
        if speaker is None:
            raise NotFound(f"session {number} has no line {line}")
        lines = [ln["index"] for ln in data["lines"]
                 if everywhere and ln["speaker"] == speaker] or [line]
        reassign_roles(store, c, number, dict.fromkeys(lines, role))

    await run_in_threadpool(work)
    deps.audit(request, viewer, "session.roles", f"client:{client_id}/session:{number}",
               f"line {line} -> {role.value}" + (" (all lines of the speaker)" if everywhere
                                                else ""))
    return RedirectResponse(f"/clients/{client_id}/sessions/{number}?done=roles#line-{line}",
                            status_code=303)
