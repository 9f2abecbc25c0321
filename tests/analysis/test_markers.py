"""Client rupture markers: the 3RS boundary rules as pairs of positive and negative cases.

Each hard case of issue 3 comes as a pair: the same surface, once a marker and once not.
Both halves must come out right with the default detector.
"""

from __future__ import annotations

import time

import pytest

from mendline.analysis.acts import client_features
from mendline.analysis.marker_rules import dismissal, strain_named, vetoes, wants_out
from mendline.analysis.markers import DEFAULT_DETECTOR, DETECTORS, detect_markers, one_direction
from mendline.transcript import Role, RoleSource, Speaker, Transcript, Utterance
from mendline.vocabulary import TRANSCRIPT_MARKERS

EXPLANATION = (
    "So the idea with this approach is that when we avoid something, the worry tends to grow, "
    "because we never get to find out that we can cope with it. That's the reason we go step "
    "by step."
)


def _t(*turns: tuple[str, str], language: str | None = "en") -> Transcript:
    us = tuple(Utterance(i, role.capitalize(), Role(role), text)
               for i, (role, text) in enumerate(turns))
    speakers = tuple(Speaker(r.capitalize(), Role(r), RoleSource.EXPLICIT, 1.0)
                     for r in ("therapist", "client"))
    return Transcript(us, speakers, "txt", "0" * 64, language=language)


def _ids(t: Transcript, utterance: int) -> set[str]:
    return {m.id for m in detect_markers(t) if m.utterance == utterance}


