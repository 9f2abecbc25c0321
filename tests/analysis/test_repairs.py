"""Therapist repair strategies: the hard cases of issue 4 as pairs, and the output contract.

Each pair shares a surface (a feeling question, a "sorry", an agreement, a return to the
task) and differs in what it does for the relationship. Both halves must come out right.
"""

from __future__ import annotations

import pytest

from mendline.analysis import embeddings, repairs_ft
from mendline.analysis.markers import detect_markers
from mendline.analysis.repairs import DETECTORS, detect_repairs, detector_name
from mendline.analysis.session import analyze_session
from mendline.errors import UnknownDetector
from mendline.transcript import Role, RoleSource, Speaker, Transcript, Utterance
from mendline.vocabulary import METACOMMUNICATION, STRATEGIES

COMPLAINT = ("client", "Honestly, these worksheets are pointless. You're not listening to me.")
NEUTRAL = ("client", "Work was busy this week, but I managed to get out for a walk on Sunday.")


def _t(*turns: tuple[str, str]) -> Transcript:
    us = tuple(Utterance(i, role.capitalize(), Role(role), text)
               for i, (role, text) in enumerate(turns))
    speakers = tuple(Speaker(r.capitalize(), Role(r), RoleSource.EXPLICIT, 1.0)
                     for r in ("therapist", "client"))
    return Transcript(us, speakers, "txt", "0" * 64, language="en")


def _ids(*turns: tuple[str, str], detector: str | None = None) -> set[str]:
    t = _t(*turns)
    last = len(t.utterances) - 1
    return {r.id for r in detect_repairs(t, detect_markers(t), detector)
            if r.utterance == last}


# Every model must get the hard cases right: the default (repairs.ft.v1 when the
# embeddings extra is installed), the plain model every installation has, and the
# frozen-vector model where the extra is installed.
MODELS = [None, "repairs.lr.v1", *(["repairs.embed.v1"] if embeddings.available() else [])]


