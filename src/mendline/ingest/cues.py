"""The shape every format parser returns: a flat list of cues, before merging and roles.

A format module exposes ``parse(text: str, source: str) -> list[Cue]`` (DOCX takes bytes)
and raises ``IngestError`` naming the line, cue number or JSON path on bad input. Everything
after that (annotations, merging of consecutive same-speaker cues, language, roles) is
shared and lives in ``mendline.ingest.build``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Cue"]


@dataclass(frozen=True, slots=True)
class Cue:
    speaker: str | None  # None when the source names no speaker for this cue
    text: str  # as written, annotations such as "[laughs]" left in place
    start_s: float | None = None
    end_s: float | None = None
    line: int | None = None  # 1-based source line (or cue number) where the cue starts
