"""People and their settings: clinicians, clients, speaker mappings, sharing, audit events.

Every function takes a ``Store`` (and runs in a transaction of its own) or the ``Session``
of an open ``store.transaction()`` (and joins it). Records come back as frozen dataclasses
(``mendline.store.records``). Sessions and analyses live in ``mendline.store.sessions``;
attendance, measures, feedback and comments in ``mendline.store.clinical``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from mendline.errors import InputError
from mendline.store._support import (
    ClinicianRef,
    StoreOrSession,
    check_code,
    client_row,
    clinician_row,
    ensure_client_row,
    to_client,
    to_clinician,
    unit_of_work,
)
from mendline.store.models import (
    CLINICIAN_ROLES,
    AuditEventRow,
    ClientRow,
    ClinicianRow,
    ShareRow,
    SpeakerMappingRow,
)
from mendline.store.records import AuditEvent, Client, Clinician, Share
from mendline.store.types import utcnow
from mendline.transcript import Role

__all__ = [
    "CLIENT_SETTINGS",
    "get_or_create_clinician",
    "get_clinician",
    "get_or_create_client",
    "get_client",
    "list_clients",
    "update_client_settings",
    "save_speaker_mapping",
    "load_speaker_mapping",
    "share_client",
    "record_audit",
    "list_audit_events",
]

# The keys a client's ``settings`` may hold, and what each means.
CLIENT_SETTINGS: dict[str, str] = {
    "planned_sessions": "how many sessions are planned (a whole number from 1), or null",
    "termination_from": "the session number from which ending is being worked on, or null",
    "stage_boundaries": 'first session of each later stage, e.g. {"middle": 5, "late": 13}',
    "tracking": 'tracking thresholds by group, e.g. {"measures": {"srs_total_cutoff": 35}}; '
    "checked against the tracking settings by mendline.client_records before storing",
}


def get_or_create_clinician(
    store: StoreOrSession,
    username: str,
    *,
    display_name: str | None = None,
    role: str = "clinician",
) -> Clinician:
    """The clinician with this username, created (with ``display_name`` and ``role``) if new."""
    username = username.strip()
    if not username or len(username) > 150:
        raise InputError("username: expected 1 to 150 characters")
    if role not in CLINICIAN_ROLES:
        raise InputError(f"role: expected one of {', '.join(CLINICIAN_ROLES)}, got {role!r}")
    with unit_of_work(store) as s:
        row = s.scalar(select(ClinicianRow).where(ClinicianRow.username == username))
        if row is None:
            row = ClinicianRow(username=username, display_name=display_name or username, role=role)
            s.add(row)
            s.flush()
        return to_clinician(row)


def get_clinician(store: StoreOrSession, username: str) -> Clinician:
    """The clinician with this username; ``NotFound`` if there is none."""
    with unit_of_work(store) as s:
        return to_clinician(clinician_row(s, username))


def get_or_create_client(
    store: StoreOrSession,
    *,
    clinician: ClinicianRef,
    code: str,
    display_name: str | None = None,
    settings: Mapping[str, Any] | None = None,
) -> Client:
    """The clinician's client with this pseudonymous code, created if new.

    ``display_name`` and ``settings`` are used only when the client is created; change
    settings later with ``update_client_settings``.
    """
    code = check_code(code)
    clean = _check_settings(settings or {})
    with unit_of_work(store) as s:
        return to_client(ensure_client_row(s, clinician_row(s, clinician), code, display_name,
                                            clean))


def get_client(store: StoreOrSession, *, clinician: ClinicianRef, code: str) -> Client:
    with unit_of_work(store) as s:
        return to_client(client_row(s, clinician_row(s, clinician), code))


def list_clients(store: StoreOrSession, clinician: ClinicianRef) -> list[Client]:
    """The clinician's own clients, by code."""
    with unit_of_work(store) as s:
        owner = clinician_row(s, clinician)
        rows = s.scalars(
            select(ClientRow).where(ClientRow.clinician_id == owner.id).order_by(ClientRow.code)
        )
        return [to_client(r) for r in rows]


def update_client_settings(
    store: StoreOrSession, *, clinician: ClinicianRef, code: str, **changes: Any
) -> Client:
    """Set some of a client's settings (``None`` clears one); the others are kept."""
    clean = _check_settings(changes)
    with unit_of_work(store) as s:
        row = client_row(s, clinician_row(s, clinician), code)
        merged = {**(row.settings or {}), **clean}
        row.settings = {k: v for k, v in merged.items() if v is not None}
        s.flush()
        return to_client(row)