# (context turns, therapist turn, strategy id, expected)
HARD_CASES = [
    # a feeling question about someone else vs an invitation to talk about the relationship
    ([("therapist", "What happened at work?"),
      ("client", "My boss shouted at me in front of everyone.")],
     "How did you feel when your boss said that?",
     "invites_discussion_of_relationship", False),
    ([("therapist", "Shall we look at the homework?"), COMPLAINT],
     "Can we stop for a moment? I think something is happening between us right now. "
     "What is it like for you, being here with me today?",
     "invites_discussion_of_relationship", True),
    # "sorry" as politeness or sympathy vs owning one's part
    ([("therapist", "How was the funeral?"),
      ("client", "It was hard. My aunt didn't come.")],
     "I'm sorry to hear that.", "acknowledges_contribution", False),
    ([("therapist", "How has the week been?"), NEUTRAL],
     "Sorry, I'm running a little late today. Shall we start with the walk?",
     "acknowledges_contribution", False),
    ([("therapist", "Let's do another thought record."), COMPLAINT],
     "You're right. I think I pushed the worksheets on you when you were exhausted. "
     "That's my part, and I'm sorry.", "acknowledges_contribution", True),
    # validating the client's stance vs agreeing with the content of a complaint
    ([("therapist", "What happened with your manager?"),
      ("client", "He took credit for my report again.")],
     "You're right, he's being completely unfair.", "validates_defensive_posture", False),
    ([("therapist", "I wonder if we could talk about your last therapist."),
      ("client", "I'd rather not. I don't really trust therapists.")],
     "It makes sense that you'd want to hold back with me, after how that ended.",
     "validates_defensive_posture", True),
    # changing the subject while a complaint is open vs redirecting after a repair
    ([("therapist", "Let's look at the homework."), COMPLAINT],
     "Okay. Let's get back to the thought record.", "redirects_refocuses", False),
    ([("therapist", "Let's look at the homework."), COMPLAINT,
      ("therapist", "You're right, I wasn't listening. I stuck to my plan. I'm sorry."),
      ("client", "Thank you. It's been a horrible week and I just needed to say it.")],
     "Thank you for telling me. Now that we've talked that through, shall we come back to "
     "what happened on Friday?", "redirects_refocuses", True),
    # the client goes quiet without a word the marker layer reads as a rupture; the
    # therapist turns to the relationship: metacommunication all the same
    ([("therapist", "So the plan is to try the breathing exercise when the panic starts, "
                    "and then write down what happened."),
      ("client", "Mm-hm."),
      ("therapist", "And we can look at the notes together next week."),
      ("client", "Yeah. Right.")],
     "I'm sensing I might have lost you a bit. Has something about the last few minutes "
     "not worked for you?", "invites_discussion_of_relationship", True),
    # owning a misstep answers a strain the client's words gave no cue for
    ([("therapist", "So when you say you avoid the station, what does that mean for you?"),
      ("client", "It means I take buses.")],
     "I put that badly. It came out like an accusation, and I'm sorry.",
     "acknowledges_contribution", True),
    # owning one's part in plain past tense, with no "sorry" and no "I think I might have"
    ([("therapist", "Shall we look at the homework?"), COMPLAINT],
     "I chose my words badly there. I cut you off before you'd finished.",
     "acknowledges_contribution", True),
    # ...but the same words about someone else's conduct are not the therapist's part
    ([("therapist", "What happened at work?"),
      ("client", "My manager interrupted me in the meeting again.")],
     "How did you feel when he cut you off like that?", "acknowledges_contribution", False),
    # ...and the same words of a pattern link, with nothing strained, are interpretation
    ([("therapist", "How was the visit to your parents?"),
      ("client", "Good, actually. We cooked together and Dad told old stories all evening.")],
     "It sounds like that's a bit like what you've described with your partner, where "
     "you feel closest when you're doing something side by side.", "links_to_patterns",
     False),
    # being moved by the story, with no strain in the room, vs the therapist's own reaction
    # to a strain between them: only the second is a disclosure about the relationship
    ([("therapist", "How was the weekend?"),
      ("client", "We scattered Dad's ashes at the beach he loved. My little boy held my "
                 "hand the whole way down.")],
     "Oh. I notice I feel a real lump in my throat, hearing that.",
     "discloses_internal_experience", False),
    ([("therapist", "Shall we look at the homework?"), COMPLAINT],
     "I notice I feel a bit defensive hearing that, and I'd rather understand what I've "
     "been missing.", "discloses_internal_experience", True),
    # a pattern link that labels the client's reaction states a motive; it is not repair
    ([("therapist", "We'll need to stop there for today."),
      ("client", "Fine. Whatever. You're just like everyone else.")],
     "You always react like this when someone sets a limit. That's your abandonment "
     "schema, and you're doing it with me right now.", "links_to_patterns", False),
    # asking what the client wants to talk about is the agenda, even after a flat reply;
    # asking what is happening between them is the relationship
    ([("therapist", "Hello, it's nice to meet you. How are you feeling today?"),
      ("client", "I'm alright I suppose, how are you?")],
     "I'm well, thank you for asking. I'm really glad you came today. What would you like "
     "to talk about?", "invites_discussion_of_relationship", False),
    ([("therapist", "How have you been since we last spoke?"),
      ("client", "Honestly not great. Just tired of everything.")],
     "I'm sorry it's been hard. I'm here for you. What would you like to focus on today?",
     "invites_discussion_of_relationship", False),
]


@pytest.mark.parametrize("detector", MODELS)
@pytest.mark.parametrize(("context", "turn", "sid", "expected"), HARD_CASES)
def test_hard_cases(context: list[tuple[str, str]], turn: str, sid: str, expected: bool,
                    detector: str | None) -> None:
    assert (sid in _ids(*context, ("therapist", turn), detector=detector)) is expected


# Counter-examples from clinical.md: none of these is a repair of any kind.
NOT_REPAIR = [
    ([("therapist", "How did the week go?"), ("client", "Fine.")],
     "You don't seem ready to work today."),
    ([("therapist", "Let's look at the homework."), COMPLAINT],
     "I did listen. The worksheets really do work if you just stick with them."),
    ([("therapist", "Let's look at the homework."), COMPLAINT],
     "You're being defensive. I think part of you doesn't want to change."),
]


