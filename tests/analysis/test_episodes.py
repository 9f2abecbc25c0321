"""Episodes: grouping markers, attaching repairs, and judging the outcome from the client.

Markers and repairs are written by hand here (they are the JSON contract), so these tests
pin the episode rules themselves, independent of how the detectors evolve.
"""

from __future__ import annotations

import pytest

from mendline.analysis.episodes import build_episodes, picks_up_last_time, reply_kind
from mendline.analysis.markers import DEFAULT_DETECTOR, detect_markers
from mendline.analysis.result import Marker, Repair
from mendline.analysis.session import SessionContext, analyze_session
from mendline.transcript import Role, RoleSource, Speaker, Transcript, Utterance
from mendline.vocabulary import MARKERS, METACOMMUNICATION


def _t(*turns: tuple[str, str]) -> Transcript:
    us = tuple(Utterance(i, role.capitalize(), Role(role), text)
               for i, (role, text) in enumerate(turns))
    speakers = tuple(Speaker(r.capitalize(), Role(r), RoleSource.EXPLICIT, 1.0)
                     for r in ("therapist", "client"))
    return Transcript(us, speakers, "txt", "0" * 64, language="en")


def _m(t: Transcript, i: int, mid: str) -> Marker:
    d = MARKERS[mid]
    text = t.utterances[i].text
    return Marker(utterance=i, id=mid, family=d.family.value, type=d.type, confidence=0.8,
                  evidence=text, span=(0, len(text)), why="test", detector="test")


def _r(t: Transcript, i: int, sid: str) -> Repair:
    text = t.utterances[i].text
    return Repair(utterance=i, id=sid, metacommunication=sid in METACOMMUNICATION,
                  confidence=0.8, evidence=text, span=(0, len(text)), why="test",
                  detector="test")


OPENING = [
    ("therapist", "How has the week been?"),
    ("client", "Busy. My sister came to stay, and we ended up talking about Dad a lot, "
               "which was hard but I think it was good for both of us."),
    ("therapist", "It sounds like a full week. Shall we look at the worksheet?"),
    ("client", "Whatever you think."),
    ("therapist", "What did you notice when you tried it?"),
    ("client", "I don't know."),
]
REPAIR = ("therapist", "I notice I keep bringing worksheets. I think I may have pushed them "
                       "on you. What is it like for you, here with me?")
ENGAGED = [
    ("client", "Honestly? They felt like another thing I was failing at, and I didn't want to "
               "tell you because you were trying to help."),
    ("therapist", "Thank you for telling me."),
    ("client", "I think I'd rather just talk for a while, like we did at the start. That felt "
               "better, I could actually say what was going on with me."),
]
APPEASING = [
    ("client", "It's fine, really. You're just doing your job."),
    ("therapist", "I'd still like to hear."),
    ("client", "No, honestly, it's fine."),
]
PARTIAL = [
    ("client", "Maybe. The sheets feel a bit like homework, I suppose."),
    ("therapist", "Like homework."),
    ("client", "Yeah. I don't know. Maybe we can talk about it next week."),
]
STILL_SHORT = [("client", "Mm."), ("therapist", "Okay."), ("client", "Yeah.")]
# Open, feeling talk is full of hedges ("a bit", "kind of"): inside a long reply they are
# not holding back.
HEDGED_BUT_OPEN = [
    ("client", "Honestly it felt a bit like being marked, kind of like school, and I was "
               "scared to tell you because I thought you'd be disappointed in me."),
    ("therapist", "I'm glad you said it."),
    ("client", "Yeah, me too. I'm still a bit shaky, but I think I'd really like to just "
               "talk today about what happened with my sister."),
]
# A fuller reply after the repair, then a plain closing one: nothing pulls back.
ENGAGED_THEN_PLAIN = [
    ("client", "Scary, honestly. I nearly didn't come today because of the worksheets, "
               "and I'm glad I said it out loud to you."),
    ("therapist", "Thank you."),
    ("client", "Okay. Where were we."),
]
# Shorter replies that name a feeling about the two of them: coming closer, not a strain,
# even though "you didn't..." reads like a complaint on its own.
SHORT_BUT_CLOSER = [
    ("client", "Scary. I nearly didn't say it. But you didn't get huffy, so."),
    ("therapist", "I'm glad you did."),
    ("client", "Yeah. I felt you actually heard me that time."),
]