# (therapist turn, client turn, marker id, expected present)
HARD_CASES = [
    # a short answer to a closed or factual question is not a minimal response
    ("How did you feel when she said she was moving out?", "Fine.",
     "withdrawal.minimal_response", True),
    ("When was the interview?", "Tuesday.", "withdrawal.minimal_response", False),
    ("What has it been like since the funeral?", "I guess.",
     "withdrawal.minimal_response", True),
    ("Did you drive there yourself?", "Yeah.", "withdrawal.minimal_response", False),
    ("Your mom said you had a game on Saturday. Did you win?", "Yeah.",
     "withdrawal.minimal_response", False),
    # a backchannel while the therapist explains is not either
    (EXPLANATION, "Mm-hmm.", "withdrawal.minimal_response", False),
    (EXPLANATION, "Okay.", "withdrawal.minimal_response", False),
    ("and you bring it back next week and we look at the pattern", "mm hmm",
     "withdrawal.minimal_response", False),
    # a complaint about a boss or a previous therapist is content; "you never listen" is not
    ("What happened at work?", "My boss never listens to a word I say.",
     "confrontation.complaint_about_therapist", False),
    ("How did the last therapy end?", "My last therapist just didn't get it, honestly.",
     "confrontation.complaint_about_therapist", False),
    ("It sounds like that was really painful.", "You never listen to me. I just said it wasn't.",
     "confrontation.complaint_about_therapist", True),
    ("Let's go back to the list.", "You're not even listening to what I'm telling you.",
     "confrontation.complaint_about_therapist", True),
    # reported speech and negation
    ("What did she say?", "My mom said 'you never listen' and slammed the door.",
     "confrontation.complaint_about_therapist", False),
    ("You seem frustrated with me.", "It's not that you don't get it, I'm just tired today.",
     "confrontation.complaint_about_therapist", False),
    # "I don't know" thinking aloud vs closing a feeling question
    ("How did you feel when they didn't invite you?", "I don't know… maybe I felt left out.",
     "withdrawal.minimal_response", False),
    ("How did you feel when they didn't invite you?", "I don't know.",
     "withdrawal.minimal_response", True),
    # agreement with own elaboration vs bare deferential agreement
    ("What if you tried texting her first this week?",
     "Yeah, that makes sense, because when I wait for her I end up stewing all weekend, so "
     "I'd rather just get it done on Friday.",
     "withdrawal.deferential_appeasing", False),
    ("What if you tried texting her first this week?", "Sure, whatever you think.",
     "withdrawal.deferential_appeasing", True),
    # hopelessness about life explored together vs hopelessness that therapy can help
    ("What goes through your mind on those nights?",
     "Sometimes I feel like my life will never be any different, and I want to understand "
     "where that feeling comes from.",
     "withdrawal.self_criticism_hopelessness", False),
    ("What goes through your mind on those nights?",
     "Honestly, nothing's going to help me. Therapy won't work for someone like me.",
     "withdrawal.self_criticism_hopelessness", True),
    # a topic change tied back vs a change away from a feeling question
    ("How did you feel when your sister left without saying goodbye?",
     "That reminds me of work this week, when my manager walked past me in the corridor. "
     "It's the same feeling, like I'm invisible to people who matter.",
     "withdrawal.avoidant_storytelling", False),
    ("How did you feel when your sister left without saying goodbye?",
     "Anyway, at work this week we got a new coffee machine and everyone's been fighting "
     "over the settings, it's a whole saga with the facilities guy.",
     "withdrawal.avoidant_storytelling", True),
    # laughing at something funny vs [laughs] while describing a loss
    ("How was Christmas with the family?",
     "[laughs] The dog stole the whole turkey off the table, it was hilarious.",
     "withdrawal.content_affect_split", False),
    ("You said your dad missed your graduation.",
     "[laughs] Yeah, my dad never showed up to anything. It's fine.",
     "withdrawal.content_affect_split", True),
    # a neutral logistics request vs a complaint about parameters
    ("Anything before we finish?", "Can we move next Tuesday's session to Wednesday?",
     "confrontation.complaint_about_parameters", False),
    ("Anything before we finish?",
     "Fifty minutes is never enough, and honestly the fees are ridiculous for what this is.",
     "confrontation.complaint_about_parameters", True),
    # asking what an exercise is for, with curiosity, vs dismissing it
    ("I'd like you to try the breathing exercise twice a day.",
     "I'm curious, how does the breathing exercise help? I'd like to understand it.",
     "confrontation.complaint_about_activities", False),
    ("I'd like you to try the breathing exercise twice a day.",
     "These breathing exercises are pointless. They do nothing for me.",
     "confrontation.complaint_about_activities", True),
    # a plain yes or no to an offer answers it; a vague reply to a feeling question does not
    ("Thank you for sharing all of that with me today. Would you like to keep going?", "No.",
     "withdrawal.minimal_response", False),
    ("Thank you for sharing all of that with me today. Would you like to keep going?", "No.",
     "confrontation.rejects_intervention", False),
    ("We could try a week of short walks after lunch. How does that sound?", "Sounds good.",
     "withdrawal.minimal_response", False),
    ("Shall we try the breathing exercise together now?", "Sure!",
     "withdrawal.deferential_appeasing", False),
    ("Shall we try the breathing exercise together now?", "Sure, whatever you think is best.",
     "withdrawal.deferential_appeasing", True),
    # going along with a plan in a word that gives nothing of one's own view, vs a real
    # choice left open
    ("Okay, so let's set some goals for this term.", "whatever",
     "withdrawal.deferential_appeasing", True),
    ("We could try the breathing exercise now.", "If you want.",
     "withdrawal.deferential_appeasing", True),
    ("Would you like tea or coffee before we start?", "Don't mind.",
     "withdrawal.deferential_appeasing", False),
    ("Hello, lovely to see you again. How are you today?", "Good, thanks.",
     "withdrawal.minimal_response", False),
    # a short reply that names something answers the question; "stuff" does not
    ("What are some things you used to enjoy before the injury?", "Cycling.",
     "withdrawal.minimal_response", False),
    ("What have you been carrying since the funeral?", "Stuff.",
     "withdrawal.minimal_response", True),
    ("She sounds like a big presence. What's it been like since she died?", "Quiet.",
     "withdrawal.minimal_response", True),
    # an automatic transcript with no question marks: "fine" to an open question is still
    # a closed reply where more was invited
    ("how did it go with your daughter at the weekend", "fine",
     "withdrawal.minimal_response", True),
    # a long silence before "Not really." to a closed question that reached for more
    ("Anything at all, even something small?", "[silence 8s] Not really.",
     "withdrawal.minimal_response", True),
    ("Did you manage to get to the shop on Saturday?", "Not really.",
     "withdrawal.minimal_response", False),
    # any short answer to the opening "how are you?" completes a ritual
    ("Hi, good to see you. How have you been feeling lately?", "Worn out.",
     "withdrawal.minimal_response", False),
    # ...but a greeting does not excuse pushing back
    ("Hello, welcome. How are you feeling today?",
     "Fine. Whatever. Can we just get this over with?", "confrontation.control_pressure", True),
    # praise that covers over the client's view when asked for it, vs a goodbye
    ("Is there anything about how we work together that you'd want to be different?",
     "Oh no, you're the best, honestly.", "withdrawal.deferential_appeasing", True),
    ("That's all for today. Take care, and see you next week.", "Thanks, you're the best!",
     "withdrawal.deferential_appeasing", False),
]


@pytest.mark.parametrize(("therapist", "client", "marker_id", "present"), HARD_CASES)
def test_hard_cases(therapist: str, client: str, marker_id: str, present: bool) -> None:
    t = _t(("therapist", therapist), ("client", client))
    assert (marker_id in _ids(t, 1)) is present


ALL_POSITIVE = [case for case in HARD_CASES if case[3]]


@pytest.mark.parametrize(("therapist", "client"), [
    # "no" answering a plain question is an answer, not a disagreement or a rejection
    ("Before we finish, is there anything else on your mind you'd like to talk about?", "no"),
    ("Is there anything else you want to go over before we wrap up?",
     "No, I think we covered it."),
    # taking up an offer in its own words: no complaint about the arrangements
    ("Would you like to book another session, or is there something else on your mind?",
     "we can book another session"),
    ("Hi! Glad you came. How are you feeling as we get started?", "I'm feeling good"),
    ("Do I have your permission to talk about some options now?", "yes"),
    ("Would you be comfortable if we start discussing some strategies now?", "Yes please"),
    ("How do you feel about exploring other ways to cut down?", "that sounds good"),
    ("Is there anything else on your mind today you'd like to talk about?", "Not really!"),
    # the social answer to a greeting, returned in kind: neither denial nor appeasing
    ("Hi there, lovely to meet you. How are you doing today?", "I'm good thanks, how about you?"),
    ("Hello! Nice to see you. How are you doing?", "I'm fine thank you"),
])
def test_ordinary_replies_in_chat_carry_no_marker(therapist: str, client: str) -> None:
    t = _t(("therapist", therapist), ("client", client))
    assert _ids(t, 1) == set()


