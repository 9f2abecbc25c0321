"""``analyze_session(transcript, context) -> SessionAnalysis``: the one entry to analysis.

A pure function of its inputs (no database, clock or network), so the CLI, the web upload and
batch runs on Spark produce the same result for the same file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from mendline import __version__
from mendline.analysis.engagement import measure_engagement
from mendline.analysis.markers import DEFAULT_DETECTOR, detect_markers
from mendline.analysis.result import (
    AnnotationOut,
    SessionAnalysis,
    SessionInfo,
    Source,
    UtteranceOut,
)
from mendline.analysis.segments import segment_session
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
    stage = stage_for(ctx.number, ctx.stage_settings).value if ctx.number else None
    return SessionAnalysis(
        analyzer_version=ANALYZER_VERSION,
        detectors=[DEFAULT_DETECTOR],
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
        engagement=measure_engagement(transcript),
        segments=segment_session(transcript, markers),
        notes=notes + list(transcript.warnings),
    )
