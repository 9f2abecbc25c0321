"""What a report needs, gathered from the store once, then handed to pure renderers.

``ReportInputs`` is plain data: tests and the batch runner can build it without a
database, and every renderer (supervision packet, conceptualization, exports) reads only
it. ``load_report_inputs`` is the one place that talks to the store.

The timeline comes from ``mendline.client_records`` (the one place stored rows become
tracking records); feedback and comments from the store's readers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from mendline import store as repository
from mendline.analysis.result import SessionAnalysis
from mendline.client_records import client_timeline
from mendline.store import Store
from mendline.tracking import ClientTimeline

__all__ = ["SessionInput", "Reflection", "ReportInputs", "load_report_inputs"]


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
    timeline = client_timeline(store, clinician, client_code)
    reflections = _reflections(store, clinician, client_code, me.id, sessions)
    return ReportInputs(
        client_code=client.code,
        display_name=client.display_name,
        sessions=tuple(sessions),
        timeline=timeline,
        reflections=reflections,
        therapist_labels=tuple(sorted(therapists)),
        client_labels=tuple(sorted(clients)),
    )


def _reflections(store: Store, clinician: str, client_code: str, me: int,
                 sessions: list[SessionInput]) -> tuple[Reflection, ...]:
    """Feedback on the analyses the report shows, then comments, oldest first."""
    shown = {s.analysis_id for s in sessions if s.analysis_id is not None}
    feedback = [
        Reflection(f.session_number, f.action, f.item_kind, f.item_index, f.new_label, f.note,
                   f.clinician_id == me)
        for f in repository.list_feedback(store, clinician=clinician, client_code=client_code)
        if f.analysis_id in shown
    ]
    comments = [
        Reflection(c.session_number, "comment", None, c.utterance, None, c.body,
                   c.author_id == me)
        for c in repository.list_comments(store, clinician=clinician, client_code=client_code)
    ]
    return tuple(feedback + comments)