def test_a_short_turn_that_tells_the_therapist_what_to_do_can_still_push_back() -> None:
    # short turns need a sign for a confrontation marker; words to the therapist are one
    t = _t(("therapist", "I'm glad you're saying it. It's worth talking about."),
           ("client", "Is it? We'll see. Just do the sleep stuff."))
    assert any(i.startswith("confrontation.") for i in _ids(t, 1))


def test_smoothing_over_when_asked_about_the_two_of_you_is_still_withdrawal() -> None:
    t = _t(("therapist", "Is there anything else you want to tell me about how this is going "
                         "between us?"),
           ("client", "No, it's fine, really."))
    assert any(i.startswith("withdrawal.") for i in _ids(t, 1))


def test_no_to_an_offered_reading_still_pushes_back() -> None:
    reading = "I wonder if the anger is covering something softer, like hurt?"
    f = client_features(Utterance(1, "C", Role.CLIENT, "No. It's anger."),
                        Utterance(0, "T", Role.THERAPIST, reading))
    assert f.disagree
    plain = client_features(Utterance(1, "C", Role.CLIENT, "No, that's everything."),
                            Utterance(0, "T", Role.THERAPIST, "Is there anything else?"))
    assert not plain.disagree


@pytest.mark.parametrize(("therapist", "client", "marker_id", "present"), ALL_POSITIVE)
@pytest.mark.parametrize("detector", sorted(DETECTORS))
def test_markers_keep_the_contract(therapist: str, client: str, marker_id: str, present: bool,
                                   detector: str) -> None:
    t = _t(("therapist", therapist), ("client", client))
    for m in detect_markers(t, detector):
        text = t.utterances[m.utterance].text
        assert text[m.span[0]:m.span[1]] == m.evidence and m.evidence
        assert 0.0 <= m.confidence <= 1.0
        assert m.id in TRANSCRIPT_MARKERS and m.family == m.id.split(".")[0]
        assert m.detector == detector and m.why


@pytest.mark.parametrize(
    ("therapist", "client", "marker_id"),
    [
        ("What was that like for you?", "Whatever you think is best. You're the expert.",
         "withdrawal.deferential_appeasing"),
        ("How did it feel when he left?", "It didn't bother me. I'm fine.",
         "withdrawal.denial"),
        ("I wonder if you felt abandoned then.", "No, that's not it at all.",
         "confrontation.rejects_intervention"),
        ("How do you feel about where we are?",
         "I'm not getting any better doing this. Nothing has changed in months.",
         "confrontation.complaint_about_progress"),
        ("I noticed the homework didn't get done.",
         "I did try! You make it sound like I'm lazy.", "confrontation.defends_self"),
        ("What comes up for you about your father?", "Just tell me what to do. Stop asking me "
         "that.", "confrontation.control_pressure"),
        ("What did you feel when she cancelled?",
         "People just tend to be like that. One could say it's human nature.",
         "withdrawal.abstract_communication"),
    ],
)
def test_textbook_examples(therapist: str, client: str, marker_id: str) -> None:
    assert marker_id in _ids(_t(("therapist", therapist), ("client", client)), 1)


def test_confidence_reports_the_detector_and_a_reason() -> None:
    t = _t(("therapist", "How did you feel about the move?"), ("client", "Fine."))
    (m,) = [m for m in detect_markers(t) if m.id == "withdrawal.minimal_response"]
    assert m.detector == DEFAULT_DETECTOR
    assert "short reply" in m.why and "feeling question" in m.why


@pytest.mark.parametrize("language", ["de", "es", "fr"])
def test_non_english_transcript_gets_no_markers(language: str) -> None:
    t = _t(("therapist", "How did that feel?"), ("client", "I don't know."), language=language)
    assert detect_markers(t) == []


@pytest.mark.parametrize("client", ["", "   ", "\n"])
def test_empty_client_turns_are_skipped(client: str) -> None:
    t = _t(("therapist", "How did that feel?"), ("client", client),
           ("therapist", "What was that like?"), ("client", "I don't know."))
    assert {m.utterance for m in detect_markers(t)} == {3}


def test_one_word_session_flags_but_softly() -> None:
    """A client who answers everything in one word, from start to end.

    Chosen behaviour: the first few short replies to open questions are flagged as
    minimal responses at full strength (nothing yet says this is the client's usual way);
    once this client's own baseline shows they answer open questions in a word or two,
    the confidence drops (x0.6) and the reason says brevity may be their way of speaking.
    So the session still flags, but not every turn with full confidence.
    """
    turns: list[tuple[str, str]] = []
    for q in ["How was your week?", "What was that like?", "How did you feel about it?",
              "What went through your mind?", "How is it talking about this?"] * 4:
        turns += [("therapist", q), ("client", "Fine.")]
    t = _t(*turns)
    minimal = [m for m in detect_markers(t) if m.id == "withdrawal.minimal_response"]
    assert len(minimal) >= len(turns) // 2 - 2
    early = [m.confidence for m in minimal if m.utterance < 6]
    late = [m.confidence for m in minimal if m.utterance > 12]
    assert max(late) < min(early)
    assert any("their way of speaking" in m.why for m in minimal)


