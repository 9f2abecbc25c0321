"""markers.ft.v1: the fine-tuned pair encoder blended with the phrase-and-context model.

Skipped when the ``embeddings`` extra is not installed. With it, the encoder reads the
therapist's turn with the client's, the 3RS hard cases of test_markers.py still come out
right (test_markers_embed.py checks the reasons of both embedding detectors), and the
shipped files belong together.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources

import pytest

from mendline.analysis import markers_ft

pytestmark = pytest.mark.skipif(
    not markers_ft.available(),
    reason="the embeddings extra is not installed (pip install 'mendline[embeddings]')")

from tests.analysis.test_markers import HARD_CASES, _t  # noqa: E402

from mendline.analysis.markers import DETECTORS, MODEL_RESOURCE, detect_markers  # noqa: E402
from mendline.vocabulary import TRANSCRIPT_MARKERS  # noqa: E402

NAME = markers_ft.NAME


def _ids(therapist: str, client: str) -> set[str]:
    t = _t(("therapist", therapist), ("client", client))
    return {m.id for m in detect_markers(t, NAME) if m.utterance == 1}


def test_registered_as_an_optional_detector() -> None:
    assert NAME in DETECTORS


def test_the_shipped_settings_were_chosen_for_the_shipped_models() -> None:
    files = resources.files("mendline")
    raw = json.loads(files.joinpath(markers_ft.MODEL_RESOURCE).read_text("utf-8"))
    assert raw["onnx_sha256"] == [hashlib.sha256(files.joinpath(r).read_bytes()).hexdigest()
                                  for r in markers_ft.ONNX_RESOURCES]
    assert raw["lr_model_sha256"] == hashlib.sha256(
        files.joinpath(MODEL_RESOURCE).read_bytes()).hexdigest()


def test_the_encoder_reads_the_therapist_turn_with_the_client_turn() -> None:
    # The pair reaches the model. How much the context moves it is another matter: for a bare
    # "I don't know." barely (denial 0.06 against 0.01); the 3RS boundary rules, which every
    # detector shares, are what keep a short answer to a factual question unflagged.
    scorer = markers_ft.get_scorer()
    feeling, factual = scorer.probabilities([
        ("How did you feel when she said she was moving out?", "I don't know."),
        ("Do you know what time the bus leaves?", "I don't know."),
    ])
    assert abs(feeling - factual).max() > 0.02


def test_the_context_is_the_end_of_the_therapist_turn_before() -> None:
    long_turn = " ".join(["word"] * 50) + " How did that feel?"
    t = _t(("therapist", long_turn), ("client", "Fine."), ("client", "Really."))
    assert markers_ft.context_of(t, 1).endswith("How did that feel?")
    assert len(markers_ft.context_of(t, 1).split()) == markers_ft.CONTEXT_WORDS
    # a second client turn in a row answers nothing the therapist just said
    assert markers_ft.context_of(t, 2) == ""


@pytest.mark.parametrize("pairs", [
    [("", "")],
    [("How are you?", "a " * 3000)],  # far past the encoder's 128 tokens
    [("Same.", "Same."), ("Same.", "Same.")],
])
def test_probabilities_for_odd_input(pairs: list[tuple[str, str]]) -> None:
    p = markers_ft.get_scorer().probabilities(pairs)
    assert p.shape == (len(pairs), len(TRANSCRIPT_MARKERS))
    assert ((p >= 0) & (p <= 1)).all()
    assert (p[0] == markers_ft.get_scorer().probabilities(pairs[:1])[0]).all()  # cached


@pytest.mark.parametrize(("therapist", "client", "marker_id", "present"), HARD_CASES)
def test_hard_cases_still_hold(therapist: str, client: str, marker_id: str,
                               present: bool) -> None:
    assert (marker_id in _ids(therapist, client)) is present


@pytest.mark.parametrize(("therapist", "client"), [
    ("Is there anything else you'd like to talk about today?", "thank u"),
    ("I'd like to suggest we look at your triggers next. How does that sound?", "ok sure"),
    ("Great, let's stop there for today.", "sounds good, thanks!"),
])
def test_benign_short_replies_are_not_flagged(therapist: str, client: str) -> None:
    assert _ids(therapist, client) == set()
