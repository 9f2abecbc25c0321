"""What the therapist's turn did, and the plain features of the client's reply."""

from __future__ import annotations

import pytest

from mendline.analysis.acts import (
    DEFAULT_OPEN_REPLY_WORDS,
    Act,
    addressed_you,
    classify_therapist_turn,
    client_features,
    clipped_runs,
    content_words,
    open_reply_baselines,
    previous_therapist,
    reported_spans,
    specific_words,
    without_thanks,
)
from mendline.transcript import Role, RoleSource, Speaker, Transcript, Utterance


def _t(*turns: tuple[str, str] | tuple[str, str, float, float]) -> Transcript:
    us = []
    for i, turn in enumerate(turns):
        role, text = turn[0], turn[1]
        start, end = (turn[2], turn[3]) if len(turn) == 4 else (None, None)
        us.append(Utterance(i, role.capitalize(), Role(role), text, start, end))
    speakers = tuple(Speaker(r.capitalize(), Role(r), RoleSource.EXPLICIT, 1.0)
                     for r in ("therapist", "client"))
    return Transcript(tuple(us), speakers, "txt", "0" * 64)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("How did that feel when she left?", Act.FEELING_QUESTION),
        ("What was that like for you?", Act.FEELING_QUESTION),
        ("What happened next?", Act.OPEN_QUESTION),
        ("Tell me more about the weekend.", Act.OPEN_QUESTION),
        ("Partner B, what do you make of what she said?", Act.OPEN_QUESTION),
        ("When was that?", Act.CLOSED_QUESTION),
        ("How many times a week?", Act.CLOSED_QUESTION),
        ("Did you take the bus?", Act.CLOSED_QUESTION),
        ("How is it for you, talking with me about this right now?", Act.RELATIONSHIP_QUESTION),
        ("I'd like you to try a thought record this week.", Act.SUGGESTION),
        ("I wonder if part of you still expects to be let down.", Act.INTERPRETATION),
        ("It sounds like you were really on your own with it.", Act.REFLECTION),
        ("The idea is that when we avoid something, the fear tends to grow, because we never "
         "get to learn that it can be managed. That's the reason we practise.", Act.EXPLANATION),
    ],
)
def test_therapist_act(text: str, kind: Act) -> None:
    assert classify_therapist_turn(text).kind is kind


@pytest.mark.parametrize(
    ("text", "invites", "factual"),
    [
        ("How did that feel?", True, False),
        ("When did you get there?", False, True),
        ("On a scale of zero to ten, how important is this?", False, True),
        ("So that was on Thursday, right?", False, True),
        ("Just okay?", False, False),
        ("I'm curious what that was like.", True, False),
        ("Take your time.", True, False),  # a prompt to go on asks for more
        ("Okay, the form is on the table.", False, False),
    ],
)
def test_invitation_and_factual(text: str, invites: bool, factual: bool) -> None:
    act = classify_therapist_turn(text)
    assert act.invites_elaboration is invites
    assert act.factual is factual


@pytest.mark.parametrize(
    ("client", "closing", "thinking"),
    [
        ("I don't know.", True, False),
        ("Dunno.", True, False),
        ("I don't know… maybe I felt left out.", False, True),
        ("I don't know, I think it was because nobody asked me.", False, True),
        ("It was fine.", False, False),
    ],
)
def test_i_dont_know_closing_vs_thinking_aloud(client: str, closing: bool,
                                               thinking: bool) -> None:
    t = _t(("therapist", "How did you feel about it?"), ("client", client))
    f = client_features(t.utterances[1], t.utterances[0])
    assert (f.idk_closing, f.thinking_aloud) == (closing, thinking)


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("My mom said 'you never listen' and walked out.", "you never listen"),
        ('He goes, "you are the problem", every time.', "you are the problem"),
        ("She told me you can't just quit like that.", "you can't just quit like that"),
    ],
)
def test_reported_speech_spans_cover_the_quote(text: str, quoted: str) -> None:
    start = text.index(quoted)
    assert any(a <= start and start + len(quoted) <= b for a, b in reported_spans(text))


@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("You never listen to me.", 1),
        ("My mom said 'you never listen'.", 0),
        ("You know, it was a long week.", 0),
        ("If you think about it, it's normal.", 0),
        ("Thank you.", 0),
    ],
)
def test_you_addressed_to_the_therapist(text: str, n: int) -> None:
    assert len(addressed_you(text)) == n