TALKATIVE_OPENING = [
    ("therapist", "How has the week been?"),
    ("client", "Honestly it's been a lot, work has been mad and I've hardly slept, and my sister "
               "keeps ringing about Mum's care home."),
    ("therapist", "What has that been like for you?"),
    ("client", "Tiring. I feel like I'm the one everyone leans on and nobody asks how I am, "
               "which I know sounds self-pitying."),
    ("therapist", "What would you like to focus on today?"),
    ("client", "Probably the sister stuff, because it's the thing that keeps me up at night "
               "going round and round."),
]


def test_clipped_replies_in_a_run_are_minimal_even_to_closed_questions() -> None:
    """Turn after turn of "Fine." / "Not really." from a client who usually says more:
    the closed form of each question no longer explains the shortness away (3RS minimal
    response). The first clipped reply is still excused; the run is what is flagged."""
    t = _t(*TALKATIVE_OPENING,
           ("therapist", "Did you manage to call her back in the end?"), ("client", "Not really."),
           ("therapist", "Was it any easier by the weekend?"), ("client", "Don't know."),
           ("therapist", "Let's look at the diary then."), ("client", "Fine."))
    assert "withdrawal.minimal_response" not in _ids(t, 7)
    for i, run in ((9, "after another very short reply"),
                   (11, "after two more very short replies")):
        minimal = [m for m in detect_markers(t)
                   if m.utterance == i and m.id == "withdrawal.minimal_response"]
        assert minimal, i
        assert run in minimal[0].why


@pytest.mark.parametrize("replies", [
    ("Yeah.", "Yep.", "No."),  # a yes or a no answers a yes/no question in full
    ("Mm-hmm.", "Okay.", "Right."),  # backchannels while the therapist goes on explaining
])
def test_a_run_of_plain_answers_or_backchannels_is_not_minimal(replies: tuple[str, ...]) -> None:
    t = _t(*TALKATIVE_OPENING,
           ("therapist", "Did you manage to call her back in the end?"), ("client", replies[0]),
           ("therapist", "So the first step is just noticing when the worry starts."),
           ("client", replies[1]),
           ("therapist", "Then we write down what the worry says, word for word."),
           ("client", replies[2]))
    assert not any(m.id == "withdrawal.minimal_response" for m in detect_markers(t))


def test_a_client_who_always_answers_briefly_is_not_read_as_clipping() -> None:
    """Judged against the client's own baseline: short replies to closed questions from a
    client whose open-question answers are a few words too are their way of speaking."""
    turns: list[tuple[str, str]] = []
    for q in ("How was your week?", "What was that like?", "How did you feel about it?"):
        turns += [("therapist", q), ("client", "Busy, mostly.")]
    turns += [("therapist", "Did you call her back?"), ("client", "Not really."),
              ("therapist", "Was the weekend any easier?"), ("client", "Sort of.")]
    t = _t(*turns)
    assert "withdrawal.minimal_response" not in _ids(t, 9)


def test_client_who_barely_speaks() -> None:
    turns: list[tuple[str, str]] = [("therapist", EXPLANATION)] * 10
    turns += [("client", "[silence]"), ("therapist", "How are you finding this so far?"),
              ("client", "[long pause] Mm.")]
    t = _t(*turns)
    found = detect_markers(t)
    assert all(m.utterance in (10, 12) for m in found)
    assert "withdrawal.minimal_response" in _ids(t, 12)


def test_four_hour_session_runs_in_reasonable_time() -> None:
    block = [
        ("therapist", "How did you feel when your sister called?"),
        ("client", "I don't know. It was fine, I guess, she always calls on Sundays."),
        ("therapist", "When was that?"),
        ("client", "Sunday."),
        ("therapist", EXPLANATION),
        ("client", "Mm-hmm."),
        ("therapist", "I wonder if part of you was hurt."),
        ("client", "No, that's not it. You keep saying that and it's not true."),
    ]
    t = _t(*(block * 300))  # 2,400 utterances, about four hours of talk
    start = time.perf_counter()
    found = detect_markers(t)
    assert time.perf_counter() - start < 5.0
    assert found


