"""Phrase cues and boundary rules for each client rupture marker (3RS).

The first layer of :mod:`mendline.analysis.markers`: every marker id has a rule that looks
for its phrase cues (``data/lexicons/markers_en.json``, in-house) outside reported speech
and negated frames, weighs them by the conversational context from
:mod:`mendline.analysis.acts`, and notes counter-evidence from the 3RS boundary rules
(Eubanks, Muran & Safran, 2015). ``vetoes`` lists what a turn cannot be, whatever a model
says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from mendline.analysis.acts import (
    CLIPPED_REPLY_WORDS,
    ClientFeatures,
    negated_echo,
    plain_question,
    specific_words,
)
from mendline.analysis.engagement import is_backchannel_text
from mendline.analysis.lexicon import Cue, folded, prefilter
from mendline.analysis.questions import sentence_spans
from mendline.transcript import Utterance
from mendline.vocabulary import TRANSCRIPT_MARKERS

__all__ = ["Hit", "rule_hits", "vetoes", "invitation", "whole_span", "trim_span",
           "benign_short_turn", "not_minimal", "answers_closed_question", "answers_offer",
           "wants_out", "strain_named", "dismissal", "clipped_run"]

_NEGATED_FRAME = folded(
    r"(?:not that|not saying|i'?m not saying|isn'?t that|i don'?t think|doesn'?t mean|"
    r"wouldn'?t say|never said|not because|it'?s not like|not as if|i'm not trying to say)"
    r"\W+(?:\w+\W+){0,3}$",
)
# A reply of at most this many spoken words can be a minimal response; with a closing cue
# ("I don't know, I guess") a few more. In-house choice: "It was hard, honestly." is not.
_MINIMAL_MAX_WORDS = CLIPPED_REPLY_WORDS
_MINIMAL_MAX_WORDS_WITH_CUE = 7
# A pause or response latency at least this long counts as a pause of note before or inside a
# reply (in-house threshold; the literature reports longer pauses in withdrawal without one
# cut-off).
_PAUSE_S = 3.0
# Short, plainly benign replies: thanks, greetings, a plain yes or okay.
_BENIGN = folded(
    r"^\W*(?:(?:ok(?:ay)?|k|sure|yes|yeah|yep|yup|alright|all right|right|cool|great|good|"
    r"fine|nice|perfect|awesome|thanks?|thank (?:you|u)|thx|ty|no problem|np|sounds good|"
    r"will do|got it|i see|makes sense|that makes sense|for sure|of course|definitely|"
    r"absolutely|hi|hello|hey|bye|goodbye|you too|same to you|lol|haha|ha|please|"
    r"not bad|let'?s do (?:it|that)|why not|that works|works for me|"
    r"that (?:sounds|would be|'?d be|seems|will be) (?:really |very )?(?:good|great|helpful|nice|"
    r"useful|fine|ok(?:ay)?|perfect|lovely))\W*){1,4}$")


# A last question that offers room to add a topic ("Is there anything else…?", "Something
# else on your mind?", "Is there anything you'd like to talk about?"); a short answer
# declines it in full.
_ANYTHING_ELSE = folded(r"\b(?:(?:anything|something) (?:else|more)|is there (?:anything|"
                        r"something))\b[^.!?]*\?\W*$")
# The therapist closing the session or sending the client off with encouragement: thanks or
# praise in reply is the ordinary goodbye, not appeasing.
_CLOSING = folded(
    r"\b(?:take care|see you|bye|goodbye|you'?ve got this|reach out|good luck|best of luck|"
    r"we'?re (?:at|out of) time|(?:that'?s|we'?ll) (?:all|stop|leave it) (?:for|there for) "
    r"today|until next (?:week|time)|have a (?:good|great|lovely|nice) (?:day|week|evening))\b")
_THANKS = folded(r"\b(?:thanks?|thank (?:you|u)|cheers|appreciate|ty)\b")


def _goodbye(f: ClientFeatures) -> bool:
    """Thanks (and praise) in reply to the therapist closing the session: an ordinary goodbye.

    3RS deferential/appeasing is going along to cover over the client's own view; with no
    question, plan or reading on the table there is nothing here to defer to.
    """
    return (not f.act.question and bool(_CLOSING.search(f.prev_text))
            and bool(_THANKS.search(f.spoken)))


# A plain no to an offer: "No thanks.", "Not right now.", "I'm good."
_DECLINE = folded(
    r"^\W*(?:no|nope|nah|not really|not (?:right )?now|not today|i'?m (?:good|ok|okay|fine)|"
    r"that'?s (?:all|it)(?: for (?:now|today))?)\W*(?:(?:thanks?|thank (?:you|u)|"
    r"i'?m (?:good|ok|okay|fine))\W*)?$")


def benign_short_turn(spoken: str) -> bool:
    """"thank u", "ok sure", "sounds good": short, plainly benign replies."""
    return bool(_BENIGN.match(spoken))


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule firing: strength in [0, 1], the evidence span, and a reason."""

    score: float
    span: tuple[int, int]
    why: str
    counter: bool = False  # a counter-cue was present as well


# ---------------------------------------------------------------- lexicon


