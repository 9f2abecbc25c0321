"""The ORM tables. Private to ``mendline.store``: callers get frozen records, never rows.

Enumerated columns are strings guarded by CHECK constraints rather than native enums, so
adding a value is one small migration on both SQLite and PostgreSQL. The allowed values
come from the vocabulary and transcript modules where they exist, so there is one source of
each name. Constraint names follow ``NAMING``; ``migrations/versions/0001_initial.py`` is a
frozen copy of this file's first state, and ``tests/store/test_migrations.py`` checks the
two agree on every backend.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mendline.store.content import SensitiveJSON, SensitiveText
from mendline.store.types import JSONDoc, UTCDateTime, utcnow
from mendline.transcript import Role
from mendline.vocabulary import Family, Outcome

__all__ = [
    "NAMING",
    "CLINICIAN_ROLES",
    "UTTERANCE_ROLES",
    "ATTENDANCE_STATUSES",
    "INSTRUMENTS",
    "FEEDBACK_KINDS",
    "FEEDBACK_ACTIONS",
    "Base",
    "ClinicianRow",
    "ClientRow",
    "SessionRow",
    "UtteranceRow",
    "SpeakerMappingRow",
    "AnalysisRow",
    "MarkerRow",
    "RepairRow",
    "EpisodeRow",
    "AttendanceRow",
    "MeasureRow",
    "FeedbackRow",
    "ShareRow",
    "CommentRow",
    "AuditEventRow",
]

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CLINICIAN_ROLES = ("clinician", "supervisor", "admin")
UTTERANCE_ROLES = tuple(r.value for r in Role)
FAMILIES = tuple(f.value for f in Family)
OUTCOMES = tuple(o.value for o in Outcome)
ATTENDANCE_STATUSES = ("attended", "missed", "cancelled", "late_cancelled", "late")
INSTRUMENTS = ("SRS", "ORS", "WAI-SR", "PSQ-client", "PSQ-therapist")
FEEDBACK_KINDS = ("marker", "repair")
FEEDBACK_ACTIONS = ("confirm", "reject", "relabel")


def _one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ClinicianRow(Base):
    __tablename__ = "clinicians"
    __table_args__ = (_one_of("role", CLINICIAN_ROLES, "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="clinician")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ClientRow(Base):
    """A client, known to the store only by the clinician's pseudonymous code."""

    __tablename__ = "clients"
    __table_args__ = (UniqueConstraint("clinician_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id", ondelete="RESTRICT"))
    code: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(200))
    # planned_sessions, termination_from, stage_boundaries: see repository.CLIENT_SETTINGS
    settings: Mapped[dict[str, Any]] = mapped_column(JSONDoc(), default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SessionRow(Base):
    __tablename__ = "sessions"
    __table_args__ = (
        UniqueConstraint("client_id", "number"),
        UniqueConstraint("client_id", "source_sha256"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    date: Mapped[date | None] = mapped_column(Date)
    source_sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(16))
    duration_s: Mapped[float | None] = mapped_column(Float)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UtteranceRow(Base):
    __tablename__ = "utterances"
    __table_args__ = (_one_of("role", UTTERANCE_ROLES, "role"),)

    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    speaker: Mapped[str] = mapped_column(SensitiveText())  # often a real name
    role: Mapped[str] = mapped_column(String(16))
    start_s: Mapped[float | None] = mapped_column(Float)
    end_s: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str] = mapped_column(SensitiveText())
    annotations: Mapped[list[Any]] = mapped_column(JSONDoc(), default=list)


class SpeakerMappingRow(Base):
    """A clinician's saved display name -> role, used to assign roles on the next import."""

    __tablename__ = "speaker_mappings"
    __table_args__ = (
        UniqueConstraint("clinician_id", "label"),
        _one_of("role", UTTERANCE_ROLES, "role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(SensitiveText())  # a display name, often real
    role: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AnalysisRow(Base):
    """One run of ``analyze_session`` over a session; re-runs add rows, keyed by version."""

    __tablename__ = "analyses"
    __table_args__ = (
        UniqueConstraint("session_id", "analyzer_version"),
        Index(None, "session_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    analyzer_version: Mapped[str] = mapped_column(String(64))
    schema_version: Mapped[int] = mapped_column(Integer)
    detectors: Mapped[list[str]] = mapped_column(JSONDoc(), default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    engagement: Mapped[dict[str, Any]] = mapped_column(JSONDoc())
    result: Mapped[dict[str, Any]] = mapped_column(SensitiveJSON())


class MarkerRow(Base):
    __tablename__ = "markers"
    __table_args__ = (
        UniqueConstraint("analysis_id", "ordinal"),
        _one_of("family", FAMILIES, "family"),
        CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence_range"),
        Index(None, "vocab_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)  # position in SessionAnalysis.markers
    utterance: Mapped[int] = mapped_column(Integer)
    vocab_id: Mapped[str] = mapped_column(String(64))  # e.g. "withdrawal.minimal_response"
    family: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(48))
    confidence: Mapped[float] = mapped_column(Float)
    evidence: Mapped[str] = mapped_column(SensitiveText())
    span_start: Mapped[int] = mapped_column(Integer)
    span_end: Mapped[int] = mapped_column(Integer)
    why: Mapped[str] = mapped_column(SensitiveText())
    detector: Mapped[str] = mapped_column(String(64))


class RepairRow(Base):
    __tablename__ = "repairs"
    __table_args__ = (
        UniqueConstraint("analysis_id", "ordinal"),
        CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence_range"),
        Index(None, "vocab_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)  # position in SessionAnalysis.repairs
    utterance: Mapped[int] = mapped_column(Integer)
    vocab_id: Mapped[str] = mapped_column(String(64))  # e.g. "acknowledges_contribution"
    metacommunication: Mapped[bool] = mapped_column(Boolean)
    confidence: Mapped[float] = mapped_column(Float)
    evidence: Mapped[str] = mapped_column(SensitiveText())
    span_start: Mapped[int] = mapped_column(Integer)
    span_end: Mapped[int] = mapped_column(Integer)
    why: Mapped[str] = mapped_column(SensitiveText())
    detector: Mapped[str] = mapped_column(String(64))


class EpisodeRow(Base):
    __tablename__ = "episodes"
    __table_args__ = (
        UniqueConstraint("analysis_id", "episode"),
        _one_of("family", FAMILIES, "family"),
        _one_of("outcome", OUTCOMES, "outcome"),
        CheckConstraint("resolution BETWEEN 1 AND 5", name="resolution_range"),
        CheckConstraint("significance BETWEEN 1 AND 5", name="significance_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"))
    episode: Mapped[int] = mapped_column(Integer)  # Episode.id within the analysis
    family: Mapped[str] = mapped_column(String(16))
    start_utterance: Mapped[int] = mapped_column(Integer)
    end_utterance: Mapped[int] = mapped_column(Integer)
    markers: Mapped[list[int]] = mapped_column(JSONDoc(), default=list)  # marker ordinals
    repairs: Mapped[list[int]] = mapped_column(JSONDoc(), default=list)  # repair ordinals
    outcome: Mapped[str] = mapped_column(String(24))
    resolution: Mapped[int] = mapped_column(Integer)
    significance: Mapped[int] = mapped_column(Integer)
    open_at_end: Mapped[bool] = mapped_column(Boolean, default=False)
    evidence: Mapped[str] = mapped_column(SensitiveText(), default="")


class AttendanceRow(Base):
    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("client_id", "date"),
        _one_of("status", ATTENDANCE_STATUSES, "status"),
        CheckConstraint("minutes_late IS NULL OR minutes_late >= 0", name="minutes_late"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    minutes_late: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200))  # "manual", "csv:attendance.csv", ...
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MeasureRow(Base):
    __tablename__ = "measures"
    __table_args__ = (
        _one_of("instrument", INSTRUMENTS, "instrument"),
        Index(None, "client_id", "instrument", "date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))
    instrument: Mapped[str] = mapped_column(String(16))
    date: Mapped[date] = mapped_column(Date)
    items: Mapped[list[Any] | dict[str, Any]] = mapped_column(JSONDoc(), default=list)
    total: Mapped[float | None] = mapped_column(Float)
    scale: Mapped[str | None] = mapped_column(String(32))  # "total", a subscale, "0-40", ...
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FeedbackRow(Base):
    """A clinician's confirm / reject / relabel of one marker or repair of one analysis."""

    __tablename__ = "feedback"
    __table_args__ = (
        _one_of("item_kind", FEEDBACK_KINDS, "item_kind"),
        _one_of("action", FEEDBACK_ACTIONS, "action"),
        CheckConstraint("action <> 'relabel' OR new_label IS NOT NULL", name="relabel_label"),
        Index(None, "analysis_id", "item_kind", "item_index"),
        Index(None, "clinician_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id", ondelete="CASCADE"))
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"))
    item_kind: Mapped[str] = mapped_column(String(8))
    item_index: Mapped[int] = mapped_column(Integer)  # position in markers / repairs
    action: Mapped[str] = mapped_column(String(8))
    new_label: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(SensitiveText())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ShareRow(Base):
    __tablename__ = "shares"
    __table_args__ = (UniqueConstraint("client_id", "supervisor_id"), Index(None, "supervisor_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CommentRow(Base):
    """A comment on a client (optionally a session and utterance), e.g. from supervision."""

    __tablename__ = "comments"
    __table_args__ = (Index(None, "client_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id", ondelete="CASCADE"))
    utterance: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(SensitiveText())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditEventRow(Base):
    """Who did what to which object, when (45 CFR §164.312(b)); never holds content."""

    __tablename__ = "audit_events"
    __table_args__ = (Index(None, "at"), Index(None, "actor", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(150))  # a username, or "system"
    action: Mapped[str] = mapped_column(String(64))  # "session.import", "session.view", ...
    object: Mapped[str] = mapped_column(String(200))  # "client:A17/session:3"
    detail: Mapped[str | None] = mapped_column(Text)
    remote_addr: Mapped[str | None] = mapped_column(String(45))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
