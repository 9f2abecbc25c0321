"""Therapist moves that may have added to a strain, worded without blame."""

from __future__ import annotations

import pytest

from mendline.analysis.contributions import CONTRIBUTIONS, detect_contributions
from mendline.analysis.markers import detect_markers
from mendline.ingest.annotations import find_annotations
from mendline.transcript import Role, RoleSource, Speaker, Transcript, Utterance

COMPLAINT = ("client", "Honestly, these worksheets are pointless. You're not listening to me.")
BLAME = ("bad", "fault", "failed", "wrong", "poor", "mistake", "should have", "incompetent")


def _t(*turns: tuple) -> Transcript:
    us = []
    for i, (role, text, *span) in enumerate(turns):
        start, end = span if span else (None, None)
        us.append(Utterance(i, role.capitalize(), Role(role), text, start, end,
                            find_annotations(text)))
    speakers = tuple(Speaker(r.capitalize(), Role(r), RoleSource.EXPLICIT, 1.0)
                     for r in ("therapist", "client"))
    return Transcript(tuple(us), speakers, "txt", "0" * 64, language="en")


def _ids(t: Transcript, utterance: int) -> set[str]:
    return {c.id for c in detect_contributions(t, detect_markers(t)) if c.utterance == utterance}


CASES = [
    # arguing after a complaint vs the same explanation with no complaint before it
    ([("therapist", "Let's do a thought record about Friday."), COMPLAINT,
      ("therapist", "The point isn't whether he's unfair. They really do work if you just "
                    "stick with them.")], 2, "therapist.arguing_after_complaint", True),
    ([("therapist", "What did you make of the thought record?"),
      ("client", "I'm curious what it's meant to do, to be honest.")], None, None, None),
    # labelling resistance
    ([("therapist", "How was the week?"), ("client", "Fine."),
      ("therapist", "You don't seem ready to work today.")], 2,
     "therapist.labelling_resistance", True),
    # minimising what the client brought
    ([("therapist", "How did the interview go?"),
      ("client", "Awful. I froze and I felt humiliated, I cried on the bus home.")],
     None, None, None),
    ([("therapist", "How did the interview go?"),
      ("client", "Awful. I froze and I felt humiliated, I cried on the bus home."),
      ("therapist", "Oh, you're overthinking it. Everyone feels that after interviews.")], 2,
     "therapist.minimising", True),
]


@pytest.mark.parametrize(("turns", "at", "cid", "expected"), CASES)
def test_moves(turns: list[tuple[str, str]], at: int | None, cid: str | None,
               expected: bool | None) -> None:
    t = _t(*turns)
    if at is None:  # nothing the therapist did here adds to a strain
        assert detect_contributions(t, detect_markers(t)) == []
    else:
        assert (cid in _ids(t, at)) is expected


def test_interrupting_needs_overlap_and_a_broken_off_turn() -> None:
    over = _t(("therapist", "What happened then?", 0.0, 2.0),
              ("client", "Well, I went to see him and I was about to tell him that —", 2.5, 8.0),
              ("therapist", "Right, and did you use the breathing?", 7.0, 9.0))
    assert "therapist.interrupting" in _ids(over, 2)
    waited = _t(("therapist", "What happened then?", 0.0, 2.0),
                ("client", "Well, I went to see him and I told him how I felt.", 2.5, 8.0),
                ("therapist", "And how did he take it?", 8.6, 10.0))
    assert "therapist.interrupting" not in _ids(waited, 2)


def test_pressing_on_while_replies_shorten() -> None:
    t = _t(("therapist", "How has your week been since we last met, with everything going on?"),
           ("client", "Busy. Lots going on with my mum and the move, and work has been a lot."),
           ("therapist", "How did you feel when she said she was moving out?"),
           ("client", "Fine."),
           ("therapist", "What was that like for you, the day she left?"),
           ("client", "I don't know."),
           ("therapist", "Okay. Let's fill in the worksheet for this week, then."))
    assert "therapist.pressing_on" in _ids(t, 6)


@pytest.mark.parametrize("cid", sorted(CONTRIBUTIONS))
def test_labels_are_blame_free(cid: str) -> None:
    assert cid.startswith("therapist.")
    assert not any(w in CONTRIBUTIONS[cid].lower() for w in BLAME)


def test_contract_evidence_is_in_the_turn() -> None:
    t = _t(("therapist", "Let's do a thought record about Friday."), COMPLAINT,
           ("therapist", "I've already explained why. Trust me, it does work."))
    found = detect_contributions(t, detect_markers(t))
    assert found
    for c in found:
        assert c.id in CONTRIBUTIONS
        assert c.evidence and c.evidence in t.utterances[c.utterance].text
        assert not any(w in c.why.lower() for w in BLAME)
