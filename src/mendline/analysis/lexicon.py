"""Helpers shared by the phrase-cue lexicons (markers, repairs, contributions)."""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["prefilter"]


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
