"""Bytes to text: the encodings transcript exporters actually write, and nothing else.

Zoom, Teams and most tools write UTF-8 (some with a BOM); Windows tools and copy-paste into
Notepad produce UTF-16 with a BOM or Windows-1252. We decode exactly those, normalise CRLF
and CR line endings to ``\\n``, and refuse anything that looks binary, because parsing an
image or a PDF stream as text would produce nonsense turns rather than a clear error.

Windows-1252 is a guess (any byte string decodes as *something*), so it is reported as a
warning carried into ``Transcript.warnings``.
"""

from __future__ import annotations

import codecs
import re

from mendline.errors import IngestError

__all__ = ["decode", "looks_binary"]

_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
# More than this share of control characters means "not a text file". Real exports have none;
# the allowance tolerates a stray form feed or escape from a copy-paste.
_MAX_CONTROL_SHARE = 0.01
_SAMPLE = 1 << 16

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def looks_binary(data: bytes) -> bool:
    """NUL bytes (without a UTF-16/32 BOM) or many control characters: not a transcript."""
    sample = data[:_SAMPLE]
    if b"\x00" in sample:
        return True
    return len(_CONTROL.findall(sample)) > max(2, _MAX_CONTROL_SHARE * len(sample))


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _normalise(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def decode(data: bytes, source: str) -> tuple[str, list[str]]:
    """Decode ``data`` to text with ``\\n`` line endings; returns (text, warnings).

    Raises IngestError for an empty file, a binary file or an encoding we cannot read.
    """
    if not data.strip():
        raise IngestError(source, "the file is empty; expected a transcript")
    warnings: list[str] = []
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(codec)
            except UnicodeDecodeError as exc:
                raise IngestError(
                    source,
                    f"the file starts with a {codec.upper()} byte-order mark but is not valid "
                    f"{codec.upper()}; save it again as UTF-8",
                    where=f"byte {exc.start + len(bom)}",
                ) from None
            break
    else:
        if looks_binary(data):
            raise IngestError(
                source,
                "not a text transcript (it contains binary data); expected a VTT, SRT, TXT, "
                "JSON or DOCX transcript export",
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError as exc2:
                raise IngestError(
                    source,
                    "unknown text encoding (not UTF-8, UTF-16 or Windows-1252); "
                    "save the transcript again as UTF-8",
                    where=f"line {_line_of(data, exc2.start)}",
                ) from None
            warnings.append(
                f"{source}: not valid UTF-8 (first at line {_line_of(data, exc.start)}); "
                "read as Windows-1252 — check that accented letters look right"
            )
    text = _normalise(text)
    if not text.strip():
        raise IngestError(source, "the file is empty; expected a transcript")
    sample = text[:_SAMPLE]
    if len(_CONTROL_TEXT.findall(sample)) > max(2, _MAX_CONTROL_SHARE * len(sample)):
        raise IngestError(
            source,
            "not a text transcript (it contains control characters); expected a VTT, SRT, "
            "TXT, JSON or DOCX transcript export",
        )
    return text, warnings