# Movement held back in words: "not today", "I'll think about it" (GUIDE.md section 3).
DEFERRED = [
    ("client", "Maybe. I'd fall apart, I think. I'm not going to do that today."),
    ("therapist", "That's okay."),
    ("client", "Yeah. Maybe another day. I'll think about it."),
]
STILL_ANGRY = [
    ("client", "Betrayed, to be honest. Like you'd been fooled by me coming in and "
               "talking every week. I'll think about whether I trust you with this. I'm still "
               "angry."),
]

W = ["withdrawal.deferential_appeasing", "withdrawal.minimal_response"]


def _case(after: list[tuple[str, str]], repair: bool, extra_markers: dict[int, str]):
    turns = OPENING + ([REPAIR] if repair else [("therapist", "Okay. Let's carry on.")]) + after
    t = _t(*turns)
    markers = [_m(t, 3, W[0]), _m(t, 5, W[1])]
    markers += [_m(t, i, mid) for i, mid in extra_markers.items()]
    markers.sort(key=lambda m: m.utterance)
    repairs = [_r(t, 6, "acknowledges_contribution"),
               _r(t, 6, "invites_discussion_of_relationship")] if repair else []
    return t, markers, repairs


@pytest.mark.parametrize(("after", "repair", "extra", "outcome", "res_range"), [
    (ENGAGED, True, {}, "resolved", (4, 5)),
    (HEDGED_BUT_OPEN, True, {}, "resolved", (4, 5)),
    (ENGAGED_THEN_PLAIN, True, {}, "resolved", (4, 4)),
    (SHORT_BUT_CLOSER, True, {}, "resolved", (4, 5)),
    (PARTIAL, True, {}, "partially_resolved", (3, 3)),
    (DEFERRED, True, {7: "withdrawal.denial"}, "partially_resolved", (3, 3)),
    (STILL_ANGRY, True, {}, "partially_resolved", (3, 3)),
    (APPEASING, True, {7: "withdrawal.deferential_appeasing"}, "unresolved", (2, 2)),
    (STILL_SHORT, True, {7: W[1], 9: W[1]}, "unresolved", (2, 2)),
    (STILL_SHORT, False, {7: W[1], 9: W[1]}, "no_repair_attempted", (1, 1)),
])
def test_outcome_from_what_the_client_does_next(after, repair, extra, outcome,
                                                res_range) -> None:
    t, markers, repairs = _case(after, repair, extra)
    eps = build_episodes(t, markers, repairs)
    assert len(eps) == 1
    ep = eps[0]
    assert ep.outcome == outcome
    assert res_range[0] <= ep.resolution <= res_range[1]
    assert 1 <= ep.significance <= 5
    assert ep.evidence
    assert ep.start_utterance == 3
    assert set(ep.repairs) == set(range(len(repairs)))


def test_appeasing_after_repair_is_not_resolution_even_without_a_marker() -> None:
    t, markers, repairs = _case(APPEASING, True, {})
    (ep,) = build_episodes(t, markers, repairs)
    assert ep.outcome != "resolved"
    assert "fine" in ep.evidence or "appeasing" in ep.evidence


def test_separate_strains_make_separate_episodes() -> None:
    turns = OPENING + ENGAGED + [("therapist", "What would you like to do next week?"),
                                 ("client", "I don't know."),
                                 ("therapist", "Okay."),
                                 ("client", "Whatever you think.")]
    t = _t(*turns)
    markers = [_m(t, 3, W[0]), _m(t, 5, W[1]), _m(t, 10, W[1]), _m(t, 12, W[0])]
    eps = build_episodes(t, markers, [])
    assert [e.start_utterance for e in eps] == [3, 10]
    assert [e.markers for e in eps] == [[0, 1], [2, 3]]
    assert eps[-1].open_at_end and not eps[0].open_at_end


