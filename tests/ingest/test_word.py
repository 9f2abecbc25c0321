"""DOCX transcripts from Teams and Word, read at the cue level.

The fixtures are built by ``tests/fixtures/ingest/docx/make_fixtures.py``.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest

from mendline.errors import IngestError
from mendline.ingest.word import MAX_UNPACKED_BYTES, parse

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ingest" / "docx"

NAMES = {"Dana Reyes", "Sam Ortiz"}
NUMBERED = {"Speaker 1", "Speaker 2"}
ROLES = {"Therapist", "Client"}
OPEN = "Last time we talked about the homework. How did that go for you?"
LAST = "[sighs] Yeah, okay."

# file, speakers, cue count, first start, last start, (cue index, speaker, text) checks
LAYOUTS = [
    (
        "teams_current.docx",
        NAMES,
        6,
        3.0,
        3725.0,
        [
            (0, "Dana Reyes", OPEN),
            # a second paragraph that ends in a time of day stays part of the turn
            (
                2,
                "Dana Reyes",
                "Okay. I'm wondering if the homework felt like something I was pushing. "
                "We could also move it to Thursday at 3:30",
            ),
        ],
    ),
    ("teams_line_breaks.docx", NAMES, 6, 3.0, 3725.0, [(5, "Sam Ortiz", LAST)]),
    (
        "teams_legacy.docx",
        NAMES,
        6,
        3.0,
        3725.0,
        [(1, "Sam Ortiz", "Fine. I didn't really do it.")],
    ),
    ("word_transcribe.docx", NUMBERED, 6, 3.0, 3725.0, [(0, "Speaker 1", OPEN)]),
    ("table_with_header.docx", NAMES, 6, 3.0, 3725.0, [(5, "Sam Ortiz", LAST)]),
    ("table_without_header.docx", ROLES, 6, 3.0, 3725.0, [(0, "Therapist", OPEN)]),
    ("plain_colon.docx", ROLES, 6, None, None, [(5, "Client", LAST)]),
]


@pytest.mark.parametrize(("name", "speakers", "count", "first", "last", "checks"), LAYOUTS)
def test_each_docx_layout_reads_into_cues(name, speakers, count, first, last, checks):
    cues = parse((FIXTURES / name).read_bytes(), name)
    assert {c.speaker for c in cues} == speakers
    assert len(cues) == count
    assert cues[0].start_s == first
    assert cues[-1].start_s == last
    for index, speaker, text in checks:
        assert (cues[index].speaker, cues[index].text) == (speaker, text)


def test_legacy_teams_keeps_end_times():
    cues = parse((FIXTURES / "teams_legacy.docx").read_bytes(), "legacy.docx")
    assert cues[0].end_s == pytest.approx(8.28)


def test_cue_lines_are_paragraph_numbers():
    cues = parse((FIXTURES / "teams_current.docx").read_bytes(), "teams.docx")
    # heading, date, duration, three attendee-table rows, "started transcription",
    # then the first header paragraph
    assert cues[0].line == 8


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    """A zip whose document.xml unpacks to just over the limit, written in chunks."""
    buffer = io.BytesIO()
    chunk = b"\0" * (1024 * 1024)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(MAX_UNPACKED_BYTES // len(chunk) + 1):
                member.write(chunk)
    return buffer.getvalue()


def _empty_document() -> bytes:
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    return buffer.getvalue()


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504

# bytes, words expected in the message
BAD = [
    pytest.param(b"Therapist: hello", "not a zip archive", id="text-file"),
    pytest.param(b"", "not a zip archive", id="empty-file"),
    pytest.param(
        _zip({"mimetype": b"application/epub+zip"}),
        "no word/document.xml",
        id="zip-without-document",
    ),
    pytest.param(
        _OLE + "EncryptedPackage".encode("utf-16-le"), "password-protected", id="password-protected"
    ),
    pytest.param(_OLE, ".doc format", id="old-doc"),
    pytest.param(_zip({"word/document.xml": b"<not xml"}), "could not be read", id="broken-xml"),
    pytest.param(_empty_document(), "holds no text", id="empty-document"),
]


@pytest.mark.parametrize(("data", "words"), BAD)
def test_bad_input_says_what_is_wrong(data, words):
    with pytest.raises(IngestError) as caught:
        parse(data, "session.docx")
    assert caught.value.source == "session.docx"
    assert words in caught.value.detail


def test_zip_bomb_is_refused_before_unpacking():
    with pytest.raises(IngestError) as caught:
        parse(_zip_bomb(), "huge.docx")
    assert "too large" in caught.value.detail


@pytest.mark.parametrize(("name", "speakers", "count", "first", "last", "checks"), LAYOUTS)
def test_read_transcript_end_to_end(name, speakers, count, first, last, checks):
    from mendline.ingest import read_transcript

    transcript = read_transcript(FIXTURES / name)
    assert transcript.format.startswith("docx")
    assert {u.speaker for u in transcript.utterances} == speakers
    assert len(transcript.utterances) == count
    assert transcript.utterances[0].start_s == first


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(_OLE + "EncryptedPackage".encode("utf-16-le"), id="password-protected"),
        pytest.param(_zip({"word/document.xml": b"<not xml"}), id="broken-xml"),
    ],
)
def test_read_transcript_refuses_unreadable_word_files(data):
    from mendline.ingest import read_transcript

    with pytest.raises(IngestError) as caught:
        read_transcript(data, name="session.docx")
    assert caught.value.source == "session.docx"
