"""Which format a transcript is in, decided from its content; the file name is a hint.

Clinicians rename files, download them through browsers that append ``.txt``, and paste
VTT into Notepad, so the content decides whenever it is unambiguous:

    PK\\x03\\x04 + word/document.xml   → docx
    WEBVTT on the first line          → vtt
    parses as JSON / JSON Lines       → json / jsonl
    timing lines with cue numbers     → srt (or vtt, when the name says .vtt)
    anything else                     → txt (which also reads arrow timings, DOCX-style)

The flavour (``vtt.zoom``, ``txt.otter``, ...) is decided by the format's parser, which sees
the structure; ``Transcript.format`` records it.
"""

from __future__ import annotations

import io
import json
import re
import zipfile

__all__ = ["sniff_format", "sniff_bytes", "sniff_text", "binary_kind", "FORMATS"]

FORMATS = ("vtt", "srt", "txt", "json", "jsonl", "docx")
_ZIP_MAGIC = b"PK\x03\x04"
_SRT_COMMA = re.compile(r"^[ \t]*\d{1,2}:\d{1,2}:\d{1,2},\d{1,3}[ \t]*-->", re.MULTILINE)
_NUMBERED_TIMING = re.compile(r"(?:^|\n)[ \t]*\d+[ \t]*\n[ \t]*[\d:.,]+[ \t]*-->")
_JSON_ARRAY_START = re.compile(
    r"^\[\s*(?:[{\[\"\]]|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?\s*[,\]]|true\b|false\b|null\b)"
)
_SNIFF_CHARS = 1 << 16
_EXT_FORMATS = {
    "vtt": "vtt", "webvtt": "vtt", "srt": "srt", "txt": "txt", "text": "txt", "md": "txt",
    "json": "json", "jsonl": "jsonl", "ndjson": "jsonl", "docx": "docx",
}


def _hint_of(name: str | None, format_hint: str | None) -> str | None:
    if format_hint:
        h = format_hint.lower().lstrip(".").split(".")[0]
        return _EXT_FORMATS.get(h, h if h in FORMATS else None)
    if name and "." in name:
        return _EXT_FORMATS.get(name.rsplit(".", 1)[-1].lower())
    return None


def binary_kind(data: bytes) -> str | None:
    """``docx``, ``zip`` (not a Word file), ``pdf``, ``doc`` (legacy Word), ``rtf``, or None."""
    head = data[:8]
    if head.startswith(_ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError):
            return "zip"
        return "docx" if "word/document.xml" in names else "zip"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    return None


def _looks_json(text: str) -> str | None:
    """``json`` / ``jsonl`` when the text is shaped like JSON, else None.

    ``[00:01:02] T: hi`` and ``[Therapist]`` also start with a bracket: only a bracket
    followed by what a JSON array can hold counts.
    """
    s = text.lstrip("\ufeff \t\n")
    if not (s.startswith("{") or _JSON_ARRAY_START.match(s)):
        return None
    if s.startswith("{"):
        first, _, rest = s.partition("\n")
        if rest.strip():
            try:
                json.loads(first)
            except ValueError:
                return "json"
            return "jsonl" if rest.lstrip().startswith(("{", "[")) else "json"
    return "json"


def sniff_text(text: str, *, name: str | None = None, format_hint: str | None = None) -> str:
    """The format of decoded transcript ``text``: vtt, srt, json, jsonl or txt."""
    sample = text[:_SNIFF_CHARS]
    head = sample.lstrip("\ufeff \t\n")
    hint = _hint_of(name, format_hint)
    if head.startswith("WEBVTT"):
        return "vtt"
    if head[:1] in ("{", "["):
        j = _looks_json(text)
        if j is not None:
            return j
    if "-->" in sample:
        first = head.split("\n", 1)[0].strip()
        if first.isdigit() or "-->" in first:  # starts like a subtitle file
            if hint == "vtt":
                return "vtt"
            if hint == "srt" or _NUMBERED_TIMING.search(sample) or _SRT_COMMA.search(sample):
                return "srt"
    return "txt"


def sniff_bytes(data: bytes, *, name: str | None = None, format_hint: str | None = None) -> str:
    """The format of raw file bytes (DOCX is recognised before decoding)."""
    kind = binary_kind(data)
    if kind is not None:
        return kind
    sample = data[:_SNIFF_CHARS]
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if sample.startswith(bom):
            return sniff_text(sample[2:].decode(codec, "replace"), name=name,
                              format_hint=format_hint)
    return sniff_text(sample.decode("utf-8", "replace"), name=name, format_hint=format_hint)


def sniff_format(
    content: bytes | str, *, name: str | None = None, format_hint: str | None = None
) -> str:
    """The base format of ``content`` (bytes or decoded text): one of ``FORMATS``, or a
    binary kind (``zip``, ``pdf``, ``doc``, ``rtf``) that Mendline cannot read."""
    if isinstance(content, bytes):
        return sniff_bytes(content, name=name, format_hint=format_hint)
    return sniff_text(content, name=name, format_hint=format_hint)
