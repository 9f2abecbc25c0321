"""What the store hands out: frozen records, detached from any database session.

Callers never see ORM rows, so nothing lazy-loads after a transaction has closed and no
layer above the store can write to the database by accident.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from mendline.analysis.result import SessionAnalysis
from mendline.transcript import Utterance

__all__ = [
    "Clinician",
    "Client",
    "SessionSummary",
    "StoredSession",
    "ImportResult",
    "Attendance",
    "Measure",
    "Feedback",
    "Share",
    "Comment",
    "AuditEvent",
]


@dataclass(frozen=True, slots=True)
class Clinician:
    id: int
    username: str
    display_name: str
    role: str  # "clinician" | "supervisor" | "admin"
    created_at: datetime
    has_password: bool = False


@dataclass(frozen=True, slots=True)
class Client:
    id: int
    clinician_id: int
    code: str  # pseudonymous, unique per clinician
    display_name: str | None
    settings: Mapping[str, Any]  # planned_sessions, termination_from, stage_boundaries
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SessionSummary:
    id: int
    client_code: str
    number: int
    date: date | None
    sha256: str
    format: str
    language: str | None
    duration_s: float | None
    imported_at: datetime


@dataclass(frozen=True, slots=True)
class StoredSession:
    """A session as stored: its utterances and the chosen (by default newest) analysis."""

    session: SessionSummary
    utterances: tuple[Utterance, ...]
    analysis_id: int | None
    analyzer_version: str | None
    analysis_json: Mapping[str, Any] | None  # SessionAnalysis.model_dump(mode="json")

    def analysis(self) -> SessionAnalysis | None:
        """The stored analysis as the pydantic model (fails if its schema has moved on)."""
        if self.analysis_json is None:
            return None
        return SessionAnalysis.model_validate(self.analysis_json)


@dataclass(frozen=True, slots=True)
class ImportResult:
    session: SessionSummary
    created: bool  # False: this file was already stored for this client
    analysis_id: int
    analysis_added: bool  # False: an analysis of the same analyzer version was already there


@dataclass(frozen=True, slots=True)
class Attendance:
    id: int
    client_id: int
    date: date
    status: str
    minutes_late: int | None
    source: str


@dataclass(frozen=True, slots=True)
class Measure:
    id: int
    client_id: int
    session_id: int | None
    instrument: str
    date: date
    items: Any
    total: float | None
    scale: str | None
    session_number: int | None = None


@dataclass(frozen=True, slots=True)
class Feedback:
    id: int
    clinician_id: int
    analysis_id: int
    item_kind: str
    item_index: int
    action: str
    new_label: str | None
    note: str | None
    created_at: datetime
    session_number: int | None = None  # filled by readers that join the session


@dataclass(frozen=True, slots=True)
class Share:
    id: int
    client_id: int
    supervisor_id: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    client_id: int
    session_id: int | None
    author_id: int
    utterance: int | None
    body: str
    created_at: datetime
    session_number: int | None = None  # filled by readers that join the session


@dataclass(frozen=True, slots=True)
class AuditEvent:
    id: int
    actor: str
    action: str
    object: str
    detail: str | None
    remote_addr: str | None
    at: datetime
