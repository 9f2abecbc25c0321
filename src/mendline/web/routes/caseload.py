"""The caseload: the viewer's clients, alerts first."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mendline.web import deps
from mendline.web.queries import Viewer
from mendline.web.views import caseload_view

__all__ = ["router"]

router = APIRouter()


def _caseload(request: Request, viewer: Viewer, as_json: bool) -> Response:
    data = caseload_view(deps.store_of(request), viewer, request.app.state.timelines,
                         privacy=request.app.state.privacy)
    deps.audit(request, viewer, "caseload.view", "caseload",
               f"{len(data['clients'])} clients" + (" (json)" if as_json else ""))
    return deps.show(request, "caseload.html", data, as_json=as_json)


@router.get("/caseload")
def caseload(request: Request, viewer: deps.ClinicalViewer) -> Response:
    return _caseload(request, viewer, False)


@router.get("/caseload.json")
def caseload_json(request: Request, viewer: deps.ClinicalViewer
                  ) -> Response:
    return _caseload(request, viewer, True)
