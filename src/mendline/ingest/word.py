"""Read DOCX transcripts exported by Microsoft Teams and Word.

A DOCX is a zip of XML parts. We check it is one (and not a password-protected or old .doc
file, which are OLE containers), refuse archives that unpack to more than we are willing to
hold in memory, then read paragraphs and table rows in document order.

Layouts read here, because they depend on how the exporters split paragraphs:

- Teams (current): a paragraph ``Jane Doe   0:03`` (or ``1:02:03``) then the text paragraphs.
- Teams (older): ``0:0:0.0 --> 0:0:5.280``, then the speaker's name, then the text.
- Word's Transcribe: ``00:00:03 Speaker 1`` then the text paragraphs.
- A table whose rows hold speaker, time and text columns (with or without a header row).

Anything else is handed to ``mendline.ingest.txt.parse`` as plain lines. A header candidate
is only believed when its name recurs (real speakers speak more than once), so a line of
speech that happens to end in a time ("we met at 3:30") is not taken for a speaker.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from mendline.errors import IngestError
from mendline.ingest.clock import clock_to_seconds
from mendline.ingest.cues import Cue

__all__ = ["parse", "MAX_UNPACKED_BYTES"]

# A real hour-long transcript's document.xml is a few MB; 200 MB leaves room for embedded
# images while stopping a zip bomb before the XML is inflated.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
_MAX_MEMBERS = 10_000

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_MAIN_PART = re.compile(r"^word/document\d*\.xml$")

_TIME = r"\d{1,2}(?::\d{1,2}){1,2}(?:[.,]\d{1,3})?"
_ARROW = re.compile(rf"^({_TIME})\s*-->\s*({_TIME})$")
_NAME_TIME = re.compile(rf"^(?P<name>\S.{{0,60}}?)\s+(?P<time>{_TIME})$")
_TIME_NAME = re.compile(rf"^(?P<time>{_TIME})\s+(?P<name>\S.{{0,60}})$")
_VOICE = re.compile(r"^<v\s+([^>]{1,60})>(.*?)(?:</v>)?$")
_COLON_NAME = re.compile(r"^([^:\d][^:]{0,39}):\s+(\S.*)$")
_SYSTEM = re.compile(r"\b(?:started|stopped) transcription$", re.IGNORECASE)
_NOT_NAME_END = re.compile(r"[.,;?!…]$")

_HEADER_WORDS = {
    "speaker": {"speaker", "speaker name", "name", "participant", "who", "role"},
    "time": {"time", "timestamp", "time stamp", "start", "start time", "begin", "offset"},
    "end": {"end", "end time", "stop"},
    "text": {"text", "transcript", "transcription", "content", "utterance", "dialogue", "words"},
}

_Line = tuple[int, str]  # (1-based paragraph or table-row number, text)


def parse(data: bytes, source: str) -> list[Cue]:
    """Turn DOCX bytes into cues; raise ``IngestError`` when it is not a readable document."""
    _check_container(data, source)
    lines: list[_Line] = []
    table_cues: list[Cue] = []
    number = 0
    for kind, block in _blocks(data, source):
        if kind == "tbl":
            rows = block
            cues = _table_cues([[c.replace("\n", " ") for c in r] for r in rows], number + 1)
            if cues is not None:
                table_cues.extend(cues)
            for cells in rows:
                number += 1
                if len(cells) == 1 and cells[0]:
                    # A one-column table is only a frame around paragraphs; wider tables
                    # that are not transcripts hold metadata (attendees), not speech.
                    lines.extend((number, part) for part in cells[0].split("\n") if part)
            continue
        number += 1
        for part in block.splitlines():
            if part.strip():
                lines.append((number, part.strip()))
    layout_cues = _arrow_layout(lines) or _header_layout(lines) or []
    # A document may hold a small side table (attendees, say) next to a paragraph
    # transcript, or a table transcript under a title: the richer reading wins.
    if len(table_cues) >= 2 and len(table_cues) >= len(layout_cues):
        return table_cues
    if layout_cues:
        return layout_cues
    return _plain(lines, source)


# --- the container -----------------------------------------------------------------------


def _check_container(data: bytes, source: str) -> None:
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_STREAM in data:
            detail = (
                "not a Word document Mendline can open: it is password-protected; "
                "save a copy without a password and try again"
            )
        else:
            detail = (
                "not a Word document Mendline can open: it is in the older .doc format; "
                "save it as .docx and try again"
            )
        raise IngestError(source, detail)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise IngestError(source, "not a Word document (.docx): it is not a zip archive") from None
    if not any(_MAIN_PART.match(m.filename) for m in members):
        raise IngestError(source, "not a Word document: the archive has no word/document.xml")
    unpacked = sum(m.file_size for m in members)
    if len(members) > _MAX_MEMBERS or unpacked > MAX_UNPACKED_BYTES:
        raise IngestError(
            source,
            f"the Word document is too large to read safely (over "
            f"{MAX_UNPACKED_BYTES // (1024 * 1024)} MB once unpacked)",
        )


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _blocks(data: bytes, source: str) -> Iterator[tuple[str, Any]]:
    """The body's paragraphs (``"p"``, text) and tables (``"tbl"``, rows of cell texts), in order.

    Read straight from ``word/document.xml`` with lxml: about five times faster than building
    python-docx's object model, which a transcript does not need. Entities are not resolved
    and nothing is fetched.
    """
    from lxml import etree  # python-docx's own dependency

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = sorted(
            (m.filename for m in archive.infolist() if _MAIN_PART.match(m.filename)),
            key=lambda n: (n != "word/document.xml", n),
        )
        xml = archive.read(names[0])
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(xml, parser=parser)
    except etree.XMLSyntaxError:
        raise IngestError(source, "not a Word document: its contents could not be read") from None
    body = root.find(f"{_W}body")
    if body is None:
        raise IngestError(source, "not a Word document: it has no body")
    yield from _walk(body)


def _walk(parent: Any) -> Iterator[tuple[str, Any]]:
    for el in parent:
        if el.tag == f"{_W}p":
            yield "p", _paragraph_text(el)
        elif el.tag == f"{_W}tbl":
            yield "tbl", [_row_texts(tr) for tr in el.iterchildren(f"{_W}tr")]
        elif el.tag in (f"{_W}sdt", f"{_W}customXml", f"{_W}sdtContent"):
            yield from _walk(el.find(f"{_W}sdtContent") if el.tag == f"{_W}sdt" else el)


def _paragraph_text(p: Any) -> str:
    parts = []
    for el in p.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"):
        if el.tag == f"{_W}t":
            parts.append(el.text or "")
        else:
            parts.append("\t" if el.tag == f"{_W}tab" else "\n")
    return "".join(parts)


def _row_texts(tr: Any) -> list[str]:
    """Cell texts of one row; the lower cells of a vertical merge read as empty."""
    texts: list[str] = []
    for tc in tr.iterchildren(f"{_W}tc"):
        merge = tc.find(f"{_W}tcPr/{_W}vMerge")
        if merge is not None and merge.get(f"{_W}val") != "restart":
            texts.append("")
            continue
        paragraphs = (_paragraph_text(p) for p in tc.iter(f"{_W}p"))
        texts.append("\n".join(" ".join(t.split()) for t in paragraphs if t.strip()))
    return texts


# --- tables ------------------------------------------------------------------------------


def _table_cues(rows: list[list[str]], first_number: int) -> list[Cue] | None:
    """Cues from a speaker/time/text table, or None when the table is something else."""
    if not rows or max(len(r) for r in rows) < 2:
        return None
    columns = _header_columns(rows[0])
    body_start = 1
    if columns is None:
        columns, body_start = _guess_columns(rows), 0
    if columns is None:
        return None
    cues: list[Cue] = []
    for offset, cells in enumerate(rows[body_start:], start=body_start):

        def cell(role: str, cells: list[str] = cells) -> str:
            index = columns.get(role)
            return cells[index] if index is not None and index < len(cells) else ""

        text = cell("text")
        if not text:
            continue
        start, end = _time_cell(cell("time"))
        if "end" in columns:
            end = _time_cell(cell("end"))[0]
        cues.append(Cue(cell("speaker") or None, text, start, end, first_number + offset))
    return cues


def _header_columns(cells: list[str]) -> dict[str, int] | None:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        word = cell.strip().rstrip(":").lower()
        for role, names in _HEADER_WORDS.items():
            if word in names and role not in columns:
                columns[role] = index
    if "text" in columns and len(columns) >= 2:
        return columns
    return None


def _guess_columns(rows: list[list[str]]) -> dict[str, int] | None:
    """Without a header: the time column is all times, the text column the longest."""
    if len(rows) < 2:
        return None
    width = max(len(r) for r in rows)
    columns: dict[str, int] = {}
    means: dict[int, float] = {}
    distinct: dict[int, int] = {}
    for index in range(width):
        values = [r[index] for r in rows if index < len(r) and r[index]]
        if not values:
            continue
        times = sum(_time_cell(v)[0] is not None for v in values)
        if times >= 0.8 * len(values) and "time" not in columns:
            columns["time"] = index
            continue
        means[index] = sum(len(v) for v in values) / len(values)
        distinct[index] = len(set(values))
    if not means:
        return None
    text_column = max(means, key=lambda i: means[i])
    columns["text"] = text_column
    others = [i for i in means if i != text_column and means[i] <= 40]
    if others:
        columns["speaker"] = min(others, key=lambda i: distinct[i])
    if len(columns) < 2:
        return None
    return columns


def _time_cell(value: str) -> tuple[float | None, float | None]:
    text = value.strip().strip("[]()")
    if not text:
        return None, None
    if "-->" in text:
        first, _, second = text.partition("-->")
        return clock_to_seconds(first), clock_to_seconds(second)
    if re.fullmatch(_TIME, text):
        return clock_to_seconds(text), None
    return None, None


# --- paragraph layouts -------------------------------------------------------------------


def _arrow_layout(lines: list[_Line]) -> list[Cue] | None:
    """Older Teams: ``0:0:0.0 --> 0:0:5.280``, the speaker's name, then the text."""
    arrows = [i for i, (_, text) in enumerate(lines) if _ARROW.match(text)]
    if not arrows or len(arrows) * 6 < len(lines):
        return None
    cues: list[Cue] = []
    for k, at in enumerate(arrows):
        match = _ARROW.match(lines[at][1])
        assert match is not None
        start, end = clock_to_seconds(match[1]), clock_to_seconds(match[2])
        stop = arrows[k + 1] if k + 1 < len(arrows) else len(lines)
        block = [text for _, text in lines[at + 1 : stop] if not _SYSTEM.search(text)]
        if not block:
            continue
        speaker: str | None = None
        if len(block) >= 2 and _name_like(block[0]):
            speaker, block = block[0], block[1:]
        elif (voice := _VOICE.match(block[0])) is not None:
            speaker, block = voice[1].strip(), [voice[2], *block[1:]]
        elif (colon := _COLON_NAME.match(block[0])) is not None and _name_like(colon[1]):
            speaker, block = colon[1].strip(), [colon[2], *block[1:]]
        text = " ".join(part.strip() for part in block if part.strip())
        if text:
            cues.append(Cue(speaker, text, start, end, lines[at][0]))
    return cues or None


