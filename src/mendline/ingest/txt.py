"""Plain-text transcripts, and the speaker-label rules that SRT and VTT cues share.

Line styles read (each line is classified on its own, then labels are accepted by
recurrence, see below):

- ``Name: text``, ``T: text``, ``THERAPIST: text``, ``- Name: text``, ``>> Name: text``,
  ``**Name:** text`` (Markdown emphasis), ``Name:`` alone with the text on following lines
- ``[Name] text`` and ``[Name]`` alone on a line (but ``[laughs]`` is an annotation)
- headers with a time, text on the following lines: Otter.ai / Teams-DOCX
  ``Jane Doe  0:03`` or ``1:02:03``; Rev ``Speaker 1 (00:01:02):`` (text may follow on the
  same line); ``Speaker 1 00:01:02``; ``[Name] 00:01:02`` (Zoom's text download)
- a leading time: ``[00:01:02] Name: text``, ``(00:01:02) Name:``, ``00:01:02 Name: text``
- Teams/Word DOCX paragraphs: ``00:00:03.120 --> 00:00:05.000`` (also ``0:0:3.120``), then
  the speaker alone on a line, then the text; a time alone on a line (Google Meet puts one
  every few minutes) dates the next turn
- a preamble (title, date, attendees) before the first turn is skipped; Otter's
  "Transcribed by" footer and Teams' "started transcription" lines are dropped
- lines that are not a turn continue the previous turn (multi-line turns, blank lines
  between paragraphs of one speaker)

Why recurrence: ``Date: 2024-05-01`` looks exactly like a turn. A real speaker speaks more
than once, so once any label recurs, only recurring labels (plus title-cased one-off names
after the dialogue has started, e.g. an interpreter who speaks once) count as speakers;
``Date``, ``Attendees`` and similar header words never do.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mendline.ingest.annotations import is_annotation
from mendline.ingest.clock import parse_clock
from mendline.ingest.cues import Cue

__all__ = [
    "parse",
    "parse_with_style",
    "label_candidate",
    "attribute_lines",
    "CLOCK",
    "CUE_CLOCK",
]

CLOCK = r"\d{1,2}(?::\d{1,2}){1,2}(?:[.,]\d{1,3})?"
# Subtitle timings (SRT, VTT): hours:minutes:seconds, or minutes:seconds with a fraction.
CUE_CLOCK = r"(?:\d{1,3}:\d{1,2}:\d{1,2}(?:[.,]\d{1,3})?|\d{1,2}:\d{1,2}[.,]\d{1,3})"
_ARROW = re.compile(rf"^({CLOCK})\s*-->\s*({CLOCK})(?:\s.*)?$")
_TS_ONLY = re.compile(rf"^[\[(]?({CLOCK})[\])]?$")
_LEAD_TS = re.compile(
    rf"^(?:[\[(]({CLOCK})(?:\s*[-–]\s*{CLOCK})?[\])]|({CLOCK})(?=\s))\s*[-–|:]?\s*(\S.*)$"
)
_BRACKET = re.compile(r"^\[([^\[\]\n]{1,60})\]\s*(?:[:\-–]\s*)?(.*)$")
_HEADER = re.compile(
    rf"^([^\W\d_][^:\[\]()\n|]{{0,58}}?)\s*"
    rf"(?:([(\[])\s*({CLOCK})\s*[)\]]|(?<=\s)({CLOCK})|\|\s*({CLOCK}))"
    r"\s*(?::\s*(.*))?$"
)
_COLON = re.compile(
    rf"^(?:[-–—]+\s*|>>\s*)?([^\W\d_][^:\n]{{0,59}}?)\s*(?:[(\[]\s*({CLOCK})\s*[)\]])?\s*:"
    r"(?:\s+(.*)|$)"
)
# Most lines: the label runs to the first colon (no backtracking); a label with a time in
# brackets before the colon falls back to _COLON.
_COLON_FAST = re.compile(r"^(?:[-–—]+\s*|>>\s*)?([^\W\d_][^:\n]{0,59})():(?:\s+(.*)|$)")
_TS_OPEN = re.compile(r"[(\[]\s*\d{1,2}$")
_EMPHASIS = re.compile(r"^[*_]{1,2}([^*_\n]{1,80}?)[*_]{1,2}(?=\s|:|$)\s*(:?)")
_DIGIT = re.compile(r"\d")
_TEXT_TS = re.compile(rf"^[\[(]({CLOCK})[\])]\s*")
_SYSTEM = re.compile(
    r"^(?:transcribed by\b.*otter|.{1,80}\s(?:started|stopped) transcription$"
    r"|.{1,80}\s(?:joined|left) the meeting$)",
    re.IGNORECASE,
)
_BAD_NAME_CHARS = re.compile(r"[?!;\"“”…=<>{}\\]")
# Header words of a preamble, and words that start sentences: never speaker labels.
_NOT_NAMES = frozenset(
    """date time title attendees attendee participants location duration subject meeting
    recorded recording transcript transcription note notes summary agenda created host
    session topic language kind tags keywords present file audio video source
    start end so and but well because then also yes no ok okay like i he she they we you it
    this that there here what why how when where who which example e.g i.e re fwd from to
    cc bcc sent url link http https warning important update yeah yep mm mhm hmm um uh
    right sure thanks hi hello bye exactly totally anyway maybe really""".split()
)
_ROLE_WORD = re.compile(
    r"^(?:t|c|p|th|pt|cl|therapist|client|patient|counsel+or|clinician|interviewer"
    r"|participant|interviewee|respondent|interpreter)\b",
    re.IGNORECASE,
)
_MAX_LABEL_WORDS = 6


def _clean_label(label: str) -> str:
    return " ".join(label.split()).strip(" -–—*_")


def _name_like(label: str) -> bool:
    if not label or len(label) > 60 or not label[0].isalpha():
        return False
    words = label.split()
    if len(words) > _MAX_LABEL_WORDS or _BAD_NAME_CHARS.search(label):
        return False
    return label.casefold() not in _NOT_NAMES


def _title_like(label: str) -> bool:
    return bool(_ROLE_WORD.match(label)) or all(
        w[0].isupper() or w[0].isdigit() or w[0] in "(." for w in label.split()
    )


def _unemphasise(line: str) -> str | None:
    """``**Dr Lee:** text`` → ``Dr Lee: text``; None when the line has no such emphasis."""
    m = _EMPHASIS.match(line)
    if m is None:
        return None
    inner = m.group(1).rstrip()
    colon = ":" if m.group(2) and not inner.endswith(":") else ""
    return f"{inner}{colon} {line[m.end():].lstrip()}".rstrip()


def label_candidate(line: str) -> tuple[str, str, float | None] | None:
    """A possible ``(label, rest, time)`` at the start of ``line`` (colon/bracket/dash
    styles); None when the line does not start with something shaped like a speaker label.
    Whether the label is accepted is decided over the whole file (recurrence)."""
    if line[:1] in "*_":
        plain = _unemphasise(line)
        if plain is None:
            return None
        line = plain
    if line.startswith("["):
        m = _BRACKET.match(line)
        if m is None:
            return None
        label = _clean_label(m.group(1))
        if not _name_like(label) or is_annotation(label):
            return None
        rest = m.group(2)
        tm = _TS_ONLY.match(rest.strip()) if rest else None
        if tm:
            return label, "", parse_clock(tm.group(1))
        return label, rest, None
    m = _COLON_FAST.match(line)
    if m is None:
        return None
    if _TS_OPEN.search(m.group(1)):  # "Name (00:01:02): ..." — the slower exact pattern
        m = _COLON.match(line)
        if m is None:
            return None
    label = _clean_label(m.group(1))
    if not _name_like(label):
        return None
    rest = m.group(3) or ""
    ts = parse_clock(m.group(2)) if m.group(2) else None
    if rest.startswith(("[", "(")):
        tm = _TEXT_TS.match(rest)
        if tm:
            ts = ts if ts is not None else parse_clock(tm.group(1))
            rest = rest[tm.end():]
    return label, rest, ts


# ---------------------------------------------------------------------------------------
# Line classification


@dataclass(slots=True)
class _Line:
    kind: str  # "text", "skip", "arrow", "time", "turn"
    style: str = ""  # for turns: colon, bracket, otter, rev, timestamped, arrow
    label: str = ""
    text: str = ""
    start: float | None = None
    end: float | None = None


_TEXT = _Line("text")
_SKIP = _Line("skip")


def _header(line: str) -> _Line | None:
    if not _DIGIT.search(line, 0, 80):
        return None
    m = _HEADER.match(line)
    if m is None:
        return None
    label = _clean_label(m.group(1))
    if not _name_like(label):
        return None
    ts = m.group(3) or m.group(4) or m.group(5)
    style = "rev" if m.group(2) else "otter"
    return _Line("turn", style, label, m.group(6) or "", parse_clock(ts))


def _classify(line: str) -> _Line:
    if not line:
        return _SKIP
    first = line[0]
    if first.isdigit() or first in "[(":
        m = _ARROW.match(line)
        if m:
            return _Line("arrow", start=parse_clock(m.group(1)), end=parse_clock(m.group(2)))
        m = _TS_ONLY.match(line)
        if m:
            return _Line("time", start=parse_clock(m.group(1)))
        m = _LEAD_TS.match(line)
        if m:
            rest = m.group(3)
            ts = parse_clock(m.group(1) or m.group(2))
            inner = _classify_labelled(rest)
            if inner is None:
                name = _clean_label(rest)
                if _name_like(name) and _title_like(name) and len(name.split()) <= 4 \
                        and name[-1].isalnum():
                    inner = _Line("turn", "", name, "")
            if inner is not None:
                inner.style = "timestamped"
                if inner.start is None:
                    inner.start = ts
                return inner
    if _SYSTEM.match(line):
        return _SKIP
    return _classify_labelled(line) or _TEXT


def _classify_labelled(line: str) -> _Line | None:
    if line[0] in "*_":
        plain = _unemphasise(line)
        if plain is None:
            return None
        line = plain
    if line[0] != "[":
        h = _header(line)
        if h is not None:
            return h
    cand = label_candidate(line)
    if cand is None:
        return None
    label, rest, ts = cand
    style = "bracket" if line.startswith("[") else "colon"
    return _Line("turn", style, label, rest, ts)


def _name_alone(line: str) -> str | None:
    label = _clean_label(line.rstrip(":"))
    if _name_like(label) and label[-1] not in ".," and len(label.split()) <= 5:
        return label
    return None


def _accepted(labels: Sequence[tuple[int, str, str]]) -> set[str]:
    """Recurring labels, plus title-like one-off labels written in the dialogue's own style
    after the dialogue started (an interpreter who speaks once, not "Monday: ...")."""
    counts = Counter(label for _, label, _ in labels)
    recurring = {label for label, n in counts.items() if n >= 2}
    if not recurring:
        return set(counts)
    first = min(i for i, label, _ in labels if label in recurring)
    style = Counter(st for _, label, st in labels if label in recurring).most_common(1)[0][0]
    accepted = set(recurring)
    for i, label, st in labels:
        if i > first and counts[label] == 1 and st == style and _title_like(label):
            accepted.add(label)
    return accepted


# ---------------------------------------------------------------------------------------
# Plain text


def parse_with_style(text: str, source: str) -> tuple[list[Cue], str, list[str]]:
    """Cues of a plain-text transcript, its flavour (``txt``, ``txt.otter``, ...) and
    warnings. Plain text has no syntax errors: a line that is not a turn is dialogue."""
    raw = text.split("\n")
    lines = [r.strip() for r in raw]
    kinds = [_classify(s) for s in lines]
    # A name alone on a line right after a time line (Teams/Word DOCX) is a label candidate.
    prev = "skip"
    for i, k in enumerate(kinds):
        if k.kind == "text" and prev in ("arrow", "time"):
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            name = _name_alone(lines[i]) if nxt else None
            if name is not None:
                kinds[i] = _Line("turn", "arrow", name, "")
        if k.kind != "skip" or lines[i]:
            prev = kinds[i].kind
    labels = [(i, k.label, k.style) for i, k in enumerate(kinds) if k.kind == "turn"]
    accepted = _accepted(labels)

    cues: list[Cue] = []
    styles: Counter[str] = Counter()
    speaker: str | None = None
    parts: list[str] = []
    start = end = None
    cue_line = 0
    pending_start = pending_end = None
    open_cue = False
    has_labels = bool(accepted)
    preamble = 0

    def flush() -> None:
        if open_cue and (parts or speaker is not None):
            cues.append(Cue(speaker, " ".join(parts), start, end, cue_line))

    for i, k in enumerate(kinds):
        kind = k.kind
        if kind == "skip":
            continue
        if kind == "turn" and k.label in accepted:
            flush()
            styles[k.style] += 1
            speaker, parts, cue_line, open_cue = k.label, [], i + 1, True
            start = k.start if k.start is not None else pending_start
            end = pending_end if k.start is None else None
            pending_start = pending_end = None
            if k.text:
                parts.append(k.text)
            continue
        if kind == "arrow":
            flush()
            open_cue = False
            pending_start, pending_end = k.start, k.end
            continue
        if kind == "time":
            pending_start, pending_end = k.start, None
            continue
        # Dialogue text (or a label that did not recur: the line as written).
        content = lines[i]
        if open_cue and (has_labels or pending_start is None):
            parts.append(content)
        elif not has_labels or pending_start is not None or open_cue:
            flush()
            speaker, parts, cue_line, open_cue = None, [content], i + 1, True
            start, end = pending_start, pending_end
            pending_start = pending_end = None
        else:
            preamble += 1  # title, date, attendees before the first turn
    flush()
    style = styles.most_common(1)[0][0] if styles else ""
    flavour = "txt" if style in ("", "colon") else f"txt.{style}"
    warnings = []
    if preamble:
        warnings.append(
            f"{source}: {preamble} line(s) before the first speaker turn were skipped "
            "(a title, date or attendee list)"
        )
    return cues, flavour, warnings


def parse(text: str, source: str) -> list[Cue]:
    """Cues of a plain-text transcript (also used on the paragraphs of a DOCX export)."""
    return parse_with_style(text, source)[0]


# ---------------------------------------------------------------------------------------
# Speaker prefixes inside subtitle cues (SRT, Zoom VTT)

# A prefix style must head at least this share of cues to count: closed captions without
# speakers sometimes contain "Example: ..." lines, which must not become a speaker.
_MIN_PREFIXED_SHARE = 0.2


def attribute_lines(
    blocks: Iterable[tuple[Sequence[str], float | None, float | None, int]],
) -> list[Cue]:
    """Split subtitle cues (lines, start, end, line number) into cues by speaker prefix.

    A cue may hold several speakers (``- Ann: hi`` / ``- Bo: hello``); lines without a
    prefix continue the cue's current speaker, or have none (None) at the cue's start.
    """
    blocks = list(blocks)
    cands = [[label_candidate(s) for s in lines] for lines, _, _, _ in blocks]
    labels = [(i, c[0]) for i, cs in enumerate(cands) for c in cs if c is not None]
    counts = Counter(label for _, label in labels)
    prefixed = sum(1 for cs in cands if any(c is not None for c in cs))
    accepted: set[str] = set()
    if counts and prefixed >= max(1.0, _MIN_PREFIXED_SHARE * len(blocks)):
        recurring = {lb for lb, n in counts.items() if n >= 2}
        accepted = recurring if recurring else set(counts)
        if recurring:
            accepted |= {lb for lb, n in counts.items() if n == 1 and _title_like(lb)}
        if len(accepted) == 1 and prefixed < 0.5 * len(blocks):
            accepted = set()  # one stray "Example:" in captions is not a speaker
    out: list[Cue] = []
    for (lines, start, end, line_no), cs in zip(blocks, cands, strict=True):
        speaker: str | None = None
        parts: list[str] = []
        for s, c in zip(lines, cs, strict=True):
            if c is not None and c[0] in accepted:
                if parts or speaker is not None:
                    out.append(Cue(speaker, " ".join(parts), start, end, line_no))
                speaker, parts = c[0], ([c[1]] if c[1] else [])
            else:
                parts.append(s)
        if parts or speaker is not None:
            out.append(Cue(speaker, " ".join(parts), start, end, line_no))
    return out
