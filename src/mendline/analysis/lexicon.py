"""What the phrase-cue detectors share (markers, repairs, contributions): the cue record,
the prefilter that rules a turn out in one search, and the calibrated score."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Cue", "Folded", "Pattern", "folded", "prefilter", "platt"]


class Folded:
    """A case-insensitive pattern, run as a case-sensitive one over lower-cased text.

    Why: CPython's ``re`` compares every character twice under ``IGNORECASE``; lower-casing
    the text once and matching without the flag halves the time of the phrase layers, which
    is most of a session's analysis (benchmarks/detection.py). Offsets are the same as in the
    original text whenever lower-casing keeps its length (always, for English); otherwise
    the ``IGNORECASE`` pattern runs instead, so results never differ. Matched text comes back
    lower-cased: callers take spans from a match, not its text.
    """

    __slots__ = ("pattern", "flags", "_lower", "_nocase")

    def __init__(self, source: str, flags: int = 0) -> None:
        self.pattern = source
        self.flags = flags | re.IGNORECASE
        self._nocase = re.compile(source, self.flags)
        self._lower = re.compile(source, flags & ~re.IGNORECASE)

    def _pick(self, text: str) -> tuple[re.Pattern[str], str]:
        low = text.lower()
        return (self._lower, low) if len(low) == len(text) else (self._nocase, text)

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        p, t = self._pick(text)
        return p.search(t, pos, endpos)

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        p, t = self._pick(text)
        return p.match(t, pos, endpos)

    def fullmatch(self, text: str, pos: int = 0,
                  endpos: int = sys.maxsize) -> re.Match[str] | None:
        p, t = self._pick(text)
        return p.fullmatch(t, pos, endpos)

    def finditer(self, text: str, pos: int = 0,
                 endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        p, t = self._pick(text)
        return p.finditer(t, pos, endpos)

    def findall(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        p, t = self._pick(text)
        return p.findall(t, pos, endpos)

    def __repr__(self) -> str:
        return f"folded({self.pattern!r})"


#: What the phrase layers accept: a plain compiled pattern or a folded one.
Pattern = re.Pattern[str] | Folded


def _has_upper(source: str) -> bool:
    """True when ``source`` has an upper-case letter outside escapes (``\\W``, ``\\S``...)."""
    escaped = False
    for ch in source:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch.isupper():
            return True
    return False


def folded(source: str, flags: int = 0) -> Pattern:
    """``re.compile(source, flags | re.IGNORECASE)``, folded when that is safe.

    A pattern with an upper-case letter of its own (a group name, ``[A-Z]``) cannot match
    lower-cased text the same way, so it stays an ordinary ``IGNORECASE`` pattern.
    """
    if _has_upper(source):
        return re.compile(source, flags | re.IGNORECASE)
    return Folded(source, flags)


@dataclass(frozen=True, slots=True)
class Cue:
    """One phrase pattern from a lexicon file, its weight, and the plain reason it gives."""

    pattern: Pattern
    weight: float
    why: str


def platt(z: float, a: float, b: float) -> float:
    """A logistic score calibrated with Platt's sigmoid (Platt, 1999): P = 1 / (1 + e^-(a z + b)).

    Clamped so a far-out score cannot overflow ``exp``.
    """
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, a * z + b))))


def prefilter(patterns: Sequence[Pattern]) -> Pattern | None:
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
    joined = "|".join(f"(?:{s})" for s in parts)
    try:
        if flags & re.IGNORECASE:
            return folded(joined, flags & ~re.IGNORECASE)
        return re.compile(joined, flags)
    except re.error:
        return None