def test_open_at_end_and_picked_up_next_session() -> None:
    t1, markers, repairs = _case(PARTIAL, True, {})
    (ep,) = build_episodes(t1, markers, repairs)
    assert ep.open_at_end
    t2 = _t(("therapist", "Hi. Before anything else, I've been thinking about what we said at "
                          "the end last week, about the worksheets."),
            ("client", "Oh. Yeah. It's fine, honestly."),
            ("therapist", "I think I got it wrong, bringing so many. I'm sorry. "
                          "What was it like from your side?"),
            ("client", "It felt like I was letting you down every week, and I didn't want to "
                       "say so because you were being kind."),
            ("therapist", "I'm really glad you told me."),
            ("client", "Me too. I think I'd like to talk about Dad today, properly."))
    m2 = [_m(t2, 1, "withdrawal.denial")]
    r2 = [_r(t2, 2, "acknowledges_contribution")]
    (picked,) = build_episodes(t2, m2, r2, carried=(ep,), carried_session=7)
    assert picked.continues_from is not None
    assert (picked.continues_from.session, picked.continues_from.episode) == (7, ep.id)
    assert picked.start_utterance == 0
    assert picked.outcome == "resolved"


@pytest.mark.parametrize(("text", "expected"), [
    ("About last time, I wanted to say something about what you said at the end.", True),
    ("I've been thinking about what I said last week, about our sessions.", True),
    ("Last week at work my manager moved the deadline again.", False),
    ("How was your weekend?", False),
    ("I didn't like how we left it last week, to be honest.", True),
    # recaps of last week's content are not a pick-up of a strain between them
    ("Last week we ended on something quite big: the feeling about your dad.", False),
    ("We talked last week about keeping an eye on the ending. How are you feeling?", False),
    ("I wonder whether it connects to what you said last week about your sister.", False),
    ("Last week he came and sat in the kitchen while I was cooking. Just sat there.", False),
    ("That's okay. What happened last week?", False),
])
def test_picking_up_last_time(text: str, expected: bool) -> None:
    assert picks_up_last_time(Utterance(0, "T", Role.THERAPIST, text)) is expected


def test_analyze_session_fills_the_contract() -> None:
    t, _, _ = _case(ENGAGED, True, {})
    a = analyze_session(t, SessionContext(client="C-X", number=6))
    data = a.model_dump(mode="json")
    for key in ("repairs", "therapist_contributions", "episodes", "guidance"):
        assert key in data
    assert any(d.startswith("repairs.") for d in a.detectors)
    assert "episodes.rules.v1" in a.detectors
    for ep in a.episodes:
        assert all(0 <= k < len(a.markers) for k in ep.markers)
        assert all(0 <= k < len(a.repairs) for k in ep.repairs)
    assert analyze_session(t, SessionContext(client="C-X", number=6)) == a  # pure and stable


def test_a_repair_after_a_strain_no_marker_caught_opens_an_episode() -> None:
    t = _t(("therapist", "How did the thought record go?"),
           ("client", "Why do we keep doing these? I told you I wanted to talk about my son."),
           ("therapist", "You're right, I kept to my plan. I'm sorry. What would help today?"),
           ("client", "Honestly I just need to talk about him. I'm scared he's drinking again, "
                      "and I haven't said it to anyone."),
           ("therapist", "Then let's do that."),
           ("client", "Thank you. I think it started after Christmas, when he lost the job."))
    (ep,) = build_episodes(t, [], [_r(t, 2, "acknowledges_contribution")])
    assert ep.family == "confrontation"
    assert ep.start_utterance == 1 and ep.markers == []
    assert ep.outcome == "resolved"


def test_a_repair_opened_exchange_the_session_ends_on_stays_open() -> None:
    # No marker was caught, the therapist named the strain at the end of the session and
    # the client put it off: the exchange is still open for next time to pick up.
    turns = [("therapist", "How was the week?"),
             ("client", "Busy. My sister came to stay, and we ended up talking about Dad a "
                        "lot, which was hard but I think it was good for both of us."),
             ("therapist", "What was hard about it?"),
             ("client", "Seeing how much he's changed. He forgets her name sometimes, and "
                        "she pretends not to notice, and so do I."),
             ("therapist", "And the move to the home?"),
             ("client", "It's booked for the end of the month. I haven't told him yet, I'm "
                        "going to do it on Saturday when I take him to the market."),
             ("therapist", "Would you let me know how telling your dad goes?"),
             ("client", "Yeah. Next week."),
             ("therapist", "Before we finish, I notice we've both gone a bit quieter lately. "
                           "How have these sessions been for you?"),
             ("client", "[silence 7s] They're fine. It's just me, I've got a lot on."),
             ("therapist", "I'd really like to hear more, whenever you feel like it."),
             ("client", "Okay. Maybe next week."),
             ("therapist", "That's fair. See you next week."),
             ("client", "See you.")]
    t = _t(*turns)
    (ep,) = build_episodes(t, [], [_r(t, 8, "invites_discussion_of_relationship")])
    assert ep.markers == [] and ep.outcome != "resolved"
    assert ep.open_at_end
    # The same exchange with the session going on long after it is over by the end.
    later = [("therapist", "What would you like to talk about today?"),
             ("client", "My brother's wedding, I suppose. It's in June and I'm the best man, "
                        "which is a lot, and I haven't started the speech.")] * 12
    (early, *_) = build_episodes(_t(*turns[:-2], *later), [],
                                 [_r(t, 8, "invites_discussion_of_relationship")])
    assert not early.open_at_end