@pytest.mark.parametrize("detector", MODELS)
@pytest.mark.parametrize(("context", "turn"), NOT_REPAIR)
def test_counter_examples_are_not_repair(context: list[tuple[str, str]], turn: str,
                                         detector: str | None) -> None:
    assert _ids(*context, ("therapist", turn), detector=detector) == set()


INVITATION = (("therapist", "Shall we look at the homework?"), COMPLAINT,
              ("therapist", "Can we stop for a moment? I think something is happening between "
                            "us right now. What is it like for you, being here with me today?"))


@pytest.mark.skipif(not repairs_ft.available(), reason="needs the embeddings extra")
def test_with_the_extra_the_fine_tuned_encoder_is_read_by_default() -> None:
    result = analyze_session(_t(*INVITATION))
    assert "repairs.ft.v1" in result.detectors
    assert [(r.id, r.detector) for r in result.repairs] == [
        ("invites_discussion_of_relationship", "repairs.ft.v1")]


@pytest.mark.parametrize("name", list(DETECTORS))
def test_every_detector_can_be_chosen_and_is_recorded(name: str) -> None:
    if (name == "repairs.embed.v1" and not embeddings.available()
            or name == "repairs.ft.v1" and not repairs_ft.available()):
        pytest.skip("needs the embeddings extra")
    t = _t(*INVITATION)
    found = detect_repairs(t, detect_markers(t), name)
    assert [r.id for r in found] == ["invites_discussion_of_relationship"]
    assert {r.detector for r in found} == {name} and detector_name(name) == name


