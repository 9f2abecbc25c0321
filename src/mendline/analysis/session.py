"""``analyze_session(transcript, context) -> SessionAnalysis``: the one entry to analysis.

A pure function of its inputs (no database, clock or network), so the CLI, the web upload and
batch runs on Spark produce the same result for the same file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from mendline import __version__
from mendline.analysis import contributions as _contributions
from mendline.analysis import episodes as _episodes
from mendline.analysis.contributions import detect_contributions
from mendline.analysis.engagement import measure_engagement
from mendline.analysis.episodes import build_episodes
from mendline.analysis.markers import DEFAULT_DETECTOR, detect_markers
from mendline.analysis.repairs import detect_repairs, detector_name
from mendline.analysis.result import (
    AnnotationOut,
    Episode,
    SessionAnalysis,
    SessionInfo,
    Source,
    UtteranceOut,
)
from mendline.analysis.segments import segment_session
from mendline.guidance import guidance_for
from mendline.stage import StageSettings, stage_for
from mendline.transcript import Transcript

__all__ = ["ANALYZER_VERSION", "SessionContext", "analyze_session"]

ANALYZER_VERSION = __version__

# Detectors are English-first; other languages get a note instead of unreliable markers.
SUPPORTED_LANGUAGES = frozenset({"en"})


@dataclass(frozen=True, slots=True)
class SessionContext:
    """What is known about the session besides its transcript."""

    client: str | None = None
    number: int | None = None
    date: dt.date | None = None
    stage_settings: StageSettings = field(default_factory=StageSettings)
    # Episodes left open at the end of the previous session (``Episode.open_at_end``), and
    # that session's number: an "about last time…" early in this session picks them up.
    open_episodes: tuple[Episode, ...] = ()
    open_episodes_session: int | None = None


def _utterances_out(transcript: Transcript) -> list[UtteranceOut]:
    return [
        UtteranceOut(
            index=u.index,
            speaker=u.speaker,
            role=u.role.value,
            start=u.start_s,
            end=u.end_s,
            text=u.text,
            annotations=[
                AnnotationOut(kind=a.kind.value, span=a.span, duration_s=a.duration_s)
                for a in u.annotations
            ],
        )
        for u in transcript.utterances
    ]


def analyze_session(
    transcript: Transcript, context: SessionContext | None = None
) -> SessionAnalysis:
    ctx = context or SessionContext()
    notes: list[str] = []
    if transcript.language is not None and transcript.language not in SUPPORTED_LANGUAGES:
        notes.append(
            f"This transcript looks mostly not English (detected: {transcript.language}). "
            "Mendline's rupture detectors are written for English, so no markers are shown "
            "rather than unreliable ones."
        )
        markers = []
    else:
        markers = detect_markers(transcript)
    english = not notes
    repairs = detect_repairs(transcript, markers) if english else []
    contributions = detect_contributions(transcript, markers, repairs) if english else []
    previous = ctx.open_episodes_session
    if previous is None and ctx.number is not None and ctx.open_episodes:
        previous = ctx.number - 1
    episodes = build_episodes(transcript, markers, repairs, carried=ctx.open_episodes,
                              carried_session=previous) if english else []
    stage = stage_for(ctx.number, ctx.stage_settings).value if ctx.number else None
    guidance = guidance_for(episodes, markers, repairs, stage=stage, client=ctx.client,
                            session=ctx.number, carried=ctx.open_episodes)
    return SessionAnalysis(
        analyzer_version=ANALYZER_VERSION,
        detectors=[DEFAULT_DETECTOR, detector_name(), _contributions.DETECTOR,
                   _episodes.DETECTOR],
        session=SessionInfo(
            client=ctx.client,
            number=ctx.number,
            date=ctx.date.isoformat() if ctx.date else None,
            stage=stage,
            duration_s=transcript.duration_s,
            language=transcript.language,
            source=Source(format=transcript.format, sha256=transcript.sha256),
        ),
        speakers=[
            {
                "label": s.label,
                "role": s.role.value,
                "source": s.source.value,
                "confidence": s.confidence,
            }
            for s in transcript.speakers
        ],
        utterances=_utterances_out(transcript),
        markers=markers,
        repairs=repairs,
        therapist_contributions=contributions,
        episodes=episodes,
        engagement=measure_engagement(transcript),
        segments=segment_session(transcript, markers, episodes),
        guidance=guidance,
        notes=notes + list(transcript.warnings),
    )
