"""Record data around sessions: attendance, outcome/alliance measures, feedback, comments.

Simple insert functions that validate their fields (raising ``InputError`` naming the
field) and return frozen records; readers and importers are built on top of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date as Date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mendline.errors import InputError, NotFound
from mendline.store._support import (
    ClinicianRef,
    StoreOrSession,
    client_row,
    clinician_row,
    unit_of_work,
)
from mendline.store.models import (
    ATTENDANCE_STATUSES,
    FEEDBACK_ACTIONS,
    FEEDBACK_KINDS,
    INSTRUMENTS,
    AnalysisRow,
    AttendanceRow,
    ClientRow,
    CommentRow,
    FeedbackRow,
    MarkerRow,
    MeasureRow,
    RepairRow,
    SessionRow,
    ShareRow,
)
from mendline.store.records import Attendance, Comment, Feedback, Measure
from mendline.vocabulary import MARKERS, STRATEGIES

__all__ = [
    "add_attendance",
    "add_measure",
    "add_feedback",
    "add_comment",
    "list_attendance",
    "list_measures",
    "list_feedback",
    "list_comments",
]


def add_attendance(
    store: StoreOrSession,
    *,
    clinician: ClinicianRef,
    client_code: str,
    date: Date,
    status: str,
    minutes_late: int | None = None,
    source: str = "manual",
) -> Attendance:
    """Record how an appointment went. One record per client and day: a second replaces it,
    so importing the same attendance file twice changes nothing."""
    _one_of("status", status, ATTENDANCE_STATUSES)
    if minutes_late is not None and minutes_late < 0:
        raise InputError("minutes_late: expected 0 or more minutes")
    with unit_of_work(store) as s:
        client = client_row(s, clinician_row(s, clinician), client_code)
        row = s.scalar(
            select(AttendanceRow).where(AttendanceRow.client_id == client.id,
                                        AttendanceRow.date == date)
        )
        if row is None:
            row = AttendanceRow(client_id=client.id, date=date)
            s.add(row)
        row.status, row.minutes_late, row.source = status, minutes_late, source[:200]
        s.flush()
        return Attendance(row.id, row.client_id, row.date, row.status, row.minutes_late,
                          row.source)


def add_measure(
    store: StoreOrSession,
    *,
    clinician: ClinicianRef,
    client_code: str,
    instrument: str,
    date: Date,
    items: Sequence[float | None] | Mapping[str, float | None],
    total: float | None = None,
    scale: str | None = None,
    session_number: int | None = None,
) -> Measure:
    """Record one completed SRS / ORS / WAI-SR / PSQ form (item answers and its score)."""
    _one_of("instrument", instrument, INSTRUMENTS)
    stored_items: Any = dict(items) if isinstance(items, Mapping) else list(items)
    with unit_of_work(store) as s:
        client = client_row(s, clinician_row(s, clinician), client_code)
        session_id = None
        if session_number is not None:
            session_id = s.scalar(
                select(SessionRow.id).where(SessionRow.client_id == client.id,
                                            SessionRow.number == session_number)
            )
            if session_id is None:
                raise NotFound(f"client {client.code!r} has no session {session_number}")
        row = MeasureRow(client_id=client.id, session_id=session_id, instrument=instrument,
                         date=date, items=stored_items, total=total, scale=scale)
        s.add(row)
        s.flush()
        return Measure(row.id, row.client_id, row.session_id, row.instrument, row.date,
                       row.items, row.total, row.scale)


def add_feedback(
    store: StoreOrSession,
    *,
    clinician: ClinicianRef,
    analysis_id: int,
    item_kind: str,
    item_index: int,
    action: str,
    new_label: str | None = None,
    note: str | None = None,
) -> Feedback:
    """Record a clinician confirming, rejecting or relabelling one marker or repair.

    ``item_index`` is the item's position in the analysis's ``markers`` / ``repairs``.
    The clinician must own the client, or have it shared with them.
    """
    _one_of("item_kind", item_kind, FEEDBACK_KINDS)
    _one_of("action", action, FEEDBACK_ACTIONS)
    if action == "relabel":
        known = MARKERS if item_kind == "marker" else STRATEGIES
        if new_label not in known:
            raise InputError(f"new_label: expected a known {item_kind} id for a relabel")
    elif new_label is not None:
        raise InputError("new_label: only a relabel takes a new label")
    with unit_of_work(store) as s:
        who = clinician_row(s, clinician)
        client_id = s.scalar(
            select(SessionRow.client_id)
            .join(AnalysisRow, AnalysisRow.session_id == SessionRow.id)
            .where(AnalysisRow.id == analysis_id)
        )
        if client_id is None or not _may_see(s, who.id, client_id):
            raise NotFound(f"no analysis {analysis_id} among {who.username!r}'s clients")
        table = MarkerRow if item_kind == "marker" else RepairRow
        exists = s.scalar(
            select(table.id).where(table.analysis_id == analysis_id, table.ordinal == item_index)
        )
        if exists is None:
            raise NotFound(f"analysis {analysis_id} has no {item_kind} number {item_index}")
        row = FeedbackRow(clinician_id=who.id, analysis_id=analysis_id, item_kind=item_kind,
                          item_index=item_index, action=action, new_label=new_label, note=note)
        s.add(row)
        s.flush()
        return Feedback(row.id, row.clinician_id, row.analysis_id, row.item_kind,
                        row.item_index, row.action, row.new_label, row.note, row.created_at)


def add_comment(
    store: StoreOrSession,
    *,
    author: ClinicianRef,
    owner: ClinicianRef,
    client_code: str,
    body: str,
    session_number: int | None = None,
    utterance: int | None = None,
) -> Comment:
    """A comment by ``author`` (the owner, or a supervisor it is shared with) on a client."""
    if not body.strip():
        raise InputError("comment: expected some text")
    with unit_of_work(store) as s:
        writer = clinician_row(s, author)
        client = client_row(s, clinician_row(s, owner), client_code)
        if not _may_see(s, writer.id, client.id):
            raise NotFound(f"no client {client_code!r} shared with {writer.username!r}")
        session_id = None
        if session_number is not None:
            session_id = s.scalar(
                select(SessionRow.id).where(SessionRow.client_id == client.id,
                                            SessionRow.number == session_number)
            )
            if session_id is None:
                raise NotFound(f"client {client.code!r} has no session {session_number}")
        row = CommentRow(client_id=client.id, session_id=session_id, author_id=writer.id,
                         utterance=utterance, body=body)
        s.add(row)
        s.flush()
        return Comment(row.id, row.client_id, row.session_id, row.author_id, row.utterance,
                       row.body, row.created_at)


def _visible_client(s: Session, viewer: ClinicianRef, owner: ClinicianRef | None, code: str):
    """The client row, if ``viewer`` owns it or it is shared with them; else NotFound."""
    who = clinician_row(s, viewer)
    client = client_row(s, clinician_row(s, owner if owner is not None else viewer), code)
    if not _may_see(s, who.id, client.id):
        raise NotFound(f"no client {code!r} shared with {who.username!r}")
    return client


def _session_numbers(s: Session, client_id: int) -> dict[int, int]:
    rows = s.execute(
        select(SessionRow.id, SessionRow.number).where(SessionRow.client_id == client_id)
    )
    return {sid: number for sid, number in rows}


def list_attendance(
    store: StoreOrSession, *, clinician: ClinicianRef, client_code: str,
    owner: ClinicianRef | None = None,
) -> list[Attendance]:
    """A client's attendance records, oldest first."""
    with unit_of_work(store) as s:
        client = _visible_client(s, clinician, owner, client_code)
        rows = s.scalars(
            select(AttendanceRow).where(AttendanceRow.client_id == client.id)
            .order_by(AttendanceRow.date)
        )
        return [Attendance(r.id, r.client_id, r.date, r.status, r.minutes_late, r.source)
                for r in rows]


