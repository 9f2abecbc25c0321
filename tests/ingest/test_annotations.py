"""Non-verbal marks: typed, spanned, never counted as words."""

from __future__ import annotations

import pytest

from mendline.ingest.annotations import find_annotations, is_annotation
from mendline.transcript import AnnotationKind as K
from mendline.transcript import Role, Utterance

CASES = [
    ("[laughs] it's fine", [(K.LAUGHS, "[laughs]", None)]),
    ("it's fine (laughs)", [(K.LAUGHS, "(laughs)", None)]),
    ("so *laughs* yeah", [(K.LAUGHS, "*laughs*", None)]),
    ("[laughter]", [(K.LAUGHS, "[laughter]", None)]),
    ("well (pause) okay", [(K.PAUSE, "(pause)", None)]),
    ("[pause] okay", [(K.PAUSE, "[pause]", None)]),
    ("(long pause) okay", [(K.PAUSE, "(long pause)", None)]),
    ("[silence 5s] and", [(K.SILENCE, "[silence 5s]", 5.0)]),
    ("[silence 5 seconds]", [(K.SILENCE, "[silence 5 seconds]", 5.0)]),
    ("[pause 2.5 sec]", [(K.PAUSE, "[pause 2.5 sec]", 2.5)]),
    ("[silence, 1 minute]", [(K.SILENCE, "[silence, 1 minute]", 60.0)]),
    ("I [inaudible] it", [(K.INAUDIBLE, "[inaudible]", None)]),
    ("[inaudible 00:12:03] yes", [(K.INAUDIBLE, "[inaudible 00:12:03]", None)]),
    ("[unclear] yes", [(K.INAUDIBLE, "[unclear]", None)]),
    ("no [crosstalk] wait", [(K.CROSSTALK, "[crosstalk]", None)]),
    ("[crying] sorry", [(K.CRYING, "[crying]", None)]),
    ("[sniffles] sorry", [(K.CRYING, "[sniffles]", None)]),
    ("[sighs] fine", [(K.SIGHS, "[sighs]", None)]),
    ("(clears throat) so", [(K.OTHER, "(clears throat)", None)]),
    ("[laughs] and [sighs]", [(K.LAUGHS, "[laughs]", None), (K.SIGHS, "[sighs]", None)]),
    # speech in brackets, names and emphasis are not annotations
    ("(I mean it) really", []),
    ("[Dr Lee] hello", []),
    ("that was *so* hard", []),
    ("see (section 2)", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_marks_are_found_with_kind_span_and_duration(text, expected):
    found = find_annotations(text)
    got = [(a.kind, text[a.span[0]:a.span[1]], a.duration_s) for a in found]
    assert got == expected


def test_annotations_are_not_counted_as_words():
    text = "[laughs] it's fine [long pause] really"
    u = Utterance(0, "C", Role.CLIENT, text, annotations=find_annotations(text))
    assert u.words == 3


@pytest.mark.parametrize(
    ("content", "expected"),
    [("laughs", True), ("Inaudible", True), ("Dr Lee", False), ("Therapist", False),
     ("Sam Rivera", False), ("both laugh", True)],
)
def test_is_annotation_tells_marks_from_names(content, expected):
    assert is_annotation(content) is expected
