"""Encodings and line endings as exporters and editors write them."""

from __future__ import annotations

import codecs

import pytest

from mendline.errors import IngestError
from mendline.ingest import read_transcript
from mendline.ingest.encoding import decode

DIALOGUE = "Thérapeute: Ça va, Zoë?\nClient: Oui… merci — “fine”.\n"

ENCODED = [
    ("utf-8", DIALOGUE.encode("utf-8")),
    ("utf-8 with BOM", codecs.BOM_UTF8 + DIALOGUE.encode("utf-8")),
    ("utf-16-le with BOM", codecs.BOM_UTF16_LE + DIALOGUE.encode("utf-16-le")),
    ("utf-16-be with BOM", codecs.BOM_UTF16_BE + DIALOGUE.encode("utf-16-be")),
    ("utf-32-le with BOM", codecs.BOM_UTF32_LE + DIALOGUE.encode("utf-32-le")),
]


@pytest.mark.parametrize(("label", "data"), ENCODED, ids=[e[0] for e in ENCODED])
def test_unicode_encodings_decode_without_warnings(label, data):
    text, warnings = decode(data, "s.txt")
    assert text == DIALOGUE
    assert warnings == []


def test_windows_1252_is_read_with_a_warning_naming_the_line():
    data = "T: Hello.\nC: Caf\u00e9 \u2014 fine.\n".encode("cp1252")
    text, warnings = decode(data, "s.txt")
    assert text == "T: Hello.\nC: Caf\u00e9 \u2014 fine.\n"
    assert len(warnings) == 1
    assert "Windows-1252" in warnings[0] and "line 2" in warnings[0]


def test_windows_1252_warning_reaches_the_transcript():
    data = "T: How was the café?\nC: Fine.\nT: Just fine?\n".encode("cp1252")
    t = read_transcript(data, name="s.txt")
    assert any("Windows-1252" in w for w in t.warnings)
    assert t.utterances[0].text == "How was the café?"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"T: a\r\nC: b\r\n", "T: a\nC: b\n"),
        (b"T: a\rC: b\r", "T: a\nC: b\n"),
        (b"T: a\r\n\rC: b\n", "T: a\n\nC: b\n"),
    ],
)
def test_line_endings_are_normalised(data, expected):
    assert decode(data, "s.txt")[0] == expected


BAD = [
    (b"", "empty"),
    (b"   \n\n\t", "empty"),
    (codecs.BOM_UTF8, "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"T: hi\x00\x00C: yo", "binary"),
    (bytes(range(1, 32)) * 4, "control characters|binary"),
    (b"T: hi \x81\x8d\x8f\x90\x9d\n", "unknown text encoding"),
    (codecs.BOM_UTF16_LE + b"\x00\xd8\x41", "not valid UTF-16"),
]


@pytest.mark.parametrize(("data", "message"), BAD)
def test_unreadable_bytes_are_refused(data, message):
    with pytest.raises(IngestError, match=message) as err:
        decode(data, "session3.txt")
    assert str(err.value).startswith("session3.txt")
