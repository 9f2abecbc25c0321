"""Reports for supervision, from ``mendline.reports`` (the same packet as ``mendline report``).

For one session (``/clients/{id}/sessions/{n}/report``) or the whole client (the
supervision packet, ``/clients/{id}/report``): first a review page listing what
de-identification will replace, then the download as HTML, PDF or Markdown
(``reports.FORMATS``).

- De-identified by default. The owning clinician may untick "de-identify" for a copy that
  stays with them; a supervisor always gets the de-identified packet, whatever is asked.
- The owner's review lists kind, placeholder and the originals (their own data, so they
  can check nothing slipped through); a supervisor's lists only kinds and counts.
- Dates move by the client's stable offset (``deid.date_offset_days``), the same one the
  supervisor's pages use, so the packet and the pages agree.
- Every review and every download goes to the audit log (ids and format, never content).
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mendline.errors import NotFound
from mendline.reports import FORMATS, BuiltReport, load_report_inputs, render_report
from mendline.web import deps
from mendline.web.deid import kinds_and_counts
from mendline.web.queries import ClientRef, Viewer
from mendline.web.views import FORMAT_LABELS

__all__ = ["router", "MEDIA_TYPES"]

router = APIRouter()
_CLIENT = "/clients/{client_id:int}"
_SESSION = _CLIENT + "/sessions/{number:int}"
MEDIA_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf",
               "md": "text/markdown; charset=utf-8"}
KIND_LABELS = {"client": "The client's name", "therapist": "The therapist's name",
               "person": "Other people's names", "place": "Places", "date": "Dates",
               "phone": "Phone numbers", "email": "E-mail addresses", "url": "Web addresses",
               "address": "Street addresses and postcodes", "id": "ID and record numbers"}


def _deidentify(request: Request, c: ClientRef) -> bool:
    """Supervisors: always. The owner: unless the form's box was unticked.

    The form sends ``deidentify=no`` (hidden) and, when ticked, ``deidentify=yes``; no
    value at all (a plain link) means the default, de-identified.
    """
    if c.read_only:
        return True
    values = request.query_params.getlist("deidentify")
    return not values or "yes" in values


def _render(request: Request, c: ClientRef, number: int | None, fmt: str,
            deidentify: bool) -> BuiltReport:
    inputs = load_report_inputs(deps.store_of(request), c.owner, c.code)
    return render_report(inputs, session=number, fmt=fmt, deidentify=deidentify,
                         date_offset_days=request.app.state.privacy.offset(c.id))


def _what(client_id: int, number: int | None) -> str:
    return f"client:{client_id}" + (f"/session:{number}" if number is not None else "")


def _review(request: Request, viewer: Viewer, client_id: int, number: int | None,
            as_json: bool) -> Response:
    c = deps.client_for(request, viewer, client_id)
    deidentify = _deidentify(request, c)
    built = _render(request, c, number, "md", deidentify)
    base = f"/clients/{c.id}" + (f"/sessions/{number}" if number is not None else "")
    flag = "yes" if deidentify else "no"
    if not deidentify:
        replaced: list[dict[str, Any]] = []
    elif c.read_only:
        replaced = [{**r, "label": KIND_LABELS.get(r["kind"], r["kind"])}
                    for r in kinds_and_counts(built.replacements)]
    else:
        replaced = [{**asdict(r), "originals": list(r.originals),
                     "label": KIND_LABELS.get(r.kind, r.kind)} for r in built.replacements]
    data = {
        "client": {"id": c.id, "code": c.code, "url": f"/clients/{c.id}",
                   "read_only": c.read_only, "owner_name": c.owner_name},
        "session": number,
        "back": base,
        "review_url": f"{base}/report",
        "deidentify": deidentify,
        "can_choose": not c.read_only,
        "shows_originals": deidentify and not c.read_only,
        "replacements": replaced,
        "formats": [{"format": f, "label": FORMAT_LABELS.get(f, f),
                     "url": f"{base}/report.{f}?deidentify={flag}"} for f in FORMATS],
    }
    deps.audit(request, viewer, "report.review", _what(c.id, number),
               ("de-identified" if deidentify else "with identifiers")
               + (" (json)" if as_json else ""))
    return deps.show(request, "report.html", data, as_json=as_json)


def _download(request: Request, viewer: Viewer, client_id: int, number: int | None,
              fmt: str) -> Response:
    if fmt == "json":  # the review page's JSON twin
        return _review(request, viewer, client_id, number, True)
    c = deps.client_for(request, viewer, client_id)  # access first: a foreign id is 404
    if fmt not in FORMATS:
        raise NotFound(f"no {fmt!r} report format; expected one of {', '.join(FORMATS)}")
    deidentify = _deidentify(request, c)
    built = _render(request, c, number, fmt, deidentify)
    deps.audit(request, viewer, "report.export", _what(c.id, number),
               f"format {fmt}, " + ("de-identified" if deidentify
                                    else "with identifiers, kept by the clinician"))
    part = f"-session{number}" if number is not None else ""
    if deidentify:  # the code may be initials: a file that leaves the machine does not say
        name = f"mendline-supervision{part}.{fmt}"
    else:
        code = re.sub(r"[^A-Za-z0-9_-]+", "_", c.code)[:40] or "client"
        name = f"mendline-{code}{part}.{fmt}"
    return Response(built.data, media_type=MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@router.get(_CLIENT + "/report")
def client_review(request: Request, viewer: deps.ClinicalViewer, client_id: int) -> Response:
    return _review(request, viewer, client_id, None, False)


@router.get(_CLIENT + "/report.{fmt}")
def client_report(request: Request, viewer: deps.ClinicalViewer, client_id: int,
                  fmt: str) -> Response:
    return _download(request, viewer, client_id, None, fmt)


@router.get(_SESSION + "/report")
def session_review(request: Request, viewer: deps.ClinicalViewer, client_id: int,
                   number: int) -> Response:
    return _review(request, viewer, client_id, number, False)


@router.get(_SESSION + "/report.{fmt}")
def session_report(request: Request, viewer: deps.ClinicalViewer, client_id: int,
                   number: int, fmt: str) -> Response:
    return _download(request, viewer, client_id, number, fmt)