def test_guarded_after_the_last_repair_is_unresolved() -> None:
    after = [("client", "Maybe. I don't know, I suppose they feel like homework."),
             ("therapist", "It makes sense to be wary of them. You don't have to do them."),
             ("client", "Yeah."),
             ("therapist", "Okay."),
             ("client", "Whatever.")]
    t, markers, repairs = _case(after, True, {})
    repairs.append(_r(t, 8, "validates_defensive_posture"))
    (ep,) = build_episodes(t, markers, repairs)
    assert ep.outcome == "unresolved"


def test_a_later_repair_that_lands_resolves_despite_a_guarded_first_reply() -> None:
    # GUIDE.md section 3: the outcome is judged on what follows the last attempt.
    after = [("client", "Yeah. Fine."),
             ("therapist", "I think I rushed you into those worksheets, and I'm sorry. "
                           "How is it to hear me say that?"),
             ("client", "Honestly it helps. I felt like I was failing at them and I couldn't "
                        "tell you, because you were trying so hard to help me.")]
    t, markers, repairs = _case(after, True, {})
    repairs.append(_r(t, 8, "acknowledges_contribution"))
    (ep,) = build_episodes(t, markers, repairs)
    assert ep.outcome == "resolved"


@pytest.mark.parametrize(("text", "kind"), [
    # shorter than this talkative client's usual, but naming a feeling about the two of them
    ("Scary. I nearly didn't say it. But you didn't get huffy, so.", "re-engaged"),
    ("I cried in the toilets after, honestly, and I didn't tell you.", "re-engaged"),
    ("[pause] Okay.", "strain"),
    ("Mm. Perhaps.", "strain"),
    # shutting the topic down, or smoothing it over, is not the client coming back
    ("It's perfectly fine. There's nothing more to say.", "strain"),
    ("No, it was fine, honestly. I'm so grateful. You've been marvellous.", "appeasing"),
])
def test_reply_kind_after_a_repair_for_a_talkative_client(text: str, kind: str) -> None:
    t = _t(("therapist", "How was that?"), ("client", text))
    assert reply_kind(t.utterances[1], (), median_words=25.0) == kind


@pytest.mark.parametrize(("text", "kind"), [
    # leaving the conversation is not answering it
    ("Mm. Can I go at ten past?", "strain"),
    ("[laughs] I know. I am though. Honestly. Can I go a bit early?", "strain"),
    ("Not really. I'm done for today.", "strain"),
    ("[laughs] I know. I am though. Honestly. Can I go a bit early? I've got football.",
     "strain"),
    # a change of subject straight after the repair
    ("Anyway, did I tell you I've joined a choir?", "strain"),
    ("[smiles] That's nice of you. Anyway, shall I tell you about the new carer?", "strain"),
    ("I'll try. Can we talk about something else? I had a dream.", "strain"),
    # talk of stopping, however long and in the client's own words
    ("i don't think i do i think i might take a break from this i'll let you know", "strain"),
    ("As you wish.", "appeasing"),
    ("I don't know. You choose.", "appeasing"),
    ("Oh, already? Well, that was lovely. Don't you worry about me.", "appeasing"),
    ("don't care", "strain"),
    ("probably not lol", "strain"),
    # a friendly goodbye is not a deferral, and a fuller reply is still the client's own
    ("I think I'd like that, and I'll see you next week then.", "re-engaged"),
    ("Can we stop at that bit though, I think I've said a lot about Thursday.", "re-engaged"),
])
def test_reply_kind_after_a_repair_leaving_moving_on_or_quitting(text: str, kind: str) -> None:
    t = _t(("therapist", "How is it to hear me say that?"), ("client", text))
    assert reply_kind(t.utterances[1], (), median_words=8.0) == kind