@dataclass(frozen=True, slots=True)
class _Lexicon:
    cues: dict[str, tuple[Cue, ...]]
    counter: dict[str, tuple[re.Pattern[str], ...]]
    extra: dict[str, re.Pattern[str]]
    version: str


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    raw = json.loads(
        resources.files("mendline").joinpath("data/lexicons/markers_en.json").read_text("utf-8"))
    cues: dict[str, tuple[Cue, ...]] = {}
    counter: dict[str, tuple[re.Pattern[str], ...]] = {}
    extra: dict[str, re.Pattern[str]] = {}
    for mid, entry in raw["markers"].items():
        cues[mid] = tuple(Cue(folded(c["re"]), float(c["w"]), c["why"])
                          for c in entry["cues"])
        counter[mid] = tuple(folded(c["re"]) for c in entry["counter"])
        for key in ("painful", "flat", "funny", "therapy"):
            if key in entry:
                extra[f"{mid}:{key}"] = folded(entry[key])
    return _Lexicon(cues, counter, extra, raw["_version"])


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


@cache
def _any_cue(mid: str) -> re.Pattern[str] | None:
    return prefilter([c.pattern for c in _lexicon().cues[mid]])


def _best_cue(mid: str, f: ClientFeatures) -> Hit | None:
    """The strongest cue of ``mid`` outside reported speech and negated frames."""
    quick = _any_cue(mid)
    if quick is not None and not quick.search(f.spoken):
        return None
    best: Hit | None = None
    for cue in _lexicon().cues[mid]:
        for m in cue.pattern.finditer(f.spoken):
            if m.end() == m.start() or _inside(m.start(), f.reported):
                continue
            if _NEGATED_FRAME.search(f.spoken[max(0, m.start() - 40):m.start()]):
                continue
            if best is None or cue.weight > best.score:
                best = Hit(cue.weight, trim_span(f.spoken, m.start(), m.end()), cue.why)
            break
    return best


def _countered(mid: str, f: ClientFeatures) -> bool:
    return any(p.search(f.spoken) for p in _lexicon().counter[mid])


