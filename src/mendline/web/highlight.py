"""Split an utterance into plain and highlighted segments, for the transcript view.

The template escapes each segment's text on its own (Jinja autoescape) and wraps the
highlighted ones in ``<mark>``; no HTML is ever built from transcript text here, which is
what keeps a transcript full of ``<script>`` inert.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["Span", "segments", "locate"]

Span = tuple[int, int, str]  # [start, end) in the utterance text, and an item ref ("m3")


def locate(text: str, span: Sequence[int], evidence: str) -> tuple[int, int] | None:
    """Where the evidence is: at ``span`` when it matches there, else its first occurrence."""
    start, end = int(span[0]), int(span[1])
    if 0 <= start < end <= len(text) and text[start:end] == evidence:
        return start, end
    if evidence:
        found = text.find(evidence)
        if found >= 0:
            return found, found + len(evidence)
    return None


def segments(text: str, spans: Sequence[Span]) -> list[dict[str, Any]]:
    """``[{"text": ..., "refs": [...]}]`` covering ``text`` in order; overlaps split."""
    cuts = {0, len(text)}
    for start, end, _ in spans:
        cuts.update((max(0, min(start, len(text))), max(0, min(end, len(text)))))
    points = sorted(cuts)
    out: list[dict[str, Any]] = []
    for a, b in zip(points, points[1:], strict=False):
        if a == b:
            continue
        refs = [ref for start, end, ref in spans if start <= a and b <= end]
        if out and out[-1]["refs"] == refs:
            out[-1]["text"] += text[a:b]
        else:
            out.append({"text": text[a:b], "refs": refs})
    return out or [{"text": text, "refs": []}]