def _header_layout(lines: list[_Line]) -> list[Cue] | None:
    """Teams ``Jane Doe   0:03`` or Word ``00:00:03 Speaker 1``, text on following lines."""
    best: list[tuple[int, str, float | None]] = []
    for pattern in (_NAME_TIME, _TIME_NAME):
        found = _headers(lines, pattern)
        if len(found) > len(best):
            best = found
    if not best:
        return None
    content = sum(1 for _, text in lines[best[0][0] :] if not _SYSTEM.search(text))
    if (len(best) < 2 and content > 3) or len(best) * 8 < content:
        return None
    cues: list[Cue] = []
    for k, (at, speaker, start) in enumerate(best):
        stop = best[k + 1][0] if k + 1 < len(best) else len(lines)
        parts = [text for _, text in lines[at + 1 : stop] if not _SYSTEM.search(text)]
        if parts:
            cues.append(Cue(speaker, " ".join(parts), start, None, lines[at][0]))
    return cues or None


def _headers(lines: list[_Line], pattern: re.Pattern[str]) -> list[tuple[int, str, float | None]]:
    """Lines that look like a speaker-and-time header, kept only when the speaker recurs."""
    candidates: list[tuple[int, str, float | None]] = []
    for index, (_, text) in enumerate(lines):
        match = pattern.match(text)
        if match is None or index + 1 >= len(lines):
            continue
        name = " ".join(match["name"].split())
        if _name_like(name) and not pattern.match(lines[index + 1][1]):
            candidates.append((index, name, clock_to_seconds(match["time"])))
    counts = Counter(name for _, name, _ in candidates)
    if len(candidates) >= 3:
        candidates = [c for c in candidates if counts[c[1]] >= 2]
    # Times only go forward in an export; a header out of order is a line of speech.
    kept: list[tuple[int, str, float | None]] = []
    latest = -1.0
    for index, name, start in candidates:
        if start is not None and start + 1e-6 < latest:
            continue
        latest = start if start is not None else latest
        kept.append((index, name, start))
    return kept


def _name_like(text: str) -> bool:
    words = text.split()
    return (
        0 < len(words) <= 6
        and len(text) <= 60
        and any(ch.isalpha() for ch in text)
        and _NOT_NAME_END.search(text) is None
        and not _ARROW.match(text)
    )


def _plain(lines: list[_Line], source: str) -> list[Cue]:
    text = "\n".join(part for _, part in lines)
    if not text.strip():
        raise IngestError(source, "the Word document holds no text")
    try:
        from mendline.ingest import txt
    except ImportError:  # pragma: no cover - only while ingest is being assembled
        raise IngestError(
            source, "no transcript layout was recognised in this Word document"
        ) from None
    # txt numbers the joined lines; give the user the paragraph number instead.
    return [
        replace(cue, line=lines[cue.line - 1][0]) if cue.line and cue.line <= len(lines) else cue
        for cue in txt.parse(text, source)
    ]
