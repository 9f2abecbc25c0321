"""What a report needs, gathered from the store once, then handed to pure renderers.

``ReportInputs`` is plain data: tests and the batch runner can build it without a
database, and every renderer (supervision packet, conceptualization, exports) reads only
it. ``load_report_inputs`` is the one place that talks to the store.

The store has writers but (yet) no readers for attendance, measures, feedback and
comments, so ``_records`` reads those tables directly, read-only, through the store's own
transaction. When ``mendline.store`` gains ``list_attendance`` / ``list_measures`` /
``list_feedback`` / ``list_comments``, ``_records`` should call them instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from mendline import store as repository
from mendline.analysis.result import SessionAnalysis
from mendline.stage import stage_settings_from
from mendline.store import Store
from mendline.store.models import AttendanceRow, CommentRow, FeedbackRow, MeasureRow, SessionRow
from mendline.tracking import (
    AttendanceRecord,
    AttendanceStatus,
    ClientHistory,
    ClientTimeline,
    MeasureRecord,
    SessionRecord,
    track_client,
)
from mendline.tracking.instruments import instrument

__all__ = ["SessionInput", "Reflection", "ReportInputs", "load_report_inputs",
           "timeline_for"]


@dataclass(frozen=True, slots=True)
class SessionInput:
    number: int
    date: dt.date | None
    analysis: SessionAnalysis
    analysis_id: int | None = None


@dataclass(frozen=True, slots=True)
class Reflection:
    """The clinician's own word on a session: a confirmation, a correction or a note."""

    session: int | None
    kind: str  # "confirm" | "reject" | "relabel" | "comment"
    item_kind: str | None = None  # "marker" | "repair" for feedback
    item_index: int | None = None  # position in the analysis's markers / repairs
    new_label: str | None = None
    text: str | None = None  # the note or comment body: session content, de-identify it
    by_clinician: bool = True  # False: a supervisor's comment


@dataclass(frozen=True, slots=True)
class ReportInputs:
    client_code: str
    display_name: str | None
    sessions: tuple[SessionInput, ...]
    timeline: ClientTimeline | None = None
    reflections: tuple[Reflection, ...] = ()
    therapist_labels: tuple[str, ...] = field(default=())
    client_labels: tuple[str, ...] = field(default=())

    def session(self, number: int) -> SessionInput | None:
        return next((s for s in self.sessions if s.number == number), None)


def timeline_for(client_code: str, sessions: tuple[SessionInput, ...], *,
                 attendance: tuple[AttendanceRecord, ...] = (),
                 measures: tuple[MeasureRecord, ...] = (),
                 display_name: str | None = None,
                 settings: dict | None = None) -> ClientTimeline:
    """The client's timeline from tracking (``track_client``), for reports built by hand."""
    history = ClientHistory(
        client=client_code,
        sessions=tuple(SessionRecord.from_analysis(s.analysis, number=s.number, date=s.date)
                       for s in sessions),
        attendance=attendance,
        measures=measures,
        stage=stage_settings_from(settings),
        display_name=display_name,
    )
    return track_client(history)


def load_report_inputs(store: Store, clinician: str, client_code: str) -> ReportInputs:
    """Every session (newest analysis), the timeline and the clinician's reflections."""
    client = repository.get_client(store, clinician=clinician, code=client_code)
    me = repository.get_clinician(store, clinician)
    sessions: list[SessionInput] = []
    therapists: set[str] = set()
    clients: set[str] = set()
    for summary in repository.list_sessions(store, clinician=clinician, client_code=client_code):
        stored = repository.get_session(store, clinician=clinician, client_code=client_code,
                                        number=summary.number)
        analysis = stored.analysis()
        if analysis is None:
            continue
        sessions.append(SessionInput(summary.number, summary.date, analysis, stored.analysis_id))
        for u in stored.utterances:
            (therapists if u.role.value == "therapist" else clients).add(u.speaker)
    attendance, measures, reflections = _records(store, client.id, me.id, sessions)
    timeline = timeline_for(client.code, tuple(sessions), attendance=attendance,
                            measures=measures, display_name=client.display_name,
                            settings=dict(client.settings))
    return ReportInputs(
        client_code=client.code,
        display_name=client.display_name,
        sessions=tuple(sessions),
        timeline=timeline,
        reflections=reflections,
        therapist_labels=tuple(sorted(therapists)),
        client_labels=tuple(sorted(clients)),
    )


def _records(store: Store, client_id: int, me: int, sessions: list[SessionInput]
             ) -> tuple[tuple[AttendanceRecord, ...], tuple[MeasureRecord, ...],
                        tuple[Reflection, ...]]:
    by_analysis = {s.analysis_id: s.number for s in sessions if s.analysis_id is not None}
    with store.transaction() as s:
        numbers = dict(s.execute(select(SessionRow.id, SessionRow.number)
                                 .where(SessionRow.client_id == client_id)).all())
        attendance = tuple(
            AttendanceRecord(r.date, AttendanceStatus(r.status), r.minutes_late)
            for r in s.scalars(select(AttendanceRow).where(AttendanceRow.client_id == client_id)
                               .order_by(AttendanceRow.date))
        )
        measures = []
        for r in s.scalars(select(MeasureRow).where(MeasureRow.client_id == client_id)
                           .order_by(MeasureRow.date, MeasureRow.id)):
            record = _measure(r.instrument, r.date, r.items, r.scale, numbers.get(r.session_id))
            if record is not None:
                measures.append(record)
        reflections = [
            Reflection(by_analysis[r.analysis_id], r.action, r.item_kind, r.item_index,
                       r.new_label, r.note, r.clinician_id == me)
            for r in s.scalars(select(FeedbackRow)
                               .where(FeedbackRow.analysis_id.in_(list(by_analysis)))
                               .order_by(FeedbackRow.created_at, FeedbackRow.id))
        ]
        reflections += [
            Reflection(numbers.get(r.session_id), "comment", None, r.utterance, None, r.body,
                       r.author_id == me)
            for r in s.scalars(select(CommentRow).where(CommentRow.client_id == client_id)
                               .order_by(CommentRow.created_at, CommentRow.id))
        ]
    return attendance, tuple(measures), tuple(reflections)


def _measure(name: str, day: dt.date, items: object, scale: str | None,
             session: int | None) -> MeasureRecord | None:
    """A stored form as tracking's record; items may be a list (in item order) or a dict
    keyed by item key with or without its instrument prefix. A form that does not fit is
    left out of the report rather than failing it."""
    try:
        inst = instrument(name)
        prefix = inst.items[0].split(".", 1)[0]
        if isinstance(items, list):
            keyed = dict(zip(inst.items, items, strict=False))
        elif isinstance(items, dict):
            keyed = {(k if "." in k else f"{prefix}.{k}"): v for k, v in items.items()}
        else:
            return None
        return MeasureRecord(inst.name, day, keyed, scale=scale, session=session)
    except ValueError:
        return None
