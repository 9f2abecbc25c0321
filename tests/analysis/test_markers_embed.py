"""markers.embed.v1: sentence embeddings from the offline packaged model (optional extra).

Skipped when the ``embeddings`` extra is not installed. With it, the model and tokenizer
load with the hub switched off, vectors are unit length, a paraphrased complaint no phrase
list covers is flagged, and the 3RS hard cases of test_markers.py still come out right.
"""

from __future__ import annotations

import os

import pytest

from mendline.analysis import embeddings

pytestmark = pytest.mark.skipif(
    not embeddings.available(),
    reason="the embeddings extra is not installed (pip install 'mendline[embeddings]')")

from tests.analysis.test_markers import ALL_POSITIVE, HARD_CASES, _t  # noqa: E402

from mendline.analysis.markers import DETECTORS, detect_markers  # noqa: E402
from mendline.analysis.markers_embed import NAME, _family_fallback  # noqa: E402


@pytest.fixture(scope="module")
def encoder() -> embeddings.Encoder:
    os.environ["HF_HUB_OFFLINE"] = "1"  # nothing may come from a model hub
    return embeddings.get_encoder()


def _ids(therapist: str, client: str) -> set[str]:
    t = _t(("therapist", therapist), ("client", client))
    return {m.id for m in detect_markers(t, NAME) if m.utterance == 1}


@pytest.mark.parametrize("texts", [
    ["You're not listening to me."],
    ["", "ok", "thank u", "Mm-hmm.", "a" * 3000],  # empty, tiny and over-long texts
    ["Same text twice.", "Same text twice."],
])
def test_vectors_are_unit_length(encoder: embeddings.Encoder, texts: list[str]) -> None:
    vecs = encoder.encode(texts)
    assert vecs.shape == (len(texts), embeddings.DIM)
    for row in vecs:
        assert abs(float((row * row).sum()) - 1.0) < 1e-4


@pytest.mark.parametrize(("a", "b", "c"), [
    ("You never listen to me.", "You don't hear a word I say.", "The bus was late on Tuesday."),
    ("This therapy isn't helping.", "These sessions are getting me nowhere.",
     "I bought new shoes."),
])
def test_paraphrases_sit_closer_than_unrelated_text(
        encoder: embeddings.Encoder, a: str, b: str, c: str) -> None:
    va, vb, vc = encoder.encode([a, b, c])
    assert float(va @ vb) > float(va @ vc) + 0.2


def test_registered_as_an_optional_detector() -> None:
    assert NAME in DETECTORS


@pytest.mark.parametrize(("therapist", "client", "marker_id"), [
    ("What would help you most right now?",
     "honestly I feel like I'm talking to a brick wall in here",
     "confrontation.complaint_about_therapist"),
])
def test_paraphrased_complaint_is_flagged(encoder: embeddings.Encoder, therapist: str,
                                          client: str, marker_id: str) -> None:
    t = _t(("therapist", therapist), ("client", client))
    found = [m for m in detect_markers(t, NAME) if m.utterance == 1 and m.id == marker_id]
    assert found
    (m,) = found
    assert m.detector == NAME and m.why
    assert t.utterances[1].text[m.span[0]:m.span[1]] == m.evidence


@pytest.mark.parametrize(("therapist", "client", "marker_id", "present"), HARD_CASES)
def test_hard_cases_still_hold(encoder: embeddings.Encoder, therapist: str, client: str,
                               marker_id: str, present: bool) -> None:
    assert (marker_id in _ids(therapist, client)) is present


@pytest.mark.parametrize(("therapist", "client", "marker_id", "present"), ALL_POSITIVE)
@pytest.mark.parametrize("detector", [d for d in (NAME, "markers.ft.v1") if d in DETECTORS])
def test_a_flag_without_a_phrase_says_what_the_turn_resembles(
        encoder: embeddings.Encoder, therapist: str, client: str, marker_id: str,
        present: bool, detector: str) -> None:
    t = _t(("therapist", therapist), ("client", client))
    for m in detect_markers(t, detector):
        assert m.detector == detector and 0.0 <= m.confidence <= 1.0
        if "no specific phrase matched" in m.why:
            assert m.why.startswith("reads like ")
            assert m.evidence == t.utterances[m.utterance].text.strip()


@pytest.mark.parametrize(("therapist", "client"), [
    ("Is there anything else you'd like to talk about today?", "thank u"),
    ("I'd like to suggest we look at your triggers next. How does that sound?", "ok sure"),
    ("Great, let's stop there for today.", "sounds good, thanks!"),
])
def test_benign_short_replies_are_not_flagged_from_the_vector_alone(
        encoder: embeddings.Encoder, therapist: str, client: str) -> None:
    t = _t(("therapist", therapist), ("client", client))
    assert all("no specific phrase matched" not in m.why for m in detect_markers(t, NAME))


@pytest.mark.parametrize(
    ("probs", "found", "expected"),
    [
        # two confrontation ids share the evidence; neither passed alone, together they do
        ({"confrontation.complaint_about_therapist": 0.2,
          "confrontation.rejects_intervention": 0.15, "withdrawal.denial": 0.05}, [],
         ["confrontation.complaint_about_therapist"]),
        # weak everywhere: nothing
        ({"confrontation.complaint_about_therapist": 0.05,
          "confrontation.rejects_intervention": 0.05}, [], []),
        # the family is already reported: no second id from the fallback
        ({"confrontation.complaint_about_therapist": 0.2,
          "confrontation.rejects_intervention": 0.6}, ["confrontation.rejects_intervention"], []),
        # a vetoed id is absent from probs, so it cannot be the one reported
        ({"confrontation.rejects_intervention": 0.3}, [], ["confrontation.rejects_intervention"]),
    ],
)
def test_family_fallback_reports_the_likeliest_id(probs, found, expected) -> None:
    thresholds = {"confrontation": 0.275, "withdrawal": None}
    assert _family_fallback(probs, found, thresholds, {"confrontation"}) == expected
    # with no concrete sign of the family in the turn, the vector alone adds nothing
    assert _family_fallback(probs, found, thresholds, set()) == []
