"""Property tests: whatever bytes or text arrive, the only error is ``IngestError``."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mendline.errors import IngestError
from mendline.ingest import read_transcript

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# Pieces of real transcript syntax, so the generator reaches deep into the parsers.
FRAGMENTS = st.sampled_from([
    "WEBVTT", "\n", "\n\n", "1", "00:00:01.000 --> 00:00:02.000", "00:01.000 --> 00:02.500",
    "00:00:01,000 --> 00:00:02,000", "0:0:3.120 --> 0:0:5.0", "<v Sam>", "</v>", "<v.loud Jo>",
    "Dr Lee: ", "T: ", "C: ", "[Client]", "[laughs]", "(pause)", "[silence 5s]", "NOTE x",
    "STYLE", "Speaker 1 (00:01:02):", "Jane Doe  0:03", "[00:01:02] ", "-->", "&amp;",
    "{", "[", "]", "}", '"text": "hi"', "How are you?", "I don't know.", "\r\n", "\ufeff",
    "- ", "**", "*laughs*", "Date: 2024-05-01", "abc/12-0", "<c>", "<00:00:01.000>",
])
TRANSCRIPTISH = st.lists(st.one_of(FRAGMENTS, st.text(max_size=12)), max_size=40).map("".join)


def _read(data: bytes, name: str) -> None:
    try:
        read_transcript(data, name=name)
    except IngestError:
        pass


@SETTINGS
@given(st.binary(max_size=2000), st.sampled_from(["s.vtt", "s.srt", "s.txt", "s.docx", "x"]))
def test_arbitrary_bytes_raise_only_ingest_errors(data, name):
    _read(data, name)


@SETTINGS
@given(st.text(max_size=2000), st.sampled_from(["s.vtt", "s.srt", "s.txt", "s.json"]))
def test_arbitrary_text_raises_only_ingest_errors(text, name):
    _read(text.encode("utf-8", "surrogatepass"), name)


@SETTINGS
@given(TRANSCRIPTISH, st.sampled_from(["s.vtt", "s.srt", "s.txt"]),
       st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_transcript_like_text_raises_only_ingest_errors(text, name, codec):
    _read(text.encode(codec, "replace"), name)