@pytest.mark.parametrize(
    ("therapist", "client", "vetoed"),
    [
        # no "you", but plainly to the therapist: an imperative, the room, going over it again
        ("So you felt relieved when it ended.", "No. Don't put words in my mouth.", False),
        ("It sounded like I was scolding you.",
         "A bit. I'm already doing the scolding in my own head, I don't need it here too.",
         False),
        ("How's Ben getting on at school?", "Ben's my nephew. We've been over this.", False),
        # about someone else, told as content: never a complaint about this therapist
        ("What happened at work?", "My boss said I never listen. He's always like that.", True),
        ("And then?", "She told me 'don't put words in my mouth' and walked off.", True),
        # said to a family member in the room, named as the one spoken to
        ("What happens at dinner?",
         "You're on your phone every dinner, Dad. You never listen to me.", True),
        ("What happens at dinner?", "Mum, you never listen. You just go on and on.", True),
        # "son" or "love" is often the therapist: left to the model
        ("What happens at dinner?", "Ach, son, you never listen. You just go on and on.", False),
    ],
)
def test_complaint_about_therapist_veto_reads_who_is_addressed(
        therapist: str, client: str, vetoed: bool) -> None:
    t = _t(("therapist", therapist), ("client", client))
    u = t.utterances[1]
    f = client_features(u, t.utterances[0])
    assert ("confrontation.complaint_about_therapist" in vetoes(u, f)) is vetoed


@pytest.mark.parametrize(("therapist", "client", "marker_id"), [
    # a plain question offers no criticism to defend against
    ("What's been your experience with smoking?", "I've smoked since 18. I'm 41 now. I like "
     "smoking.", "confrontation.defends_self"),
    # a reason named in two words is not talk in generalities
    ("What's motivating you to want to cut back?", "Health reasons.",
     "withdrawal.abstract_communication"),
    # asked what to talk about, saying so takes up the choice offered
    ("Is there anything specific you'd like to talk about today?", "I would like to talk "
     "about ways you can help me reduce the amount of cigarettes I smoke each day.",
     "confrontation.control_pressure"),
])
def test_the_boundary_rules_veto_what_the_model_alone_suggests(
        therapist: str, client: str, marker_id: str) -> None:
    t = _t(("therapist", therapist), ("client", client))
    u = t.utterances[1]
    assert marker_id in vetoes(u, client_features(u, t.utterances[0]))
    assert marker_id not in _ids(t, 1)


@pytest.mark.parametrize(("therapist", "client", "marker_id"), [
    # the turn's own words show the criticism heard, even after a plain question
    ("What happened after the parents' evening?", "Look, any parent would've shouted. I'm "
     "not some monster.", "confrontation.defends_self"),
    ("Did you manage any of the plan this week?", "Some. But before you say anything, my "
     "youngest was ill, so don't write me off.", "confrontation.defends_self"),
    # pressure keeps its own words in an open frame
    ("Is there anything you'd like to talk about today?", "No. Just tell me what to do and "
     "stop asking me what I want.", "confrontation.control_pressure"),
])
def test_the_turns_own_words_lift_those_vetoes(therapist: str, client: str,
                                               marker_id: str) -> None:
    t = _t(("therapist", therapist), ("client", client))
    assert marker_id in _ids(t, 1)


@pytest.mark.parametrize("client", ["how will it cost ?", "I don't know. Any suggestions?"])
def test_a_question_back_is_not_a_minimal_response(client: str) -> None:
    t = _t(("therapist", "When you think about change, what would make it feel safer?"),
           ("client", client))
    assert "withdrawal.minimal_response" not in _ids(t, 1)


def test_you_ask_too_many_questions_is_a_complaint_even_after_an_open_offer() -> None:
    t = _t(("therapist", "Is there anything else you'd like to share about your experience?"),
           ("client", "no, let us explore the possibilities. i find you ask too many questions."))
    assert "confrontation.complaint_about_therapist" in _ids(t, 1)


@pytest.mark.parametrize("client", [
    "I quite like the idea of using a straw or chewing gum as these seem quite practical.",
    "I think making a real effort to exercise daily would motivate me to smoke less.",
])
def test_liking_a_suggestion_is_not_objecting_to_it(client: str) -> None:
    t = _t(("therapist", "Do any of these options resonate with you, or is there another "
                         "approach you'd like to consider?"), ("client", client))
    u = t.utterances[1]
    out = vetoes(u, client_features(u, t.utterances[0]))
    assert {"confrontation.complaint_about_activities",
            "confrontation.rejects_intervention"} <= out
    assert not {i for i in _ids(t, 1) if i.startswith("confrontation.")}


def test_liking_it_but_with_a_catch_is_left_to_the_model() -> None:
    t = _t(("therapist", "Which of these would you like to try?"),
           ("client", "I don't really like the sound of any of that. Can you suggest "
                      "something different?"))
    u = t.utterances[1]
    assert "confrontation.complaint_about_activities" not in vetoes(
        u, client_features(u, t.utterances[0]))


@pytest.mark.parametrize(("client", "vetoed"), [
    # wanting something for one's own life is not pressure on the therapist
    ("I want to try to quit for my family and my own health", True),
    ("healthier, happier and writing even more than I do now", True),
    # pressure is aimed at the therapist or the session
    ("The presentation. Only the presentation. Tell me exactly what to say on Friday.", False),
    ("i want a proper plan by next week in writing, what we're doing and for how long", False),
    ("It's a hard no. Give me something else.", False),
])
def test_control_needs_words_aimed_at_the_therapist_or_the_session(client: str,
                                                                  vetoed: bool) -> None:
    t = _t(("therapist", "What's drawing you towards trying this new approach now?"),
           ("client", client))
    u = t.utterances[1]
    assert ("confrontation.control_pressure" in vetoes(
        u, client_features(u, t.utterances[0]))) is vetoed


