"""repairs.ft.v1: the fine-tuned pair encoder blended with the plain repair model.

Skipped when its files or the ``embeddings`` extra are missing. The hard cases of
test_repairs.py run against it there (``MODELS``); here: it reads the client's turn with
the therapist's, and the shipped files belong together.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources

import pytest

from mendline.analysis import repairs, repairs_ft

pytestmark = pytest.mark.skipif(not repairs_ft.available(),
                                reason="the repair encoder or the embeddings extra is missing")

from tests.analysis.test_markers import _t  # noqa: E402


def test_the_shipped_settings_were_chosen_for_the_shipped_models() -> None:
    files = resources.files("mendline")
    raw = json.loads(files.joinpath(repairs_ft.MODEL_RESOURCE).read_text("utf-8"))
    assert raw["onnx_sha256"] == [hashlib.sha256(files.joinpath(r).read_bytes()).hexdigest()
                                  for r in repairs_ft.ONNX_RESOURCES]
    assert raw["lr_model_sha256"] == hashlib.sha256(
        files.joinpath(repairs.MODEL_RESOURCE).read_bytes()).hexdigest()


def test_the_two_runs_of_the_encoder_are_averaged() -> None:
    import numpy as np

    from mendline.analysis.embeddings import PairScorer

    files = resources.files("mendline")
    first, second = (files.joinpath(r) for r in repairs_ft.ONNX_RESOURCES)
    pairs = [("You keep cutting me off.", "You're right, I did. I'm sorry."),
             ("My dog died last week.", "I'm sorry.")]
    p1 = PairScorer([first], repairs_ft.MAX_TOKENS).probabilities(pairs)
    p2 = PairScorer([second], repairs_ft.MAX_TOKENS).probabilities(pairs)
    assert not np.allclose(p1, p2)  # two training runs, not one file twice
    assert np.allclose(repairs_ft.get_scorer().probabilities(pairs), (p1 + p2) / 2)
    with pytest.raises(ValueError, match="at least one model"):
        PairScorer([], repairs_ft.MAX_TOKENS)


def test_the_pair_is_the_client_turn_before_and_the_therapist_turn_as_said() -> None:
    t = _t(("client", "You keep cutting me off."),
           ("therapist", "[pauses] You're right, I did. I'm sorry."),
           ("therapist", "Can we look at that?"))
    assert repairs_ft.turn_pairs(t, [t.utterances[1]]) == [
        ("You keep cutting me off.", "You're right, I did. I'm sorry.")]
    # the client turn two turns back is still what the therapist is answering
    assert repairs_ft.turn_pairs(t, [t.utterances[2]])[0][0] == "You keep cutting me off."


def test_the_encoder_reads_the_client_turn_with_the_therapist_turn() -> None:
    scorer = repairs_ft.get_scorer()
    after_strain, after_news = scorer.probabilities([
        ("You keep cutting me off.", "I'm sorry."),
        ("My dog died last week.", "I'm sorry."),
    ])
    assert abs(after_strain - after_news).max() > 0.02


def _meta(*turns: tuple[str, str]) -> set[str]:
    t = _t(*turns)
    last = len(t.utterances) - 1
    return {r.id for r in repairs.detect_repairs(t, [], repairs_ft.NAME)
            if r.utterance == last and r.metacommunication}


# A terse objection with no marker cue, and the therapist owning their part.
_UNCUED_OBJECTION = (
    ("therapist", "And when she said that, what went through your mind?"),
    ("client", "Can you not write everything down."),
    ("therapist", "Fair enough. I've been scribbling away the whole time you talk, and that "
                  "must feel like being studied. I'll put the pad down."))


def test_owning_a_part_stands_on_the_encoder_where_no_marker_was_found() -> None:
    """A terse objection the marker detector lets pass ("Can you not write everything
    down.") is still a strain the therapist may answer by owning their part: the encoder
    reads both turns, so the calm-talk bar lets the acknowledgement through."""
    assert repairs_ft.settings().calm is not None
    assert "acknowledges_contribution" in _meta(*_UNCUED_OBJECTION)


def test_a_repair_in_calm_talk_says_why_it_counts_without_a_marker() -> None:
    t = _t(*_UNCUED_OBJECTION)
    ack = next(r for r in repairs.detect_repairs(t, [], repairs_ft.NAME)
               if r.id == "acknowledges_contribution")
    assert "read with the client's words just before it" in ack.why
    assert "no marker was found before it" in ack.why


def test_an_open_question_in_calm_talk_is_not_an_invitation_to_talk_about_us() -> None:
    assert _meta(
        ("therapist", "How have things been since we last met?"),
        ("client", "I'm alright, I think."),
        ("therapist", "Good to hear. I'm glad you're here. Is there anything on your mind "
                      "you'd like to start with today?")) == set()