def test_features_count_words_without_annotations_and_read_timing() -> None:
    t = _t(("therapist", "What comes up when you think of her?", 0.0, 3.0),
           ("client", "[silence 6s] [sighs] Not much.", 9.0, 10.0))
    f = client_features(t.utterances[1], t.utterances[0])
    assert f.words == 2
    assert f.latency_s == pytest.approx(6.0)
    assert f.silence and f.sighs and f.pause_s == pytest.approx(6.0)


def test_topic_overlap_is_shared_content_words() -> None:
    assert content_words("The funeral was hard") == {"funer", "hard"}
    t = _t(("therapist", "How was the funeral?"), ("client", "The funeral was hard."),
           ("therapist", "How was the funeral?"), ("client", "Did you see the football?"))
    on = client_features(t.utterances[1], t.utterances[0])
    off = client_features(t.utterances[3], t.utterances[2])
    assert on.overlap > 0.4 and off.overlap == 0.0


def test_baseline_is_this_clients_earlier_open_replies_only() -> None:
    long_reply = "well it was a long day and I kept thinking about what my sister said to me"
    turns: list[tuple[str, str]] = []
    for _ in range(3):
        turns += [("therapist", "What was that like?"), ("client", long_reply)]
        turns += [("therapist", "When was it?"), ("client", "Monday.")]
    turns += [("therapist", "How did that feel?"), ("client", "Fine.")]
    t = _t(*turns)
    base = open_reply_baselines(t)
    assert base[1] is None  # nothing earlier yet
    assert base[-1] == pytest.approx(17.0)  # the factual "Monday." replies do not count
    f = client_features(t.utterances[-1], previous_therapist(t, len(turns) - 1), base[-1])
    assert f.baseline_ratio < 0.1
    assert DEFAULT_OPEN_REPLY_WORDS > 0


def test_clipped_runs_count_each_clients_own_short_replies_in_a_row() -> None:
    us = [Utterance(i, who, Role.THERAPIST if who == "T" else Role.CLIENT, text)
          for i, (who, text) in enumerate([
              ("T", "How was it?"), ("Ann", "Fine."),
              ("Bo", "It was a long, hard week for us both."),
              ("T", "Ann?"), ("Ann", "[pause] Okay."), ("T", "And the weekend?"),
              ("Ann", "Well the weekend was better because we went to see my mother."),
              ("T", "Good."), ("Ann", "Mm.")])]
    speakers = (Speaker("T", Role.THERAPIST, RoleSource.EXPLICIT, 1.0),
                Speaker("Ann", Role.CLIENT, RoleSource.EXPLICIT, 1.0),
                Speaker("Bo", Role.CLIENT, RoleSource.EXPLICIT, 1.0))
    runs = clipped_runs(Transcript(tuple(us), speakers, "txt", "0" * 64))
    # Bo's long turn does not break Ann's run; a pause is not a word; a long reply resets it
    assert [runs[i] for i in (1, 2, 4, 6, 8)] == [0, 0, 1, 2, 0]


@pytest.mark.parametrize(
    ("text", "offers"),
    [
        # readings and suggestions a client can turn down, in everyday wording
        ("There's a lot of anger underneath the sadness, I think.", True),
        ("Might it help to get some respite care?", True),
        ("You seem to believe that everyone notices when you blush.", True),
        ("Before we finish I'd like us to agree on something for the week.", True),
        ("Tell me if this fits. It sounds like an old hurt gets touched.", True),
        ("Our time is nearly up.", False),
    ],
)
def test_therapist_offers_something_to_take_up(text: str, offers: bool) -> None:
    assert classify_therapist_turn(text).offers_intervention is offers


@pytest.mark.parametrize(
    ("client", "stance"),
    [
        ("It's not \"interesting\", I had the date wrong.", True),  # their word handed back
        ("I don't 'believe' it. They do.", True),
        ("yeah that's not gonna happen, he's never home", True),
        ("Can we not read into every single thing I do?", True),
        ("I'm not putting him in a home.", True),
        # pushing back on a deeper reading, or on being taken further
        ("I forgot. Not everything I do means something.", True),
        ("There's no \"hidden part\". I was tired.", True),
        ("Swimming? At this weight? Don't even go there.", True),
        ("Is that it? I tell you all that and you nod?", True),
        ("That's a bit rich, coming from someone who charges for missed sessions.", True),
        ("I don't know, I'm not sure yet.", False),
        ("We went to the coast and it was lovely.", False),
        # the same words in a client's own motivation or news are not a stance against anyone
        ("There's no part of me that wants to go back to smoking.", False),
        ("I went there last week with my sister.", False),
        ("Is that it for the form? Great, thanks.", False),
    ],
)
def test_client_disagreement_in_everyday_words(client: str, stance: bool) -> None:
    t = _t(("therapist", "It's interesting that you forgot the session."), ("client", client))
    f = client_features(t.utterances[1], t.utterances[0])
    assert f.negative_stance is stance