@pytest.mark.parametrize(("found", "kept"), [
    # one family: a second reading when it is nearly as likely as the first
    ({"withdrawal.denial": 0.9, "withdrawal.minimal_response": 0.75},
     {"withdrawal.denial", "withdrawal.minimal_response"}),
    ({"withdrawal.denial": 0.9, "withdrawal.minimal_response": 0.4}, {"withdrawal.denial"}),
    # both: the family of the most confident marker, its likeliest ids
    ({"withdrawal.denial": 0.9, "confrontation.rejects_intervention": 0.4},
     {"withdrawal.denial"}),
    ({"withdrawal.denial": 0.5, "confrontation.complaint_about_therapist": 0.8,
      "confrontation.rejects_intervention": 0.65},
     {"confrontation.complaint_about_therapist", "confrontation.rejects_intervention"}),
    ({"withdrawal.denial": 0.5, "confrontation.complaint_about_therapist": 0.8,
      "confrontation.rejects_intervention": 0.3},
     {"confrontation.complaint_about_therapist"}),
    ({}, set()),
])
def test_one_stretch_of_speech_moves_one_way(found: dict[str, float], kept: set[str]) -> None:
    assert set(one_direction(found)) == kept


def test_a_second_complaint_in_words_of_its_own_is_kept() -> None:
    found = {"confrontation.complaint_about_activities": 0.9,
             "confrontation.complaint_about_therapist": 0.6}
    apart = {"confrontation.complaint_about_activities": (30, 60),
             "confrontation.complaint_about_therapist": (10, 26)}
    same = {"confrontation.complaint_about_activities": (30, 60),
            "confrontation.complaint_about_therapist": (40, 50)}
    assert set(one_direction(found, apart)) == set(found)
    assert set(one_direction(found, same)) == {"confrontation.complaint_about_activities"}
    t = _t(("therapist", "Tell me more about what came up for you?"),
           ("client", "Honestly, you're not listening to me. These worksheets are pointless."))
    assert {"confrontation.complaint_about_activities",
            "confrontation.complaint_about_therapist"} <= _ids(t, 1)


@pytest.mark.parametrize("detector", sorted(DETECTORS))
def test_a_played_down_feeling_is_a_denial_not_also_a_rejection(detector: str) -> None:
    t = _t(("therapist", "It sounds like losing the allotment after all those years was a "
                         "real blow."),
           ("client", "No, no. It didn't bother me at all. It was only a bit of land."))
    found = {m.id for m in detect_markers(t, detector) if m.utterance == 1}
    assert len({i.split(".")[0] for i in found}) <= 1
    if detector != "markers.rules.v1" or found:
        assert "withdrawal.denial" in found


@pytest.mark.parametrize(("therapist", "client"), [
    ("Your sister's funeral was on Friday.", "Yep. Done and dusted. Didn't affect me."),
    ("Your dad didn't come to your graduation.", "Meh. I'm grand. It really doesn't bother me."),
])
def test_playing_down_something_painful_the_therapist_named_is_denial(therapist: str,
                                                                      client: str) -> None:
    assert "withdrawal.denial" in _ids(_t(("therapist", therapist), ("client", client)), 1)


@pytest.mark.parametrize(("therapist", "client"), [
    ("For homework, could you write the worry diary each evening?",
     "Could I record it as voice memos instead? Typing on my phone takes me ages."),
    ("Let's do the breathing exercise lying down on the mat.",
     "Can I stay in the chair? My back is bad this week. I'm happy to do the breathing."),
    ("I'd like to try a visualisation today.",
     "Okay, what's the idea behind it? I've never done one before."),
])
def test_asking_to_adapt_a_task_or_what_it_is_for_is_not_a_complaint(therapist: str,
                                                                      client: str) -> None:
    t = _t(("therapist", therapist), ("client", client))
    u = t.utterances[1]
    out = vetoes(u, client_features(u, t.utterances[0]))
    assert {"confrontation.complaint_about_activities",
            "confrontation.complaint_about_parameters"} <= out
    assert not {i for i in _ids(t, 1) if i.startswith("confrontation.")}


def test_asking_to_skip_a_task_is_left_to_the_model() -> None:
    t = _t(("therapist", "Shall we start with the body scan?"),
           ("client", "Can we just skip it? It never does anything for me."))
    u = t.utterances[1]
    assert "confrontation.complaint_about_activities" not in vetoes(
        u, client_features(u, t.utterances[0]))


@pytest.mark.parametrize("client", [
    "No, honestly, it's not that you're pushing. You're not. I'm just scared of the "
    "application forms.",
    "It's not you, it's me. I'm shattered this week and my head is all over the place.",
])
def test_telling_the_therapist_it_is_not_their_doing_is_not_a_complaint(client: str) -> None:
    t = _t(("therapist", "I wonder if I've been pushing you too hard on the job search."),
           ("client", client))
    assert not {i for i in _ids(t, 1) if i.startswith("confrontation.")}