def list_measures(
    store: StoreOrSession, *, clinician: ClinicianRef, client_code: str,
    owner: ClinicianRef | None = None,
) -> list[Measure]:
    """A client's completed forms, oldest first, with the session number they belong to."""
    with unit_of_work(store) as s:
        client = _visible_client(s, clinician, owner, client_code)
        numbers = _session_numbers(s, client.id)
        rows = s.scalars(
            select(MeasureRow).where(MeasureRow.client_id == client.id)
            .order_by(MeasureRow.date, MeasureRow.id)
        )
        return [Measure(r.id, r.client_id, r.session_id, r.instrument, r.date, r.items,
                        r.total, r.scale, numbers.get(r.session_id)) for r in rows]


def list_feedback(
    store: StoreOrSession, *, clinician: ClinicianRef, client_code: str,
    owner: ClinicianRef | None = None,
) -> list[Feedback]:
    """Every confirmation, rejection and relabel on a client's analyses, oldest first."""
    with unit_of_work(store) as s:
        client = _visible_client(s, clinician, owner, client_code)
        rows = s.execute(
            select(FeedbackRow, SessionRow.number)
            .join(AnalysisRow, AnalysisRow.id == FeedbackRow.analysis_id)
            .join(SessionRow, SessionRow.id == AnalysisRow.session_id)
            .where(SessionRow.client_id == client.id)
            .order_by(FeedbackRow.created_at, FeedbackRow.id)
        )
        return [Feedback(r.id, r.clinician_id, r.analysis_id, r.item_kind, r.item_index,
                         r.action, r.new_label, r.note, r.created_at, number)
                for r, number in rows]


def list_comments(
    store: StoreOrSession, *, clinician: ClinicianRef, client_code: str,
    owner: ClinicianRef | None = None,
) -> list[Comment]:
    """Comments on a client (by its clinician or a supervisor it is shared with)."""
    with unit_of_work(store) as s:
        client = _visible_client(s, clinician, owner, client_code)
        numbers = _session_numbers(s, client.id)
        rows = s.scalars(
            select(CommentRow).where(CommentRow.client_id == client.id)
            .order_by(CommentRow.created_at, CommentRow.id)
        )
        return [Comment(r.id, r.client_id, r.session_id, r.author_id, r.utterance, r.body,
                        r.created_at, numbers.get(r.session_id)) for r in rows]


def _may_see(s: Session, clinician_id: int, client_id: int) -> bool:
    owner = s.scalar(select(ClientRow.clinician_id).where(ClientRow.id == client_id))
    if owner == clinician_id:
        return True
    shared = s.scalar(
        select(ShareRow.id).where(ShareRow.client_id == client_id,
                                  ShareRow.supervisor_id == clinician_id)
    )
    return shared is not None


def _one_of(field: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InputError(f"{field}: expected one of {', '.join(allowed)}, got {value!r}")