def test_an_unsure_marker_does_not_outweigh_a_full_personal_reply() -> None:
    t = _t(("therapist", "What's it like, telling me it stung, and then saying that?"),
           ("client", "Oddly good. I thought you'd defend yourself, and you didn't. I want "
                      "to know why I push people away."))
    weak = _m(t, 1, "confrontation.complaint_about_therapist").model_copy(
        update={"confidence": 0.36})
    firm = weak.model_copy(update={"confidence": 0.8})
    assert reply_kind(t.utterances[1], [weak], median_words=10.0) == "re-engaged"
    assert reply_kind(t.utterances[1], [firm], median_words=10.0) == "strain"
    # a terse reply with an unsure marker is still a strain
    t2 = _t(("therapist", "How is it to hear that?"), ("client", "Fine."))
    assert reply_kind(t2.utterances[1], [_m(t2, 1, "withdrawal.minimal_response")
                                         .model_copy(update={"confidence": 0.3})],
                      median_words=10.0) == "strain"


def test_a_goodbye_after_an_appeasing_reply_leaves_the_episode_unresolved() -> None:
    after = [("client", "It's fine. Are we done? It's ten to."),
             ("therapist", "We've got a few minutes, but we can stop there if you want."),
             ("client", "I'll see you next week.")]
    t, markers, repairs = _case(after, True, {})
    (ep,) = build_episodes(t, markers, repairs)
    assert ep.outcome == "unresolved"


# A fuller reply, then the strain put off to next week, then a goodbye at the door.
ENGAGED_THEN_PUT_OFF = [
    ("client", "Honestly? They felt like another thing I was failing at, and I didn't want to "
               "tell you because you were trying to help."),
    ("therapist", "Thank you. I'd like to hear more about that, whenever you feel like it."),
    ("client", "Okay. Maybe next week."),
    ("therapist", "Okay."),
    ("client", "Yeah. Next week, maybe."),
    ("therapist", "That's fair. See you next week."),
    ("client", "Yeah. See you."),
]


def test_a_goodbye_at_the_door_does_not_hide_a_strain_put_off() -> None:
    t, markers, repairs = _case(ENGAGED_THEN_PUT_OFF, True, {})
    (ep,) = build_episodes(t, markers, repairs)
    assert ep.outcome == "partially_resolved"
    # four replies without a marker close an episode as quiet; here the fourth is the
    # session's last, so nothing showed the strain easing: still open for next time
    assert ep.open_at_end
    # without the goodbye, the same reply is the last word on it
    t2, markers2, repairs2 = _case(ENGAGED_THEN_PUT_OFF[:3], True, {})
    assert build_episodes(t2, markers2, repairs2)[0].outcome == "partially_resolved"


def test_a_strain_still_unresolved_at_the_end_is_open_even_after_a_fuller_reply() -> None:
    """The client opened up once, then was guarded again after the last attempt, and the
    session ended there: the strain is unresolved, so the next session may pick it up."""
    after = [ENGAGED[0],
             ("therapist", "I wonder if I've been pushing the sheets on you. Is that fair?"),
             ("client", "It's fine, really. You're just doing your job.")]
    t, markers, repairs = _case(after, True, {9: W[0]})
    repairs.append(_r(t, 8, "invites_discussion_of_relationship"))
    (ep,) = build_episodes(t, markers, repairs)
    assert ep.outcome == "unresolved"
    assert "1 fuller, more personal reply" in ep.evidence
    assert ep.open_at_end


def test_a_strain_that_fell_quiet_well_before_the_end_is_not_open() -> None:
    later = [("therapist", "What would you like to talk about now?"),
             ("client", "My brother's wedding, I suppose. It's in June and I'm the best man, "
                        "which is a lot, and I haven't started the speech.")] * 6
    t, markers, repairs = _case(ENGAGED_THEN_PUT_OFF[:3] + later, True, {})
    assert not build_episodes(t, markers, repairs)[0].open_at_end


