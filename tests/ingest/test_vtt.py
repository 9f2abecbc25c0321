"""WebVTT as Zoom, Teams and other tools write it, read through ``read_transcript``."""

from __future__ import annotations

from pathlib import Path

import pytest

from mendline.errors import IngestError
from mendline.ingest import read_transcript
from mendline.ingest.vtt import parse_with_flavour
from mendline.transcript import AnnotationKind, Role

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ingest"

# file, format, speakers in order, utterance count
FILES = [
    ("zoom_session3.transcript.vtt", "vtt.zoom", ["Dr Lee", "Sam Rivera"], 7),
    ("teams_session5.vtt", "vtt.teams", ["Jordan Okafor", "Sam Rivera"], 8),
    ("other_tool.vtt", "vtt", ["Counsellor", "Client"], 4),
]


@pytest.mark.parametrize(("name", "fmt", "speakers", "count"), FILES)
def test_exports_read_with_speakers_and_flavour(name, fmt, speakers, count):
    t = read_transcript(FIXTURES / name)
    assert t.format == fmt
    assert [s.label for s in t.speakers] == speakers
    assert len(t.utterances) == count
    assert t.source == name
    assert t.language == "en"


def test_zoom_merges_consecutive_cues_and_keeps_times():
    t = read_transcript(FIXTURES / "zoom_session3.transcript.vtt")
    second = t.utterances[1]
    assert second.speaker == "Sam Rivera"
    assert second.text.startswith("Um, okay I guess.")
    assert second.text.endswith("the, the worksheet thing. [laughs]")
    assert (second.start_s, second.end_s) == (5.1, 13.02)
    # a multi-line cue is one line of text
    assert "the way, if you're up for" in t.utterances[2].text
    assert [a.kind for a in second.annotations] == [AnnotationKind.LAUGHS]
    assert t.role_of("Dr Lee") is Role.THERAPIST


def test_teams_sorts_out_of_order_cues_with_a_warning():
    t = read_transcript(FIXTURES / "teams_session5.vtt")
    starts = [u.start_s for u in t.utterances]
    assert starts == sorted(starts)
    assert any("out of time order" in w for w in t.warnings)
    assert t.utterances[2].text == "Okay. Can you say more about that?"  # no closing </v>


def test_teams_entities_classes_and_several_voices_in_one_cue():
    t = read_transcript(FIXTURES / "teams_session5.vtt")
    texts = [(u.speaker, u.text) for u in t.utterances]
    assert ("Jordan Okafor",
            "Thank you for telling me that. I think you're right & I moved on too quickly."
            ) in texts
    assert ("Sam Rivera", "Oh.") in texts
    assert ("Jordan Okafor", "What was that like for you?") in texts
    last = t.utterances[-1]
    assert last.text == "Kind of lonely, I guess. [sniffles] Like nobody gets it."  # &nbsp;
    assert last.annotations[0].kind is AnnotationKind.CRYING


def test_other_tool_blocks_settings_tags_and_short_times():
    t = read_transcript(FIXTURES / "other_tool.vtt")
    assert [u.text for u in t.utterances[:2]] == [
        "Welcome back. How are things?",
        "Not great. Honestly <worse> than last time.",
    ]
    assert t.utterances[0].start_s == 1.0 and t.utterances[0].end_s == 4.5
    assert t.utterances[-1].start_s == 3611.0


@pytest.mark.parametrize("name", ["zoom_session3.cc.vtt", "captions_only.vtt"])
def test_captions_without_speakers_are_refused_with_the_reason(name):
    with pytest.raises(IngestError, match="no speaker labels") as err:
        read_transcript(FIXTURES / name)
    assert name in str(err.value)
    assert "closed captions" in str(err.value)


def test_zoom_cc_flavour_is_recognised():
    cues, flavour, _ = parse_with_flavour((FIXTURES / "zoom_session3.cc.vtt").read_text(), "cc")
    assert flavour == "vtt.cc"
    assert all(c.speaker is None for c in cues)
    assert cues[0].text == "Hi Sam, good to see you. How have things been since last week?"


BAD = [
    ("WEBVTT\n\n00:00:01.000 --> 00:00:0x.000\nT: hi\n", "line 3", "malformed timestamp"),
    ("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nT: hi\n\n2\n", "line 7", "cut-off cue"),
    ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nT: hi\n\n00:00:03.0", "line 6", "cut-off cue"),
    ("WEBVTT\n\nhello there\n\n00:00:01.000 --> 00:00:02.000\nT: hi\n", "line 3",
     "expected a timestamp line"),
]


@pytest.mark.parametrize(("text", "where", "message"), BAD)
def test_broken_cues_name_the_line(text, where, message):
    with pytest.raises(IngestError, match=message) as err:
        parse_with_flavour(text, "session3.vtt")
    assert err.value.where == where
    assert str(err.value).startswith(f"session3.vtt, {where}: ")


def test_text_after_a_blank_line_inside_a_cue_is_kept_with_a_warning():
    text = ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ann>How was it?\n\nReally?</v>\n\n"
            "00:00:03.000 --> 00:00:04.000\n<v Bo>Fine.</v>\n")
    cues, _, warnings = parse_with_flavour(text, "s.vtt")
    assert [c.text for c in cues] == ["How was it?", "Really?", "Fine."]
    assert any("line 6" in w for w in warnings)


def test_missing_header_is_read_with_a_warning():
    text = "00:00:01.000 --> 00:00:02.000\nAnn: hi\n\n00:00:03.000 --> 00:00:04.000\nBo: yo\n"
    t = read_transcript(text.encode(), name="s.vtt")
    assert [u.speaker for u in t.utterances] == ["Ann", "Bo"]
    assert any("no WEBVTT header" in w for w in t.warnings)
