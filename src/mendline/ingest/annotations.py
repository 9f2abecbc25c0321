"""Non-verbal annotations written into transcript text: ``[laughs]``, ``(long pause)``, ...

Transcribers mark what was heard but not said in brackets, parentheses or asterisks.
Mendline keeps those marks in ``Utterance.text`` (so evidence quotes stay exact) and lists
them as typed ``Annotation`` objects, so that engagement metrics can count a ``[sighs]`` or a
``[silence 12s]`` without counting it as words.

Only a known non-verbal vocabulary counts: ``(I mean it)`` is speech in parentheses, not an
annotation. A speaker label such as ``[Dr Lee]`` on a line of its own is the parser's
business and is resolved before this module sees the text; ``is_annotation`` lets the
parsers tell ``[laughs]`` from ``[Sam]``.
"""

from __future__ import annotations

import re

from mendline.transcript import Annotation, AnnotationKind

__all__ = ["find_annotations", "classify", "is_annotation"]

# Bracketed, parenthesised or asterisk-wrapped, short (transcribers write a few words).
_MARK = re.compile(r"\[([^\[\]\n]{1,48})\]|\(([^()\n]{1,48})\)|\*([^*\n]{1,40})\*")

# Order matters: the first kind whose pattern appears in the mark wins ("long pause").
_KINDS: tuple[tuple[AnnotationKind, re.Pattern[str]], ...] = (
    (AnnotationKind.SILENCE, re.compile(r"\bsilen(?:ce|t)\b")),
    (AnnotationKind.PAUSE, re.compile(r"\bpaus(?:e|es|ed|ing)\b|\bbeat\b")),
    (
        AnnotationKind.INAUDIBLE,
        re.compile(
            r"\b(?:inaudible|unclear|indistinct|unintelligible|garbled|incomprehensible"
            r"|cannot hear|can't hear|audio (?:cuts|drops|glitch)\w*)\b|^\?+$"
        ),
    ),
    (
        AnnotationKind.CROSSTALK,
        re.compile(
            r"\b(?:cross[- ]?talk|overlapping|talking over|talk over each other|overtalk)\b"
        ),
    ),
    (
        AnnotationKind.CRYING,
        re.compile(r"\b(?:cry|cries|crying|cried|sob|sobs|sobbing|tearful|tearing up|in tears"
                   r"|sniffles?|sniffling|weeps|weeping)\b"),
    ),
    (
        AnnotationKind.LAUGHS,
        re.compile(r"\b(?:laugh|laughs|laughing|laughter|laughed|chuckles?|chuckling"
                   r"|giggles?|giggling)\b"),
    ),
    (
        AnnotationKind.SIGHS,
        re.compile(r"\b(?:sighs?|sighing|sighed|exhales?|exhaling|deep breath|breathes out)\b"),
    ),
    (
        AnnotationKind.OTHER,
        re.compile(
            r"\b(?:coughs?|coughing|clears? (?:his |her |their )?throat|yawns?|sneezes?"
            r"|groans?|gasps?|whispers?|whispering|mumbles?|mumbling|sniffs?|hums?"
            r"|background noise|noise|music|applause|phone (?:rings|ringing|buzzes)"
            r"|door (?:opens|closes|knock\w*)|knocking|typing|dog barking|barking"
            r"|no audio|static|silence ends|nods?|nodding|shrugs?|smiles?|tuts?|scoffs?"
            r"|long exhale|blows nose|tissue)\b"
        ),
    ),
)

_DURATION = re.compile(
    r"(\d+(?:\.\d+)?)\s*(s|sec|secs|second|seconds|m|min|mins|minute|minutes)\b"
)
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?\b")
_MAX_WORDS = 6


def classify(content: str) -> AnnotationKind | None:
    """The kind of a mark's inner text (``"long pause"`` → PAUSE), or None for speech/names."""
    body = content.strip().lower()
    if not body or len(body.split()) > _MAX_WORDS:
        return None
    for kind, pattern in _KINDS:
        if pattern.search(body):
            return kind
    return None


def is_annotation(content: str) -> bool:
    """True when ``content`` (without its brackets) is a non-verbal mark, not a name."""
    return classify(content) is not None


def _duration_s(content: str) -> float | None:
    # "[inaudible 00:12:03]" carries a position, not a length: clock times are ignored.
    body = _CLOCK.sub(" ", content.lower())
    m = _DURATION.search(body)
    if m is None:
        return None
    value = float(m.group(1))
    return value * 60.0 if m.group(2).startswith("m") else value


def find_annotations(text: str) -> tuple[Annotation, ...]:
    """All non-verbal marks in ``text``, in order, with [start, end) spans into ``text``."""
    if "[" not in text and "(" not in text and "*" not in text:
        return ()
    found: list[Annotation] = []
    for m in _MARK.finditer(text):
        content = m.group(1) or m.group(2) or m.group(3) or ""
        kind = classify(content)
        if kind is None:
            continue
        duration = _duration_s(content) if kind in (AnnotationKind.SILENCE,
                                                    AnnotationKind.PAUSE) else None
        found.append(Annotation(kind, (m.start(), m.end()), duration))
    return tuple(found)