@pytest.mark.parametrize("last", [
    "Yeah. I'm not sure I'm ready to drop it completely. But I get what you're saying. "
    "Let me think about it.",
    "Aye. I'll come next week. Can't promise I'll talk about her, mind.",
    "I do care a bit. I just don't want to talk about it right now.",
    "Sort of, yes, and I think that's what I was protecting when I went quiet on you, the "
    "whole family side of it. Maybe one day.",
    "Yes. It smelled of him, oil and tobacco, and I had to sit down on his stool. I don't "
    "think I can say more about him just yet, dear.",
    "It's annoying, honestly, because everyone has an explanation for me. I'd need to think "
    "about it properly before I say more to you.",
])
def test_coming_back_with_words_that_hold_some_back_is_partial(last: str) -> None:
    after = [("client", "Honestly? They felt like another thing I was failing at, and I "
                        "didn't want to tell you because you were trying to help."),
             ("therapist", "Thank you for telling me."),
             ("client", last)]
    t, markers, repairs = _case(after, True, {})
    assert build_episodes(t, markers, repairs)[0].outcome == "partially_resolved"


@pytest.mark.parametrize(("text", "kind"), [
    # personal news or hurt voiced after a repair is the client talking, not a new strain,
    # even with words ("stop", "wasn't important", "not wrong") a complaint might use
    ("They've given me an appointment for a scan. My mother had Alzheimer's. I watched her "
     "stop knowing who I was.", "neutral"),
    ("I felt like I wasn't important enough to ask.", "neutral"),
    # "It's okay" that goes on to say how it was is not smoothing it over
    ("It's okay. It's just... it's the story of my life, being fitted around other people. "
     "It feels good to say it out loud for once.", "re-engaged"),
    ("It's okay. Don't worry about it.", "appeasing"),
])
def test_reply_kind_reads_the_reply_not_a_complaint_word(text: str, kind: str) -> None:
    t = _t(("therapist", "I think I assumed it wouldn't matter. I'm sorry."), ("client", text))
    assert reply_kind(t.utterances[1], (), median_words=23.0) == kind


@pytest.mark.parametrize("held_back", [
    "Aye. I don't want to go on about it. Maybe another time I'll say more.",
    "He's inside, my brother. Since March. That's all I'm saying today.",
    "I think I'd like that. But I'm reserving judgement on the whole thing.",
])
def test_holding_back_after_a_repair_is_partial_even_if_a_plain_reply_follows(
        held_back: str) -> None:
    after = [("client", "Honestly? They felt like another thing I was failing at, and I "
                        "didn't want to tell you because you were trying to help."),
             ("therapist", "Thank you for telling me."),
             ("client", held_back),
             ("therapist", "That's alright. You've said a lot."),
             ("client", "Right you are.")]
    t, markers, repairs = _case(after, True, {})
    assert build_episodes(t, markers, repairs)[0].outcome == "partially_resolved"


def test_a_goodbye_to_a_last_attempt_on_the_way_out_leaves_the_reply_before_it_standing(
        ) -> None:
    after = [("client", "Honestly, the sheets felt like one more thing I was failing at, and "
                        "I didn't want to tell you that."),
             ("therapist", "I'd really like to hear more about that, whenever you feel like it."),
             ("client", "Okay. Maybe next week. I'm a bit knackered today."),
             ("therapist", "That's fair. Thank you for saying even that much. See you next "
                           "week."),
             ("client", "Yeah. See you.")]
    t, markers, repairs = _case(after, True, {})
    repairs.append(_r(t, 10, "validates_defensive_posture"))  # the attempt on the way out
    ep = build_episodes(t, markers, repairs)[0]
    # "Maybe next week" holds the strain open; "See you." says nothing about it
    assert ep.outcome == "partially_resolved"


def test_the_reply_before_a_goodbye_counts_however_long_the_episode_ran() -> None:
    """Many guarded replies after the first attempt, then an invitation, the strain put off
    to next week, a last word on the way out and a goodbye (the demo's seventh session):
    "Maybe next week" is the client's last word on it, not a reply from earlier on."""
    guarded = [("client", "Fine."), ("therapist", "What about work?")] * 5
    after = guarded + [
        ("client", "Yeah."),
        ("therapist", "I'd really like to hear more about the sheets, whenever you feel like "
                      "it."),
        ("client", "Okay. Maybe next week. I'm a bit knackered today."),
        ("therapist", "That's fair. Thank you for saying even that much. See you next week."),
        ("client", "Yeah. See you.")]
    t, markers, repairs = _case(after, True, {7 + 2 * k: W[1] for k in range(6)})
    # more guarded replies than the judge reads after the first attempt
    assert sum(1 for u in t.utterances[7:18] if u.role.value == "client") == 6
    repairs += [_r(t, 18, "invites_discussion_of_relationship"),
                _r(t, 20, "validates_defensive_posture")]
    (ep,) = build_episodes(t, markers, repairs)
    assert ep.outcome == "partially_resolved"
    assert ep.open_at_end


