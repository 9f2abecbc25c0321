"""SubRip (SRT) subtitles, as Otter, Descript, Rev and video tools export them.

A cue is a number, a timing line ``00:01:02,000 --> 00:01:05,000`` and text lines. The
timing line is the anchor: a number directly above it is the cue number even when the
blank line before it is missing, so files with lost blank lines still read unambiguously.
Speaker prefixes in the text use the plain-text styles (``Name:``, ``T:``, ``[Name]``,
``- Name:``); see ``mendline.ingest.txt``.
"""

from __future__ import annotations

import re

from mendline.errors import IngestError
from mendline.ingest.clock import parse_clock
from mendline.ingest.cues import Cue
from mendline.ingest.txt import CUE_CLOCK, attribute_lines

__all__ = ["parse", "parse_with_flavour", "strip_tags"]

_TIMING = re.compile(rf"^\s*({CUE_CLOCK})\s*-->\s*({CUE_CLOCK})(?:\s.*)?$")
_INDEX = re.compile(r"^\s*\d+\s*$")
_TAG = re.compile(r"</?[a-zA-Z][^<>\n]{0,200}>|\{\\[^{}\n]{0,40}\}")
_EXPECTED = "expected a timestamp line like 00:01:02,000 --> 00:01:05,000"


def strip_tags(text: str) -> str:
    """Remove ``<i>``, ``<font ...>`` and ``{\\an8}`` formatting marks."""
    if "<" not in text and "{" not in text:
        return text
    return _TAG.sub("", text)


def parse_with_flavour(text: str, source: str) -> tuple[list[Cue], str]:
    """Cues and flavour: ``srt`` with speaker prefixes, ``srt.captions`` without."""
    lines = text.split("\n")
    blocks: list[tuple[list[str], float | None, float | None, int]] = []
    current: list[str] | None = None
    held: tuple[int, str] | None = None  # a number after a blank line: next cue's number?
    blank = False
    for i, raw in enumerate(lines):
        line = raw.strip()
        if "-->" in line:
            m = _TIMING.match(line)
            if m is None:
                raise IngestError(
                    source, f"malformed timestamp; {_EXPECTED}", where=f"line {i + 1}"
                )
            if held is None and current and _INDEX.match(current[-1]):
                current.pop()  # this cue's number, the blank line before it missing
            held, blank, current = None, False, []
            blocks.append((current, parse_clock(m.group(1)), parse_clock(m.group(2)), i + 1))
            continue
        if not line:
            blank = True
            continue
        if held is not None:
            if current is None:
                raise IngestError(source, _EXPECTED, where=f"line {i + 1}")
            current.append(held[1])  # it was a number in the text after all
            held = None
        if _INDEX.match(line) and (blank or current is None):
            held = (i + 1, line)
            continue
        if current is None:
            raise IngestError(source, _EXPECTED, where=f"line {i + 1}")
        current.append(strip_tags(line))
        blank = False
    if held is not None:
        raise IngestError(
            source, f"cue {held[1]} is cut off; {_EXPECTED}", where=f"line {held[0] + 1}"
        )
    if not blocks:
        raise IngestError(source, f"no subtitle cues found; {_EXPECTED}", where="line 1")
    cues = attribute_lines(blocks)
    flavour = "srt" if any(c.speaker for c in cues) else "srt.captions"
    return cues, flavour


def parse(text: str, source: str) -> list[Cue]:
    return parse_with_flavour(text, source)[0]
