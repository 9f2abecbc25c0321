"""SRT subtitles with and without speaker prefixes."""

from __future__ import annotations

from pathlib import Path

import pytest

from mendline.errors import IngestError
from mendline.ingest import read_transcript
from mendline.ingest.srt import parse_with_flavour

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ingest"

# file, speakers in order of utterances, first utterance's (start, end)
FILES = [
    ("otter_export.srt", ["Dr Lee", "Sam Rivera", "Dr Lee"], (0.78, 4.21)),
    ("dash_speakers.srt", ["T", "C", "T", "C"], (1.0, 3.5)),
    ("missing_blank_lines.srt", ["THERAPIST", "CLIENT", "THERAPIST", "CLIENT"], (1.0, 3.0)),
]


@pytest.mark.parametrize(("name", "speakers", "first_times"), FILES)
def test_srt_exports(name, speakers, first_times):
    t = read_transcript(FIXTURES / name)
    assert t.format == "srt"
    assert [u.speaker for u in t.utterances] == speakers
    assert (t.utterances[0].start_s, t.utterances[0].end_s) == first_times


def test_bom_and_multi_line_cues_merge():
    t = read_transcript(FIXTURES / "otter_export.srt")
    assert t.utterances[1].text == (
        "I don't know. Wherever. Actually, can we talk about what happened with my sister?"
    )
    assert (t.utterances[1].start_s, t.utterances[1].end_s) == (4.9, 12.99)


def test_missing_blank_lines_do_not_leak_cue_numbers_into_text():
    t = read_transcript(FIXTURES / "missing_blank_lines.srt")
    assert t.utterances[1].text == "My partner said I should come."
    # a number that is part of the text, not followed by a timing line, stays
    assert t.utterances[3].text == "I think I have about 10 reasons not to be here."


def test_two_speakers_in_one_cue_and_bracket_labels():
    t = read_transcript(FIXTURES / "dash_speakers.srt")
    assert [u.text for u in t.utterances[:2]] == ["How are you feeling today?", "Tired."]
    assert t.utterances[3].text == "Like I haven't slept in weeks. (long pause) It's fine though."
    assert t.utterances[3].annotations[0].kind.value == "pause"


def test_captions_without_speakers():
    cues, flavour = parse_with_flavour((FIXTURES / "captions_only.srt").read_text(), "c.srt")
    assert flavour == "srt.captions"
    assert [c.speaker for c in cues] == [None, None]
    with pytest.raises(IngestError, match="no speaker labels"):
        read_transcript(FIXTURES / "captions_only.srt")


def test_formatting_tags_are_removed():
    text = ("1\n00:00:01,000 --> 00:00:02,000\n<i>Ann:</i> <font color=\"red\">hi</font>\n\n"
            "2\n00:00:03,000 --> 00:00:04,000\n{\\an8}Bo: hello\n\n"
            "3\n00:00:05,000 --> 00:00:06,000\nAnn: ok\n")
    cues, _ = parse_with_flavour(text, "t.srt")
    assert [(c.speaker, c.text) for c in cues] == [("Ann", "hi"), ("Bo", "hello"), ("Ann", "ok")]


BAD = [
    ("1\n00:00:01,000 -> 00:00:02,000\nAnn: hi\n", "line 2", "expected a timestamp line"),
    ("1\n00:00:01,000 --> 00:00:0x,000\nAnn: hi\n", "line 2", "malformed timestamp"),
    ("1\n00:00:01,000 --> 00:00:02,000\nAnn: hi\n\n2\n", "line 6", "cut off"),
]


@pytest.mark.parametrize(("text", "where", "message"), BAD)
def test_broken_srt_names_the_line(text, where, message):
    with pytest.raises(IngestError, match=message) as err:
        parse_with_flavour(text, "s.srt")
    assert err.value.where == where


def test_a_stray_label_in_captions_is_not_a_speaker():
    text = "".join(
        f"{i}\n00:00:0{i},000 --> 00:00:0{i},500\n{line}\n\n"
        for i, line in enumerate(["Welcome back.", "Example: the week.", "So how was it?",
                                  "Not great.", "Okay."], start=1)
    )
    cues, flavour = parse_with_flavour(text, "c.srt")
    assert flavour == "srt.captions"