@pytest.mark.parametrize("text", [
    "You didn't even look up from your notes.",
    pytest.param("This is pointless, honestly.", marks=pytest.mark.xfail(
        DEFAULT_DETECTOR == "markers.ft.v1", strict=True,
        reason="a known miss of markers.ft.v1: both its encoder and the phrase model give "
               "a complaint about progress under 0.25 here (issue 3 note)")),
])
def test_a_complaint_after_a_repair_is_the_strain_going_on(text: str) -> None:
    # the marker detector, not a recall-minded cue, tells a complaint from news or hurt
    t = _t(("therapist", "I think I assumed it wouldn't matter. I'm sorry. How was that?"),
           ("client", text))
    assert reply_kind(t.utterances[1], detect_markers(t), median_words=25.0) == "strain"


def test_asking_to_go_on_next_time_is_not_holding_back() -> None:
    # "more next time" here asks for more of the conversation, not less of it
    after = [("client", "Honestly? They felt like another thing I was failing at, and I "
                        "didn't want to tell you because you were trying to help."),
             ("therapist", "Thank you for telling me."),
             ("client", "I think I was really angry at him, and I didn't want to see his face. "
                        "Both. Yeah. Can we talk about it more next time too?")]
    t, markers, repairs = _case(after, True, {})
    assert build_episodes(t, markers, repairs)[0].outcome == "resolved"


def test_conceding_on_the_way_out_does_not_lift_a_guarded_run_to_partial() -> None:
    # "I suppose" concedes without promising any later movement, unlike "maybe next week"
    after = [("client", "Yeah."),
             ("therapist", "We'll need to stop here for today."),
             ("client", "Fine. See you in two weeks, I suppose.")]
    t, markers, repairs = _case(after, True, {7: W[1]})
    assert build_episodes(t, markers, repairs)[0].outcome == "unresolved"


def test_a_therapist_owning_their_part_opens_an_episode_no_cue_caught() -> None:
    # the client's words carry no complaint cue, but "I've just done what everyone else
    # does" answers a strain in the reply before it
    t = _t(("therapist", "The crash after the good day. We talked about pacing, keeping to the "
                         "same amount even on a good day."),
           ("client", "Yeah, look, with respect, I've done pacing. I've done three pacing "
                      "courses. Everyone keeps telling me to pace like I'm an idiot who's never "
                      "heard of it."),
           ("therapist", "Oh, sorry, I— yeah. I've just done exactly what everyone else does, "
                         "haven't I. Told you the thing you already know."),
           ("client", "Bit, yeah. It's not your fault. It's just the tenth time."))
    eps = build_episodes(t, [], [_r(t, 2, "acknowledges_contribution")])
    assert [(e.start_utterance, e.family) for e in eps] == [(1, "confrontation")]
    # an ordinary feeling question with no owning of a part opens nothing
    assert build_episodes(t, [], [_r(t, 2, "invites_discussion_of_relationship")]) == []


def test_either_way_inside_open_talk_is_not_conceding() -> None:
    after = [("client", "Honestly? They felt like another thing I was failing at, and I "
                        "didn't want to tell you because you were trying to help."),
             ("therapist", "Thank you for telling me."),
             ("client", "I feel like I'm failing her either way. That's what I want help with.")]
    t, markers, repairs = _case(after, True, {})
    assert build_episodes(t, markers, repairs)[0].outcome == "resolved"


def test_talk_of_not_coming_back_is_not_holding_back_for_later() -> None:
    # "We'll see" after "I'll think about whether I'm coming back" promises nothing
    after = [("client", "I shouldn't have to tell you. You're the therapist."),
             ("therapist", "That's fair. I'd still find it useful to know what helps."),
             ("client", "Forget it. I'll think about whether I'm coming back."),
             ("therapist", "I'd really like you to come back."),
             ("client", "We'll see. Time's nearly up anyway.")]
    t, markers, repairs = _case(after, True, {})
    assert build_episodes(t, markers, repairs)[0].outcome == "unresolved"
