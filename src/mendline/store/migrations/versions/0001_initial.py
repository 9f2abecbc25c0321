"""The first schema: clinicians, clients, sessions, utterances, analyses and their items,
attendance, measures, feedback, sharing, comments, audit events.

A frozen snapshot: it names its own types and value lists rather than importing the
models, so later model changes cannot rewrite history. Content columns are plain TEXT /
JSON here; ``mendline.store.content`` is where their (today identity) processing lives.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _one_of(column: str, values: tuple[str, ...], name: str) -> sa.CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=name)


CLINICIAN_ROLES = ("clinician", "supervisor", "admin")
UTTERANCE_ROLES = ("therapist", "client", "other")
FAMILIES = ("withdrawal", "confrontation")
OUTCOMES = ("resolved", "partially_resolved", "unresolved", "no_repair_attempted")
ATTENDANCE_STATUSES = ("attended", "missed", "cancelled", "late_cancelled", "late")
INSTRUMENTS = ("SRS", "ORS", "WAI-SR", "PSQ-client", "PSQ-therapist")
FEEDBACK_KINDS = ("marker", "repair")
FEEDBACK_ACTIONS = ("confirm", "reject", "relabel")


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def _fk(
    owner: str, column: str, table: str, ondelete: str, *, nullable: bool = False
) -> sa.Column:
    return sa.Column(
        column,
        sa.Integer(),
        sa.ForeignKey(f"{table}.id", name=f"fk_{owner}_{column}_{table}", ondelete=ondelete),
        nullable=nullable,
    )


def _table(name: str, *items: sa.Column | sa.Constraint) -> None:
    op.create_table(name, *items)


def upgrade() -> None:
    _table(
        "clinicians",
        _id(),
        sa.Column("username", sa.String(150), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_clinicians"),
        sa.UniqueConstraint("username", name="uq_clinicians_username"),
        _one_of("role", CLINICIAN_ROLES, "ck_clinicians_role"),
    )

    _table(
        "clients",
        _id(),
        _fk("clients", "clinician_id", "clinicians", "RESTRICT"),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=True),
        sa.Column("settings", _json(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_clients"),
        sa.UniqueConstraint("clinician_id", "code", name="uq_clients_clinician_id_code"),
    )

    _table(
        "sessions",
        _id(),
        _fk("sessions", "client_id", "clients", "CASCADE"),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("language", sa.String(16), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("imported_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        sa.UniqueConstraint("client_id", "number", name="uq_sessions_client_id_number"),
        sa.UniqueConstraint(
            "client_id", "source_sha256", name="uq_sessions_client_id_source_sha256"
        ),
        sa.CheckConstraint("number >= 1", name="ck_sessions_number_positive"),
    )

    _table(
        "utterances",
        _fk("utterances", "session_id", "sessions", "CASCADE"),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("speaker", sa.Text(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("start_s", sa.Float(), nullable=True),
        sa.Column("end_s", sa.Float(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("annotations", _json(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "index", name="pk_utterances"),
        _one_of("role", UTTERANCE_ROLES, "ck_utterances_role"),
    )

    _table(
        "speaker_mappings",
        _id(),
        _fk("speaker_mappings", "clinician_id", "clinicians", "CASCADE"),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_speaker_mappings"),
        sa.UniqueConstraint("clinician_id", "label", name="uq_speaker_mappings_clinician_id_label"),
        _one_of("role", UTTERANCE_ROLES, "ck_speaker_mappings_role"),
    )

    _table(
        "analyses",
        _id(),
        _fk("analyses", "session_id", "sessions", "CASCADE"),
        sa.Column("analyzer_version", sa.String(64), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("detectors", _json(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("engagement", _json(), nullable=False),
        sa.Column("result", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_analyses"),
        sa.UniqueConstraint(
            "session_id", "analyzer_version", name="uq_analyses_session_id_analyzer_version"
        ),
    )
    op.create_index("ix_analyses_session_id_created_at", "analyses", ["session_id", "created_at"])

    for table in ("markers", "repairs"):
        family = (
            [sa.Column("family", sa.String(16), nullable=False),
             sa.Column("type", sa.String(48), nullable=False)]
            if table == "markers"
            else [sa.Column("metacommunication", sa.Boolean(), nullable=False)]
        )
        checks = [_one_of("family", FAMILIES, "ck_markers_family")] if table == "markers" else []
        _table(
            table,
            _id(),
            _fk(table, "analysis_id", "analyses", "CASCADE"),
            sa.Column("ordinal", sa.Integer(), nullable=False),
            sa.Column("utterance", sa.Integer(), nullable=False),
            sa.Column("vocab_id", sa.String(64), nullable=False),
            *family,
            sa.Column("confidence", sa.Float(), nullable=False),
            sa.Column("evidence", sa.Text(), nullable=False),
            sa.Column("span_start", sa.Integer(), nullable=False),
            sa.Column("span_end", sa.Integer(), nullable=False),
            sa.Column("why", sa.Text(), nullable=False),
            sa.Column("detector", sa.String(64), nullable=False),
            sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
            sa.UniqueConstraint("analysis_id", "ordinal", name=f"uq_{table}_analysis_id_ordinal"),
            sa.CheckConstraint(
                "confidence >= 0 AND confidence <= 1", name=f"ck_{table}_confidence_range"
            ),
            *checks,
        )
        op.create_index(f"ix_{table}_vocab_id", table, ["vocab_id"])

    _table(
        "episodes",
        _id(),
        _fk("episodes", "analysis_id", "analyses", "CASCADE"),
        sa.Column("episode", sa.Integer(), nullable=False),
        sa.Column("family", sa.String(16), nullable=False),
        sa.Column("start_utterance", sa.Integer(), nullable=False),
        sa.Column("end_utterance", sa.Integer(), nullable=False),
        sa.Column("markers", _json(), nullable=False),
        sa.Column("repairs", _json(), nullable=False),
        sa.Column("outcome", sa.String(24), nullable=False),
        sa.Column("resolution", sa.Integer(), nullable=False),
        sa.Column("significance", sa.Integer(), nullable=False),
        sa.Column("open_at_end", sa.Boolean(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_episodes"),
        sa.UniqueConstraint("analysis_id", "episode", name="uq_episodes_analysis_id_episode"),
        _one_of("family", FAMILIES, "ck_episodes_family"),
        _one_of("outcome", OUTCOMES, "ck_episodes_outcome"),
        sa.CheckConstraint("resolution BETWEEN 1 AND 5", name="ck_episodes_resolution_range"),
        sa.CheckConstraint("significance BETWEEN 1 AND 5", name="ck_episodes_significance_range"),
    )

    _table(
        "attendance",
        _id(),
        _fk("attendance", "client_id", "clients", "CASCADE"),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("minutes_late", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_attendance"),
        sa.UniqueConstraint("client_id", "date", name="uq_attendance_client_id_date"),
        _one_of("status", ATTENDANCE_STATUSES, "ck_attendance_status"),
        sa.CheckConstraint(
            "minutes_late IS NULL OR minutes_late >= 0", name="ck_attendance_minutes_late"
        ),
    )

    _table(
        "measures",
        _id(),
        _fk("measures", "client_id", "clients", "CASCADE"),
        _fk("measures", "session_id", "sessions", "SET NULL", nullable=True),
        sa.Column("instrument", sa.String(16), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("items", _json(), nullable=False),
        sa.Column("total", sa.Float(), nullable=True),
        sa.Column("scale", sa.String(32), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_measures"),
        _one_of("instrument", INSTRUMENTS, "ck_measures_instrument"),
    )
    op.create_index(
        "ix_measures_client_id_instrument_date", "measures", ["client_id", "instrument", "date"]
    )

    _table(
        "feedback",
        _id(),
        _fk("feedback", "clinician_id", "clinicians", "CASCADE"),
        _fk("feedback", "analysis_id", "analyses", "CASCADE"),
        sa.Column("item_kind", sa.String(8), nullable=False),
        sa.Column("item_index", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("new_label", sa.String(64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
        _one_of("item_kind", FEEDBACK_KINDS, "ck_feedback_item_kind"),
        _one_of("action", FEEDBACK_ACTIONS, "ck_feedback_action"),
        sa.CheckConstraint(
            "action <> 'relabel' OR new_label IS NOT NULL", name="ck_feedback_relabel_label"
        ),
    )
    op.create_index(
        "ix_feedback_analysis_id_item_kind_item_index",
        "feedback",
        ["analysis_id", "item_kind", "item_index"],
    )
    op.create_index("ix_feedback_clinician_id", "feedback", ["clinician_id"])

    _table(
        "shares",
        _id(),
        _fk("shares", "client_id", "clients", "CASCADE"),
        _fk("shares", "supervisor_id", "clinicians", "CASCADE"),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_shares"),
        sa.UniqueConstraint("client_id", "supervisor_id", name="uq_shares_client_id_supervisor_id"),
    )
    op.create_index("ix_shares_supervisor_id", "shares", ["supervisor_id"])

    _table(
        "comments",
        _id(),
        _fk("comments", "client_id", "clients", "CASCADE"),
        _fk("comments", "session_id", "sessions", "CASCADE", nullable=True),
        _fk("comments", "author_id", "clinicians", "CASCADE"),
        sa.Column("utterance", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_comments"),
    )
    op.create_index("ix_comments_client_id_created_at", "comments", ["client_id", "created_at"])

    _table(
        "audit_events",
        _id(),
        sa.Column("actor", sa.String(150), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object", sa.String(200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("remote_addr", sa.String(45), nullable=True),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_actor_at", "audit_events", ["actor", "at"])


def downgrade() -> None:
    for table in (
        "audit_events", "comments", "shares", "feedback", "measures", "attendance",
        "episodes", "repairs", "markers", "analyses", "speaker_mappings", "utterances",
        "sessions", "clients", "clinicians",
    ):
        op.drop_table(table)
