"""Reading transcripts: one entry point, ``read_transcript``, for every supported format.

    bytes ─ size limit ─ binary kinds (docx/pdf/...) ─ decode ─ sniff ─ format parser
          ─▶ list[Cue] ─ build_transcript (merge, annotations, roles, language) ─▶ Transcript

Format modules: ``vtt``, ``srt``, ``txt``, ``jsonfile`` (JSON and JSON Lines) and ``word``
(DOCX). Every problem a user can hit is an ``IngestError`` naming the file and, where it
makes sense, the line; nothing else escapes.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

from mendline.errors import IngestError
from mendline.ingest.build import build_transcript
from mendline.ingest.cues import Cue
from mendline.ingest.encoding import decode
from mendline.ingest.sniff import binary_kind, sniff_format, sniff_text
from mendline.transcript import Role, Transcript

__all__ = [
    "read_transcript",
    "sniff_format",
    "DEFAULT_MAX_BYTES",
    "IngestError",
]

DEFAULT_MAX_BYTES = 50 * 1024 * 1024

_UNSUPPORTED = {
    "pdf": "this is a PDF; export the transcript as VTT, SRT, TXT, JSON or DOCX instead",
    "doc": "this is an old Word .doc file; save it as .docx or .txt and try again",
    "rtf": "this is an RTF document; save it as .docx or .txt and try again",
    "zip": "this is a ZIP archive, not a Word (.docx) transcript; unpack it first",
}


def _too_big(source: str, size: int | None, limit: int) -> IngestError:
    shown = f"{size / 1_048_576:.1f} MB" if size is not None else "more than the limit"
    return IngestError(
        source,
        f"the file is too large ({shown}; the limit is {limit / 1_048_576:.0f} MB); "
        "a transcript is usually well under 1 MB — check that this is the right file",
    )


_CHUNK = 1 << 20


def _read_bounded(stream: BinaryIO, source: str, limit: int) -> bytes:
    """Read at most ``limit`` bytes in 1 MiB chunks.

    Chunks, because ``read(limit + 1)`` makes CPython allocate the whole limit (50 MB by
    default) up front, even for a 60 kB transcript.
    """
    parts: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(_CHUNK, limit + 1 - size))
        if not chunk:
            break
        if not isinstance(chunk, bytes):
            raise IngestError(source, "expected a binary stream (open the file in 'rb' mode)")
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            raise _too_big(source, None, limit)
    return b"".join(parts)


def _load(
    source: str | os.PathLike[str] | bytes | BinaryIO, name: str | None, limit: int
) -> tuple[bytes, str]:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        label = name or "<memory>"
        if len(data) > limit:
            raise _too_big(label, len(data), limit)
        return data, label
    if isinstance(source, str) and source == "-":
        return _read_bounded(sys.stdin.buffer, name or "<stdin>", limit), name or "<stdin>"
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        label = name or path.name or str(path)
        try:
            size = path.stat().st_size
            if size > limit:
                raise _too_big(label, size, limit)
            with path.open("rb") as fh:
                return _read_bounded(fh, label, limit), label
        except IsADirectoryError:
            raise IngestError(label, "this is a folder, not a transcript file") from None
        except FileNotFoundError:
            raise IngestError(label, "file not found") from None
        except PermissionError:
            raise IngestError(label, "permission denied when opening the file") from None
        except OSError as exc:
            raise IngestError(label, f"could not read the file ({exc.strerror})") from None
    label = name or getattr(source, "name", None) or "<stream>"
    return _read_bounded(source, str(label), limit), str(label)


def _parse_docx(data: bytes, source: str) -> list[Cue]:
    try:
        from mendline.ingest import word
    except ImportError:
        raise IngestError(source, "DOCX transcripts are not supported in this build") from None
    try:
        return word.parse(data, source)
    except IngestError:
        raise
    except Exception as exc:  # noqa: BLE001 - a corrupt file must not crash the caller
        raise IngestError(
            source, f"could not read this Word document ({type(exc).__name__})"
        ) from None


def _parse_json(text: str, source: str) -> list[Cue]:
    try:
        from mendline.ingest import jsonfile
    except ImportError:
        raise IngestError(source, "JSON transcripts are not supported in this build") from None
    try:
        return jsonfile.parse(text, source)
    except IngestError:
        raise
    except Exception as exc:  # noqa: BLE001 - a malformed file must not crash the caller
        raise IngestError(
            source, f"could not read this JSON transcript ({type(exc).__name__})"
        ) from None


def _parse_text(
    text: str, source: str, fmt: str, warnings: list[str]
) -> tuple[list[Cue], str]:
    if fmt == "vtt":
        from mendline.ingest import vtt

        cues, flavour, notes = vtt.parse_with_flavour(text, source)
        warnings.extend(notes)
        return cues, flavour
    if fmt == "srt":
        from mendline.ingest import srt

        return srt.parse_with_flavour(text, source)
    if fmt in ("json", "jsonl"):
        return _parse_json(text, source), fmt
    from mendline.ingest import txt

    cues, flavour, notes = txt.parse_with_style(text, source)
    warnings.extend(notes)
    return cues, flavour


def read_transcript(
    source: str | os.PathLike[str] | bytes | BinaryIO,
    *,
    name: str | None = None,
    roles: Mapping[str, Role] | None = None,
    saved_roles: Mapping[str, Role] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    format_hint: str | None = None,
) -> Transcript:
    """Read a transcript file, ``"-"`` (standard input), bytes or a binary stream.

    ``name`` is used in messages (defaults to the file name); ``roles`` are explicit speaker
    roles (``{"Dr Lee": Role.THERAPIST}``), ``saved_roles`` a clinician's saved mapping;
    ``format_hint`` ("vtt", "srt", "txt", "json", "docx") breaks ties the content leaves
    open. Files over ``max_bytes`` are refused before they are read into memory.
    """
    data, label = _load(source, name, max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    hint_name = name or label
    kind = binary_kind(data)
    if kind == "docx":
        cues = _parse_docx(data, label)
        return build_transcript(cues, fmt="docx", sha256=digest, source=label, warnings=(),
                                roles=roles, saved_roles=saved_roles)
    if kind is not None:
        raise IngestError(label, _UNSUPPORTED[kind])
    text, warnings = decode(data, label)
    fmt = sniff_text(text, name=hint_name, format_hint=format_hint)
    cues, flavour = _parse_text(text, label, fmt, warnings)
    return build_transcript(cues, fmt=flavour, sha256=digest, source=label, warnings=warnings,
                            roles=roles, saved_roles=saved_roles)