def test_the_environment_may_choose_the_detector(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENDLINE_REPAIR_DETECTOR", "repairs.lr.v1")
    assert "repairs.lr.v1" in analyze_session(_t(*INVITATION)).detectors


def test_an_unknown_detector_is_named_with_the_known_ones() -> None:
    t = _t(*INVITATION)
    with pytest.raises(UnknownDetector, match="unknown repair detector 'repairs.v9'.*lr.v1"):
        detect_repairs(t, detect_markers(t), "repairs.v9")


def test_output_contract() -> None:
    t = _t(("therapist", "Let's look at the homework."), COMPLAINT,
           ("therapist", "I think I've been pushing the worksheets, and I'm sorry. I notice I "
                         "feel a bit stuck myself. What is it like for you, here with me?"))
    found = detect_repairs(t, detect_markers(t))
    assert found, "the repair turn should be found"
    for r in found:
        u = t.utterances[r.utterance]
        assert r.id in STRATEGIES
        assert r.metacommunication is (r.id in METACOMMUNICATION)
        assert u.text[r.span[0]:r.span[1]] == r.evidence and r.evidence
        assert 0.0 <= r.confidence <= 1.0
        assert r.why and r.detector.startswith("repairs.")
    assert any(r.metacommunication for r in found)


def test_client_turns_and_other_languages_give_nothing() -> None:
    t = _t(("client", "I'm sorry, I think I pushed you too hard last week."))
    assert detect_repairs(t, []) == []
    fr = Transcript(t.utterances, t.speakers, "txt", "0" * 64, language="fr")
    assert detect_repairs(fr, []) == []


# 3RS codes strategies as responses to a rupture: with nothing to respond to, the same words
# are ordinary therapy. (context turns, therapist turn, ids that must NOT be reported)
CALM = ("client", "It's been a good week, honestly. I got out for a walk with my sister and "
                  "we talked about Mum for the first time in ages.")
GATED = [
    # a goals question in a first session is not an invitation to talk about the relationship
    ([("therapist", "What brings you here now?"), CALM],
     "Can I ask what you'd want from coming here? If this went well, what would be different?",
     METACOMMUNICATION),
    # adjusting the plan with no objection before it is routine agenda-setting
    ([("therapist", "How has the week been?"), CALM],
     "Let's put the worksheet aside for today and talk about your sister.",
     {"changes_task_or_goal"}),
    # "how was that?" after a walk story is not a check-in on a repair
    ([("therapist", "How has the week been?"), CALM],
     "How was it, talking about her together?", {"checks_in_after_repair"}),
]


@pytest.mark.parametrize(("context", "turn", "not_ids"), GATED)
def test_no_strain_no_resolution_strategy(context: list[tuple[str, str]], turn: str,
                                          not_ids: set[str]) -> None:
    assert not (_ids(*context, ("therapist", turn)) & set(not_ids))


# The same adjustment right after an objection the marker detector may not catch is repair.
def test_immediate_strategy_after_a_complaint_like_reply() -> None:
    found = _ids(("therapist", "Could you rate the urge from one to ten?"),
                 ("client", "Scale of one to ten again. Why are you obsessed with numbers?"),
                 ("therapist", "Fair enough. No more numbers today. We can just talk it through."))
    assert "changes_task_or_goal" in found


def test_a_calm_pattern_link_does_not_open_a_repair_conversation() -> None:
    # the rules read turn 0 as a pattern link, but with no strain the gate refuses it, so
    # the question after it is not "inside a repair" and keeps the stricter threshold
    from mendline.analysis.repairs import featurize, strategy_hits

    t = _t(("therapist", "You've told me the same thing happens with your sister, and with "
                         "your dad before that: you go quiet so nobody gets upset. That "
                         "pattern again."),
           ("client", "Yes, I think that's right. It's something I've noticed a lot lately, "
                      "and I want to understand it better."),
           ("therapist", "What do you notice in yourself right now, saying that?"))
    rows = featurize(t, [])
    assert "links_to_patterns" in strategy_hits(t.utterances[0].text, rows[0][1])
    assert not rows[1][1].prior_repair


def test_a_check_in_on_the_repair_is_not_also_a_fresh_invitation() -> None:
    # "how has it been to say that to me?" after the therapist owned their part asks how the
    # repair conversation felt: one move, the check-in, not also an invitation
    found = _ids(
        ("therapist", "Can I stop you for a moment? I think I went to the questionnaire scores "
                      "instead of listening to you."),
        ("client", "You did. I felt like you'd made your mind up before I sat down."),
        ("therapist", "You're right, I had the scores in my head, and I went to them instead of "
                      "to you. I'm sorry."),
        ("client", "It's okay. It's just, I'm more than the scores."),
        ("therapist", "You are. Can I ask how it's been to say that to me?"))
    assert "checks_in_after_repair" in found
    assert "invites_discussion_of_relationship" not in found


def test_a_session_recap_is_not_a_repair() -> None:
    # an end-of-session summary repeats the client's themes and says "we" a lot, and the
    # terse "No" before it reads as strain, but a recap is routine, not a response to it
    found = _ids(
        ("client", "The next step is probably drinking less in the week or switching to "
                   "low-alcohol beer."),
        ("therapist", "Thinking about ways to cut down shows you're already thinking about "
                      "practical steps. Is there anything else you'd like to explore today?"),
        ("client", "No"),
        ("therapist", "Thank you for talking with me today. Let's briefly go over what we've "
                      "talked about. You've said that a drink after work takes the edge off, "
                      "especially with everything going on at work and at home. Despite that, "
                      "you have a strong wish to cut down for your sleep and your family, and "
                      "you're thinking about a smaller step that suits where you are right now."))
    assert found == set()


def test_a_closing_summary_in_other_words_is_not_a_repair_either() -> None:
    found = _ids(
        ("therapist", "What would being smoke-free give you?"),
        ("client", "I'd see my kids grow up."),
        ("therapist", "Thank you for sharing that with me today. We've had a meaningful "
                      "conversation about your hopes for yourself and your kids. You've shown "
                      "real insight into what matters to you, and how smoking fits with it."))
    assert found == set()


def test_owning_a_misstep_inside_a_recap_still_counts() -> None:
    found = _ids(
        ("therapist", "Could you rate the urge from one to ten?"),
        ("client", "Scale of one to ten again. Why are you obsessed with numbers?"),
        ("therapist", "Let me summarise what we've covered today. And I think I pushed the "
                      "numbers on you again, that's on me."))
    assert "acknowledges_contribution" in found


def test_turns_the_embedding_detector_skips_could_never_be_reported() -> None:
    """``could_be_repair`` decides which turns are encoded; it must let through every turn
    ``allowed`` could pass, or the embedding detector would silently drop repairs."""
    import itertools

    from mendline.analysis.repairs import RepairContext, allowed, could_be_repair
    from mendline.analysis.result import Marker
    from mendline.analysis.strain import StrainCues

    marker = Marker(utterance=1, id="withdrawal.minimal_response", family="withdrawal",
                    type="withdrawal", confidence=0.9, evidence="Fine.", span=(0, 5), why="",
                    detector="test")
    flags = ("flag:here_and_now", "flag:asks_here_and_now", "flag:ownership",
             "flag:resistance", "flag:recap", "flag:labels_client", "flag:resonance")
    for m, prior, since, recent, complaint, shut, quiet, chosen in itertools.product(
            (None, marker), *[(False, True)] * 6, itertools.chain.from_iterable(
                itertools.combinations(flags, k) for k in range(len(flags) + 1))):
        ctx = RepairContext(m, 1 if m else 0, complaint, prior, since,
                            StrainCues(complaint, shut, quiet, 1), recent)
        x = dict.fromkeys(chosen, 1.0)
        for sid, calm in itertools.product(STRATEGIES, (None, 0.5)):
            if allowed(sid, 1.0, 0.0, ctx, x, 0.0, calm):
                assert could_be_repair(ctx, x, calm is not None), (sid, calm, ctx, x)


def test_in_calm_talk_an_invitation_counts_only_when_it_asks_about_us() -> None:
    """With a bar for calm talk (``repairs.ft.v1``), an invitation with no strain before it
    counts when its question is about the two of them here and now; a session opening that
    thanks the client for talking "with me" and then asks what is on their mind is an
    ordinary open question (real MI chat has many)."""
    from mendline.analysis.repairs import allowed, featurize

    sid = "invites_discussion_of_relationship"

    def gate(therapist: str, calm: float | None) -> bool:
        t = _t(("therapist", "How was the week?"),
               ("client", "Busy. I saw my sister on Sunday."), ("therapist", therapist))
        _, ctx, x = featurize(t, [])[-1]
        assert not (ctx.strained or ctx.prior_repair)
        return allowed(sid, 0.6, 0.4, ctx, x, 0.8, calm)

    asks = "Can I ask, is it hard to talk about her with me, in this room?"
    assert gate(asks, 0.5)
    assert not gate(asks, None)  # the plain model's rule: the strict bar
    assert not gate("I appreciate you talking with me today. Is there anything on your mind "
                    "you'd like to discuss?", 0.5)


def test_a_model_reason_names_telling_words_not_bare_function_words() -> None:
    """A reason such as 'wording such as "i", "what"' explains nothing to a clinician."""
    import re
    from importlib import resources

    from mendline.analysis.repairs import _FUNCTION_WORDS
    from mendline.demo_caseload import demo_manifest
    from mendline.ingest import read_transcript
    from mendline.transcript import Role

    reasons = []
    for client in demo_manifest()["clients"][:1]:  # Elliot's eight sessions
        for s in client["sessions"]:
            with resources.as_file(resources.files("mendline.demo").joinpath(s["file"])) as p:
                t = read_transcript(p, roles={k: Role(v) for k, v in s["roles"].items()})
            reasons += [r.why for r in detect_repairs(t, detect_markers(t))]
    quoted = [q for why in reasons for q in re.findall(r"\u201c([^\u201d]+)\u201d", why)]
    assert quoted, "the demo sessions should hold some reasons from the model"
    assert not [q for q in quoted if set(q.split()) <= _FUNCTION_WORDS]
