"""WebVTT as Zoom, Microsoft Teams and other tools write it.

- Zoom ``.transcript.vtt``: numbered cues, the speaker as ``Name: text`` inside the cue.
  Zoom ``.cc.vtt`` (closed captions) has the same shape without names: flavour ``vtt.cc``.
- Teams: ``<v Sam Rivera>text</v>`` voice spans, the closing tag sometimes missing, classes
  (``<v.loud Sam>``), several voices in one cue, GUID-like cue ids (``4a8f…/12-0``), cues
  out of time order (sorted by start, with a warning), multi-line cues.
- Others: no speakers, NOTE/STYLE/REGION blocks, cue settings (``align:start``), times
  without hours (``01:02.500``), formatting tags (``<c>``, ``<i>``, ``<b>``, ``<00:01.000>``)
  stripped, HTML entities decoded.

A missing ``WEBVTT`` header is tolerated (with a warning) when the caller already knows the
file is VTT. Cue text with a blank line inside it (against the spec, but some tools write
it) is joined to its cue with a warning; a lone cue id or cut-off timing is an error.
"""

from __future__ import annotations

import html
import re

from mendline.errors import IngestError
from mendline.ingest.clock import parse_clock
from mendline.ingest.cues import Cue
from mendline.ingest.txt import CUE_CLOCK, attribute_lines

__all__ = ["parse", "parse_with_flavour"]

_TIMING = re.compile(rf"^\s*({CUE_CLOCK})\s*-->\s*({CUE_CLOCK})(?:[ \t].*)?$")
_BLOCK_SPLIT = re.compile(r"(\n(?:[ \t]*\n)+)")
_SPECIAL = re.compile(r"^(?:NOTE|STYLE|REGION)(?:[ \t]|$)")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?(?:[ \t]+([^>\n]*))?>")
_TAG = re.compile(r"<[^<>\n]{0,200}>")
_ID_LIKE = re.compile(r"^(?:[\w\-./]{0,120}\d[\w\-./]{0,120}|\d{1,2}:\d.*)$")
_PARTIAL_TIME = re.compile(r"^\s*\d{1,2}:\d")
_EXPECTED = "expected a timestamp line like 00:01:02.000 --> 00:01:05.000"


def _clean(text: str) -> str:
    if "<" in text:
        text = _TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    return text


def parse_with_flavour(text: str, source: str) -> tuple[list[Cue], str, list[str]]:
    """Cues, flavour (``vtt.zoom``, ``vtt.teams``, ``vtt.cc``, ``vtt``) and warnings."""
    warnings: list[str] = []
    body = text.lstrip("\ufeff")
    stripped = body.lstrip("\n")
    line_no = len(body) - len(stripped) + 1  # line of the first block
    stripped = stripped.rstrip()
    parts = _BLOCK_SPLIT.split(stripped) if stripped else []
    blocks, separators = parts[0::2], parts[1::2]
    header = bool(blocks) and blocks[0].startswith("WEBVTT")
    if not header:
        warnings.append(f"{source}: no WEBVTT header; read as WebVTT anyway")
    voiced: list[tuple[list[tuple[str | None, str]], float, float, int]] = []
    plain: list[tuple[list[str], float, float, int]] = []
    order: list[tuple[str, int]] = []
    numeric_ids = 0
    next_line = line_no
    for b_index, block in enumerate(blocks):
        line_no = next_line
        if b_index < len(separators):
            next_line += block.count("\n") + separators[b_index].count("\n")
        if b_index == 0 and header:
            continue
        lines = block.split("\n")
        first = lines[0].strip()
        if "-->" in first:
            t_at = 0
        elif len(lines) > 1 and "-->" in lines[1]:
            t_at = 1
            numeric_ids += first.isdigit()
        elif _SPECIAL.match(first):
            continue  # NOTE, STYLE or REGION block
        else:
            if "-->" in block or (len(lines) == 1 and _ID_LIKE.match(first)) or (
                len(lines) == 2 and _PARTIAL_TIME.match(lines[1])
            ):
                raise IngestError(source, f"cut-off cue; {_EXPECTED}", where=f"line {line_no}")
            if not order:
                raise IngestError(source, _EXPECTED, where=f"line {line_no}")
            warnings.append(
                f"{source}, line {line_no}: text outside a cue joined to the cue before it"
            )
            kind, k = order[-1]
            if kind == "v":
                voiced[k][0].append((None, _clean(" ".join(lines))))
            else:
                plain[k][0].extend(_clean(s.strip()) for s in lines)
            continue
        m = _TIMING.match(lines[t_at])
        if m is None:
            raise IngestError(
                source, f"malformed timestamp; {_EXPECTED}", where=f"line {line_no + t_at}"
            )
        start, end = parse_clock(m.group(1)), parse_clock(m.group(2))
        payload = "\n".join(lines[t_at + 1:])
        cue_line = line_no + t_at
        if "<v" in payload and _VOICE.search(payload):
            segments: list[tuple[str | None, str]] = []
            pieces = _VOICE.split(payload)
            if pieces[0].strip():
                segments.append((None, _clean(pieces[0])))
            for name, said in zip(pieces[1::2], pieces[2::2], strict=True):
                label = " ".join(_clean(name or "").split()) or None
                segments.append((label, _clean(said)))
            order.append(("v", len(voiced)))
            voiced.append((segments, start, end, cue_line))
        else:
            order.append(("p", len(plain)))
            plain.append(([_clean(s.strip()) for s in lines[t_at + 1:]], start, end, cue_line))

    by_line: dict[int, list[Cue]] = {}
    for c in attribute_lines(plain) if plain else ():
        by_line.setdefault(c.line or 0, []).append(c)
    cues: list[Cue] = []
    for kind, k in order:
        if kind == "v":
            segments, start, end, cue_line = voiced[k]
            cues.extend(Cue(lb, said, start, end, cue_line) for lb, said in segments)
        else:
            cues.extend(by_line.pop(plain[k][3], ()))

    starts = [c.start_s for c in cues]
    if any(b < a for a, b in zip(starts, starts[1:], strict=False)):  # type: ignore[operator]
        cues.sort(key=lambda c: c.start_s or 0.0)
        warnings.append(f"{source}: cues were out of time order; sorted by start time")

    has_speakers = any(c.speaker for c in cues)
    numbered = numeric_ids >= max(1, len(plain) // 2)
    if voiced:
        flavour = "vtt.teams"
    elif has_speakers:
        flavour = "vtt.zoom" if numbered else "vtt"
    else:
        flavour = "vtt.cc" if numbered else "vtt"
    return cues, flavour, warnings


def parse(text: str, source: str) -> list[Cue]:
    return parse_with_flavour(text, source)[0]