@pytest.mark.parametrize("client", [
    "I came here about my sleep. You've turned it into a whole thing about my mum.",
    "I felt like you'd made your mind up about me before I even sat down.",
    "Honestly I switch off when you start talking like a textbook.",
])
def test_paraphrased_complaints_about_the_therapist(client: str) -> None:
    t = _t(("therapist", "It sounds like there's still a lot of grief around your mum."),
           ("client", client))
    assert "confrontation.complaint_about_therapist" in _ids(t, 1)


@pytest.mark.parametrize(("therapist", "client", "abstract"), [
    # asked for reasons or goals, a short answer in nouns names them
    ("What would be different if you cut down?",
     "More energy in the mornings and a bit more money for the kids.", False),
    ("When do you tend to reach for a drink?", "After work, Fridays, and when my sister rings.",
     False),
    # a general truth in place of one's own experience is still abstract talk
    ("What happens when you walk past her room?",
     "Rooms hold memories. It's well known that places trigger recall.", True),
])
def test_a_short_answer_in_nouns_is_not_abstract_talk(therapist: str, client: str,
                                                      abstract: bool) -> None:
    t = _t(("therapist", therapist), ("client", client))
    assert ("withdrawal.abstract_communication" in _ids(t, 1)) is abstract


@pytest.mark.parametrize("therapist", [
    "How are you feeling as we start? Is there anything on your mind you'd like to talk about?",
    "Is there something in particular you want to look at today?",
])
def test_no_to_room_offered_for_a_topic_is_an_answer(therapist: str) -> None:
    t = _t(("therapist", therapist), ("client", "No."))
    assert "withdrawal.minimal_response" not in _ids(t, 1)


@pytest.mark.parametrize(("therapist", "client"), [
    ("You mentioned urges this week.", "Yeah."),
    ("The nurses said you've been staying in your room a lot.", "[shrugs]"),
    ("So, your dad.", "[silence]"),
])
def test_a_bare_reply_to_a_topic_the_therapist_raised_is_minimal(therapist: str,
                                                                 client: str) -> None:
    found = [m for m in detect_markers(_t(("therapist", therapist), ("client", client)))
             if m.id == "withdrawal.minimal_response"]
    # the reason names what was said: a statement, not a question
    assert found and "to a topic the therapist raised" in found[0].why


@pytest.mark.parametrize(("client", "out"), [
    ("Nothing. Can we stop?", True),
    ("Grand. Can I go now?", True),
    ("Not really. Can we finish a bit early today?", True),
    ("Nothing. Let's just go home, Bec.", True),
    ("Let's go through the diary.", False),
    ("Can we go over the homework?", False),
    ("Is that it?", False),
    ("How much would it cost?", False),
])
def test_asking_to_leave_is_told_from_other_questions(client: str, out: bool) -> None:
    assert wants_out(client) is out


def test_asking_to_leave_after_an_open_question_is_minimal_not_a_question_back() -> None:
    t = _t(("therapist", "And what were you thinking, right in that moment?"),
           ("client", "Nothing. Can we stop?"))
    assert "withdrawal.minimal_response" in _ids(t, 1)


@pytest.mark.parametrize(("therapist", "named"), [
    ("You went quite quiet when I asked about the phased return.", True),
    ("You're laughing, and I'm not sure it's funny.", True),
    ("I wonder if I've upset you somehow.", True),
    ("What did you have for breakfast?", False),
    ("You mentioned the phased return starts in May.", False),
])
def test_the_therapist_naming_a_strain_is_recognised(therapist: str, named: bool) -> None:
    t = _t(("therapist", therapist), ("client", "Fine."))
    u = t.utterances[1]
    assert strain_named(client_features(u, t.utterances[0])) is named


@pytest.mark.parametrize(("therapist", "client", "denial"), [
    ("You went quite quiet when I asked about the phased return.",
     "Oh, no, I was just tired. It wasn't anything you said.", True),
    ("I'm wondering if something about last week didn't sit right, or about me.",
     "nah it's not you", True),
    # the same question answered by naming what happened: taking part, not denial
    ("I'm wondering if something about last week didn't sit right, or about me.",
     "Honestly, yes. I felt judged when you brought up my drinking, and I've been stewing "
     "on it all week.", False),
])
def test_denying_a_strain_the_therapist_named_is_denial(therapist: str, client: str,
                                                        denial: bool) -> None:
    found = _ids(_t(("therapist", therapist), ("client", client)), 1)
    assert ("withdrawal.denial" in found) is denial


@pytest.mark.parametrize(("client", "dismissive"), [
    ("Whatever.", True),
    ("Fine. Whatever.", True),
    ("don't care", True),
    ("Whatever you think is best.", False),  # deferring, not dismissing
    ("It doesn't matter to me which day, honestly.", False),
])
def test_a_bare_dismissal_is_told_from_words_that_carry_more(client: str,
                                                             dismissive: bool) -> None:
    assert dismissal(client) is dismissive


def test_a_bare_dismissal_needs_no_question_to_be_minimal() -> None:
    t = _t(("therapist", "I hope you will try it. I think this matters."), ("client", "Whatever."))
    (m,) = [m for m in detect_markers(t) if m.id == "withdrawal.minimal_response"]
    assert "dismissive" in m.why and "question" not in m.why
    # while a plain "Okay." after the same statement is no reply held back
    t = _t(("therapist", "I hope you will try it. I think this matters."), ("client", "Okay."))
    assert "withdrawal.minimal_response" not in _ids(t, 1)


