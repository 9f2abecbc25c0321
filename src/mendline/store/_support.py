"""Helpers shared by the repository modules: units of work, lookups, row -> record."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mendline.errors import InputError, NotFound
from mendline.store.engine import Store
from mendline.store.models import ClientRow, ClinicianRow, SessionRow
from mendline.store.records import Client, Clinician, SessionSummary

__all__ = [
    "StoreOrSession",
    "ClinicianRef",
    "unit_of_work",
    "check_code",
    "clinician_row",
    "client_row",
    "ensure_client_row",
    "to_clinician",
    "to_client",
    "to_summary",
]

StoreOrSession = Store | Session
ClinicianRef = str | Clinician  # a username, or a record from get_or_create_clinician
_MAX_CODE = 64


@contextmanager
def unit_of_work(target: StoreOrSession) -> Iterator[Session]:
    """A transaction of its own for a Store; the caller's transaction for a Session.

    Passing the ``Session`` from ``store.transaction()`` lets several repository calls
    commit (or roll back) together.
    """
    if isinstance(target, Session):
        yield target
    else:
        with target.transaction() as session:
            yield session


def check_code(code: str) -> str:
    code = code.strip()
    if not code or len(code) > _MAX_CODE:
        raise InputError(f"client code: expected 1 to {_MAX_CODE} characters")
    return code


def _username(ref: ClinicianRef) -> str:
    return ref.username if isinstance(ref, Clinician) else ref


def clinician_row(s: Session, ref: ClinicianRef) -> ClinicianRow:
    username = _username(ref)
    row = s.scalar(select(ClinicianRow).where(ClinicianRow.username == username))
    if row is None:
        raise NotFound(f"no clinician with username {username!r}; create the account first")
    return row


def client_row(s: Session, clinician: ClinicianRow, code: str) -> ClientRow:
    row = s.scalar(
        select(ClientRow).where(ClientRow.clinician_id == clinician.id, ClientRow.code == code)
    )
    if row is None:
        raise NotFound(f"no client with code {code!r} for {clinician.username!r}")
    return row


def ensure_client_row(
    s: Session, owner: ClinicianRow, code: str, display_name: str | None,
    settings: Mapping[str, Any] | None = None,
) -> ClientRow:
    """The client row with this code, created inside the open session if missing."""
    row = s.scalar(
        select(ClientRow).where(ClientRow.clinician_id == owner.id, ClientRow.code == code)
    )
    if row is None:
        kept = {k: v for k, v in (settings or {}).items() if v is not None}
        row = ClientRow(clinician_id=owner.id, code=code, display_name=display_name,
                        settings=kept)
        s.add(row)
        s.flush()
    return row


def to_clinician(row: ClinicianRow) -> Clinician:
    return Clinician(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        created_at=row.created_at,
        has_password=row.password_hash is not None,
    )


def to_client(row: ClientRow) -> Client:
    return Client(
        id=row.id,
        clinician_id=row.clinician_id,
        code=row.code,
        display_name=row.display_name,
        settings=dict(row.settings or {}),
        created_at=row.created_at,
    )


def to_summary(row: SessionRow, client_code: str) -> SessionSummary:
    return SessionSummary(
        id=row.id,
        client_code=client_code,
        number=row.number,
        date=row.date,
        sha256=row.source_sha256,
        format=row.format,
        language=row.language,
        duration_s=row.duration_s,
        imported_at=row.imported_at,
    )