def trim_span(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and not text[a].isalnum() and text[a] not in "[(\"'“":
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return (a, b)


def whole_span(u: Utterance) -> tuple[int, int]:
    a = len(u.text) - len(u.text.lstrip())
    return (a, len(u.text.rstrip()))


# ---------------------------------------------------------------- rules per marker


def invitation(f: ClientFeatures) -> float:
    """How much the therapist's turn asked for elaboration, 0 (a fact) to 1 (a feeling)."""
    a = f.act
    if a.feeling or a.relationship:
        return 1.0
    if a.open:
        return 0.9
    if a.probe:
        return 0.8  # "Just okay?" follows up an answer and asks for more
    if a.question and (a.interpretation or a.reflection or a.suggestion):
        return 0.6
    if a.topic_prompt:
        return 0.6  # "You mentioned urges this week." hands the client a topic to take up
    if a.factual:
        return 0.0  # "When was that?" "Tuesday." is a full answer
    if a.closed:
        return 0.3  # "Did that upset you?" invites a little
    if (a.interpretation or a.reflection) and not a.explanation:
        # an offered reading or a reflection of the client's experience, even without a
        # question mark, awaits a reply (explaining does not: "mm" there is a backchannel)
        return 0.35
    return 0.0  # explaining, reflecting without a question, or nothing before: backchannel


def answers_closed_question(f: ClientFeatures) -> bool:
    """The therapist's last question asked for a yes, a no or a fact, and nothing more.

    clinical.md: a short answer to a closed or factual question is not a minimal response
    ("Would you like to go on?" "No."). A closed question about a feeling or about the two
    of them, a probe ("Just okay?") or a check on an offered reading still invites more.
    """
    a = f.act
    return a.closed and not (a.feeling or a.relationship or a.probe or a.interpretation
                             or a.reflection or a.suggestion)


def specific_reply(f: ClientFeatures) -> bool:
    """A short reply that names something ("Cycling.", "Health reasons.", "Pure hell.").

    clinical.md: a short answer is not automatically a minimal response; specific, on-topic
    replies are counter-evidence. Where a feeling or the relationship was asked about, one
    noun is not enough ("Cold."), two are ("Sad thoughts.").
    """
    if f.idk or f.thinking_aloud:
        return False
    need = 2 if (f.act.feeling or f.act.relationship) else 1
    named = f.specific
    if named >= need and wants_out(f.spoken):
        # "Can we finish early today?" names the session, not anything asked about
        named = specific_words(" ".join(f.spoken[a:b] for a, b in sentence_spans(f.spoken)
                                        if not wants_out(f.spoken[a:b])), f.prev_text)
    return named >= need


def answers_offer(f: ClientFeatures) -> bool:
    """A plain yes or no to an offer or a greeting ("Shall we try it?" "Sure." / "No thanks.").

    Taking up or declining what was offered as optional is an answer; 3RS asks for
    dismissal (rejects_intervention) or over-agreement that masks disagreement
    (deferential_appeasing), which a bare yes or no does not show. An offered reading of
    the client ("Could it be you miss her?") is different: a flat no there is left to the
    other rules. "Is there anything else you'd like to talk about?" offers room to add a
    topic, and a short reply ("No, I think we covered it.") declines it in full, unless the
    question was about the two of them ("anything else about how this is going between us?").
    """
    if (f.act.proposal or f.act.greeting) and (benign_short_turn(f.spoken) or (
            _DECLINE.match(f.spoken) and not (f.act.interpretation or f.act.reflection))):
        return True
    return (f.words <= _MINIMAL_MAX_WORDS_WITH_CUE and not f.act.relationship
            and bool(_ANYTHING_ELSE.search(f.prev_text)))


def not_minimal(f: ClientFeatures) -> bool:
    """The boundary rules under which no reply can be a minimal response.

    Besides the closed question and the specific reply: "Sounds good." to "How does that
    sound?" gives the go-ahead that was asked for, and any short answer to a greeting's "How
    are you today?" ("Good, thanks.", "Worn out.") completes a social ritual; neither was an
    invitation to elaborate. A question back ("How much would it cost?", "Any suggestions?")
    asks for more of the conversation, which is the opposite of closing it down.
    """
    # A long pause before a terse "No." or "Not really." to a closed question is the
    # best-supported paralinguistic sign of withdrawal (Dolev-Amit et al., 2020; Künsch et al.,
    # 2023): the closed form of the question no longer explains the shortness away.
    # In a run of clipped replies from a client who usually says more (clipped_run), neither
    # the closed form of the question nor a statement with no question excuses the shortness.
    run = clipped_run(f)
    closed = answers_closed_question(f) and not paused(f) and not run
    return (f.thinking_aloud or (invitation(f) <= 0.0 and not dismissal(f.spoken) and not run)
            or f.words > _MINIMAL_MAX_WORDS_WITH_CUE
            or closed or specific_reply(f) or answers_offer(f) or f.act.greeting
            or (f.spoken.rstrip().endswith("?") and not wants_out(f.spoken)))


def clipped_run(f: ClientFeatures) -> bool:
    """A clipped reply that follows another from the same client, who usually says at least
    twice as much, and that no explanation or factual question accounts for.

    "Clipped answers" turn after turn is how withdrawal looks in a transcript (3RS minimal
    response; Eubanks, Muran & Safran, 2015), and coders of whole episodes heard it so even
    after a closed question or a plain statement ("Did you call her?" "Not really." / "Let's
    look at the diary." "Fine."): on the train and dev episodes, 24 of 50 such replies were
    coded minimal after a clipped reply, against 29 of 101 after a fuller one. Judged
    against the client's own baseline, so a client whose every answer is a word or two is
    not flagged for speaking their way. A plain yes, no or backchannel ("Yep.", "Mm-hmm.")
    answers a yes/no question or keeps the talk going however often it comes, and an
    explanation or a factual question ("What number?" "Four.") still excuses the shortness.
    """
    return (f.clipped_before >= 1 and f.words <= _MINIMAL_MAX_WORDS
            and f.baseline_words >= 2 * _MINIMAL_MAX_WORDS
            and not (f.act.explanation or f.act.factual)
            and not (is_backchannel_text(f.spoken) or _PLAIN_NO.match(f.spoken)))


# A plain no ("No.", "Nope."): with a backchannel (engagement.is_backchannel_text) the
# replies that answer a yes/no question in full, or keep the talk going, however often.
_PLAIN_NO = folded(r"^\W*(?:no|nope|nah)\W*$")


# Asking to end the session or to leave ("Can we finish early?", "Are we done?", "Can I go
# back to class now", "I've got to go"): a question, if it is one, that closes the
# conversation rather than asking for more of it. Coders of whole episodes hear a bare
# "Nothing. Can we stop?" as a minimal response (GUIDE.md Appendix E records the same
# decision by writer V), and a reply like it after a repair as the strain going on
# (episodes.reply_kind).
_WANTS_OUT = folded(
    r"\b(?:(?:can|could) (?:we|i) (?:just )?(?:go|leave|stop|finish|end|be done|"
    r"wrap (?:it |this )?up)"
    r"(?: now| home| here| there| early| a bit early(?:er)?| a bit earlier| for today| today|"
    r" at (?:\w+ )?(?:past|to|o'?clock|\d)|\W*$)|(?:can|could) we (?:just )?call it a day|"
    r"are we (?:done|finished|nearly done)|is that us(?: (?:nearly )?done)?|"
    r"let'?s (?:just )?(?:go home|call it a day|stop (?:here|there|now))|"
    r"(?:finish|end|stop|go|leave) (?:a bit |a little )?early|go back to (?:class|work|school)|"
    r"i'?m done(?: for today| now| here)?(?=\W*$)|(?:i'?ve got|i have|i need) to (?:go|get going|"
    r"head off)\b)")


# A bare dismissal ("Whatever.", "Don't care.", "Forget it."): no answer to anything, and no
# backchannel either. On the train and dev splits, coders of whole episodes called it a
# minimal response in 22 of 26 turns, 14 of them after a statement rather than a question;
# so it needs no invitation, and counts as if a statement had invited a reply.
_DISMISSAL = folded(
    r"^\W*(?:(?:yeah|ok(?:ay)?|fine|right|sure|nah|no)\W+)?(?:whatever|(?:i )?don'?t care|"
    r"forget it|(?:it )?doesn'?t matter|who cares|if you say so|suit yourself)\W*"
    r"(?:(?:i guess|then|really|anyway)\W*)?$")
_DISMISSAL_INVITED = 0.6
# A clipped reply in a run (clipped_run) counts as if the therapist had invited more.
_RUN_INVITED = 0.6


def dismissal(spoken: str) -> bool:
    """The whole reply is a bare dismissal (``_DISMISSAL``)."""
    return bool(_DISMISSAL.match(spoken))


def wants_out(spoken: str) -> bool:
    """The client asks to end the session or to leave (``_WANTS_OUT``)."""
    return bool(_WANTS_OUT.search(spoken))


def paused(f: ClientFeatures) -> bool:
    """A long pause or silence before or inside the client's reply (3 s or an annotation)."""
    return f.pause_s >= _PAUSE_S or (f.latency_s or 0.0) >= _PAUSE_S or f.silence


def _minimal(u: Utterance, f: ClientFeatures) -> Hit | None:
    if not_minimal(f):
        return None
    cue = _best_cue("withdrawal.minimal_response", f)
    limit = _MINIMAL_MAX_WORDS_WITH_CUE if (cue or f.idk_closing) else _MINIMAL_MAX_WORDS
    if f.words > limit:
        return None
    invited = invitation(f)
    run = clipped_run(f)
    unasked = invited <= 0.0 and not run  # not_minimal let it through: a bare dismissal
    if unasked:
        invited = _DISMISSAL_INVITED
    if run:
        invited = max(invited, _RUN_INVITED)
    pause = paused(f)
    score = invited * (0.6 + (0.2 if cue or f.idk_closing else 0.0) + (0.2 if pause else 0.0))
    a = f.act
    what = ("a feeling question" if a.feeling else "a question about the two of you"
            if a.relationship else "an open question" if a.open else "a question"
            if a.question else "a topic the therapist raised" if a.topic_prompt
            else "what the therapist offered")
    why = ("a short dismissive reply to what the therapist said" if unasked
           else f"no spoken reply to {what}" if f.words == 0
           else f"very short reply ({f.words} word{'s' if f.words != 1 else ''}) to {what}")
    if pause:
        why += ", after a long pause"
    if run:
        why += (", after two more very short replies" if f.clipped_before >= 2
                else ", after another very short reply")
    return Hit(min(score, 1.0), whole_span(u), why)


_TONE = folded(r"\[[^\]]{0,30}\b(?:cheerful\w*|upbeat|bright\w*|smil\w*|grin\w*|"
                   r"breez\w*|casual\w*|light\w*|flat|chirp\w*|jok\w*|sing-?song|"
                   r"laugh\w*|chuckl\w*|giggl\w*)\b[^\]]{0,30}\]")


def painful_named(f: ClientFeatures) -> bool:
    """The therapist's turn before named something that usually hurts (a loss, a
    rejection, an illness): the setting in which playing a feeling down reads as denial
    ("Didn't affect me." after "Your brother's inquest was on Monday") and a laugh as a
    split between content and affect (3RS; Eubanks, Muran & Safran, 2015)."""
    return _names_pain(f.prev_text)


@lru_cache(maxsize=1024)
def _names_pain(text: str) -> bool:
    # asked up to three times per client unit (rule, veto, model feature), of the same
    # therapist turn for every stretch of a long reply: one search of the long pattern
    return bool(_lexicon().extra["withdrawal.content_affect_split:painful"].search(text))


def _affect_split(u: Utterance, f: ClientFeatures) -> Hit | None:
    lex = _lexicon().extra
    laugh = next((a for a in f.annotations if a.kind == "laughs"), None)
    tone = _TONE.search(u.text)
    laugh_span = laugh.span if laugh else tone.span() if tone else None
    textual = _best_cue("withdrawal.content_affect_split", f)
    if laugh_span is None and textual is None:
        return None
    painful = lex["withdrawal.content_affect_split:painful"].search(f.spoken)
    painful_before = painful_named(f)
    flat = lex["withdrawal.content_affect_split:flat"].search(f.spoken)
    funny = lex["withdrawal.content_affect_split:funny"].search(f.spoken)
    named = not (f.act.question and f.act.open) and f.act.words > 0
    if not (painful or flat or painful_before or (named and not funny)):
        return None
    # Laughing right after the therapist names something about the client's life, with
    # nothing funny in it, is the weakest form: the model weighs it against the rest.
    score = 0.8 if painful else 0.65 if painful_before else 0.5 if flat else 0.4
    if funny and not (painful or painful_before):
        score *= 0.4
    start = min(x for x in (
        laugh_span[0] if laugh_span else None, textual.span[0] if textual else None,
        painful.start() if painful else None, flat.start() if flat else None) if x is not None)
    ends = [x for x in (laugh_span[1] if laugh_span else None, textual.span[1] if textual else None,
                        painful.end() if painful else None, flat.end() if flat else None)
            if x is not None]
    why = ("laughs while describing something painful" if painful
           else "light or laughing tone about something painful the therapist named"
           if painful_before else "laughs while brushing it off" if flat
           else "laughs about something the therapist named, with nothing funny in it")
    return Hit(score, trim_span(u.text, start, max(ends)), why,
               counter=bool(funny) and not (painful or painful_before))


def _hopeless(u: Utterance, f: ClientFeatures) -> Hit | None:
    hit = _best_cue("withdrawal.self_criticism_hopelessness", f)
    if hit is None:
        return None
    about_work = _lexicon().extra["withdrawal.self_criticism_hopelessness:therapy"].search(
        f.spoken)
    score = hit.score * (1.0 if about_work else 0.7)
    return Hit(score, hit.span, hit.why + (" (about whether this work can help)" if about_work
                                          else ""),
               counter=_countered("withdrawal.self_criticism_hopelessness", f))


def _storytelling(u: Utterance, f: ClientFeatures) -> Hit | None:
    hit = _best_cue("withdrawal.avoidant_storytelling", f)
    tied = _countered("withdrawal.avoidant_storytelling", f)
    if hit is None and f.words >= 25 and f.act.invites_elaboration and f.overlap < 0.15:
        hit = Hit(0.45, whole_span(u), "long reply that moves away from the question asked")
    if hit is None:
        return None
    if f.act.feeling:
        hit = Hit(min(1.0, hit.score + 0.15), hit.span, hit.why + " right after a feeling question")
    return Hit(hit.score, hit.span, hit.why, counter=tied)


def _with_counter(mid: str) -> Callable[[Utterance, ClientFeatures], Hit | None]:
    def rule(u: Utterance, f: ClientFeatures) -> Hit | None:
        hit = _best_cue(mid, f)
        if hit is None:
            return None
        return Hit(hit.score, hit.span, hit.why, counter=_countered(mid, f))
    return rule


# A cue hit at least this strong is "strong" (``markers.cue_bucket``): the detectors never
# report it below the precision such hits had in training.
STRONG_CUE = 0.8


def _denial(u: Utterance, f: ClientFeatures) -> Hit | None:
    """A denial cue, counted as strong right after the therapist named something that
    usually hurts: "Didn't affect me." after "Your sister's funeral was on Friday" says the
    feeling just named is not there, which is what denial is (3RS; Eubanks, Muran & Safran,
    2015). Elsewhere the same words may be a calm, true account, and stay as they are."""
    if f.act.greeting:
        return None  # "I'm fine, thanks" answers "How are you?" in kind (see ``vetoes``)
    hit = _best_cue("withdrawal.denial", f)
    if hit is None and strain_named(f) and (echo := negated_echo(f.spoken, f.prev_text)):
        # "It's not covering anything." after "You've laughed, and I'm not sure what it's
        # covering": the strain the therapist just named, said not to be there in the
        # therapist's own word
        hit = Hit(0.6, trim_span(f.spoken, *echo), "says it is not so, in the therapist's "
                  "own word")
    if hit is None:
        return None
    counter = _countered("withdrawal.denial", f)
    if painful_named(f) and not counter:
        return Hit(max(hit.score, STRONG_CUE), hit.span,
                   f"{hit.why}, just after the therapist named something painful")
    if strain_named(f) and not counter:
        return Hit(max(hit.score, STRONG_CUE), hit.span,
                   f"{hit.why}, just after the therapist asked about how things are between them")
    return Hit(hit.score, hit.span, hit.why, counter=counter)


# The therapist noticing the client's withdrawal or the strain between them ("You went quite
# quiet when I asked...", "You're laughing", "I wonder if I pushed too hard", "frustrated
# with me"). In-house list, read from coded episodes and corpus turns (train and dev): after
# such a turn, a denial cue was coded as denial 37 times in 57.
_STRAIN_NAMED = folded(
    r"\b(?:you(?:'ve| have)? (?:went|gone|go|going|got|gotten|seem|seemed|look|looked|sound|"
    r"sounded) (?:\w+ )?(?:quiet|quieter|silent|still|distant|far away|flat)|"
    r"you(?:'re| are) (?:laughing|smiling|quiet)|you(?:'ve| have)? (?:laughed|smiled)|"
    r"you(?:'ve| have)? (?:cancelled|canceled|missed)|you arrived|"
    r"(?:i'?ve|i have|i) (?:done|said) something|if i(?:'ve| have)? (?:upset|pushed|hurt|annoyed|"
    r"offended|missed|got|gotten)|(?:frustrated|annoyed|angry|upset|cross|irritated|fed up) "
    r"with me|something (?:about|between) (?:us|me|here|last week|the session))")


def strain_named(f: ClientFeatures) -> bool:
    """The therapist's turn before asked about the two of them or named a sign of strain:
    where denying a feeling, or that it has to do with the therapist, is the withdrawal 3RS
    calls denial ("No, it's fine. It's not you."; Eubanks, Muran & Safran, 2015)."""
    return f.act.relationship or bool(_STRAIN_NAMED.search(f.prev_text))


def _unless_offer_answered(rule: Callable[[Utterance, ClientFeatures], Hit | None]
                           ) -> Callable[[Utterance, ClientFeatures], Hit | None]:
    """A bare "Sure!" to "Shall we try it?" takes up an offer (see answers_offer)."""
    def wrapped(u: Utterance, f: ClientFeatures) -> Hit | None:
        return None if answers_offer(f) else rule(u, f)
    return wrapped


def _objects_to(mid: str, about_client: bool, about_therapist: bool, what: str
                ) -> Callable[[Utterance, ClientFeatures], Hit | None]:
    """A cue rule, backed up by "negative stance about the topic just raised"."""
    def rule(u: Utterance, f: ClientFeatures) -> Hit | None:
        hit = _best_cue(mid, f)
        counter = _countered(mid, f)
        if hit is None and f.negative_stance and (about_client(f) or about_therapist(f)):
            score = 0.55 if about_client(f) else 0.45
            hit = Hit(score, whole_span(u), f"pushes back on {what}")
        if hit is None:
            return None
        return Hit(hit.score, hit.span, hit.why, counter=counter)
    return rule  # type: ignore[return-value]


def _to_therapist(u: Utterance, f: ClientFeatures) -> Hit | None:
    hit = _best_cue("confrontation.complaint_about_therapist", f)
    if hit is None:
        return None
    if f.to_other:  # "[to Father] You never listen": said to someone else in the room
        return Hit(hit.score * 0.3, hit.span, hit.why + " (but said to someone else)", True)
    return Hit(hit.score, hit.span, hit.why,
               counter=_countered("confrontation.complaint_about_therapist", f))


def _about_therapy(rule: Callable[[Utterance, ClientFeatures], Hit | None]
                   ) -> Callable[[Utterance, ClientFeatures], Hit | None]:
    """Weaken a progress complaint that never mentions the therapy or the two of them.

    "I still feel like smoking" is about life; "eight sessions and I still feel the same"
    is about the work (3RS: a complaint about progress is about therapy).
    """
    pattern = _lexicon().extra["confrontation.complaint_about_progress:therapy"]

    def wrapped(u: Utterance, f: ClientFeatures) -> Hit | None:
        hit = rule(u, f)
        if hit is None or pattern.search(f.spoken) or f.act.topic_progress:
            return hit
        return Hit(hit.score * 0.55, hit.span, hit.why, hit.counter)
    return wrapped


def _rejects(u: Utterance, f: ClientFeatures) -> Hit | None:
    if f.words <= 4 and f.act.closed and not (f.act.interpretation or f.act.reflection):
        return None  # "No thanks." to "Anything else?" answers a yes/no question
    hit = _best_cue("confrontation.rejects_intervention", f)
    if hit is None and f.echo_span is not None and (f.act.offers_intervention
                                                    or f.act.question):
        hit = Hit(0.55, trim_span(f.spoken, *f.echo_span),
                  "throws the therapist's own words back")
    if hit is None and f.disagree and f.act.offers_intervention:
        hit = Hit(0.55, whole_span(u), "disagrees with what the therapist offered")
    if hit is None:
        return None
    offered = f.act.offers_intervention or f.act.question
    score = hit.score * (1.0 if offered else 0.6)
    if hit.why == "answers with a flat no" and not (f.act.interpretation or f.act.reflection
                                                     or f.act.suggestion):
        if plain_question(f.act):
            return None  # "No, I think we covered it." to "Anything else?" is an answer
        score *= 0.5  # a flat "No." to a statement is weak evidence of a rejection
    return Hit(score, hit.span, hit.why + (" after the therapist offered a reading or idea"
                                          if f.act.offers_intervention else ""),
               counter=_countered("confrontation.rejects_intervention", f) or f.reassures)


def _defends(u: Utterance, f: ClientFeatures) -> Hit | None:
    hit = _best_cue("confrontation.defends_self", f)
    if hit is None:
        return None
    asked = f.act.open and not (f.act.interpretation or f.act.suggestion)
    return Hit(hit.score * (0.7 if asked and hit.score < 0.6 else 1.0), hit.span, hit.why)


# Going along with a plan or suggestion in a word that gives nothing of one's own view
# ("whatever", "up to you", "if you want"): compliance that covers the client's view (3RS
# deferential/appeasing; corpora/GUIDE.md keeps "whatever you think" out of every negative).
# A plain "Sure!" or "Sounds good." takes the offer up (answers_offer) and is not this.
_BARE_COMPLIANCE = folded(
    r"^\W*(?:(?:okay|ok|fine|sure|yeah|um|uh|erm|i mean)[,.]?\s+)?(?:whatever|"
    r"(?:i )?don'?t (?:really )?care|(?:it'?s )?up to you|if you (?:want|like|say so)|"
    r"(?:i )?suppose so|i guess so|as you like|your call|if (?:we|i) have to)\W*$")


_deferential_cue = _with_counter("withdrawal.deferential_appeasing")


def _deferential(u: Utterance, f: ClientFeatures) -> Hit | None:
    if _goodbye(f) or f.act.greeting:
        return None  # thanks at the door, or returned with a greeting, is courtesy
    hit = _deferential_cue(u, f)
    if hit is None and (f.act.proposal or f.act.offers_intervention) and (
            _BARE_COMPLIANCE.match(f.spoken)):
        hit = Hit(0.6, whole_span(u), "goes along with what was suggested without saying what "
                                      "they think")
    return hit


_RULES: dict[str, Callable[[Utterance, ClientFeatures], Hit | None]] = {
    "withdrawal.denial": _denial,
    "withdrawal.minimal_response": _minimal,
    "withdrawal.abstract_communication": _with_counter("withdrawal.abstract_communication"),
    "withdrawal.avoidant_storytelling": _storytelling,
    "withdrawal.deferential_appeasing": _unless_offer_answered(_deferential),
    "withdrawal.content_affect_split": _affect_split,
    "withdrawal.self_criticism_hopelessness": _hopeless,
    "confrontation.complaint_about_therapist": _to_therapist,
    "confrontation.rejects_intervention": _rejects,
    "confrontation.complaint_about_activities": _objects_to(
        "confrontation.complaint_about_activities", lambda f: f.task_words,
        lambda f: f.act.topic_task and f.act.suggestion, "a task of therapy"),
    "confrontation.complaint_about_parameters": _objects_to(
        "confrontation.complaint_about_parameters", lambda f: False,
        lambda f: f.act.topic_frame and not f.act.invites_elaboration, "the arrangements"),
    "confrontation.complaint_about_progress": _about_therapy(_objects_to(
        "confrontation.complaint_about_progress", lambda f: False,
        lambda f: f.act.topic_progress and f.progress_words, "how therapy is going")),
    "confrontation.defends_self": _defends,
    "confrontation.control_pressure": _with_counter("confrontation.control_pressure"),
}
assert set(_RULES) == set(TRANSCRIPT_MARKERS)


# Words that turn a "you"-less remark towards the therapist or the sessions: an imperative
# ("Don't put words in my mouth"), the room ("I don't need it here too"), the role ("such a
# therapist thing to say"), or going over the same ground ("We've been over this").
_TO_THERAPIST = folded(
    r"^\W*(?:(?:oh|ok|okay|look|please|honestly|no|just)[,.!\s]+)*(?:don'?t|do not|stop|quit)\b|"
    r"\b(?:in here|here too|in this room|therapist|these sessions|this session|"
    r"we'?ve (?:been over|done|talked about|covered) (?:this|that)|said (?:that|this) "
    r"(?:already|before|three times|twice))\b")


# Saying what one would like from the session: "I'd like to talk about…", "I'm here to…".
_STATES_WISH = folded(
    r"^\W*(?:(?:well|um|so|yes|yeah|hi|hello|okay|ok|sure)[,.!\s]+)*(?:i(?:'d| would) "
    r"(?:like|love|want)|i want|i(?:'m| am) here (?:to|for|about|because)|can we (?:talk|discuss|"
    r"focus|look|start)|(?:maybe|probably|mostly) (?:about|talk))\b")
# Liking what was offered ("I quite like the idea of…", "that could help", "I'll give it a
# go"), and, in _RESERVED, any word that takes it back ("but", "not", "never", "again").
_ENDORSES = folded(
    r"\b(?:i (?:really |quite |do |would )?(?:like|love|enjoy)|i(?:'d| would) (?:like|love) to "
    r"try|(?:sounds|seems|looks) (?:good|great|helpful|useful|practical|doable|manageable|"
    r"like a (?:good|great))|(?:could|would|might|will) (?:really )?(?:help|work for me|"
    r"motivate)|i(?:'m| am) (?:open|happy|keen|excited) to|i(?:'ll| will) (?:try|give it a "
    r"(?:go|try)))\b")
_RESERVED = folded(r"\b(?:not|no|never|nothing|none|but|though|point|whatever|again|another|"
                   r"always|told)\b|n'?t\b")
# Asking to do a task another way or at another time ("Could I do it as voice notes?", "Is
# there another room we could use?"), or what it is for ("What's the idea behind it?"),
# and, in _REFUSES, any word that turns the question into a refusal or a put-down ("Can we
# just skip it?", "Could we not?", "Why this stupid log?").
_ASKS_ADJUSTMENT = folded(
    r"\b(?:could|can|may) (?:i|we)\b|\bis there (?:another|a different|any other|a reason)\b|"
    r"\binstead\b|\bwhat'?s the (?:idea|purpose|reason)\b|\bwhat is (?:it|that|this) for\b|"
    r"\bhow (?:does|do|would|will) (?:it|that|this)\b")
_REFUSES = folded(
    r"\b(?:just|skip|not|never (?:\w+ )?(?:get|gets|does|do|did|works?|helps?)|stop|rather|"
    r"no point|pointless|waste|instead of|weird|stupid|"
    r"silly|morbid|boring|useless|won'?t|(?:do|did|would)n'?t (?:want|need|like|think|see))\b")


# A request that tells the therapist what to do next ("Can we just start.", "Just do the
# sleep stuff.", "Let's just get on with it.").
_STEERS = folded(
    r"(?:^|[.!?]\s)\W*(?:(?:okay|ok|so|well|look|fine|right)[,.\s]+)*(?:can we (?:just|not)|"
    r"(?:let'?s )?just (?:do|get|start|tell|give|move|go)|let'?s (?:just )?(?:move on|"
    r"get on))\b")
# Words about the session or to the people in it: we, please, the questions or exercises,
# or a sentence that opens with an instruction ("Skip it.", "Tell me exactly what to say.").
_ABOUT_SESSION = folded(
    r"\b(?:we|us|let'?s|our|please|sessions?|therapy|today|in here|this hour|"
    r"(?:talk|talking|discuss|discussing) about|questions?|exercises?)\b|"
    r"(?:^|[.!?]\s+)\W*(?:(?:just|so|okay|ok|no|yes|look|fine|then)[,.\-\s]+)*"
    r"(?:tell|give|skip|read|write|speak|close|stop|leave|ask|show|move|get|go|listen|talk|say|"
    r"slow|do|don'?t|let|drop|forget|help|explain)\b")


# Telling the therapist to stop or to do it ("Then stop it. Stop interpreting.", "Don't ask
# about my dad again.", "So say it."), in-house list read from coded episodes (train and dev)
# where such short turns were coded as confrontation and went unflagged for want of a "you".
_FORBIDS = folded(
    r"(?:^|[.!?]\s)\W*(?:(?:then|so|just|no|look|okay|ok|please)[,.\s]+)*(?:(?:don'?t|do not) "
    r"(?:ask|do|say|talk|start|put|tell|bring|push|make|give|patroni[sz]e|lecture|interpret|"
    r"analy[sz]e|psychoanaly[sz]e|therapi[sz]e|go there|go on about)|stop (?:it|that|this|"
    r"asking|interpreting|pushing|doing|talking|saying|analy[sz]ing|writing|looking)|"
    r"(?:then|so)[,\s]+(?:say|tell|do|write|give) (?:it|me|that|something))\b")


def turns_to_therapist(f: ClientFeatures) -> bool:
    """Words to the therapist: addressed as "you", told what to do next, or told to stop."""
    return (f.you_addressed > 0 or bool(_STEERS.search(f.spoken))
            or bool(_FORBIDS.search(f.spoken)))


# Abstract talk in this many words or fewer needs its phrase cue (see vetoes) ...
_ABSTRACT_CUE_ONLY_WORDS = 5
# ... and in this many or fewer, when no feeling was asked about, a word of generality
# (or its phrase cue: "that's life", "it's well known").
_ABSTRACT_GENERAL_WORDS = 15
_GENERAL_WORDS = folded(r"\b(?:people|everyone|everybody|anyone|anybody|nobody|no one|one|"
                        r"in general|society|the world|humans?|most of us)\b")


def vetoes(u: Utterance, f: ClientFeatures) -> set[str]:
    """Markers a 3RS boundary rule says this turn is not, whatever else suggests them.

    The model may fire from context without a phrase cue; these rules keep it from
    crossing the lines clinical.md draws (a short answer to a factual question, laughter at
    something funny, a story tied back to the topic, curiosity about a task, ...).
    """
    out: set[str] = set()
    lex = _lexicon().extra
    if not_minimal(f):
        out.add("withdrawal.minimal_response")
    painful = lex["withdrawal.content_affect_split:painful"]
    if lex["withdrawal.content_affect_split:funny"].search(f.spoken) and not (
            painful.search(f.spoken) or painful_named(f)):
        out.add("withdrawal.content_affect_split")  # laughing at something funny
    if f.you_addressed == 0 and not _TO_THERAPIST.search(f.spoken) and (
            f.third_person or f.reported or f.to_other):
        # about someone else ("my boss never listens", "she said...") or said to someone
        # else in the room ("You never listen, Dad."), with no word to the therapist:
        # content, not a complaint about this therapist (clinical.md). A turn with none of
        # these ("please don't say that, it's cringe") is left to the model.
        out.add("confrontation.complaint_about_therapist")
    if plain_question(f.act) and not f.negative_stance:
        # Defending oneself answers a criticism heard from the therapist. A plain question
        # offers none to hear, so only the turn's own words can show it ("I'm not some
        # monster", "before you say anything"); without them, "I've smoked since I was 18"
        # answers the question (3RS; Eubanks, Muran & Safran, 2015).
        out.add("confrontation.defends_self")
    if f.words <= _ABSTRACT_CUE_ONLY_WORDS:
        # "Health reasons." names a reason; abstract talk generalises ("Customers yell.
        # It's retail."), which in so few words only its phrase cues show.
        out.add("withdrawal.abstract_communication")
    if (f.words <= _ABSTRACT_GENERAL_WORDS and not f.act.feeling
            and not _GENERAL_WORDS.search(f.spoken)):
        # Asked for reasons, goals or moments, a short answer in nouns ("To be healthier and
        # save money", "After work, Fridays") names them; keeping one's experience at a
        # distance speaks of people, everyone, or how life and things are.
        # Measured on train and dev: 2 of about 110 abstract turns are this short with no
        # such word after a question that was not about feelings; on real MI chat, most
        # abstract flags were such answers.
        out.add("withdrawal.abstract_communication")
    if f.act.greeting:
        # "Hi, lovely to meet you. How are you doing today?" asks after the client socially,
        # and "I'm fine, thanks, how about you?" answers in kind: that is neither denying a
        # feeling nor appeasing the therapist. No reply to a greeting in the corpora's train
        # and dev splits carries either (24 turns); on real MI chat, 11 of the 14 markers
        # flagged on greeting replies were these two.
        out |= {"withdrawal.denial", "withdrawal.deferential_appeasing"}
    if f.act.agenda and _STATES_WISH.match(f.spoken) and not f.negative_stance:
        # Asked what they would like to talk about, saying so takes up the choice offered
        # (a request in an open frame is not control; clinical.md). Pressure has its own
        # words ("just tell me what to do"), which the phrase cues find, and turning the
        # choice back ("I can't just tell you everything blindly") is left to the model.
        out.add("confrontation.control_pressure")
    if not (f.negative_stance or turns_to_therapist(f) or "?" in f.spoken
            or _ABOUT_SESSION.search(f.spoken)):
        # Control or pressure is aimed at the therapist or the session: wanting something
        # for one's own life ("I want to quit for my family") is not it, however close its
        # vector sits to "I want a proper plan, in writing". Measured: 169 of the corpus's
        # 170 control turns carry one of these signs; 14 of 36 flags on real MI chat did not.
        out.add("confrontation.control_pressure")
    if _ENDORSES.search(f.spoken) and not _RESERVED.search(f.spoken):
        # Liking what was offered, with nothing taking it back, is not objecting to it,
        # whatever the topic's likeness to complaints about exercises.
        out |= {"confrontation.complaint_about_activities", "confrontation.rejects_intervention"}
    if "?" in f.spoken and _ASKS_ADJUSTMENT.search(f.spoken) and not (
            f.negative_stance or _REFUSES.search(f.spoken)):
        # Asking for a task to be adapted, or what it is for, is working on it together
        # (clinical.md: neutral logistics and curious questions are not complaints), however
        # close "Could I say it into my phone instead?" sits to objections to homework.
        out |= {"confrontation.complaint_about_activities",
                "confrontation.complaint_about_parameters",
                "confrontation.rejects_intervention", "confrontation.control_pressure"}
    if f.reassures:
        # Telling the therapist a strain is not their doing answers them with care; it is
        # not a complaint about them, their reading or the therapy's progress, however
        # close "it's not that you're not helping" sits to "you're not helping". A
        # complaint in the same turn has its own phrase cue, which lifts this.
        out |= {"confrontation.complaint_about_therapist",
                "confrontation.rejects_intervention", "confrontation.control_pressure",
                "confrontation.complaint_about_progress"}
    offer_answered = answers_offer(f)
    if not (f.negative_stance or f.act.offers_intervention) or offer_answered:
        out.add("confrontation.rejects_intervention")
    if offer_answered:
        out.add("withdrawal.deferential_appeasing")
    if _goodbye(f):
        out |= {"withdrawal.avoidant_storytelling", "withdrawal.deferential_appeasing"}

    for mid in ("withdrawal.avoidant_storytelling", "withdrawal.deferential_appeasing",
                "withdrawal.self_criticism_hopelessness", "withdrawal.abstract_communication",
                "confrontation.complaint_about_activities", "confrontation.control_pressure"):
        if _countered(mid, f):
            out.add(mid)
    if _countered("confrontation.complaint_about_parameters", f) and not f.negative_stance:
        out.add("confrontation.complaint_about_parameters")
    return out


def rule_hits(u: Utterance, f: ClientFeatures) -> dict[str, Hit]:
    """Every marker rule that fires on client turn ``u``."""
    out: dict[str, Hit] = {}
    for mid, rule in _RULES.items():
        hit = rule(u, f)
        if hit is not None:
            out[mid] = hit
    return out