@pytest.mark.parametrize(("therapist", "client"), [
    ("Fair. I may have been telling you what you feel.", "Then stop it. Stop interpreting."),
    ("Can I ask a bit more about home?", "Don't ask about my dad again."),
])
def test_a_short_turn_telling_the_therapist_to_stop_can_push_back(therapist: str,
                                                                   client: str) -> None:
    found = _ids(_t(("therapist", therapist), ("client", client)), 1)
    assert any(i.startswith("confrontation.") for i in found)


@pytest.mark.parametrize(("therapist", "client", "minimal"), [
    # the reply gives back the question's own word, or a filler, and names nothing new
    ("What about your job?", "It's a job.", True),
    ("How about we talk about how the week at work's been?", "Same as always.", True),
    ("What would you like to talk about today?", "Don't mind.", True),
    ("And how are things at home?", "Same as ever. Nothing to add.", True),
    # the same questions answered with something in particular
    ("What about your job?", "The job's fine, but my manager is leaving in March.", False),
    ("How did the presentation go?",
     "The presentation went well, actually. Nobody noticed my hands.", False),
    ("What did you get up to at the weekend?", "Swimming with my niece.", False),
    ("How was work?", "Busy. The audit.", False),
])
def test_a_reply_that_names_nothing_new_is_not_a_specific_answer(therapist: str, client: str,
                                                                  minimal: bool) -> None:
    t = _t(("therapist", therapist), ("client", client))
    assert ("withdrawal.minimal_response" in _ids(t, 1)) is minimal


@pytest.mark.parametrize(("therapist", "client", "denial"), [
    # a strain the therapist named, said not to be there in the therapist's own word
    ("You've laughed a couple of times, and I'm not sure what it's covering.",
     "It's not covering anything, I'm just a bit giggly today.", True),
    # or put down to something ordinary
    ("You've gone a bit quiet today, and I'm wondering if I've done something that's made "
     "it harder.", "no. I'm just tired", True),
    ("Okay. And if it wasn't fine, that would be okay to say too.",
     "Honestly, nothing's wrong.", True),
    # the same words as a plain account, where nothing was named
    ("How was your week?",
     "I'm just tired, the baby was up every night and I'm running on empty.", False),
    ("Your sister's funeral was on Friday.",
     "It wasn't Friday, it was Thursday. And it was awful, honestly.", False),
])
def test_saying_a_named_strain_is_not_there_is_denial(therapist: str, client: str,
                                                      denial: bool) -> None:
    t = _t(("therapist", therapist), ("client", client))
    assert ("withdrawal.denial" in _ids(t, 1)) is denial


@pytest.mark.parametrize(("therapist", "client"), [
    ("Kemal, what do you think about the holiday plans?", "Whatever she thinks. She's the doctor."),
    ("Okay. So if we write the balanced thought down here...", "Write what you like."),
    ("So can I put you down for Saturday?", "Whatever works."),
    ("Any worries you'd like to talk about today?",
     "Oh no, I don't want to take up your time with my little things."),
])
def test_leaving_the_choice_to_others_is_deferential(therapist: str, client: str) -> None:
    t = _t(("therapist", therapist), ("client", client))
    assert "withdrawal.deferential_appeasing" in _ids(t, 1)


@pytest.mark.parametrize(("therapist", "client"), [
    ("Do you see it affecting your life in the future?",
     "It can be a problem with a new job. The new job says you can't smoke whenever you want."),
    ("What did the dietitian say?",
     "That at weekends you can eat whatever you want, within reason."),
])
def test_whatever_you_want_inside_a_statement_is_not_deferring(therapist: str,
                                                                client: str) -> None:
    t = _t(("therapist", therapist), ("client", client))
    assert "withdrawal.deferential_appeasing" not in _ids(t, 1)


@pytest.mark.parametrize(("therapist", "client", "present"), [
    ("Sorry, just one sec. [checking phone] Okay, go on.",
     "Are you actually serious? I'm telling you about the worst night I've had in months and "
     "you're on your phone.", True),
    ("It was on Monday, and that she [yawns] sorry, that she asked about the restructure.",
     "Am I boring you? Sorry, that came out wrong. But you've yawned twice.", True),
    ("It's hard to feel properly with someone through a screen.",
     "It is. I can't tell if you're listening. You look down and I think, is she on her phone.",
     True),
    # the same words about someone else, or the phone as a place, are not about the therapist
    ("What happened at dinner?",
     "Same as always. My dad's on his phone, and my mum says he's never listening.", False),
    ("Did you get my message?", "Yes, I told you on the phone, I can't do Thursdays.", False),
])
def test_the_therapists_attention_elsewhere_is_a_complaint_about_them(
        therapist: str, client: str, present: bool) -> None:
    t = _t(("therapist", therapist), ("client", client))
    assert ("confrontation.complaint_about_therapist" in _ids(t, 1)) is present
