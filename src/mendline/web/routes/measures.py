"""Entering self-report forms (SRS, WAI-SR, PSQ) and attendance, one by one or from a CSV.

Forms are validated by ``tracking.instruments.check_items`` (the same rules tracking uses)
and stored with neutral item keys; only scores are stored, never item wording (the SRS
wording is copyrighted; Duncan et al., 2003).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from mendline.errors import InputError
from mendline.store import add_attendance, add_measure
from mendline.store.models import ATTENDANCE_STATUSES
from mendline.tracking import parse_attendance_csv
from mendline.tracking.instruments import INSTRUMENTS, check_items
from mendline.web import deps

__all__ = ["router", "FORMS"]

router = APIRouter()

# The forms the page offers: instrument, a plain title, and per item a neutral label.
FORMS: dict[str, dict[str, Any]] = {
    "SRS": {"title": "Session Rating Scale (SRS), 4 items, 0 to 10",
            "labels": ["Relationship", "Goals and topics", "Approach or method", "Overall"]},
    "WAI-SR": {"title": "Working Alliance Inventory, short revised (WAI-SR), 12 items, 1 to 5",
               "labels": [f"Item {i}" for i in range(1, 13)]},
    "PSQ-client": {"title": "Post-Session Questionnaire, rupture items (client)",
                   "labels": ["Was there a rupture?", "How intense (1 to 5)",
                              "How resolved by the end (1 to 5)"]},
    "PSQ-therapist": {"title": "Post-Session Questionnaire, rupture items (therapist)",
                      "labels": ["Was there a rupture?", "How intense (1 to 5)",
                                 "How resolved by the end (1 to 5)"]},
}
STATUS_LABELS = {"attended": "Attended", "missed": "Missed (no-show)",
                 "cancelled": "Cancelled in good time", "late_cancelled": "Cancelled late",
                 "late": "Attended, arrived late"}


def _form_data(client_id: int, code: str) -> dict[str, Any]:
    forms = []
    for name, meta in FORMS.items():
        inst = INSTRUMENTS[name]
        low, high = inst.scales[inst.default_scale]
        forms.append({
            "instrument": name, "title": meta["title"], "slug": inst.slug,
            "items": [{"key": key, "label": label, "boolean": key in inst.boolean,
                       "optional": key in inst.optional, "low": low, "high": high,
                       "step": 1 if inst.integer else 0.1}
                      for key, label in zip(inst.items, meta["labels"], strict=True)],
        })
    return {"client": {"id": client_id, "code": code, "url": f"/clients/{client_id}"},
            "forms": forms, "statuses": STATUS_LABELS, "today": dt.date.today().isoformat()}


@router.get("/clients/{client_id:int}/measures/new")
def measures_page(request: Request, viewer: deps.ClinicalViewer, client_id: int) -> Response:
    c = deps.client_for(request, viewer, client_id, write=True)
    return deps.show(request, "measures.html", _form_data(c.id, c.code))


def _date(value: Any) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise InputError("date: expected a date such as 2026-03-04") from None


def _number(value: Any, key: str) -> float | None:
    text = str(value or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{key}: expected a number") from None


@router.post("/clients/{client_id:int}/measures")
async def add_form(request: Request, viewer: deps.ClinicalViewer, client_id: int) -> Response:
    c = deps.client_for(request, viewer, client_id, write=True)
    form = await request.form()
    name = str(form.get("instrument", ""))
    if name not in FORMS:
        raise InputError(f"instrument: expected one of {', '.join(FORMS)}")
    inst = INSTRUMENTS[name]
    raw: dict[str, float | bool | None] = {}
    for key in inst.items:
        if key in inst.boolean:
            answer = str(form.get(key, "")).strip()
            raw[key] = {"yes": True, "no": False}.get(answer)
        else:
            raw[key] = _number(form.get(key), key)
    try:
        items = check_items(inst, raw, inst.default_scale)
    except ValueError as e:
        raise InputError(f"{name}: {e}") from None
    total = sum(v for v in items.values() if isinstance(v, float)) if inst.totalled else None
    session = str(form.get("session", "")).strip()
    when = _date(form.get("date"))
    store = deps.store_of(request)
    with store.transaction() as s:
        add_measure(s, clinician=c.owner, client_code=c.code, instrument=name, date=when,
                    items=items, total=total, scale=inst.default_scale,
                    session_number=int(session) if session.isdigit() else None)
    deps.audit(request, viewer, "measure.add", f"client:{client_id}", name)
    return RedirectResponse(f"/clients/{client_id}?done=measure#measures", status_code=303)


@router.post("/clients/{client_id:int}/attendance")
async def add_one(request: Request, viewer: deps.ClinicalViewer, client_id: int) -> Response:
    c = deps.client_for(request, viewer, client_id, write=True)
    form = await request.form()
    status = str(form.get("status", ""))
    if status not in ATTENDANCE_STATUSES:
        raise InputError("attendance: choose how the appointment went")
    minutes = str(form.get("minutes_late", "")).strip()
    if minutes and not minutes.isdigit():
        raise InputError("minutes late: expected a whole number of minutes")
    store = deps.store_of(request)
    with store.transaction() as s:
        add_attendance(s, clinician=c.owner, client_code=c.code, date=_date(form.get("date")),
                       status=status, minutes_late=int(minutes) if minutes else None)
    deps.audit(request, viewer, "attendance.add", f"client:{client_id}", status)
    return RedirectResponse(f"/clients/{client_id}?done=attendance#attendance",
                            status_code=303)


@router.post("/clients/{client_id:int}/attendance/import")
async def import_csv(request: Request, viewer: deps.ClinicalViewer, client_id: int) -> Response:
    c = deps.client_for(request, viewer, client_id, write=True)
    form = await request.form()
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        raise InputError("attendance file: choose a CSV file")
    name = file.filename.replace("\\", "/").rsplit("/", 1)[-1][:120]
    if not name.lower().endswith(".csv"):
        raise InputError(f"{name}: expected a .csv file")
    try:
        data = await file.read()
    finally:
        await file.close()
    if b"\x00" in data[:4096]:
        raise InputError(f"{name}: this looks like a binary file, not a CSV")
    records = parse_attendance_csv(data, name)
    store = deps.store_of(request)
    with store.transaction() as s:
        for r in records:
            add_attendance(s, clinician=c.owner, client_code=c.code, date=r.date,
                           status=r.status.value, minutes_late=r.minutes_late,
                           source=f"csv:{name}")
    deps.audit(request, viewer, "attendance.import", f"client:{client_id}",
               f"{len(records)} records")
    return RedirectResponse(f"/clients/{client_id}?done=attendance#attendance",
                            status_code=303)
