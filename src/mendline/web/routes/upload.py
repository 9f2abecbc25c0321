"""Uploading a transcript: the file (checked before it is read), then the role step if needed.

The file is type-checked by its extension and its first bytes before ingest reads it, and
the body size is limited by ``BodyLimit``. While the clinician names the speakers, the file
waits in a private temporary folder (0700) under a random token tied to their account,
and is deleted after import or after ``pending_upload_ttl_s``.
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

from mendline.errors import InputError, NotFound, RolesUnresolved
from mendline.importing import TRANSCRIPT_SUFFIXES, import_file
from mendline.ingest.sniff import binary_kind
from mendline.store import get_or_create_client, list_clients
from mendline.transcript import Role
from mendline.web import deps
from mendline.web.queries import Viewer

__all__ = ["router", "check_upload"]

router = APIRouter()
_SNIFF_BYTES = 64 * 1024
_REFUSED_KINDS = {
    "pdf": "this is a PDF; export the transcript as VTT, SRT, TXT, JSON or DOCX instead",
    "doc": "this is an old Word .doc file; save it as .docx or .txt and try again",
    "rtf": "this is an RTF document; save it as .docx or .txt and try again",
}


def check_upload(name: str, head: bytes) -> str:
    """The file's safe name, after checking its extension and first bytes; else InputError."""
    base = Path(name.replace("\\", "/")).name.strip() or "transcript"
    suffix = Path(base).suffix.lower()
    if suffix not in TRANSCRIPT_SUFFIXES:
        allowed = ", ".join(sorted(TRANSCRIPT_SUFFIXES))
        raise InputError(f"{base}: Mendline reads transcripts ending in {allowed}")
    kind = binary_kind(head[:8])
    if kind in _REFUSED_KINDS:
        raise InputError(f"{base}: {_REFUSED_KINDS[kind]}")
    if suffix == ".docx":
        if not head.startswith(b"PK\x03\x04"):
            raise InputError(f"{base}: this does not look like a Word (.docx) file")
    elif head.startswith(b"PK\x03\x04") or (
        b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff"))
    ):
        raise InputError(f"{base}: this looks like a binary file, not a {suffix} transcript")
    if not head.strip():
        raise InputError(f"{base}: the file is empty")
    safe = re.sub(r"[^A-Za-z0-9._ -]+", "_", base)[:120]
    return safe if Path(safe).suffix.lower() == suffix else f"transcript{suffix}"


def _prune(request: Request) -> None:
    state = request.app.state
    now = state.settings.clock()
    for token, p in list(state.pending.items()):
        if now - p["created"] > state.settings.pending_upload_ttl_s:
            _discard(request, token)


def _discard(request: Request, token: str) -> None:
    pending = request.app.state.pending.pop(token, None)
    if pending is not None:
        shutil.rmtree(pending["dir"], ignore_errors=True)


def _form_view(request: Request, viewer: Viewer, error: str | None = None,
               values: dict[str, Any] | None = None) -> dict[str, Any]:
    clients = list_clients(deps.store_of(request), viewer.username)
    return {"clients": [{"code": c.code, "display_name": c.display_name} for c in clients],
            "error": error, "values": values or {},
            "max_mb": request.app.state.settings.max_upload_bytes // 1_048_576,
            "suffixes": sorted(TRANSCRIPT_SUFFIXES)}


@router.get("/upload")
def upload_page(request: Request, viewer: deps.ClinicianViewer
                ) -> Response:
    return deps.show(request, "upload.html", _form_view(request, viewer))


@router.get("/upload.json")
def upload_json(request: Request, viewer: deps.ClinicianViewer
                ) -> Response:
    return deps.show(request, "upload.html", _form_view(request, viewer), as_json=True)


def _date(value: str) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError("session date: expected a date such as 2026-03-04") from None


@router.post("/upload")
async def upload(request: Request, viewer: deps.ClinicianViewer
                 ) -> Response:
    form = await request.form()
    file = form.get("file")
    code = str(form.get("client", "")).strip()
    values = {"client": code, "date": str(form.get("date", "")),
              "display_name": str(form.get("display_name", ""))}
    if not isinstance(file, UploadFile) or not file.filename:
        return deps.show(request, "upload.html", _form_view(
            request, viewer, "Choose a transcript file to upload.", values), 400)
    if not code:
        return deps.show(request, "upload.html", _form_view(
            request, viewer, "Give the client's code (a pseudonym, not their name).", values),
            400)
    try:
        when = _date(values["date"])
        head = await file.read(_SNIFF_BYTES)
        name = check_upload(file.filename, head)  # before anything else is read
        _prune(request)
        token = secrets.token_urlsafe(24)
        folder = Path(request.app.state.upload_dir) / token
        folder.mkdir(mode=0o700)
        path = folder / name
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(head)
            while chunk := await file.read(1 << 20):
                out.write(chunk)
    finally:
        await file.close()
    request.app.state.pending[token] = {
        "user_id": viewer.id, "dir": str(folder), "path": str(path), "client": code,
        "date": when, "display_name": values["display_name"].strip() or None,
        "created": request.app.state.settings.clock(), "speakers": {},
    }
    return await _import(request, viewer, token, None)


async def _import(request: Request, viewer: Viewer, token: str,
                  roles: dict[str, Role] | None) -> Response:
    p = request.app.state.pending[token]
    store = deps.store_of(request)

    def work() -> Any:
        if p["display_name"]:
            get_or_create_client(store, clinician=viewer.username, code=p["client"],
                                 display_name=p["display_name"])
        return import_file(store, p["path"], clinician=viewer.username,
                           client_code=p["client"], date=p["date"], roles=roles)

    try:
        outcome = await run_in_threadpool(work)
    except RolesUnresolved as exc:
        p["speakers"] = dict(exc.speakers)
        return deps.show(request, "roles.html", _roles_view(token, p, roles is not None), 200)
    except Exception:
        _discard(request, token)
        raise
    _discard(request, token)
    cid = get_or_create_client(store, clinician=viewer.username, code=p["client"]).id
    deps.audit(request, viewer, "session.import", f"client:{cid}/session:{outcome.number}",
               "new" if outcome.created else "already stored")
    return RedirectResponse(f"/clients/{cid}/sessions/{outcome.number}?done="
                            + ("imported" if outcome.created else "duplicate"),
                            status_code=303)


def _roles_view(token: str, p: dict[str, Any], again: bool) -> dict[str, Any]:
    return {
        "token": token,
        "file": Path(p["path"]).name,
        "client": p["client"],
        "speakers": [{"n": i, "label": label, "sample": sample}
                     for i, (label, sample) in enumerate(p["speakers"].items())],
        "again": again,
        "error": None,
    }


@router.post("/upload/roles")
async def upload_roles(request: Request, viewer: deps.ClinicianViewer
                       ) -> Response:
    form = await request.form()
    token = str(form.get("token", ""))
    p = request.app.state.pending.get(token)
    if p is None or p["user_id"] != viewer.id:
        raise NotFound("this upload has expired; please upload the file again")
    roles: dict[str, Role] = {}
    for i, label in enumerate(p["speakers"]):
        value = str(form.get(f"role_{i}", ""))
        try:
            roles[label] = Role(value)
        except ValueError:
            raise InputError(f"speaker {i + 1}: choose therapist, client or someone else"
                             ) from None
    if not any(r is Role.THERAPIST for r in roles.values()) or not any(
            r is Role.CLIENT for r in roles.values()):
        view = _roles_view(token, p, True)
        view["error"] = "Choose at least one therapist and at least one client."
        return deps.show(request, "roles.html", view, 400)
    return await _import(request, viewer, token, roles)
