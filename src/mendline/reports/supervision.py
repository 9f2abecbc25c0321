"""The supervision packet: rupture moments brought to supervision as material, not mistakes.

``build_packet(inputs, session=None, deid=None)`` is pure: it selects and words what the
analyses, the timeline and the clinician's reflections already hold, and (with a
``Deidentifier``) replaces identifiers in every piece of text it copies. Rendering to
HTML, Markdown and PDF is in ``mendline.reports.render``.

Contents follow the practice steps in clinical.md: where it started (the first marker and
the therapist turn just before it), each episode with a short excerpt, the repair
attempts and how they went, the stage, the client's own ratings of that session and the
one before, the clinician's own confirmations and notes, and questions for supervision
("where do you think it started?"; Safran & Muran, 2000; 3RS, Eubanks, Muran & Safran,
2015).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mendline.analysis.result import SessionAnalysis, UtteranceOut
from mendline.presentation import clock
from mendline.reports.charts import client_timeline_chart, session_rupture_map
from mendline.reports.deid import Deidentifier, Replacement
from mendline.reports.inputs import Reflection, ReportInputs, SessionInput
from mendline.reports.svg import Chart
from mendline.tracking.result import ClientTimeline, MeasureResult
from mendline.vocabulary import MARKERS, STRATEGIES

__all__ = ["Turn", "EpisodeView", "SessionPacket", "SupervisionPacket", "build_packet",
           "ABOUT_MARKERS", "FOOTER", "OUTCOME_WORDS"]

FOOTER = ("These are prompts for reflection, not findings about the client. Mendline points "
          "to moments worth a second look; the clinician and supervisor decide what they mean.")
ABOUT_MARKERS = (
    "A rupture is a strain in the working alliance: less collaboration on the tasks or goals "
    "of therapy, or a strain in the bond. Withdrawal markers are ways of moving away (from "
    "the therapist, the work or one's own experience); confrontation markers are ways of "
    "moving against (complaint, rejection, pressure). Ruptures are common and, when they are "
    "noticed and worked through together, often useful (3RS; Eubanks, Muran & Safran, 2015; "
    "Eubanks, Muran & Safran, 2018). Every marker here is a possibility for you to judge, "
    "from words in a transcript only."
)
OUTCOME_WORDS = {
    "resolved": "the two of you seemed to find your way back to working together",
    "partially_resolved": "partly repaired: some re-engagement, some strain still there",
    "unresolved": "still open when the episode ended",
    "no_repair_attempted": "no repair attempt was picked up in the transcript",
}
STAGE_WORDS = {
    "early": "early in therapy (sessions 1-4), when a shared sense of goals and roles is "
             "still forming; the question underneath is often \"is this what I hoped for?\"",
    "middle": "in the middle phase, when the work gets harder; the question underneath is "
              "often \"is this too much right now?\"",
    "late": "well into the work, when patterns between the two of you may be repeating",
    "termination": "near the planned ending, when ending itself can stir strong feelings; "
                   "the question underneath is often \"what is it like that this is ending?\"",
}
_EXCERPT_BEFORE, _EXCERPT_AFTER, _EXCERPT_MAX, _TURN_WORDS = 2, 2, 9, 70


@dataclass(frozen=True, slots=True)
class Turn:
    index: int
    role: str
    speaker: str  # the role label in de-identified packets
    when: str
    text: str
    highlight: bool = False


@dataclass(frozen=True, slots=True)
class EpisodeView:
    id: int
    family: str
    when: str
    outcome: str
    outcome_words: str
    resolution: int
    significance: int
    markers: tuple[str, ...]
    repairs: tuple[tuple[str, bool], ...]  # (label, metacommunication)
    excerpt: tuple[Turn, ...]


@dataclass(frozen=True, slots=True)
class SessionPacket:
    number: int
    date: str | None
    stage: str | None
    stage_words: str
    started: tuple[str, Turn | None, Turn] | None  # (marker label, therapist before, client)
    episodes: tuple[EpisodeView, ...]
    moments: tuple[tuple[str, tuple[Turn, ...]], ...]  # markers outside any episode
    self_report: tuple[str, ...]
    reflections: tuple[str, ...]
    questions: tuple[str, ...]
    chart: Chart


@dataclass(frozen=True, slots=True)
class SupervisionPacket:
    title: str
    client_label: str
    intro: str
    sessions: tuple[SessionPacket, ...]
    timeline_chart: Chart | None
    about: str = ABOUT_MARKERS
    footer: str = FOOTER
    deidentified: bool = False
    replacements: tuple[Replacement, ...] = field(default=())


def _label(marker_id: str) -> str:
    return MARKERS[marker_id].label if marker_id in MARKERS else marker_id


def _s_label(strategy_id: str) -> str:
    return STRATEGIES[strategy_id].label if strategy_id in STRATEGIES else strategy_id


def _shorten(text: str, words: int = _TURN_WORDS) -> str:
    parts = text.split()
    return text if len(parts) <= words else " ".join(parts[:words]) + " …"


class _Words:
    """Text through the de-identifier when there is one."""

    def __init__(self, deid: Deidentifier | None) -> None:
        self.deid = deid

    def text(self, s: str) -> str:
        return self.deid.text(s) if self.deid else s

    def date(self, s: str | None) -> str | None:
        return self.deid.iso(s) if self.deid else s

    def turn(self, u: UtteranceOut, highlight: bool = False) -> Turn:
        speaker = self.deid.speaker(u.role, u.speaker) if self.deid else u.speaker
        return Turn(u.index, u.role, speaker, clock(u.start), self.text(_shorten(u.text)),
                    highlight)


def _window(a: SessionAnalysis, first: int, last: int, marks: set[int], w: _Words
            ) -> tuple[Turn, ...]:
    lo = max(0, first - _EXCERPT_BEFORE)
    hi = min(len(a.utterances) - 1, last + _EXCERPT_AFTER, lo + _EXCERPT_MAX - 1)
    return tuple(w.turn(a.utterances[i], i in marks) for i in range(lo, hi + 1))


def _previous_therapist(a: SessionAnalysis, index: int) -> UtteranceOut | None:
    for i in range(index - 1, max(-1, index - 4), -1):
        if a.utterances[i].role == "therapist":
            return a.utterances[i]
    return None


def _self_report(measures: list[MeasureResult], number: int, w: _Words) -> tuple[str, ...]:
    lines = []
    for n, when in ((number - 1, "the session before"), (number, "this session")):
        for m in measures:
            if m.session != n:
                continue
            if m.instrument.startswith("PSQ"):
                who = "client" if m.instrument == "PSQ-client" else "therapist"
                yes = m.items.get("psq.rupture")
                extra = ""
                if yes:
                    extra = (f" (how tense {m.items.get('psq.intensity') or '-'}/5, how "
                             f"resolved {m.items.get('psq.resolution') or '-'}/5)")
                lines.append(f"{when.capitalize()} (session {n}): the {who}'s form "
                             f"{'noted' if yes else 'did not note'} tension or a problem{extra}.")
            elif m.total is not None:
                flags = "; ".join(w.text(f.reason).rstrip(".") for f in m.flags)
                lines.append(f"{when.capitalize()} (session {n}): {m.instrument} total "
                             f"{m.total:g}" + (f" — {flags}" if flags else "") + ".")
    return tuple(lines) or ("No self-report forms recorded for this session or the one "
                            "before.",)


def _reflections(refs: tuple[Reflection, ...], a: SessionAnalysis, number: int, w: _Words
                 ) -> tuple[str, ...]:
    out = []
    for r in refs:
        if r.session != number:
            continue
        if r.kind == "comment":
            who = "Your note" if r.by_clinician else "A supervisor's note"
            out.append(f"{who}: {w.text(r.text or '')}")
            continue
        items = a.markers if r.item_kind == "marker" else a.repairs
        item = items[r.item_index] if r.item_index is not None and \
            r.item_index < len(items) else None
        name = (_label(item.id) if r.item_kind == "marker" else _s_label(item.id)) \
            if item else f"{r.item_kind} {r.item_index}"
        verb = {"confirm": "You confirmed", "reject": "You did not see",
                "relabel": "You relabelled"}[r.kind]
        line = f"{verb} \u201c{name}\u201d"
        if r.kind == "relabel" and r.new_label:
            new = _label(r.new_label) if "." in r.new_label else _s_label(r.new_label)
            line += f" as \u201c{new}\u201d"
        if r.text:
            line += f": {w.text(r.text)}"
        out.append(line + ".")
    return tuple(out)


def questions_for(a: SessionAnalysis) -> tuple[str, ...]:
    """3-5 questions for supervision, shaped by what happened and the stage."""
    fams = {m.family for m in a.markers}
    qs = ["Where do you think it started? What was happening between you just before?"]
    if "withdrawal" in fams:
        qs.append("When the client seemed to move away, what did you notice in yourself, "
                  "and what did you do with it?")
    if "confrontation" in fams:
        qs.append("When the client pushed back, what was it like to be on the receiving end? "
                  "What part of their complaint might be worth agreeing with?")
    outcomes = {e.outcome for e in a.episodes}
    if outcomes & {"unresolved", "no_repair_attempted"} or any(e.open_at_end for e in a.episodes):
        qs.append("If you could go back to that moment, what might you say about what was "
                  "happening between you, tentatively and without blame?")
    elif a.episodes:
        qs.append("How do you think the client experienced the repair, and how might you "
                  "check in about it next time?")
    stage = a.session.stage or ""
    qs.append({
        "early": "Is this what the client hoped for from therapy? How would you know?",
        "middle": "Could the work be asking too much right now? What might the client be "
                  "protecting?",
        "termination": "What might the ending mean for the client, and for you?",
    }.get(stage, "Does this remind you of a pattern in the client's other relationships, "
                 "or between the two of you?"))
    return tuple(qs[:5])


def _session_packet(s: SessionInput, inputs: ReportInputs, w: _Words) -> SessionPacket:
    a = s.analysis
    started = None
    if a.markers:
        first = min(a.markers, key=lambda m: m.utterance)
        before = _previous_therapist(a, first.utterance)
        started = (_label(first.id), w.turn(before) if before else None,
                   w.turn(a.utterances[first.utterance], True))
    in_episode: set[int] = set()
    episodes = []
    for e in a.episodes:
        marks = {a.markers[i].utterance for i in e.markers if i < len(a.markers)}
        marks |= {a.repairs[i].utterance for i in e.repairs if i < len(a.repairs)}
        in_episode.update(range(e.start_utterance, e.end_utterance + 1))
        start_u = a.utterances[e.start_utterance] if e.start_utterance < len(a.utterances) else None
        words = OUTCOME_WORDS.get(e.outcome, e.outcome)
        if e.open_at_end:
            words += "; it was still open when the session ended"
        episodes.append(EpisodeView(
            id=e.id, family=e.family, when=clock(start_u.start) if start_u else "",
            outcome=e.outcome, outcome_words=words, resolution=e.resolution,
            significance=e.significance,
            markers=tuple(_label(a.markers[i].id) for i in e.markers if i < len(a.markers)),
            repairs=tuple((_s_label(a.repairs[i].id), a.repairs[i].metacommunication)
                          for i in e.repairs if i < len(a.repairs)),
            excerpt=_window(a, e.start_utterance, e.end_utterance, marks, w),
        ))
    loose = sorted((m for m in a.markers if m.utterance not in in_episode),
                   key=lambda m: -m.confidence)[:4]
    moments = tuple(
        (_label(m.id), _window(a, m.utterance, m.utterance, {m.utterance}, w))
        for m in sorted(loose, key=lambda m: m.utterance)
    )
    stage = a.session.stage
    measures = list(inputs.timeline.measures) if inputs.timeline else []
    return SessionPacket(
        number=s.number,
        date=w.date(s.date.isoformat() if s.date else None),
        stage=stage,
        stage_words=STAGE_WORDS.get(stage or "", "stage not known"),
        started=started,
        episodes=tuple(episodes),
        moments=moments,
        self_report=_self_report(measures, s.number, w),
        reflections=_reflections(inputs.reflections, a, s.number, w),
        questions=questions_for(a),
        chart=session_rupture_map(a, chart_id=f"rupture-map-{s.number}"),
    )


def _strain(s: SessionInput) -> tuple[int, int, int]:
    a = s.analysis
    return (sum(e.significance for e in a.episodes), len(a.markers), s.number)


def pick_sessions(inputs: ReportInputs, session: int | None, most: int = 3
                  ) -> list[SessionInput]:
    """One session, or the (up to) three with the most strain, in session order."""
    if session is not None:
        chosen = inputs.session(session)
        return [chosen] if chosen else []
    strained = [s for s in inputs.sessions if s.analysis.markers or s.analysis.episodes]
    top = sorted(strained, key=_strain, reverse=True)[:most]
    return sorted(top, key=lambda s: s.number)


def _shifted_timeline(t: ClientTimeline, deid: Deidentifier) -> ClientTimeline:
    return t.model_copy(update={
        "display_name": "[CLIENT]",
        "sessions": [x.model_copy(update={"date": deid.iso(x.date)}) for x in t.sessions],
        "attendance": [x.model_copy(update={"date": deid.iso(x.date)}) for x in t.attendance],
        "measures": [x.model_copy(update={"date": deid.iso(x.date)}) for x in t.measures],
    })


def build_packet(inputs: ReportInputs, session: int | None = None,
                 deid: Deidentifier | None = None) -> SupervisionPacket:
    """The supervision packet for a client (the most strained sessions) or one session."""
    w = _Words(deid)
    label = "[CLIENT]" if deid else (inputs.display_name or inputs.client_code)
    chosen = pick_sessions(inputs, session)
    packets = tuple(_session_packet(s, inputs, w) for s in chosen)
    timeline_chart = None
    if inputs.timeline is not None and session is None:
        t = _shifted_timeline(inputs.timeline, deid) if deid else inputs.timeline
        timeline_chart = client_timeline_chart(t)
    if session is not None:
        title = f"Supervision notes: {label}, session {session}"
    else:
        title = f"Supervision notes: {label}"
    if not chosen:
        intro = ("Mendline found no rupture markers to bring to supervision here. That can be "
                 "good news; it can also mean a strain stayed out of the words.")
    else:
        nums = ", ".join(str(s.number) for s in chosen)
        intro = (f"Moments from session(s) {nums} that may be worth looking at together. "
                 "They are offered as material for reflection: ruptures are part of most "
                 "therapies, and noticing them is the first step to working them through.")
    return SupervisionPacket(
        title=title, client_label=label, intro=intro, sessions=packets,
        timeline_chart=timeline_chart, deidentified=deid is not None,
        replacements=tuple(deid.replacements()) if deid else (),
    )
