"""Recall-minded strain cues that tell the repair layer there was something to respond to."""

from __future__ import annotations

import pytest

from mendline.analysis.strain import complaint_like, strain_before, terse
from mendline.transcript import Role, RoleSource, Speaker, Transcript, Utterance


def _t(*turns: tuple[str, str]) -> Transcript:
    us = tuple(Utterance(i, role.capitalize(), Role(role), text)
               for i, (role, text) in enumerate(turns))
    speakers = tuple(Speaker(r.capitalize(), Role(r), RoleSource.EXPLICIT, 1.0)
                     for r in ("therapist", "client"))
    return Transcript(us, speakers, "txt", "0" * 64, language="en")


@pytest.mark.parametrize(("text", "expected"), [
    ("Why are we wasting time on my dream?", True),
    ("You're not listening to me.", True),
    ("That's not what I said.", True),
    ("These worksheets are pointless.", True),
    # the work or the arrangement does not fit, said without naming the therapist
    ("Coming here three days after a night shift is impossible.", True),
    ("i can't do these tiny boxes, my eyes aren't good enough", True),
    ("I hate repeating it.", True),
    ("Can we not read into every single thing I do?", True),
    # complaints about other people are content, not a strain with the therapist
    ("My boss never listens to anyone in the team.", False),
    ("We went to the coast on Saturday and it rained the whole time.", False),
])
def test_complaint_like(text: str, expected: bool) -> None:
    assert complaint_like(text) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Fine.", True), ("I don't know.", True), ("Whatever.", True),
    ("Fine, actually. I slept better and saw my brother.", False),
])
def test_terse(text: str, expected: bool) -> None:
    assert terse(text) is expected


def test_strain_before_looks_at_the_last_client_turns_only() -> None:
    t = _t(("therapist", "How was the week?"), ("client", "This is pointless."),
           ("therapist", "Tell me more?"),
           ("client", "Well, I think what bothers me is that we keep doing forms, and I came "
                      "here to talk about my marriage, which is falling apart."),
           ("therapist", "Thank you."),
           ("client", "And work has been busy, with the audit and the new manager."),
           ("therapist", "Okay."))
    assert strain_before(t, 4, 2).complaint
    assert not strain_before(t, 6, 2).any


@pytest.mark.parametrize("text", ["you'll probably get bored of me soon, everyone does",
                                  "You're going to give up on me like the others did."])
def test_expecting_the_therapist_to_tire_of_them_is_a_strain_cue(text: str) -> None:
    assert complaint_like(text)


def test_bracketed_notes_are_not_speech_for_strain_cues() -> None:
    t = _t(("therapist", "How was the week?"), ("client", "[slams bag down] whatever"),
           ("therapist", "Something feels different today."))
    assert strain_before(t, 2).shut_down


@pytest.mark.parametrize(("therapist", "client", "shut"), [
    ("How did you feel when she left?", "Fine.", True),
    ("Would you like to keep going with this?", "No.", False),
    ("We could try a short walk each day. How does that sound?", "Okay.", False),
    ("Did you get the letter?", "Yeah.", False),
])
def test_terse_is_a_strain_cue_only_where_more_was_invited(therapist: str, client: str,
                                                           shut: bool) -> None:
    t = _t(("therapist", therapist), ("client", client), ("therapist", "Mm."))
    assert strain_before(t, 2).shut_down is shut


@pytest.mark.parametrize(("therapist", "client", "complaint"), [
    # "no" to a plain question answers it
    ("Is there anything else on your mind before we finish?", "No, I think that's all.", False),
    ("Have you smoked today?", "No, not yet.", False),
    # "no" to an offered reading or a suggestion pushes back on it
    ("I wonder if the anger is really about feeling let down.", "No, it's not that.", True),
    ("Maybe we could try writing the thoughts down this week?", "No. I won't.", True),
])
def test_a_no_is_read_against_the_turn_it_answers(therapist: str, client: str,
                                                  complaint: bool) -> None:
    t = _t(("therapist", therapist), ("client", client), ("therapist", "Okay."))
    assert strain_before(t, 2).complaint is complaint
