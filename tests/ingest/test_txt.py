"""Plain-text transcripts in the layouts people and tools write."""

from __future__ import annotations

from pathlib import Path

import pytest

from mendline.ingest import read_transcript
from mendline.ingest.txt import parse, parse_with_style

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ingest"

# file, flavour, (speaker, start) per utterance
FILES = [
    ("otter_export.txt", "txt.otter",
     [("Dr Lee", 3.0), ("Sam Rivera", 9.0), ("Dr Lee", 31.0), ("Sam Rivera", 38.0),
      ("Dr Lee", 3723.0)]),
    ("rev_export.txt", "txt.rev",
     [("Speaker 1", 2.0), ("Speaker 2", 6.0), ("Speaker 1", 10.0), ("Speaker 2", 13.0),
      ("Speaker 1", 20.0)]),
    ("preamble_and_caps.txt", "txt",
     [("THERAPIST", None), ("CLIENT", None)] * 3),
    ("bracket_names.txt", "txt.bracket",
     [("Therapist", None), ("Client", None)] * 2),
    ("timestamped.txt", "txt.timestamped",
     [("T", 1.0), ("C", 5.0), ("T", 9.0), ("C", 14.0), ("T", 21.0)]),
    ("teams_word_paragraphs.txt", "txt.arrow",
     [("Jordan Okafor", 0.0), ("Sam Rivera", 4.54), ("Jordan Okafor", 9.21),
      ("Sam Rivera", 14.0)]),
    ("teams_word_v2.txt", "txt.otter",
     [("Jordan Okafor", 3.0), ("Sam Rivera", 9.0), ("Jordan Okafor", 15.0),
      ("Sam Rivera", 3723.0)]),
]


@pytest.mark.parametrize(("name", "flavour", "turns"), FILES)
def test_layouts(name, flavour, turns):
    t = read_transcript(FIXTURES / name)
    assert t.format == flavour
    assert [(u.speaker, u.start_s) for u in t.utterances] == turns


def test_preamble_is_skipped_and_case_variants_are_one_speaker():
    t = read_transcript(FIXTURES / "preamble_and_caps.txt")
    assert [s.label for s in t.speakers] == ["THERAPIST", "CLIENT"]
    assert t.utterances[0].text.startswith("Thanks for coming in.")
    # a multi-line turn, with an annotation on its own line
    assert t.utterances[3].text == (
        "Honestly? I think it's a bit pointless. I've done therapy before and it didn't "
        "help. (pause)"
    )
    assert any("skipped" in w for w in t.warnings)


def test_otter_paragraphs_join_and_footer_is_dropped():
    t = read_transcript(FIXTURES / "otter_export.txt")
    assert t.utterances[1].text.endswith("it kind of spiralled from there.")
    assert "otter.ai" not in t.utterances[-1].text


def test_teams_paragraph_layout_keeps_start_and_end():
    t = read_transcript(FIXTURES / "teams_word_paragraphs.txt")
    assert (t.utterances[0].start_s, t.utterances[0].end_s) == (0.0, 4.12)
    assert "started transcription" not in " ".join(u.text for u in t.utterances)


def test_bracket_name_lines_are_not_annotations_and_annotations_are_not_names():
    t = read_transcript(FIXTURES / "bracket_names.txt")
    last = t.utterances[-1]
    assert last.speaker == "Client"
    assert last.text == ("Weird. [silence 5s] Kind of good, actually. "
                         "[inaudible 00:12:03] and then I went home.")
    assert [(a.kind.value, a.duration_s) for a in last.annotations] == [
        ("silence", 5.0), ("inaudible", None)]


CASES = [
    # text, [(speaker, text)]
    ("T: Hi.\nC: Hello.\n", [("T", "Hi."), ("C", "Hello.")]),
    ("therapist: so.\nClient: yes.\nTHERAPIST: ok?\n",
     [("therapist", "so."), ("Client", "yes."), ("THERAPIST", "ok?")]),
    ("- Ann: hi\n- Bo: hey\n- Ann: so\n- Bo: so\n",
     [("Ann", "hi"), ("Bo", "hey"), ("Ann", "so"), ("Bo", "so")]),
    ("**Dr Lee:** How are you?\n**Sam:** Fine.\n",
     [("Dr Lee", "How are you?"), ("Sam", "Fine.")]),
    ("Ann:\nFirst line.\nSecond line.\nBo:\nReply.\n",
     [("Ann", "First line. Second line."), ("Bo", "Reply.")]),
    ("[Ann] 00:01:02\nHello.\n[Bo] 00:01:05\nHi.\n", [("Ann", "Hello."), ("Bo", "Hi.")]),
    ("Speaker 1 00:00:02\nHello.\nSpeaker 2 00:00:04\nHi.\n",
     [("Speaker 1", "Hello."), ("Speaker 2", "Hi.")]),
    ("Ann: My mom said: stop it.\nBo: Hm.\nAnn: Yeah.\nBo: And?\n",
     [("Ann", "My mom said: stop it."), ("Bo", "Hm."), ("Ann", "Yeah."), ("Bo", "And?")]),
    ("Title: Session 3\nDate: 2024-05-01\nAttendees: Ann, Bo\n\nAnn: hi\nBo: hey\nAnn: so\n",
     [("Ann", "hi"), ("Bo", "hey"), ("Ann", "so")]),
    ("Ann: we meet at 3:30 today\nBo: sure\n",
     [("Ann", "we meet at 3:30 today"), ("Bo", "sure")]),
    ("Sam (she/her): I'm here.\nDr. Lee: Welcome.\n",
     [("Sam (she/her)", "I'm here."), ("Dr. Lee", "Welcome.")]),
    ("Ann: See https://example.org for it.\nBo: ok\n",
     [("Ann", "See https://example.org for it."), ("Bo", "ok")]),
    # a one-off "Monday:" inside an Otter-style turn is text, not a new speaker
    ("Ann  0:03\nHow was it?\n\nBo  0:09\nBusy.\nMonday: work.\n\n"
     "Ann  0:20\nOk.\n\nBo  0:25\nYes.\n",
     [("Ann", "How was it?"), ("Bo", "Busy. Monday: work."), ("Ann", "Ok."), ("Bo", "Yes.")]),
    # an interpreter who speaks once, after the dialogue started, is a speaker
    ("Ann: hi\nBo: hey\nAnn: so\nInterpreter: (translating)\nBo: ok\n",
     [("Ann", "hi"), ("Bo", "hey"), ("Ann", "so"), ("Interpreter", "(translating)"),
      ("Bo", "ok")]),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_line_styles(text, expected):
    assert [(c.speaker, c.text) for c in parse(text, "t.txt")] == expected


def test_leading_times_attach_to_turns():
    cues, style, _ = parse_with_style("[00:00:01] Ann: hi\n(00:01:02) Bo: hey\n", "t.txt")
    assert style == "txt.timestamped"
    assert [(c.speaker, c.start_s) for c in cues] == [("Ann", 1.0), ("Bo", 62.0)]


def test_a_time_alone_on_a_line_dates_the_next_turn():
    cues = parse("Ann: hi\n00:05:00\nBo: hey\nAnn: so\n", "t.txt")
    assert [(c.speaker, c.start_s) for c in cues] == [("Ann", None), ("Bo", 300.0), ("Ann", None)]


def test_prose_without_labels_has_no_speakers():
    cues = parse("It was a long week.\nI did not sleep much.\n", "t.txt")
    assert all(c.speaker is None for c in cues)
