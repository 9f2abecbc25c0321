"""Long client turns are read in stretches: a marker said late in a long turn is found and
quoted where it was said; the shape of the turn is still judged on the whole."""

from __future__ import annotations

import pytest

from mendline.analysis.markers import (
    DETECTORS,
    LONG_TURN_WORDS,
    STRETCH_WORDS,
    detect_markers,
    stretches,
)
from mendline.transcript import Role, RoleSource, Speaker, Transcript, Utterance

STORY = (
    "So on Saturday we drove up to my sister's place for the first time since the move. "
    "The kids slept most of the way, which was a relief, and we stopped at that garden "
    "centre halfway for coffee. Her new house is lovely, really bright, with a big kitchen "
    "at the back. We ate outside because the weather held, and my nephew showed us his "
    "drawings from school. Then on Sunday it rained, so we mostly stayed in and played cards. "
)


def _t(therapist: str, client: str) -> Transcript:
    us = (Utterance(0, "Therapist", Role.THERAPIST, therapist),
          Utterance(1, "Client", Role.CLIENT, client))
    speakers = tuple(Speaker(r.capitalize(), Role(r), RoleSource.EXPLICIT, 1.0)
                     for r in ("therapist", "client"))
    return Transcript(us, speakers, "txt", "0" * 64, language="en")


@pytest.mark.parametrize("detector", sorted(DETECTORS))
def test_a_complaint_at_the_end_of_a_long_turn_is_found_and_quoted_where_it_was_said(
    detector: str,
) -> None:
    complaint = "But honestly, you never listen to me. I say something and it just goes past you."
    t = _t("How was the weekend?", STORY + complaint)
    text = t.utterances[1].text
    found = [m for m in detect_markers(t, detector)
             if m.utterance == 1 and m.id == "confrontation.complaint_about_therapist"]
    assert found, detector
    (m,) = found
    assert text[m.span[0]:m.span[1]] == m.evidence
    assert "you never listen" in m.evidence
    assert m.span[0] > len(STORY) // 2  # the stretch it was said in, not the whole turn


def test_a_long_calm_story_is_not_flagged_sentence_by_sentence() -> None:
    t = _t("How was the weekend?", STORY * 2)
    assert [m.id for m in detect_markers(t) if m.family == "confrontation"] == []


def test_the_shape_of_a_long_turn_is_judged_on_the_whole_turn() -> None:
    # One stretch of a long turn may be a few words ("Fine."), but a long turn is never a
    # minimal response.
    t = _t("How did it feel when she left?", "Fine. " + STORY + "Fine.")
    assert "withdrawal.minimal_response" not in {m.id for m in detect_markers(t)}


def test_every_sentence_heads_a_stretch_of_whole_sentences() -> None:
    text = STORY * 2
    parts = stretches(text)
    assert len(parts) > 2
    assert parts[0][0] == 0 and parts[-1][1] == len(text.rstrip())
    for (_, b1), (a2, _) in zip(parts, parts[1:], strict=False):
        assert a2 <= b1 + 1  # no gap between stretches
        assert text[a2 - 2] in ".?!"  # each starts at a sentence
    assert len(parts) == text.count(". ")  # one per sentence
    assert all(len(text[a:b].split()) <= 3 * STRETCH_WORDS for a, b in parts)


def test_run_on_speech_without_punctuation_is_cut_by_word_count() -> None:
    text = " ".join(["and then we went to the shops and then we came back"] * 12)
    parts = stretches(text)
    assert len(text.split()) > LONG_TURN_WORDS and len(parts) > 3
    assert max(len(text[a:b].split()) for a, b in parts) < len(text.split()) / 2


def test_a_quotation_is_never_cut_by_a_stretch() -> None:
    # "Are you kidding me" is said to the son, inside the quotation: no stretch may start
    # inside it and read it as said to the therapist.
    text = (STORY + 'And I just went. "Are you kidding me, I have been working twelve hours and '
            'you cannot even put one plate in the dishwasher." And then it was a whole thing.')
    quote = text.index('"Are'), text.index('washer."') + len('washer."')
    for a, b in stretches(text):
        assert not quote[0] < a < quote[1] and not quote[0] < b < quote[1]
    t = _t("Can you walk me through the last time you snapped?", text)
    assert [m.id for m in detect_markers(t) if m.family == "confrontation"] == []
