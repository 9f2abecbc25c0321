"""Entering self-report forms (SRS, ORS, WAI-SR, PSQ) and attendance, one by one or from a
file.

Forms go through ``client_records.measure_record`` / ``add_measure_record`` (tracking's
validation and scoring, the same path as ``mendline measures add``) and are stored with
neutral item keys; only scores are stored, never item wording (the SRS and ORS wording is
copyrighted; Duncan et al., 2003; Miller et al., 2003). Attendance files go through
``client_records.import_attendance`` with a ``tracking.PRESETS`` column mapping: the whole
file is checked before one transaction writes every row, so a bad row writes nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shutil
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from mendline.client_records import add_measure_record, import_attendance, measure_record
from mendline.errors import InputError
from mendline.store import add_attendance
from mendline.store.models import ATTENDANCE_STATUSES
from mendline.tracking import PRESETS
from mendline.tracking.instruments import INSTRUMENTS
from mendline.web import deps

__all__ = ["router", "FORMS"]

router = APIRouter()

# The forms the page offers: instrument, a plain title, and per item a neutral label.
FORMS: dict[str, dict[str, Any]] = {
    "SRS": {"title": "Session Rating Scale (SRS), 4 items, 0 to 10",
            "labels": ["Relationship", "Goals and topics", "Approach or method", "Overall"]},
    "ORS": {"title": "Outcome Rating Scale (ORS), 4 items, 0 to 10",
            "labels": ["Personal well-being", "Close relationships",
                       "Work, school and friendships", "Overall sense of well-being"]},
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
    session = str(form.get("session", "")).strip()
    if session and not session.isdigit():
        raise InputError("session number: expected a whole number, or leave it empty")
    when = _date(form.get("date"))
    try:
        record = measure_record(name, when, raw, inst.default_scale,
                                int(session) if session else None)
    except InputError as e:
        raise InputError(f"{name}: {e}") from None
    add_measure_record(deps.store_of(request), c.owner, c.code, record)
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


_IMPORT_SUFFIXES = (".csv", ".ics", ".ical")


@router.post("/clients/{client_id:int}/attendance/import")
async def import_file(request: Request, viewer: deps.ClinicalViewer, client_id: int
                      ) -> Response:
    c = deps.client_for(request, viewer, client_id, write=True)
    form = await request.form()
    file = form.get("file")
    preset = str(form.get("preset", "mendline") or "mendline")
    if preset not in PRESETS:
        raise InputError(f"file comes from: expected one of {', '.join(PRESETS)}")
    if not isinstance(file, UploadFile) or not file.filename:
        raise InputError("attendance file: choose a CSV or calendar (.ics) file")
    base = file.filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[^A-Za-z0-9._ -]+", "_", base)[:120] or "attendance.csv"
    if not name.lower().endswith(_IMPORT_SUFFIXES):
        raise InputError(f"{name}: expected a .csv or .ics file")
    folder = Path(request.app.state.upload_dir) / f"attendance-{secrets.token_urlsafe(12)}"
    folder.mkdir(mode=0o700)
    try:
        try:
            data = await file.read()
        finally:
            await file.close()
        if b"\x00" in data[:4096]:
            raise InputError(f"{name}: this looks like a binary file, not a CSV or calendar")
        # import_attendance reads a path (as the CLI does); the file waits 0600 in a 0700
        # folder only for as long as the import takes.
        path = folder / name
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        summary = await run_in_threadpool(
            import_attendance, deps.store_of(request), c.owner, c.code, path, preset=preset,
            until=dt.date.today())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    deps.audit(request, viewer, "attendance.import", f"client:{client_id}",
               f"{summary.format}, preset {preset}: {summary.added} added, "
               f"{summary.updated} replaced")
    return RedirectResponse(f"/clients/{client_id}?done=attendance#attendance",
                            status_code=303)
