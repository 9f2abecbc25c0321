"""Mendline's storage layer: SQLite by default, PostgreSQL through a URL.

    store = open_store()                      # or open_store("postgresql+psycopg://...")
    me = get_or_create_clinician(store, "dr.lee")
    result = import_session(store, clinician=me, client_code="A17",
                            transcript=transcript, analysis=analysis)

Modules: ``engine`` (opening, configuring, errors), ``migrate`` (Alembic, run from code),
``models`` (private ORM tables), ``content`` (the one place session content is stored
through, ready for encryption at rest), ``records`` (the frozen records handed out),
``repository`` (clinicians, clients, speaker mappings, sharing, audit), ``sessions``
(import and read-back), ``clinical`` (attendance, measures, feedback, comments).
"""

from mendline.store.clinical import (
    add_attendance,
    add_comment,
    add_feedback,
    add_measure,
    list_attendance,
    list_comments,
    list_feedback,
    list_measures,
)
from mendline.store.engine import ENV_VAR, Store, default_db_path, open_store, resolve_url
from mendline.store.records import (
    Attendance,
    AuditEvent,
    Client,
    Clinician,
    Comment,
    Feedback,
    ImportResult,
    Measure,
    SessionSummary,
    Share,
    StoredSession,
)
from mendline.store.repository import (
    CLIENT_SETTINGS,
    get_client,
    get_clinician,
    get_or_create_client,
    get_or_create_clinician,
    list_audit_events,
    list_clients,
    load_speaker_mapping,
    record_audit,
    save_speaker_mapping,
    share_client,
    update_client_settings,
)
from mendline.store.sessions import get_session, import_session, list_sessions

__all__ = [
    "ENV_VAR",
    "CLIENT_SETTINGS",
    "Store",
    "open_store",
    "resolve_url",
    "default_db_path",
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
    "import_session",
    "list_sessions",
    "get_session",
    "add_attendance",
    "add_measure",
    "add_feedback",
    "add_comment",
    "list_attendance",
    "list_measures",
    "list_feedback",
    "list_comments",
]
