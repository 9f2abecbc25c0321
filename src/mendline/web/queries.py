"""Database reads (and the one role-reassignment write) the web pages need, access-checked.

The store's public functions look clients up by (clinician, code); the web app addresses a
client by its numeric id, because a supervisor sees clients of several clinicians whose
codes may collide, and codes may hold any character. Every lookup here goes through
``visible_client``, which raises ``NotFound`` for anything the viewer may not see, so a
foreign id and a missing id are indistinguishable (both 404).

Access rules: a clinician sees their own clients; a supervisor sees clients shared with
them, read-only; an admin sees no clinical content.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from mendline.analysis.session import SessionContext, analyze_session
from mendline.errors import InputError, NotFound
from mendline.stage import stage_settings_from
from mendline.store import Store, get_session, import_session
from mendline.store.models import (
    AnalysisRow,
    AttendanceRow,
    ClientRow,
    ClinicianRow,
    CommentRow,
    FeedbackRow,
    SessionRow,
    ShareRow,
    UtteranceRow,
)
from mendline.transcript import Role, RoleSource, Speaker, Transcript

__all__ = [
    "Viewer",
    "ClientRef",
    "visible_client",
    "visible_clients",
    "session_counts",
    "session_rows",
    "speaker_labels",
    "feedback_for",
    "comments_for",
    "shares_for",
    "supervisors",
    "attendance_for",
    "reassign_roles",
]


@dataclass(frozen=True, slots=True)
class Viewer:
    id: int
    username: str
    role: str  # clinician | supervisor | admin
    display_name: str


@dataclass(frozen=True, slots=True)
class ClientRef:
    id: int
    code: str
    display_name: str | None
    settings: Mapping[str, Any]
    owner_id: int
    owner: str  # the owning clinician's username
    owner_name: str
    read_only: bool  # True when the viewer is a supervisor it was shared with


def _ref(row: ClientRow, owner: ClinicianRow, viewer: Viewer) -> ClientRef:
    return ClientRef(row.id, row.code, row.display_name, dict(row.settings or {}), owner.id,
                     owner.username, owner.display_name, owner.id != viewer.id)


def visible_client(s: Session, viewer: Viewer, client_id: int, *, write: bool = False
                   ) -> ClientRef:
    """The client if the viewer may see it (and, with ``write``, change it); else NotFound."""
    missing = NotFound(f"no client {client_id} among the clients you can see")
    if viewer.role == "admin":
        raise missing
    found = s.execute(
        select(ClientRow, ClinicianRow)
        .join(ClinicianRow, ClinicianRow.id == ClientRow.clinician_id)
        .where(ClientRow.id == client_id)
    ).first()
    if found is None:
        raise missing
    row, owner = found
    if owner.id == viewer.id:
        return _ref(row, owner, viewer)
    if write:
        raise missing
    shared = s.scalar(
        select(ShareRow.id).where(ShareRow.client_id == row.id,
                                  ShareRow.supervisor_id == viewer.id)
    )
    if shared is None:
        raise missing
    return _ref(row, owner, viewer)


def visible_clients(s: Session, viewer: Viewer) -> list[ClientRef]:
    """Own clients (clinicians) or clients shared with the viewer (supervisors)."""
    if viewer.role == "admin":
        return []
    query = select(ClientRow, ClinicianRow).join(
        ClinicianRow, ClinicianRow.id == ClientRow.clinician_id
    )
    if viewer.role == "supervisor":
        query = query.join(ShareRow, ShareRow.client_id == ClientRow.id).where(
            ShareRow.supervisor_id == viewer.id
        )
    else:
        query = query.where(ClientRow.clinician_id == viewer.id)
    rows = s.execute(query.order_by(ClientRow.code, ClientRow.id)).all()
    return [_ref(r, o, viewer) for r, o in rows]


def session_rows(s: Session, client_ids: Iterable[int]) -> dict[int, list[SessionRow]]:
    out: dict[int, list[SessionRow]] = defaultdict(list)
    ids = list(client_ids)
    if ids:
        for row in s.scalars(
            select(SessionRow).where(SessionRow.client_id.in_(ids)).order_by(SessionRow.number)
        ):
            out[row.client_id].append(row)
    return out


def session_counts(s: Session, client_ids: list[int]) -> dict[int, int]:
    if not client_ids:
        return {}
    rows = s.execute(
        select(SessionRow.client_id, func.count(SessionRow.id))
        .where(SessionRow.client_id.in_(client_ids)).group_by(SessionRow.client_id)
    )
    return {cid: n for cid, n in rows}


def speaker_labels(s: Session, client_ids: list[int]) -> dict[int, dict[str, set[str]]]:
    """client id -> role -> the speaker labels with that role in any of its sessions.

    The de-identifier of a supervisor's view needs them: a speaker label is usually a name.
    """
    out: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    if client_ids:
        for cid, speaker, role in s.execute(
            select(SessionRow.client_id, UtteranceRow.speaker, UtteranceRow.role).distinct()
            .join(UtteranceRow, UtteranceRow.session_id == SessionRow.id)
            .where(SessionRow.client_id.in_(client_ids))
        ):
            out[cid][role].add(speaker)
    return out


def attendance_for(s: Session, client_ids: list[int]) -> dict[int, list[AttendanceRow]]:
    out: dict[int, list[AttendanceRow]] = defaultdict(list)
    if client_ids:
        for a in s.scalars(select(AttendanceRow).where(AttendanceRow.client_id.in_(client_ids))
                           .order_by(AttendanceRow.date)):
            out[a.client_id].append(a)
    return out


def feedback_for(s: Session, analysis_id: int) -> dict[tuple[str, int], dict[str, Any]]:
    """The latest confirm / reject / relabel per (kind, index) of one analysis."""
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for f, who in s.execute(
        select(FeedbackRow, ClinicianRow.username)
        .join(ClinicianRow, ClinicianRow.id == FeedbackRow.clinician_id)
        .where(FeedbackRow.analysis_id == analysis_id)
        .order_by(FeedbackRow.created_at, FeedbackRow.id)
    ):
        out[(f.item_kind, f.item_index)] = {
            "action": f.action, "new_label": f.new_label, "by": who,
            "at": f.created_at.isoformat(),
        }
    return out


def comments_for(s: Session, client_id: int) -> list[dict[str, Any]]:
    rows = s.execute(
        select(CommentRow, ClinicianRow.display_name, SessionRow.number)
        .join(ClinicianRow, ClinicianRow.id == CommentRow.author_id)
        .outerjoin(SessionRow, SessionRow.id == CommentRow.session_id)
        .where(CommentRow.client_id == client_id)
        .order_by(CommentRow.created_at, CommentRow.id)
    )
    return [
        {"author": name, "session": number, "utterance": c.utterance, "body": c.body,
         "at": c.created_at.isoformat(timespec="minutes")}
        for c, name, number in rows
    ]


def shares_for(s: Session, client_id: int) -> list[dict[str, Any]]:
    rows = s.execute(
        select(ClinicianRow.username, ClinicianRow.display_name, ShareRow.created_at)
        .join(ShareRow, ShareRow.supervisor_id == ClinicianRow.id)
        .where(ShareRow.client_id == client_id).order_by(ClinicianRow.username)
    )
    return [{"username": u, "display_name": d, "since": at.date().isoformat()}
            for u, d, at in rows]


def supervisors(s: Session) -> list[dict[str, str]]:
    rows = s.execute(
        select(ClinicianRow.username, ClinicianRow.display_name)
        .where(ClinicianRow.role == "supervisor", ClinicianRow.password_hash.is_not(None))
        .order_by(ClinicianRow.display_name)
    )
    return [{"username": u, "display_name": d} for u, d in rows]


def reassign_roles(
    store: Store,
    client: ClientRef,
    number: int,
    changes: Mapping[int, Role],
) -> int:
    """Set the role of some lines, re-analyse the session and store the new analysis.

    One transaction: the lines' roles are updated, the analysis of the current analyzer
    version is replaced (its markers, repairs, episodes and the feedback given on them go
    with it, because their positions no longer mean the same items), and the new analysis
    is stored through ``import_session``. Returns the new analysis id.

    A store with analysis revisions would keep the old analysis and its feedback; see the
    web docs (this is reported as a store change to make).
    """
    if not changes:
        raise InputError("speaker roles: nothing to change")
    with store.transaction() as s:
        stored = get_session(s, clinician=client.owner, client_code=client.code, number=number)
        by_index = {u.index: u for u in stored.utterances}
        unknown = [i for i in changes if i not in by_index]
        if unknown:
            raise NotFound(f"session {number} has no line {unknown[0]}")
        utterances = tuple(
            replace(u, role=changes[u.index]) if u.index in changes else u
            for u in stored.utterances
        )
        speakers = _speakers_of(utterances)
        summary = stored.session
        transcript = Transcript(utterances=utterances, speakers=speakers, format=summary.format,
                                sha256=summary.sha256, source=f"session {number}",
                                language=summary.language)
        analysis = analyze_session(transcript, SessionContext(
            client=client.code, number=number, date=summary.date,
            stage_settings=stage_settings_from(client.settings)))
        for index, role in changes.items():
            s.execute(
                UtteranceRow.__table__.update()
                .where(UtteranceRow.session_id == summary.id, UtteranceRow.index == index)
                .values(role=role.value)
            )
        s.execute(delete(AnalysisRow).where(
            AnalysisRow.session_id == summary.id,
            AnalysisRow.analyzer_version == analysis.analyzer_version))
        s.flush()
        result = import_session(s, clinician=client.owner, client_code=client.code,
                                transcript=transcript, analysis=analysis, number=number,
                                date=summary.date)
        return result.analysis_id


def _speakers_of(utterances: tuple[Any, ...]) -> tuple[Speaker, ...]:
    """One speaker per label, with the role most of their lines now have."""
    roles: dict[str, list[Role]] = defaultdict(list)
    for u in utterances:
        roles[u.speaker].append(u.role)
    return tuple(
        Speaker(label, max(set(rs), key=rs.count), RoleSource.EXPLICIT, 1.0)
        for label, rs in roles.items()
    )
