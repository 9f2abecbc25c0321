"""Synthetic analyses for the report tests (all people and words invented here)."""

from __future__ import annotations

import datetime as dt

from mendline.analysis.result import (
    Engagement,
    Episode,
    Marker,
    Repair,
    Segment,
    SessionAnalysis,
    SessionInfo,
    Source,
    UtteranceOut,
)
from mendline.reports.inputs import ReportInputs, SessionInput
from mendline.tracking import (
    AttendanceRecord,
    ClientHistory,
    ClientTimeline,
    MeasureRecord,
    SessionRecord,
    track_client,
)


def timeline_for(client_code: str, sessions: tuple[SessionInput, ...], *,
                 attendance: tuple[AttendanceRecord, ...] = (),
                 measures: tuple[MeasureRecord, ...] = (),
                 display_name: str | None = None) -> ClientTimeline:
    """The tracking timeline of hand-built report inputs (no store involved)."""
    return track_client(ClientHistory(
        client=client_code,
        sessions=tuple(SessionRecord.from_analysis(s.analysis, number=s.number, date=s.date)
                       for s in sessions),
        attendance=attendance,
        measures=measures,
        display_name=display_name,
    ))


THERAPIST = "Nadia Brook"
CLIENT = "Tobias"

# (role, text); markers/repairs are attached by index below.
LINES: tuple[tuple[str, str], ...] = (
    ("therapist", "Hi Tobias. How has the week been?"),
    ("client", "Busy. I drove to Portland on March 3rd to see my sister Ilse."),
    ("therapist", "How did it feel to see her after so long?"),
    ("client", "Fine."),  # 3: minimal response
    ("therapist", "I'd like us to try the worksheet on thoughts again today."),
    ("client", "These worksheets are pointless, honestly."),  # 5: complaint about activities
    ("therapist", "I hear that. I may have pushed the sheets too hard; that's on me."),  # 6 repair
    ("client", "Yeah. It felt like school. Ilse always says I give up too fast."),
    ("therapist", "What is it like to tell me that right now?"),  # 8 repair (meta)
    ("client", "Strange, but better. I don't usually say it to anyone."),
    ("therapist", "Shall we try the worksheet again?"),
    ("client", "Whatever you think is best."),  # 11: deferential
)

_ENG = Engagement(
    duration_s=600.0, therapist_words=60, client_words=60, other_words=0, therapist_turns=6,
    client_turns=6, other_turns=0, client_word_share=0.5, client_words_per_turn_median=8.0,
    client_words_per_turn_iqr=4.0, client_minimal_turn_rate=0.2, client_backchannels=0,
    client_minimal_replies=1, therapist_questions=3, therapist_open_questions=2,
    therapist_closed_questions=1, response_latency_median_s=1.0, response_latency_p90_s=2.0,
    long_pauses=0, overlaps=0, nonverbal={},
)


def _marker(u: int, mid: str, text: str, conf: float = 0.8) -> Marker:
    fam, typ = mid.split(".")
    return Marker(utterance=u, id=mid, family=fam, type=typ, confidence=conf, evidence=text,
                  span=(0, len(text)), why="synthetic", detector="test.v1")


def _repair(u: int, sid: str, meta: bool, text: str) -> Repair:
    return Repair(utterance=u, id=sid, metacommunication=meta, confidence=0.7, evidence=text,
                  span=(0, len(text)), why="synthetic", detector="test.v1")


def make_analysis(number: int = 5, *, words_median: float = 8.0, stage: str = "middle",
                  with_episode: bool = True, client: str = "T-01") -> SessionAnalysis:
    utts = [
        UtteranceOut(index=i, speaker=THERAPIST if r == "therapist" else CLIENT, role=r,
                     start=50.0 * i, end=50.0 * i + 40.0, text=t)
        for i, (r, t) in enumerate(LINES)
    ]
    markers = [
        _marker(3, "withdrawal.minimal_response", "Fine."),
        _marker(5, "confrontation.complaint_about_activities", "These worksheets are pointless"),
        _marker(11, "withdrawal.deferential_appeasing", "Whatever you think is best."),
    ]
    repairs = [
        _repair(6, "acknowledges_contribution", True, "that's on me"),
        _repair(8, "invites_discussion_of_relationship", True, "What is it like to tell me"),
    ]
    episodes = [
        Episode(id=1, family="confrontation", start_utterance=5, end_utterance=9, markers=[1],
                repairs=[0, 1], outcome="resolved", resolution=4, significance=3),
    ] if with_episode else []
    segments = [
        Segment(index=0, start_s=0.0, end_s=300.0, start_utterance=0, end_utterance=5,
                withdrawal_significance=2, confrontation_significance=2, resolution=0),
        Segment(index=1, start_s=300.0, end_s=600.0, start_utterance=6, end_utterance=11,
                withdrawal_significance=1, confrontation_significance=0, resolution=4),
    ]
    return SessionAnalysis(
        analyzer_version="test", detectors=["test.v1"],
        session=SessionInfo(client=client, number=number, date=None, stage=stage,
                            duration_s=600.0, source=Source(format="vtt", sha256="0" * 64)),
        utterances=utts, markers=markers, repairs=repairs if with_episode else [],
        episodes=episodes, engagement=_ENG.model_copy(
            update={"client_words_per_turn_median": words_median}),
        segments=segments,
    )


def make_inputs(n_sessions: int = 6) -> ReportInputs:
    """A client with ``n_sessions`` dated weekly sessions and SRS forms."""
    start = dt.date(2026, 1, 5)
    sessions = tuple(
        SessionInput(k, start + dt.timedelta(weeks=k - 1),
                     make_analysis(k, words_median=20.0 - 2 * k, stage="early" if k < 5
                                   else "middle", with_episode=k >= 4))
        for k in range(1, n_sessions + 1)
    )
    measures = tuple(
        MeasureRecord("SRS", start + dt.timedelta(weeks=k - 1),
                      {"srs.relationship": 9.5 - 0.2 * k, "srs.goals_topics": 9.0,
                       "srs.approach_method": 9.0, "srs.overall": 9.0}, session=k)
        for k in range(1, n_sessions + 1)
    )
    timeline = timeline_for("T-01", sessions, measures=measures, display_name="Tobias")
    return ReportInputs("T-01", "Tobias", sessions, timeline, (),
                        therapist_labels=(THERAPIST,), client_labels=(CLIENT,))
