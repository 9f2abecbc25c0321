"""JSON transcripts from speech-to-text services and hand-made lists, read at the cue level."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mendline.errors import IngestError
from mendline.ingest.clock import clock_to_seconds
from mendline.ingest.cues import Cue
from mendline.ingest.jsonfile import looks_like, parse

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ingest" / "json"

T_OPEN = "Last time we talked about the homework. How did that go for you?"
C_SHORT = "Fine. I didn't really do it."
T_WONDER = "Okay. I'm wondering if the homework felt like something I was pushing on you."
C_LAST = "[sighs] Yeah, okay."

# file, speakers, cue count, first start, last end, (cue index, speaker, text) checks
FORMATS = [
    ("whisper.json", {None}, 6, 0.0, 22.5, [(1, None, C_SHORT)]),
    ("whisperx.json", {"SPEAKER_00", "SPEAKER_01"}, 6, 0.0, 22.5, [(2, "SPEAKER_00", T_WONDER)]),
    (
        # one segment holds two turns; another has a one-word diarization flicker
        "whisperx_word_speakers.json",
        {"SPEAKER_00", "SPEAKER_01"},
        6,
        0.0,
        22.5,
        [
            (1, "SPEAKER_01", C_SHORT),
            (2, "SPEAKER_00", T_WONDER),
            (
                4,
                "SPEAKER_00",
                "That makes sense, and I'm glad you told me. Can we look at it together?",
            ),
        ],
    ),
    ("aws_transcribe.json", {"spk_0", "spk_1"}, 6, 0.0, 22.5, [(0, "spk_0", T_OPEN)]),
    ("aws_audio_segments.json", {"spk_0", "spk_1"}, 6, 0.0, 22.5, [(5, "spk_1", C_LAST)]),
    ("assemblyai.json", {"A", "B"}, 6, 0.0, 22.5, [(1, "B", C_SHORT)]),
    (
        "deepgram_utterances.json",
        {"Speaker 0", "Speaker 1"},
        6,
        0.0,
        22.5,
        [(0, "Speaker 0", T_OPEN)],
    ),
    (
        "deepgram_paragraphs.json",
        {"Speaker 0", "Speaker 1"},
        6,
        0.0,
        22.5,
        [(2, "Speaker 0", T_WONDER)],
    ),
    ("revai.json", {"Speaker 0", "Speaker 1"}, 6, 0.0, 22.5, [(0, "Speaker 0", T_OPEN)]),
    ("generic_list.json", {"Therapist", "Client"}, 6, 0.0, 22.5, [(5, "Client", C_LAST)]),
    ("generic_turns.json", {"therapist", "client"}, 6, 0.0, 22.5, [(1, "client", C_SHORT)]),
    ("generic.jsonl", {"Dana Reyes", "Sam Ortiz"}, 6, 0.0, 22.5, [(2, "Dana Reyes", T_WONDER)]),
]


@pytest.mark.parametrize(("name", "speakers", "count", "first", "last", "checks"), FORMATS)
def test_each_service_format_reads_into_cues(name, speakers, count, first, last, checks):
    cues = parse((FIXTURES / name).read_text(encoding="utf-8"), name)
    assert {c.speaker for c in cues} == speakers
    assert len(cues) == count
    assert cues[0].start_s == pytest.approx(first)
    assert cues[-1].end_s == pytest.approx(last)
    for index, speaker, text in checks:
        assert (cues[index].speaker, cues[index].text) == (speaker, text)


def _one(obj) -> str:
    return json.dumps(obj)


# JSON text, expected cues
SMALL_CASES = [
    pytest.param(
        _one({"text": " Just one block of text."}),
        [Cue(None, "Just one block of text.", None, None, 1)],
        id="whisper-plain-json",
    ),
    pytest.param(
        _one(
            {
                "segments": [
                    {"start": 0, "end": 1, "text": " "},
                    {"start": 1, "end": 2, "text": "Hi."},
                ]
            }
        ),
        [Cue(None, "Hi.", 1.0, 2.0, 2)],
        id="whisper-empty-segment-skipped",
    ),
    pytest.param(
        _one(
            [
                {"speaker": 3, "text": "a", "start": "00:01:02.500", "end": "1:03"},
                {"speaker": "T", "text": "b", "start": "62.5", "end": "0:0:5,280"},
            ]
        ),
        [Cue("Speaker 3", "a", 62.5, 63.0, 1), Cue("T", "b", 62.5, 5.28, 2)],
        id="clock-strings-and-int-speaker",
    ),
    pytest.param(
        _one({"utterances": [{"speaker": "A", "text": "x", "start": 1.5, "end": 2}]}),
        [Cue("A", "x", 1.5, 2.0, 1)],
        id="utterances-without-assemblyai-fields-are-seconds",
    ),
    pytest.param(
        _one(
            {
                "utterances": [{"speaker": "A", "text": "x", "start": 1500, "end": 2000}],
                "audio_url": "file:///x",
                "status": "completed",
            }
        ),
        [Cue("A", "x", 1.5, 2.0, 1)],
        id="assemblyai-milliseconds",
    ),
    pytest.param(
        _one(
            [{"name": "Dana", "role": "therapist", "content": "x", "start_ms": 500, "end_ms": 900}]
        ),
        [Cue("therapist", "x", 0.5, 0.9, 1)],
        id="role-before-name-and-ms-keys",
    ),
    pytest.param(
        _one({"transcript": [{"speaker": "C", "text": "x", "startTime": 1, "endTime": 2}]}),
        [Cue("C", "x", 1.0, 2.0, 1)],
        id="transcript-list",
    ),
    pytest.param(
        "\ufeff" + _one([{"speaker": "C", "text": "x"}]),
        [Cue("C", "x", None, None, 1)],
        id="byte-order-mark",
    ),
    pytest.param(
        _one(
            {
                "monologues": [
                    {
                        "speaker": 0,
                        "speaker_name": "Dana",
                        "elements": [
                            {"type": "text", "value": "Hello", "ts": 0.5, "end_ts": 0.9},
                            {"type": "punct", "value": "."},
                        ],
                    }
                ]
            }
        ),
        [Cue("Dana", "Hello.", 0.5, 0.9, 1)],
        id="revai-speaker-name",
    ),
    pytest.param(
        _one(
            {
                "results": {
                    "items": [
                        {
                            "start_time": "0.1",
                            "end_time": "0.4",
                            "speaker_label": "spk_0",
                            "type": "pronunciation",
                            "alternatives": [{"content": "Hi"}],
                        },
                        {"type": "punctuation", "alternatives": [{"content": "."}]},
                        {
                            "start_time": "1.0",
                            "end_time": "1.3",
                            "speaker_label": "spk_1",
                            "type": "pronunciation",
                            "alternatives": [{"content": "Hello"}],
                        },
                        {
                            "start_time": "1.3",
                            "end_time": "1.6",
                            "speaker_label": "spk_1",
                            "type": "pronunciation",
                            "alternatives": [{"content": "there"}],
                        },
                    ]
                }
            }
        ),
        [Cue("spk_0", "Hi.", 0.1, 0.4, 1), Cue("spk_1", "Hello there", 1.0, 1.6, 2)],
        id="aws-items-with-own-speaker-labels",
    ),
    pytest.param(
        _one(
            {
                "results": {
                    "channel_labels": {
                        "channels": [
                            {
                                "channel_label": "ch_0",
                                "items": [{"start_time": "0.1", "end_time": "0.4"}],
                            },
                            {
                                "channel_label": "ch_1",
                                "items": [{"start_time": "1.0", "end_time": "1.3"}],
                            },
                        ]
                    },
                    "items": [
                        {
                            "start_time": "0.1",
                            "end_time": "0.4",
                            "type": "pronunciation",
                            "alternatives": [{"content": "Hi"}],
                        },
                        {
                            "start_time": "1.0",
                            "end_time": "1.3",
                            "type": "pronunciation",
                            "alternatives": [{"content": "Hello"}],
                        },
                    ],
                }
            }
        ),
        [Cue("ch_0", "Hi", 0.1, 0.4, 1), Cue("ch_1", "Hello", 1.0, 1.3, 2)],
        id="aws-channel-identification",
    ),
    pytest.param(
        _one(
            {
                "results": {
                    "audio_segments": [
                        {
                            "id": 0,
                            "transcript": "Hi.",
                            "start_time": "0.1",
                            "end_time": "0.4",
                            "items": [0],
                        }
                    ]
                }
            }
        ),
        [Cue(None, "Hi.", 0.1, 0.4, 1)],
        id="aws-audio-segments-without-diarization",
    ),
    pytest.param(
        _one(
            {
                "results": {
                    "channels": [
                        {
                            "alternatives": [
                                {
                                    "paragraphs": {
                                        "paragraphs": [
                                            {
                                                "sentences": [
                                                    {"text": "Later.", "start": 5, "end": 6}
                                                ],
                                                "start": 5,
                                                "end": 6,
                                            }
                                        ]
                                    }
                                }
                            ]
                        },
                        {
                            "alternatives": [
                                {
                                    "paragraphs": {
                                        "paragraphs": [
                                            {
                                                "sentences": [
                                                    {"text": "First.", "start": 1, "end": 2}
                                                ],
                                                "start": 1,
                                                "end": 2,
                                            }
                                        ]
                                    }
                                }
                            ]
                        },
                    ]
                }
            }
        ),
        [Cue("Channel 1", "First.", 1.0, 2.0, 1), Cue("Channel 0", "Later.", 5.0, 6.0, 1)],
        id="deepgram-multichannel-in-time-order",
    ),
]


@pytest.mark.parametrize(("text", "expected"), SMALL_CASES)
def test_small_shapes(text, expected):
    assert parse(text, "in.json") == expected


# text, where, words expected in the message
BAD = [
    pytest.param("{not json", "line 1, column 2", "not valid JSON", id="invalid-json"),
    pytest.param(
        '{\n "segments": [\n  {"text": "confidential"}\n  {"text": "x"}\n ]\n}',
        "line 4, column 3",
        "not valid JSON",
        id="invalid-json-later-line",
    ),
    pytest.param('{"meeting": "confidential"}', "top level", "Whisper", id="not-a-transcript"),
    pytest.param("42", "top level", "expected a transcript", id="bare-number"),
    pytest.param(
        _one(
            {"segments": [{"start": 0, "end": 1, "text": "confidential"}, {"start": 1, "end": 2}]}
        ),
        "segments[1].text",
        "missing",
        id="segment-missing-text",
    ),
    pytest.param(
        _one({"segments": [{"start": -1, "end": 1, "text": "confidential"}]}),
        "segments[0].start",
        "negative",
        id="negative-time",
    ),
    pytest.param(
        _one({"segments": [{"start": 0, "end": "soon", "text": "confidential"}]}),
        "segments[0].end",
        "hh:mm:ss",
        id="non-numeric-time",
    ),
    pytest.param(
        _one([{"speaker": True, "text": "confidential"}]),
        "[0].speaker",
        "name or a number",
        id="boolean-speaker",
    ),
    pytest.param(
        _one([{"speaker": "A", "text": 7}]), "[0].text", "not a string", id="text-not-string"
    ),
    pytest.param(_one({"segments": []}), "top level", "no spoken text", id="empty"),
    pytest.param(
        _one(
            {
                "results": {
                    "items": [
                        {
                            "start_time": "0",
                            "end_time": "1",
                            "type": "pronunciation",
                            "alternatives": [{}],
                        }
                    ]
                }
            }
        ),
        "results.items[0].alternatives[0].content",
        "missing",
        id="aws-missing-content",
    ),
    pytest.param(
        _one(
            {
                "monologues": [
                    {
                        "speaker": 0,
                        "elements": [{"type": "text", "value": "confidential", "ts": "later"}],
                    }
                ]
            }
        ),
        "monologues[0].elements[0].ts",
        "hh:mm:ss",
        id="revai-bad-ts",
    ),
    pytest.param(
        '{"speaker": "A", "text": "confidential"}\n{"speaker": "B", "text": }\n',
        "line 2, column",
        "not valid JSON",
        id="jsonl-bad-line",
    ),
    pytest.param(
        '{"speaker": "A", "text": "confidential"}\n{"speaker": "B"}\n',
        "line 2, field 'text'",
        "missing",
        id="jsonl-missing-text",
    ),
    pytest.param(
        _one(
            {
                "segments": [
                    {
                        "start": 0,
                        "text": "confidential",
                        "words": [{"word": "x", "speaker": "S0", "start": -2}],
                    }
                ]
            }
        ),
        "segments[0].words[0].start",
        "negative",
        id="word-negative-time",
    ),
]


@pytest.mark.parametrize(("text", "where", "words"), BAD)
def test_bad_input_names_the_place_not_the_words(text, where, words):
    with pytest.raises(IngestError) as caught:
        parse(text, "session.json")
    err = caught.value
    assert err.source == "session.json"
    assert err.where is not None and err.where.startswith(where)
    assert words in err.detail
    assert "confidential" not in str(err)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"segments": []}', True),
        ("  \n[1, 2]", True),
        ("\ufeff{", True),
        ('{"a": 1}\n{"a": 2}\n', True),
        ("WEBVTT\n\n00:00.000 --> 00:01.000\nhi", False),
        ("Therapist: hello", False),
        ("", False),
    ],
)
def test_looks_like(text, expected):
    assert looks_like(text) is expected


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("62.5", 62.5),
        ("1:02", 62.0),
        ("00:01:02.500", 62.5),
        ("0:0:5,280", 5.28),
        ("1:02:03", 3723.0),
        ("soon", None),
        ("1:2:3:4", None),
    ],
)
def test_clock_to_seconds(text, seconds):
    assert clock_to_seconds(text) == (pytest.approx(seconds) if seconds is not None else None)


# file, format read_transcript reports, speakers in order of first appearance
END_TO_END = [
    ("whisperx.json", "json", ["SPEAKER_00", "SPEAKER_01"]),
    ("whisperx_word_speakers.json", "json", ["SPEAKER_00", "SPEAKER_01"]),
    ("aws_transcribe.json", "json", ["spk_0", "spk_1"]),
    ("aws_audio_segments.json", "json", ["spk_0", "spk_1"]),
    ("assemblyai.json", "json", ["A", "B"]),
    ("deepgram_utterances.json", "json", ["Speaker 0", "Speaker 1"]),
    ("deepgram_paragraphs.json", "json", ["Speaker 0", "Speaker 1"]),
    ("revai.json", "json", ["Speaker 0", "Speaker 1"]),
    ("generic_list.json", "json", ["Therapist", "Client"]),
    ("generic_turns.json", "json", ["therapist", "client"]),
    ("generic.jsonl", "jsonl", ["Dana Reyes", "Sam Ortiz"]),
]


@pytest.mark.parametrize(("name", "fmt", "speakers"), END_TO_END)
def test_read_transcript_end_to_end(name, fmt, speakers):
    from mendline.ingest import read_transcript

    transcript = read_transcript(FIXTURES / name)
    assert transcript.format.split(".")[0] == fmt
    assert len(transcript.utterances) == 6
    assert list(dict.fromkeys(u.speaker for u in transcript.utterances)) == speakers
    assert transcript.utterances[-1].text == C_LAST


def test_read_transcript_role_labels_from_generic_json():
    from mendline.ingest import read_transcript
    from mendline.transcript import Role

    transcript = read_transcript(FIXTURES / "generic_list.json")
    assert transcript.role_of("Therapist") is Role.THERAPIST
    assert transcript.role_of("Client") is Role.CLIENT


def test_read_transcript_whisper_without_speakers_says_so():
    from mendline.ingest import read_transcript

    with pytest.raises(IngestError) as caught:
        read_transcript(FIXTURES / "whisper.json")
    assert caught.value.source == "whisper.json"
