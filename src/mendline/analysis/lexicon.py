"""What the phrase-cue detectors share (markers, repairs, contributions): the cue record,
the prefilter that rules a turn out in one search, and the calibrated score."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Cue", "prefilter", "platt"]


@dataclass(frozen=True, slots=True)
class Cue:
    """One phrase pattern from a lexicon file, its weight, and the plain reason it gives."""

    pattern: re.Pattern[str]
    weight: float
    why: str


def platt(z: float, a: float, b: float) -> float:
    """A logistic score calibrated with Platt's sigmoid (Platt, 1999): P = 1 / (1 + e^-(a z + b)).

    Clamped so a far-out score cannot overflow ``exp``.
    """
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, a * z + b))))


def prefilter(patterns: Sequence[re.Pattern[str]]) -> re.Pattern[str] | None:
    """One pattern that matches wherever any of ``patterns`` does.

    A turn that matches none of an id's cues (most turns, for most ids) is then ruled out with
    one search instead of one per cue. ``None`` when the patterns cannot be joined (duplicate
    group names, for example): callers then try each cue as before.
    """
    parts = [p.pattern for p in patterns]
    if not parts:
        return None
    flags = 0
    for p in patterns:
        flags |= p.flags & (re.IGNORECASE | re.MULTILINE | re.DOTALL)
    if any(p.flags & re.IGNORECASE != flags & re.IGNORECASE for p in patterns):
        return None  # mixed case rules cannot share one pattern
    try:
        return re.compile("|".join(f"(?:{s})" for s in parts), flags)
    except re.error:
        return None