def save_speaker_mapping(
    store: StoreOrSession,
    clinician: ClinicianRef,
    mapping: Mapping[str, Role | str],
    *,
    replace: bool = False,
) -> None:
    """Remember display name -> role for this clinician's future imports.

    Labels given here are added or updated; with ``replace=True`` labels not given are
    forgotten.
    """
    roles = {}
    for label, role in mapping.items():
        if not label.strip() or len(label) > 200:
            raise InputError("speaker label: expected 1 to 200 characters")
        try:
            roles[label] = Role(role)
        except ValueError:
            allowed = ", ".join(r.value for r in Role)
            raise InputError(f"role for a speaker: expected one of {allowed}") from None
    with unit_of_work(store) as s:
        owner = clinician_row(s, clinician)
        existing = {
            r.label: r
            for r in s.scalars(
                select(SpeakerMappingRow).where(SpeakerMappingRow.clinician_id == owner.id)
            )
        }
        if replace:
            stale = [r.id for label, r in existing.items() if label not in roles]
            if stale:
                s.execute(delete(SpeakerMappingRow).where(SpeakerMappingRow.id.in_(stale)))
        now = utcnow()
        for label, role in roles.items():
            row = existing.get(label)
            if row is None:
                s.add(SpeakerMappingRow(clinician_id=owner.id, label=label, role=role.value,
                                        updated_at=now))
            elif row.role != role.value:
                row.role, row.updated_at = role.value, now
        s.flush()


def load_speaker_mapping(store: StoreOrSession, clinician: ClinicianRef) -> dict[str, Role]:
    """The clinician's saved display name -> role mapping (empty if none saved)."""
    with unit_of_work(store) as s:
        owner = clinician_row(s, clinician)
        rows = s.execute(
            select(SpeakerMappingRow.label, SpeakerMappingRow.role)
            .where(SpeakerMappingRow.clinician_id == owner.id)
            .order_by(SpeakerMappingRow.label)
        )
        return {label: Role(role) for label, role in rows}


def share_client(
    store: StoreOrSession, *, clinician: ClinicianRef, code: str, supervisor: ClinicianRef
) -> Share:
    """Let a supervisor see one of the clinician's clients (idempotent)."""
    with unit_of_work(store) as s:
        client = client_row(s, clinician_row(s, clinician), code)
        sup = clinician_row(s, supervisor)
        if sup.role not in ("supervisor", "admin"):
            raise InputError(f"supervisor: {sup.username!r} does not have the supervisor role")
        row = s.scalar(
            select(ShareRow).where(ShareRow.client_id == client.id,
                                   ShareRow.supervisor_id == sup.id)
        )
        if row is None:
            row = ShareRow(client_id=client.id, supervisor_id=sup.id)
            s.add(row)
            s.flush()
        return Share(row.id, row.client_id, row.supervisor_id, row.created_at)


def record_audit(
    store: StoreOrSession,
    *,
    actor: str,
    action: str,
    object: str,
    detail: str | None = None,
    remote_addr: str | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append an audit event. ``detail`` must never hold session content."""
    with unit_of_work(store) as s:
        row = AuditEventRow(
            actor=actor[:150], action=action[:64], object=object[:200], detail=detail,
            remote_addr=remote_addr, at=at or utcnow(),
        )
        s.add(row)
        s.flush()
        return _to_event(row)


def list_audit_events(
    store: StoreOrSession, *, actor: str | None = None, limit: int = 100
) -> list[AuditEvent]:
    """The newest audit events first, optionally only one actor's."""
    with unit_of_work(store) as s:
        query = select(AuditEventRow).order_by(AuditEventRow.at.desc(), AuditEventRow.id.desc())
        if actor is not None:
            query = query.where(AuditEventRow.actor == actor)
        return [_to_event(r) for r in s.scalars(query.limit(limit))]


def _to_event(row: AuditEventRow) -> AuditEvent:
    return AuditEvent(row.id, row.actor, row.action, row.object, row.detail, row.remote_addr,
                      row.at)


def _check_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(settings) - set(CLIENT_SETTINGS))
    if unknown:
        raise InputError(
            f"client settings: unknown {', '.join(unknown)}; known are "
            f"{', '.join(CLIENT_SETTINGS)}"
        )
    clean: dict[str, Any] = {}
    for key in ("planned_sessions", "termination_from"):
        if key in settings:
            value = settings[key]
            if value is not None and (not _is_int(value) or value < 1):
                raise InputError(f"client settings: {key}: expected {CLIENT_SETTINGS[key]}")
            clean[key] = value
    if "stage_boundaries" in settings:
        value = settings["stage_boundaries"]
        if value is not None:
            ok = (
                isinstance(value, Mapping)
                and set(value) <= {"middle", "late"}
                and all(_is_int(v) and v >= 2 for v in value.values())
                and value.get("middle", 0) < value.get("late", 10**9)
            )
            if not ok:
                raise InputError(
                    "client settings: stage_boundaries: expected "
                    f"{CLIENT_SETTINGS['stage_boundaries']}, with middle before late"
                )
            value = dict(value)
        clean["stage_boundaries"] = value
    if "tracking" in settings:
        value = settings["tracking"]
        if value is not None and not (
            isinstance(value, Mapping) and all(isinstance(v, Mapping) for v in value.values())
        ):
            raise InputError(f"client settings: tracking: expected {CLIENT_SETTINGS['tracking']}")
        clean["tracking"] = None if value is None else {k: dict(v) for k, v in value.items()}
    return clean


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
