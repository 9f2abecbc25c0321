"""The one entry point: sources, sniffing, and every kind of bad input a user can hit."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from mendline.errors import IngestError
from mendline.ingest import DEFAULT_MAX_BYTES, read_transcript, sniff_format

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ingest"
SRC = Path(__file__).resolve().parents[2] / "src"
GOOD = b"T: How are you?\nC: Fine.\nT: Just fine?\nC: Yes.\n"


def test_path_str_bytes_and_stream_give_the_same_transcript(tmp_path):
    p = tmp_path / "s.txt"
    p.write_bytes(GOOD)
    results = [
        read_transcript(p),
        read_transcript(str(p)),
        read_transcript(GOOD, name="s.txt"),
        read_transcript(io.BytesIO(GOOD), name="s.txt"),
    ]
    assert {r.utterances for r in results} == {results[0].utterances}
    assert {r.sha256 for r in results} == {hashlib.sha256(GOOD).hexdigest()}
    assert {r.source for r in results} == {"s.txt"}


def test_dash_reads_standard_input():
    code = ("from mendline.ingest import read_transcript; t = read_transcript('-'); "
            "print(t.source, len(t.utterances), t.format)")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run([sys.executable, "-c", code], input=GOOD, capture_output=True,
                         check=True, env=env)
    assert out.stdout.decode().split() == ["<stdin>", "4", "txt"]


SNIFF = [
    # content, name, expected
    (b"WEBVTT\n\n00:01.000 --> 00:02.000\nhi\n", "x.txt", "vtt"),
    (b"1\n00:00:01,000 --> 00:00:02,000\nhi\n", "x.txt", "srt"),
    (b"1\n00:00:01.000 --> 00:00:02.000\nhi\n", "x.vtt", "vtt"),
    (b"T: hi\nC: yo\n", "x.srt", "txt"),
    (b"[00:00:01] T: hi\n", "x.json", "txt"),
    (b"[Therapist]\nhi\n", None, "txt"),
    (b'{"segments": []}', "x.txt", "json"),
    (b'[{"speaker": "A", "text": "hi"}]', None, "json"),
    (b'{"speaker": "A", "text": "hi"}\n{"speaker": "B", "text": "yo"}\n', None, "jsonl"),
    (b"0:0:0.0 --> 0:0:3.120\nJane Doe\nHello.\n", "x.txt", "txt"),
    (b"Title\n0:0:0.0 --> 0:0:3.120\nJane Doe\nHello.\n", "x.txt", "txt"),
    (b"%PDF-1.7\n...", "x.txt", "pdf"),
]


@pytest.mark.parametrize(("data", "name", "expected"), SNIFF)
def test_format_is_sniffed_from_content(data, name, expected):
    assert sniff_format(data, name=name) == expected


def test_docx_magic_is_recognised_and_other_zips_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes.txt", "T: hi")
    assert sniff_format(buf.getvalue()) == "zip"
    with pytest.raises(IngestError, match="ZIP archive"):
        read_transcript(buf.getvalue(), name="s.docx")


@pytest.mark.skipif(not (SRC / "mendline" / "ingest" / "word.py").exists(),
                    reason="DOCX module not present")
def test_docx_files_dispatch_to_the_word_reader():
    docx = sorted((FIXTURES / "docx").glob("*.docx"))
    assert docx
    t = read_transcript(docx[0])
    assert t.format.startswith("docx")
    assert len(t.speakers) >= 2


@pytest.mark.skipif(not (SRC / "mendline" / "ingest" / "jsonfile.py").exists(),
                    reason="JSON module not present")
@pytest.mark.parametrize("name", ["generic.jsonl", "generic_list.json"])
def test_json_files_dispatch_to_the_json_reader(name):
    t = read_transcript(FIXTURES / "json" / name)
    assert t.format == ("jsonl" if name.endswith("jsonl") else "json")
    assert len(t.speakers) >= 2


VTT_HEAD = "WEBVTT\n\n"
BAD = [
    # case, data, name, message, where
    ("empty file", b"", "s.vtt", "empty", None),
    ("only whitespace", b"\n \n", "s.txt", "empty", None),
    ("binary", b"\x00\x01\x02\x03" * 50, "s.vtt", "not a text transcript", None),
    ("pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "s.txt", "PDF", None),
    ("legacy word", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20, "s.doc", r"\.doc", None),
    ("truncated vtt cue",
     (VTT_HEAD + "1\n00:00:01.000 --> 00:00:02.000\nT: hi\n\n2\n00:00:0").encode(), "s.vtt",
     "cut-off cue", "line 7"),
    ("truncated srt cue", b"1\n00:00:01,000 --> 00:00:02,000\nT: hi\n\n2\n", "s.srt",
     "cut off", "line 6"),
    ("malformed vtt timestamp",
     (VTT_HEAD + "00:00:01.000 --> 00:00:xx.000\nT: hi\n").encode(), "s.vtt",
     "malformed timestamp", "line 3"),
    ("malformed srt timestamp", b"1\n00:00:01,000 --> 0:0\nT: hi\n", "s.srt",
     "malformed timestamp", "line 2"),
    ("no speakers", b"It was a long week.\nI did not sleep.\n", "s.txt",
     "no speaker labels", None),
    ("one speaker", b"T: hi\nT: anyone there?\n", "s.txt", "only 1 speaker", None),
    ("no dialogue", (VTT_HEAD + "NOTE nothing here\n").encode(), "s.vtt",
     "no dialogue found", None),
    ("wrong encoding", b"T: caf\x81\x8d\x8f\nC: ok\n", "s.txt", "unknown text encoding",
     "line 1"),
    ("directory", None, "dir", "folder", None),
    ("missing file", None, "nope.vtt", "file not found", None),
]


@pytest.mark.parametrize(("case", "data", "name", "message", "where"), BAD,
                         ids=[b[0] for b in BAD])
def test_bad_input_is_one_clear_error_naming_the_file(tmp_path, case, data, name, message,
                                                      where):
    path = tmp_path / name
    if case == "directory":
        path.mkdir()
    elif data is not None:
        path.write_bytes(data)
    with pytest.raises(IngestError, match=message) as err:
        read_transcript(path)
    assert err.value.source == name
    assert str(err.value).startswith(name)
    assert err.value.where == where


def test_backwards_and_inverted_timestamps_are_kept_with_warnings():
    data = (b"1\n00:00:05,000 --> 00:00:04,000\nT: How was it?\n\n"
            b"2\n00:00:06,000 --> 00:00:08,000\nC: Fine.\n\n"
            b"3\n00:00:02,000 --> 00:00:03,000\nT: Fine?\n")
    t = read_transcript(data, name="s.srt")
    assert [u.start_s for u in t.utterances] == [5.0, 6.0, 2.0]
    assert any("line 2" in w and "end before they start" in w for w in t.warnings)
    assert any("line 10" in w and "start earlier" in w for w in t.warnings)


def test_file_over_the_limit_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "huge.vtt"
    with big.open("wb") as fh:
        fh.truncate(DEFAULT_MAX_BYTES + 1)  # sparse: nothing is written to disk
    tracemalloc.start()
    try:
        with pytest.raises(IngestError, match="too large") as err:
            read_transcript(big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000
    assert "50 MB" in str(err.value)


def test_stream_over_the_limit_is_refused():
    with pytest.raises(IngestError, match="too large"):
        read_transcript(io.BytesIO(GOOD * 100), name="s.txt", max_bytes=1000)


def test_errors_never_quote_transcript_text():
    secret = b"My secret is that I never told anyone about it"
    for data in (secret + b"\n", b"Ann: " + secret + b"\nAnn: more\n"):
        with pytest.raises(IngestError) as err:
            read_transcript(data, name="s.txt")
        assert "secret" not in str(err.value)
