"""Engagement metrics on small hand-written sessions."""

from __future__ import annotations

import pytest

from mendline.analysis.engagement import classify_client_turns, measure_engagement
from mendline.analysis.questions import is_open_question, question_sentences
from mendline.transcript import (
    Annotation,
    AnnotationKind,
    Role,
    RoleSource,
    Speaker,
    Transcript,
    Utterance,
)

T, C = Role.THERAPIST, Role.CLIENT


def session(*turns: tuple) -> Transcript:
    """turns: (role, text) or (role, text, start_s, end_s) or with annotations appended."""
    utts = []
    for i, t in enumerate(turns):
        role, text = t[0], t[1]
        start, end = (t[2], t[3]) if len(t) >= 4 else (None, None)
        anns = t[4] if len(t) >= 5 else ()
        utts.append(Utterance(i, "Dr A" if role is T else "Sam", role, text, start, end, anns))
    speakers = (
        Speaker("Dr A", T, RoleSource.EXPLICIT, 1.0),
        Speaker("Sam", C, RoleSource.EXPLICIT, 1.0),
    )
    return Transcript(tuple(utts), speakers, "test", "0" * 64, language="en")


@pytest.mark.parametrize(
    ("sentence", "is_open"),
    [
        ("How was that for you?", True),
        ("What comes up when you say that?", True),
        ("So, um, what was that like?", True),
        ("Could you say more about that?", True),
        ("Do you want to say more about that?", True),
        ("When was that?", False),
        ("How many times did it happen?", False),
        ("Did you go to the party?", False),
        ("Is Tuesday okay?", False),
        # a name or a word before the question changes neither kind
        ("Lily, can you tell me about food at the moment?", True),
        ("Kemal, what do you make of that?", True),
        ("Right, how many times?", False),
        ("Sam, did you go?", False),
    ],
)
def test_open_and_closed_questions(sentence: str, is_open: bool) -> None:
    assert is_open_question(sentence) is is_open


def test_question_sentences_are_split_from_statements() -> None:
    text = "That sounds hard. How did it feel? And when was it?"
    assert question_sentences(text) == ["How did it feel?", "And when was it?"]


@pytest.mark.parametrize(("text", "expected"), [
    # automatic transcripts and chat drop question marks: the syntax still asks
    ("how did it go with your daughter at the weekend",
     ["how did it go with your daughter at the weekend"]),
    ("that's great that you caught it what did you notice in that moment",
     ["what did you notice in that moment"]),
    ("nothing. what about the worst bit", ["what about the worst bit"]),
    ("um well that's good and what about school", ["what about school"]),
    ("so did you go in at all", ["did you go in at all"]),
    ("not great can you say a bit more about not great",
     ["can you say a bit more about not great"]),
    # statements stay statements: free relatives, and a clause that ends in a full stop
    ("i keep thinking about what you said", []),
    ("I'm not sure what's been happening.", []),
    ("okay let's look at the diary", []),
])
def test_questions_without_question_marks(text: str, expected: list[str]) -> None:
    assert question_sentences(text) == expected


def test_backchannels_are_counted_apart_from_minimal_replies() -> None:
    t = session(
        (T, "So the idea of the exercise is that you write the thought down first."),
        (C, "Mm-hmm."),
        (T, "And then next to it, what the evidence for it is."),
        (C, "Yeah."),
        (T, "How did it feel when she left?"),
        (C, "I guess."),
        (T, "When was that?"),
        (C, "Tuesday."),
    )
    kinds = classify_client_turns(t)
    assert [k.backchannel for k in kinds] == [True, True, False, False]
    e = measure_engagement(t)
    assert e.client_backchannels == 2
    assert e.client_minimal_replies == 2
    assert e.client_minimal_turn_rate == 1.0
    assert e.therapist_questions == 2
    assert (e.therapist_open_questions, e.therapist_closed_questions) == (1, 1)


def test_words_exclude_annotations_and_share_is_of_spoken_words() -> None:
    text = "[laughs] it's fine, really"
    t = session(
        (T, "How are you doing with all of it?"),
        (C, text, None, None, (Annotation(AnnotationKind.LAUGHS, (0, 8)),)),
    )
    e = measure_engagement(t)
    assert e.client_words == 3  # it's, fine, really
    assert e.therapist_words == 8
    assert e.client_word_share == round(3 / 11, 3)
    assert e.nonverbal == {"laughs": 1}


def test_latency_pauses_and_overlaps_come_from_timestamps() -> None:
    t = session(
        (T, "What was that like?", 0.0, 2.0),
        (C, "I don't know.", 7.0, 8.0),  # 5 s to answer: a long pause
        (T, "Take your time. What comes to mind?", 8.5, 11.0),
        (C, "Maybe that I was scared of what he'd say to me.", 11.5, 15.0),
        (T, "Scared of him.", 14.0, 15.5),  # starts 1 s before the client stopped: overlap
    )
    e = measure_engagement(t)
    assert e.response_latency_median_s == 2.75
    assert e.long_pauses == 1
    assert e.overlaps == 1
    assert e.duration_s == 15.5


def test_written_silences_count_as_long_pauses() -> None:
    text = "[silence 6s] I don't know."
    t = session(
        (T, "What did you feel?"),
        (C, text, None, None, (Annotation(AnnotationKind.SILENCE, (0, 12), 6.0),)),
    )
    assert measure_engagement(t).long_pauses == 1


def test_session_without_client_speech_has_no_client_rates() -> None:
    t = session((T, "Hello, are you there?"), (T, "I'll wait."))
    e = measure_engagement(t)
    assert e.client_turns == 0
    assert e.client_word_share == 0.0
    assert e.client_words_per_turn_median is None
    assert e.client_minimal_turn_rate is None