@pytest.mark.parametrize(
    ("text", "proposal", "greeting", "relationship"),
    [
        ("We could try a short walk after lunch. How does that sound?", True, False, False),
        ("Would it be okay if we looked at the diary together?", True, False, False),
        ("How do you feel about trying it for a week?", True, False, False),
        ("How did you feel when she left?", False, False, False),
        ("Hello, lovely to see you. How are you today?", False, True, False),
        ("How are you today, after everything with your dad?", False, False, False),
        ("Thank you for sharing that with me today. Would you like to go on?", True, False, False),
        ("What is it like to talk about this with me right now?", False, False, True),
    ],
)
def test_offers_greetings_and_the_relationship(text: str, proposal: bool, greeting: bool,
                                               relationship: bool) -> None:
    a = classify_therapist_turn(text)
    assert (a.proposal, a.greeting, a.relationship) == (proposal, greeting, relationship)


@pytest.mark.parametrize(
    ("text", "n"),
    [("Cycling.", 1), ("Stuff.", 0), ("Fine, I guess.", 0), ("Pure hell.", 2), ("k", 0),
     ("Health reasons, mostly.", 2), ("Not much really.", 0)],
)
def test_specific_words_count_what_a_reply_names(text: str, n: int) -> None:
    assert specific_words(text) == n


def test_sentences_of_thanks_are_blanked_and_spans_kept() -> None:
    text = "Thank you for sharing that with me today. What is it like being here with me?"
    out = without_thanks(text)
    assert len(out) == len(text)
    assert "with me today" not in out and out.endswith("What is it like being here with me?")
    assert without_thanks("What did you make of it?") == "What did you make of it?"


@pytest.mark.parametrize(("text", "agenda"), [
    ("Is there anything you'd like to explore or talk about during our time today?", True),
    ("So where would you like to start today?", True),
    ("Is there anything specific you want to focus on this week?", True),
    # an open question about a topic already chosen is not a choice of agenda
    ("Is there anything you'd like to share about how your week has been?", False),
    ("What brings you in, in your own words?", False),
])
def test_asking_what_to_talk_about_is_an_agenda_question(text: str, agenda: bool) -> None:
    assert classify_therapist_turn(text).agenda is agenda


@pytest.mark.parametrize("text", [
    "Some people find it helpful to write a letter to the person they lost.",
    "I've got a short questionnaire to help us see where the worry sits.",
    "I'd like each of you to draw your family as animals.",
    "So the next step on the ladder is touching the bin lid.",
])
def test_a_task_offered_in_other_words_is_a_suggestion(text: str) -> None:
    a = classify_therapist_turn(text)
    assert a.suggestion and a.offers_intervention


@pytest.mark.parametrize(("text", "prompt"), [
    ("You mentioned urges this week.", True),
    ("So, your dad.", True),
    ("The nurses said you've been staying in your room a lot.", True),
    ("Okay, no worries. So last week you'd talked about the job centre appointment.", True),
    ("Maria, you were talking last week about your garden.", True),
    # statements that explain, or say something in passing, hand over no topic
    ("The body does that.", False),
    ("Anxiety rises, peaks, and comes down if you stay with it.", False),
    ("You mentioned urges this week. What was the strongest one like?", False),  # a question
    ("I was worried about you.", False),
    # asking leave to raise it: "yeah, go on" gives the go-ahead asked for
    ("You said something about your stepdad that I wanted to come back to, if that's "
     "alright.", False),
])
def test_a_statement_that_raises_a_topic_hands_the_client_the_floor(text: str,
                                                                     prompt: bool) -> None:
    assert classify_therapist_turn(text).topic_prompt is prompt


@pytest.mark.parametrize(("text", "probe"), [
    ("Just okay?", True),
    ("Nothing at all?", True),
    ("Did you win?", False),  # a short closed question asked outright
    ("Is it today?", False),
])
def test_a_probe_follows_an_answer_up_without_a_verb_of_its_own(text: str, probe: bool) -> None:
    assert classify_therapist_turn(text).probe is probe


def test_looking_at_the_pattern_together_is_a_plan_not_an_interpretation() -> None:
    assert not classify_therapist_turn(
        "and you bring it back next week and we look at the pattern").interpretation
    assert classify_therapist_turn(
        "I wonder if there's a familiar pattern in how this ended.").interpretation
