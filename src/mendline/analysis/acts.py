"""What the therapist's previous turn did, and what the client's reply looks like.

"Context decides" (3RS boundary rules; Eubanks, Muran & Safran, 2015): a three-word reply is
a minimal response after "How did that feel?" and a full answer after "When was that?". This
module turns a therapist turn into a small set of *acts* (open, closed, feeling or
relationship question; suggestion; interpretation; reflection; explanation) and a client turn
into plain features (words, hedges, "I don't know", negation, reported speech, "you" addressed
to the therapist, affect words, topic overlap, latency, annotations). Everything here is a
pure function of text and timing; the marker detector combines it.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from mendline.analysis.lexicon import Folded, folded
from mendline.analysis.questions import is_open_question, question_sentences, sentence_spans
from mendline.ingest.annotations import find_annotations
from mendline.transcript import (
    Annotation,
    AnnotationKind,
    Role,
    Transcript,
    Utterance,
    count_words,
)

__all__ = [
    "plain_question",
    "Act",
    "TherapistAct",
    "ClientFeatures",
    "classify_therapist_turn",
    "reported_spans",
    "addressed_you",
    "content_words",
    "specific_words",
    "client_features",
    "objects",
    "previous_therapist",
    "open_reply_baselines",
    "clipped_runs",
    "DEFAULT_OPEN_REPLY_WORDS",
    "STYLE",
    "blanked",
    "echo_rejection",
    "negated_echo",
    "spoken",
    "without_thanks",
]


class Act(StrEnum):
    OPEN_QUESTION = "open_question"
    CLOSED_QUESTION = "closed_question"
    FEELING_QUESTION = "feeling_question"
    RELATIONSHIP_QUESTION = "relationship_question"
    SUGGESTION = "suggestion"
    INTERPRETATION = "interpretation"
    REFLECTION = "reflection"
    EXPLANATION = "explanation"
    OTHER = "other"


# Without any earlier replies to go on, assume a client answers an open question in about
# this many words. A deliberately modest figure (in-house assumption, not a published norm):
# it only scales confidence, and the client's own baseline replaces it once there is one.
DEFAULT_OPEN_REPLY_WORDS = 12.0
# A reply of this many words or fewer is clipped: too short to carry more than a yes, a no
# or a fragment (the minimal-response length of marker_rules).
CLIPPED_REPLY_WORDS = 4

_FEELING = folded(
    r"\b(?:feel|feeling|feelings|felt|emotion\w*|upset|sad|angry|hurt|scared|afraid|"
    r"what (?:was|is) (?:that|it) like|how (?:did|does|do|was|is) (?:that|it|this) "
    r"(?:land|sit|hit|affect)|what comes up|inside you|in your body)\b",
)
_RELATIONSHIP = folded(
    r"\b(?:between us|between you and me|with me (?:right )?(?:now|here|today)|in here with me|"
    r"(?:something|anything|what) i (?:just )?said|how (?:is|was|are) (?:this|our|it) "
    r"(?:going|working|feeling)? ?(?:for you )?(?:with me|in here|between us|sessions?)|"
    r"how (?:was|is) (?:it|that) (?:for you )?(?:to )?talk(?:ing)? (?:with|to) me|"
    r"(?:talking|talk|being|sitting|here) with me|with me right now|"
    r"our work|working together|(?:how|the way) we(?:'ve| have)? (?:been )?work(?:ing)?"
    r"(?: together)?|work(?:ing)? with "
    r"me|what just happened|how we(?:'re| are) doing|"
    r"my (?:question|suggestion|comment)|(?:when|what) i (?:said|asked|suggested))\b",
)
# Offering a task in the words of what helps others ("Some people find it helpful to write
# a letter"), one of its steps ("the next step on the ladder is"), or a tool brought along
# ("I've got a little quiz to help us") offers it as much as "could you try".
_OFFERS_TASK = (
    r"(?:some|many|most|a lot of|lots of) (?:\w+ )?people find (?:it )?(?:helpful|helps|"
    r"useful)|(?:the )?next step (?:on the|is)|i'?ve got (?:a|an|some) (?:little |short |quick )?"
    r"(?:quiz|questionnaire|exercise|worksheet|activity|task|form|scale)|"
    r"what would it be like to (?:try|write|do|keep|make|practi[cs]e|start)|"
)
# Words that offer something to do, in any setting; _SUGGEST_STRONG and _SUGGESTION add
# their own below.
_OFFERS = (
    _OFFERS_TASK + r"what if you|how about|"
    r"i(?:'d| would) (?:like|suggest|invite|encourage) (?:each of |both of |all of )?you|"
    r"i suggest|let's|let us|could you try|would you (?:be willing|try|consider)|"
)
_SUGGEST_STRONG = folded(
    r"\b(?:" + _OFFERS +
    r"you (?:could|might) try|for homework|this week,? (?:i'?d|could|would|try))\b")
_SUGGESTION = folded(
    r"\b(?:" + _OFFERS + r"try (?:to|and)|"
    r"homework|worksheet|exercise|practi[cs]e|this week|before next|thought record|journal|"
    r"log|diary|breathing|role[- ]?play|experiment|plan (?:is|for)|you (?:could|might) try|"
    r"(?:might|would|could) it help|would you want to|i'?d like us to|we could|"
    r"what about (?:trying|if)|have you (?:thought about|considered))\b",
)
_INTERPRETATION = folded(
    r"\b(?:i wonder (?:if|whether)|i'm wondering (?:if|whether)|perhaps|maybe (?:part of|this|that"
    r"|it|you)|part of you|reminds me of|(?:a|this|that|the same|your|an old|a familiar) "
    r"pattern|the way you|as if|almost like|could it be|"
    r"seems (?:like|as though|to me)|is it possible|i notice|i'm noticing|there's a sense|"
    r"you seem (?:to|like)|it'?s interesting (?:that|how)|underneath|deep down|"
    r"mind[- ]reading|catastrophi\w+|all[- ]or[- ]nothing|a (?:thinking|thought) (?:error|trap)|"
    r"i (?:think|guess|suspect) (?:you|that'?s|it'?s|there'?s|part)|, i think[.?]?$)",
)
_REFLECTION = folded(
    r"(?:^|[.!?…]\s+)\s*(?:(?:so|and|okay|ok|mm|yeah)[,\s]+)*"
    r"(?:it sounds like|sounds like|so you|you(?:'re| are) (?:feeling|saying|telling|"
    r"describing)|you feel|you felt|what i(?:'m| am) hearing|i hear|"
    r"it seems|you've been|it's like|that sounds|you're)\b",
)
_EXPLANATION = folded(
    r"\b(?:the idea (?:is|here)|what we know|research|studies|this is called|the way (?:this|it)"
    r" works|the reason|often when people|a lot of people|many people|our brains?|the body|"
    r"nervous system|the model|in cbt|what happens is|basically|for example|it helps to|"
    r"tends? to)\b",
)
_INVITE_NO_QMARK = folded(
    r"(?:^|[.!?…]\s+|,\s*)(?:(?:so|and|okay|ok|but)[,\s]+)*"
    r"(?:tell me|say (?:a (?:bit|little) )?more|"
    r"talk (?:to me )?about|describe|walk me through|help me understand|"
    r"i'?m (?:really |so |very )?curious|"
    r"i wonder (?:what|how|whether you|about)|i'?m wondering (?:what|how|about)|"
    r"i'?d (?:really )?(?:like|love) to (?:hear|know|understand)|"
    r"i'?m (?:more |really |very |most )?interested in|"
    r"take your time|(?:please )?go on|keep going|i'?m (?:still )?listening|no rush)\b",
)
# A wh-word opening any clause of the question: "Partner B, what do you make of that?"
_WH_CLAUSE = folded(r"(?:^|[,;:—–-]\s*|\b(?:and|so|but)\s+)(?:what|how|why|in what way)\b"
                        r"(?!\s+(?:many|much|long|often|old|far|time|day)\b)")
# A question asking for the go-ahead on a plan or an idea: "How does that sound?", "How do you
# feel about trying it for a week?", "Would it be okay if we...?", "Shall we...?".
_PROPOSAL = folded(
    r"\b(?:how (?:does|would|do) (?:that|this|it|[\w\s,'-]{1,60}) (?:sound|sit with you)|"
    r"how do you feel about (?:trying|doing|starting|moving|setting|giving|this|that|"
    r"the idea|the plan|making|taking|using|working|incorporating|exploring|talking|"
    r"discussing|focusing|looking|going|having|adding|keeping|practi[cs]ing)|"
    r"(?:does|would) (?:that|this|it) (?:sound|work|be (?:ok|okay|alright|all right))|"
    r"would it be (?:ok(?:ay)?|alright|all right|helpful|useful) (?:if|to|with)|"
    # asking permission to share (motivational interviewing's "may I offer…?")
    r"(?:do i have|have i got|with) your permission|"
    r"(?:may|can|could|might) i (?:share|offer|suggest|give you|make a suggestion|tell you what)|"
    r"(?:shall|should|can|could) we (?:try|start|look|talk|go|move|spend|take|do|begin|pick)|"
    r"would you (?:like|want) to|do you want to|are you (?:open|willing|up for|okay with|ok with)|"
    r"would you be (?:comfortable|okay|ok|happy|open|willing|up for)(?: with| if| to)?|"
    r"would you be (?:open|willing|up for|interested)|how about (?:we|trying|if)|"
    r"is that (?:ok(?:ay)?|alright|all right)|what do you think about (?:trying|doing))\b")
# A short closed question in full ("Did you win?", "Is it today?") asks it outright; a probe
# follows an answer up without a verb of its own ("Just okay?", "Nothing at all?").
_ASKS_OUTRIGHT = folded(r"^\W*(?:(?:and|so|but|okay|ok)[,\s]+)?(?:do|does|did|is|are|was|were|"
                        r"have|has|had|can|could|will|would|should|shall)\b")
# "How are you (doing) today?" in a turn that greets: a social opener ("Hello! ...").
_GREETING = folded(r"\b(?:hello|hi|hey|welcome|good (?:morning|afternoon|evening)|"
                   r"(?:nice|good|great|lovely) to (?:see|meet|have)|"
                   r"thanks? for (?:coming|being))\b")
_HOW_ARE_YOU = folded(r"^\W*(?:so[, ]+)?how (?:are|have) (?:you|things)(?: been)?(?: doing| going| "
                      r"feeling)?(?: for you)?(?: (?:today|lately|this (?:week|morning|afternoon)|"
                      r"as we (?:get )?(?:start|begin)[\w\s]*))?\W*$")
# Asking the client to choose what the session is about ("What would you like to talk about
# today?", "Anything else you'd like to explore?"): in that open frame, saying what one wants
# ("I'd like to talk about cutting down") takes the choice that was offered, and the question
# itself is about the agenda, not the relationship. An open question about a topic already
# there ("anything you'd like to share about your week?", "what brings you in?") is not one.
_AGENDA = folded(
    r"\b(?:(?:anything|something|what)(?: specific| in particular| particular| else)? "
    r"(?:(?:that )?you'?d|you would|you want(?:ed)?|you feel like|(?:would|do) you"
    r"(?: want| wish)?) (?:like )?(?:to )?"
    r"(?:\w+ (?:or|and) )?(?:talk(?:ing)? about|discuss(?:ing)?|explor(?:e|ing)|"
    r"touch(?:ing)? (?:up)?on|focus(?:ing)? on|work(?:ing)? on|cover|start with)|"
    r"where would you like to (?:start|begin))")
# "On a scale of 0 to 10, how ...?" asks for a number, however it starts.
_SCALING = folded(r"\b(?:scale|out of (?:ten|10|five|5)|rate (?:it|your|that))\b")
# Dates, times and numbers: a question about them asks for a fact.
_FACTUAL_WORDS = folded(
    r"\b(?:when|where|who|which|what (?:time|day|date|year)|how (?:many|much|long|often|old|far)|"
    r"is that right|right\?|correct|\d+|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|january|february|march|april|may|june|july|august|september|october|november|"
    r"december|yesterday|tomorrow|last (?:week|night|time)|next (?:week|time))\b")


# A statement that raises something from the client's life and hands them the floor: what
# they said before, what someone else reported, or a bare "So, your dad." (in-house reading
# of coded episodes: coders hear a "Yeah." after it as declining the topic, 3RS minimal
# response, while a "Mm." inside an explanation stays a backchannel).
_TOPIC_PROMPT = folded(
    r"^\W*(?:(?:so|and|okay|ok|right|now|um|uh|well)[,\s]+)*(?:\w+,\s+)?"
    r"(?:(?:last (?:time|week|session)|earlier|on \w+day)[,\s]+)?(?:"
    r"you(?:'d| had| have|'ve)? (?:mentioned|said|told me|talked about|brought up|wrote|"
    r"were (?:saying|talking|telling me)|missed)|"
    r"we (?:talked|spoke|were talking|said|agreed|left off)|"
    r"(?:your|the|mr|mrs|ms|dr|miss|mum|mom|dad) (?:[\w.'-]+ ){0,3}(?:said|says|mentioned|"
    r"tells me|told me|shows|showed|wrote|reported|rang|called)\b|"
    r"(?:your|the) [\w'-]+(?: [\w'-]+)?[.…]*\W*$)")
# Asking leave to raise it ("...that I wanted to come back to, if that's alright"): a "yeah,
# go on" gives the go-ahead that was asked for, as to a proposal.
_ASKS_LEAVE = folded(r"\bif (?:that'?s|it'?s|that is|it is) (?:ok(?:ay)?|alright|all right|fine)|"
                     r"\bif you(?:'re| are) (?:ok(?:ay)?|alright|happy) with|\bif you don'?t mind")
_PROGRESS_Q = folded(
    r"\b(?:where we'?ve got|how (?:is|are) (?:this|therapy|our sessions|things|the \w+) "
    r"(?:going|working)|progress|so far|since we started|how (?:are|have) you (?:finding|been "
    r"finding)|review|look(?:ing)? back|not seeing the change|changed)\b")
# What a turn is about, for "objects to X" markers: the task, the frame, or progress.
TASK_WORDS = folded(
    r"\b(?:worksheets?|homework|exercises?|forms?|diary|diaries|journal\w*|logs?|"
    r"thought records?|records?|breathing|role[- ]?plays?|techniques?|skills?|scales?|"
    r"scheduling|acronyms?|pros and cons|mindfulness|meditation|tasks?|assignments?|"
    r"questionnaires?|charts?|handouts?|sheets?|chair|modules?|practi[cs]e|practising|"
    r"practicing|genogram|thermometer|visuali[sz]\w+|imagine|experiment|rate|rating|"
    r"exposure|plan|steps|tools?|apps?|activity|activities|the \w+ (?:thing|bit|stuff))\b")
FRAME_WORDS = folded(
    r"\b(?:sessions?|fees?|pay|paying|paid|cost|costs|price|money|insurance|bill\w*|charged?|"
    r"cancel\w*|reschedul\w*|appointments?|minutes|hour|weeks|away|holiday|time'?s up|finish|"
    r"end (?:a bit )?early|waiting list|wait|video|zoom|phone|online|in person|room|office|"
    r"drive|parking|notice|policy|rules?|agreement|contract|twelve|limit|every week|weekly|"
    r"thursday|tuesday|monday|wednesday|friday|schedule)\b")
PROGRESS_WORDS = folded(
    r"\b(?:progress|better|worse|same|change[ds]?|improv\w*|helping|helped|working|"
    r"where we'?ve got|so far|since we started|months|weeks|still|anywhere|nowhere|"
    r"difference|going)\b")


@dataclass(frozen=True, slots=True)
class TherapistAct:
    """What one therapist turn did. ``kind`` is the main act; the flags can overlap."""

    kind: Act
    question: bool = False
    open: bool = False
    closed: bool = False
    feeling: bool = False
    relationship: bool = False
    probe: bool = False  # a short follow-up question ("Just okay?", "Nothing at all?")
    factual: bool = False  # a closed question asking for a fact (a day, a number, a name)
    proposal: bool = False  # asks for the go-ahead on a plan or idea ("How does that sound?")
    greeting: bool = False  # "Hello! How are you today?": a social opener
    agenda: bool = False  # "Is there anything you'd like to talk about today?"
    suggestion: bool = False
    interpretation: bool = False
    reflection: bool = False
    explanation: bool = False
    topic_task: bool = False
    topic_frame: bool = False
    topic_progress: bool = False
    # a statement that puts a topic of the client's life on the table for them to take up
    # ("You mentioned urges this week.", "Your mum said there was an argument.")
    topic_prompt: bool = False
    words: int = 0

    @property
    def invites_elaboration(self) -> bool:
        """Did this turn ask the client to say more (open/feeling/relationship question)?"""
        return self.open or self.feeling or self.relationship

    @property
    def offers_intervention(self) -> bool:
        """Did this turn offer something a client can take up or turn down?"""
        return self.suggestion or self.interpretation or self.reflection


NO_ACT = TherapistAct(Act.OTHER)

# A sentence of thanks ("Thank you for sharing that with me today.") is courtesy, not talk
# about the relationship, however many "with me"s it holds.
_THANKS = folded(r"\bthanks?\b")


def without_thanks(text: str) -> str:
    """``text`` with its sentences of thanks blanked (same length, so spans still line up)."""
    if "thank" not in text.lower():
        return text
    chars = list(text)
    for a, b in sentence_spans(text):
        if _THANKS.search(text[a:b]):
            chars[a:b] = " " * (b - a)
    return "".join(chars)


def _about_relationship(text: str) -> bool:
    """Talk about the two of them, not the courtesy "Thank you for sharing with me today"."""
    return bool(_RELATIONSHIP.search(without_thanks(text)))


@lru_cache(maxsize=4096)
def classify_therapist_turn(text: str) -> TherapistAct:
    """Classify a therapist turn by rules over phrases; the last question decides the kind."""
    questions = question_sentences(text)
    last_q = questions[-1] if questions else ""
    invite = bool(_INVITE_NO_QMARK.search(text))
    scaling = bool(_SCALING.search(last_q))
    is_open = bool(last_q) and (is_open_question(last_q) or bool(_WH_CLAUSE.search(last_q)))
    is_open = (is_open or invite) and not scaling
    is_closed = bool(last_q) and not is_open
    factual = is_closed and (scaling or bool(_FACTUAL_WORDS.search(last_q)))
    probe = (is_closed and not factual and count_words(last_q) <= 4
             and not _ASKS_OUTRIGHT.match(last_q))
    feeling = bool(_FEELING.search(last_q or text)) and (bool(last_q) or invite)
    relationship = _about_relationship(text) and (bool(last_q) or invite)
    # "How did that feel?" is open; "Did that upset you?" is a closed question about a feeling,
    # which still invites a feeling answer, so it counts as a feeling question too.
    # A reply answers the last question when there is one: what else the turn said counts
    # only for a short check question ("Does that fit?", "Is that right?").
    scope = text if not last_q or count_words(last_q) <= 6 else last_q
    suggestion = bool(_SUGGESTION.search(scope))
    interpretation = bool(_INTERPRETATION.search(scope))
    reflection = (bool(_REFLECTION.search(scope))
                  and not last_q.lower().startswith(("do ", "did ")))
    explanation = bool(_EXPLANATION.search(text)) and not last_q
    if relationship:
        kind = Act.RELATIONSHIP_QUESTION
    elif feeling:
        kind = Act.FEELING_QUESTION
    elif is_open:
        kind = Act.OPEN_QUESTION
    elif is_closed and not (suggestion or interpretation):
        kind = Act.CLOSED_QUESTION
    elif explanation and not _SUGGEST_STRONG.search(text):
        kind = Act.EXPLANATION
    elif suggestion:
        kind = Act.SUGGESTION
    elif interpretation:
        kind = Act.INTERPRETATION
    elif reflection:
        kind = Act.REFLECTION
    elif explanation or count_words(text) >= 25:
        kind = Act.EXPLANATION
    elif is_closed:
        kind = Act.CLOSED_QUESTION
    else:
        kind = Act.OTHER
    return TherapistAct(
        kind=kind, question=bool(last_q), open=is_open, closed=is_closed, feeling=feeling,
        relationship=relationship, probe=probe, factual=factual,
        proposal=bool(last_q) and bool(_PROPOSAL.search(last_q)),
        greeting=bool(_HOW_ARE_YOU.match(last_q)) and bool(_GREETING.search(text)),
        agenda=bool(_AGENDA.search(last_q or text)),
        suggestion=suggestion,
        interpretation=interpretation,
        reflection=reflection, explanation=explanation or kind is Act.EXPLANATION,
        topic_task=bool(TASK_WORDS.search(text)), topic_frame=bool(FRAME_WORDS.search(text)),
        topic_progress=bool(_PROGRESS_Q.search(text)),
        topic_prompt=not last_q and not invite and _raises_topic(text),
        words=count_words(text),
    )


def _raises_topic(text: str) -> bool:
    """The turn ends on a sentence that raises a topic for the client (``_TOPIC_PROMPT``)."""
    spans = sentence_spans(text)
    if not spans or count_words(text) > 30:
        return False  # a longer statement explains or reflects; "mm" there is a backchannel
    a, b = spans[-1]
    return bool(_TOPIC_PROMPT.search(text[a:b].strip())) and not _ASKS_LEAVE.search(text)


# ---------------------------------------------------------------- annotations

# "[to Father]", "(to A)": the turn is addressed to someone other than the therapist.
_TO_OTHER = folded(r"[\[(]\s*(?:to|at|turning to|looking at)\s+"
                       r"(?!you\b|the therapist|therapist)[^\])]{1,30}[\])]")
# "…, Dad." / "Mum, you…": a family member or partner named as the one spoken to. Kinship and
# endearment words only: a first name may be the therapist's, and "love" or "mate" often is.
_VOCATIVE_OTHER = folded(
    r"(?:^|[.!?]\s+)\W*(?:dad|daddy|mum|mummy|mom|mommy|mam|mama|papa|father|mother|babe|"
    r"baby|honey|hun)\s*,|,\s*(?:dad|daddy|mum|mummy|mom|mommy|mam|mama|papa|father|mother|"
    r"babe|baby|honey|hun)\s*(?:[.!?]|$)")
# Anything in square brackets is transcriber notation ("[shrugs]", "[quickly]"), never speech.
_BRACKETED = re.compile(r"\[[^\[\]\n]{1,48}\]")


def _annotations(u: Utterance) -> tuple[Annotation, ...]:
    return u.annotations or find_annotations(u.text)


def _spoken(u: Utterance, anns: tuple[Annotation, ...]) -> str:
    """The text with annotations and bracketed notes blanked out (same length)."""
    spans = [a.span for a in anns] + [m.span() for m in _BRACKETED.finditer(u.text)]
    if not spans:
        return u.text
    chars = list(u.text)
    for a, b in spans:
        for i in range(a, min(b, len(chars))):
            chars[i] = " "
    return "".join(chars)


def spoken(u: Utterance) -> str:
    """What ``u`` says aloud: annotations and any bracketed transcriber note blanked out.

    ``Utterance.spoken_text`` blanks only the known non-verbal vocabulary; analysis also
    treats "[slams bag down]" as notation, never speech, so "[slams bag down] whatever"
    reads as the terse "whatever" everywhere.
    """
    return _spoken(u, _annotations(u))


# ---------------------------------------------------------------- client-turn features

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_HEDGE = folded(
    r"\b(?:i guess|i suppose|maybe|kind of|kinda|sort of|sorta|probably|perhaps|i think|"
    r"not sure|whatever|i mean|like)\b")
_IDK = folded(r"\b(?:i (?:don'?t|do not|dunno) know|i dunno|idk|dunno|no idea|not sure)\b")
# After "I don't know", these words mean the client is searching, not closing the door.
_EXPLORING = folded(
    r"\b(?:maybe|perhaps|i think|i guess|probably|kind of|sort of|like|i felt|i feel|i was|"
    r"it was|it's like|part of|something|i wonder|might|could be|because)\b")
_NEGATION = folded(
    r"\b(?:not|no|never|nothing|nobody|none|nowhere|neither|nor|\w+n'?t|cannot)\b")
_QUOTE = re.compile(r"[\"“”]([^\"“”]{2,200})[\"“”]|(?<![\w])['‘]([^'‘’]{3,200})['’](?![\w])")
_SAID = folded(
    r"\b(?:said|says|say|told (?:me|him|her|them|us)|tells (?:me|him|her)|asked|yelled|"
    r"goes|went|was like|is like|screamed|texted|wrote|keeps saying|kept saying|would say)"
    r"\s*[,:]?\s*",
)
_YOU = folded(r"\b(?:you|your|you're|youre|you've|you'd|you'll|yourself|u)\b")
# "you know", "if you", "when you" are usually generic or filler, not addressed to the therapist.
_GENERIC_YOU = folded(
    r"\b(?:you know|you see|y'know|ya know|if you|when you|you just have to|you have to just|"
    r"you never know|you get used|you can't win|thank you|you go|mind you|like you)\b")
_AFFECT = folded(
    r"\b(?:feel\w*|felt|sad\w*|angry|anger|mad|upset|hurt\w*|scared|afraid|anxious|anxiety|"
    r"worried|worry|nervous|lonely|alone|ashamed|shame|guilty|guilt|embarrass\w*|frustrat\w*|"
    r"annoyed|irritat\w*|happy|glad|relieved|excited|proud|jealous|hopeless|helpless|"
    r"empty|numb|terrified|panic\w*|overwhelm\w*|devastat\w*|heartbroken|grief|grieving|"
    r"miss (?:him|her|them)|cried|crying|tears|rejected|abandoned|betrayed|stressed)\b")
# Negative evaluation of something (in-house list): "ridiculous", "pointless", "a bit much".
_NEG_EVAL = folded(
    r"\b(?:ridiculous|insane|stupid|pointless|useless|annoying|absurd|nonsense|rubbish|"
    r"bullshit|crap|waste|joke|fake|a bit much|sick of|tired of|fed up|enough|seriously|"
    r"come on|ugh|great\.|fine\. whatever|unfair|not fair|patroni[sz]ing|condescending)\b")
_THIRD_PERSON = folded(
    r"\b(?:he|she|they|him|her|them|his|their|hers|theirs|my (?:\w+)|there was|there were)\b")
_GENERIC = folded(
    r"\b(?:people|everyone|everybody|anyone|anybody|nobody|no one|someone|one|always|"
    r"in general|society|life|the world|human|humans|men|women|guys|kids|things)\b")
_START_NO = folded(r"^\W*(?:no|nope|nah|not really|not at all|absolutely not|"
                       r"(?:um|uh|well|okay),? no)\b")
# A reply that opens with "no": disagreement or refusal, unless it answers a plain question.
_LEADING_NO = r"^\W*(?:no|nope|nah|lol no|yeah,? no|no,? no)\b"
# Disagreement or refusal in words, whatever it is about (in-house list).
_DISAGREE_WORDS = (
    r"\bi don'?t think (?:so|that'?s|it'?s|this is)\b|\bi wouldn'?t (?:say|call it)\b|"
    r"\b(?:that'?s|it'?s|that is|it is) (?:not|n'?t) (?:\w+ )?(?:it|that|true|right|relevant|"
    r"what|how|why|a matter|the point)\b|\bnothing of the sort\b|\bnothing like\b|"
    r"\b(?:a (?:bit of a )?stretch|read(?:ing)? (?:so much|too much|a lot) into|textbook|"
    r"cringe|mumbo[- ]jumbo|psychobabble|so what|way too (?:strong|much)|not for me|no thanks|"
    r"i'?d rather not|i'?m not (?:going to|gonna|doing|avoiding|being|letting|writing|sticking)|"
    r"we'?re not (?:doing|writing|going)|i won'?t|not (?:doing|trying) that|"
    r"i don'?t see (?:how|the point|why|what)|doesn'?t (?:mean|do) anything|"
    r"i don'?t (?:need|want) (?:that|this|to do (?:that|this))\b|"
    r"i'?m not (?:twelve|five|a kid|a child)|"
    r"(?:is|are|that'?s) for (?:little )?kids|busywork|hate (?:this|that|these|doing)|"
    r"every (?:hour|day|single)\?|why (?:are|do) we (?:always |even )?(?:doing|have to|do)|"
    r"(?:makes?|made) me (?:not want|more anxious|feel worse|feel stupid)|"
    # the therapist's own word handed back inside a negation: "it's not 'interesting'"
    r"\b(?:not|don'?t|isn'?t|wasn'?t)\s+[\"“‘']\w|"
    r"(?:not|never) (?:gonna|going to) happen|don'?t tell me|please don'?t|can we not|"
    r"stop (?:doing|saying|asking|telling)|i'?d rather you didn'?t|\bleave it\b|"
    r"(?:not|isn'?t|wasn'?t) (?:very |really |that )?helpful|that doesn'?t help|"
    r"i'?m not (?:putting|having|taking|buying|swallowing)|"
    r"(?:it'?s|that'?s) not (?:a |an )?(?:thinking|thought|cognitive) (?:error|distortion|trap)|"
    # pushing back on a deeper reading, or on the therapist going further
    r"don'?t (?:even )?go there|don'?t make (?:this|it) (?:into|about)|"
    r"not everything (?:i (?:say|do) )?(?:is|has|means)\b|"
    r"there'?s no (?:[\"“‘']\w|hidden|deeper|deep|underlying)|"
    r"(?:it|that)'?s not (?:some|a) (?:deep|big|hidden|symbolic|secret)|"
    r"(?:that'?s|it'?s) (?:a bit |pretty |quite |really )?(?:harsh|unfair)\b|"
    r"(?:that'?s|it'?s) (?:a bit )?rich(?=\W*$|[.!?,])|"
    r"(?:that'?s|it'?s) not really (?:a plan|an answer|the point|helping|helpful)|"
    r"^\W*is that it\?|^\W*oh,? please[.!]|give me a break|you can'?t be serious|"
    r"i don'?t (?:buy|accept) (?:that|it)\b)")
_DISAGREE = folded(_LEADING_NO + "|" + _DISAGREE_WORDS)
_DISAGREE_IN_WORDS = folded(_DISAGREE_WORDS)
_OPENS_NO = folded(_LEADING_NO)


# Taking the therapist's side of a strain off them ("it's not that you're pushing", "it's
# not you, it's me", "not your fault").
_REASSURES = folded(
    r"\bit'?s not (?:that )?you\b|\bnot that you(?:'re| are| don'?t)?\b|\byou(?:'re| are)"
    r"(?: really)? not (?:pushing|doing anything wrong|the problem|bad at)|^\W*(?:\w+\W+){0,3}"
    r"it'?s (?:just |really )?me\b|\bnothing you (?:did|said)\b|\bnot your fault\b")


def blanked(text: str, pattern: Folded) -> str:
    """``text`` with every match of ``pattern`` blanked (same length)."""
    chars = list(text)
    for m in pattern.finditer(text):
        chars[m.start():m.end()] = " " * (m.end() - m.start())
    return "".join(chars)


def _disagrees(spoken: str, act: TherapistAct) -> bool:
    """Disagreement or refusal in a client turn, read against the question it answers.

    "No" to a plain question ("Is there anything else on your mind?" "No, I think we covered
    it.") is an answer, not a disagreement; "no" to an offered reading, a reflection, a
    suggestion or a proposal pushes back on it, unless it goes on to take the strain off
    the therapist ("No, it's not that you're pushing. It's me.").
    """
    reassured = blanked(spoken, _REASSURES)
    if _DISAGREE_IN_WORDS.search(reassured):
        return True
    return not (plain_question(act) or reassured != spoken) and bool(_OPENS_NO.search(spoken))


def plain_question(act: TherapistAct) -> bool:
    """A question that offers no reading, reflection, suggestion or plan to push back on."""
    return act.question and not (act.interpretation or act.reflection or act.suggestion
                                 or act.proposal)


_LAUGH_WORDS = folded(r"\b(?:haha+|lol)\b")


def objects(text: str, act: TherapistAct | None = None) -> bool:
    """Disagrees, refuses or judges something negatively, in everyday words.

    The same test as :attr:`ClientFeatures.negative_stance`, for layers that have only the
    text and perhaps the therapist's act before it (the strain cues the repair detector
    uses). Without the act, a leading "no" counts as disagreement.
    """
    if _NEG_EVAL.search(text):
        return True
    return _disagrees(text, act) if act is not None else bool(_DISAGREE.search(text))


# Word categories in the spirit of LIWC-style function-word counts (in-house lists): how
# someone speaks generalises across topics better than what they speak about.
STYLE = {
    "we": folded(r"\b(?:we|us|our|ours|we're|we've)\b"),
    "certainty": folded(r"\b(?:always|never|every|everything|nothing|totally|completely|"
                            r"absolutely|definitely|exactly|obviously|clearly|all)\b"),
    "tentative": folded(r"\b(?:maybe|perhaps|guess|kind of|sort of|probably|might|"
                            r"possibly|somehow|a bit|a little)\b"),
    "discrepancy": folded(r"\b(?:should|would|could|ought|need|wish|supposed|want)\b"),
    "anger": folded(r"\b(?:hate|angry|mad|annoy\w*|irritat\w*|furious|pissed|sick of|"
                        r"fed up|damn|hell|bloody|fuck\w*|shit\w*|crap)\b"),
    "sad": folded(r"\b(?:sad|cry\w*|cried|tears|lonely|alone|miss\w*|lost|grief|"
                      r"hopeless|empty|hurt\w*|depress\w*)\b"),
    "anxiety": folded(r"\b(?:worr\w*|anxi\w*|nervous|scared|afraid|fear\w*|panic\w*|"
                          r"tense|stress\w*)\b"),
    "positive": folded(r"\b(?:good|great|fine|nice|lovely|love|happy|glad|okay|ok|"
                           r"helpful|thanks|thank|right|sure|absolutely|perfect)\b"),
    "past": folded(r"\b(?:was|were|had|did|\w+ed)\b"),
    "cause": folded(r"\b(?:because|cause|'cause|since|so that|therefore|reason)\b"),
    "contrast": folded(r"\b(?:but|though|although|however|yet)\b"),
    "just": folded(r"\b(?:just|even|again|still|already)\b"),
    "exclaim": re.compile(r"!"),
    "quote": re.compile(r"[\"“”]"),
    "therapy": folded(r"\b(?:therapy|therapist|session|sessions|counsell?\w*|"
                          r"coming here|in here|this room)\b"),
}
_FIRST_PERSON = folded(r"\b(?:i|i'm|im|i've|i'd|i'll|me|my|myself)\b")

_STOP = frozenset(
    "a about after again all also am an and any are as at be because been before being but by "
    "can could did do does doing don't down during each even ever every for from get got had "
    "has have having he her here hers him his how i i'd i'll i'm i've if in into is it it's its "
    "just know let like lot made make many me might mine more most much must my myself no nor "
    "not now of off oh okay ok on once one only or other our out over own really right said same "
    "say see she should so some still such than that that's the their them then there these "
    "they thing things think this those though through to too um uh up us very was way we well "
    "were what when where which while who why will with would yeah yes you you're your yours "
    "yourself mm hmm go going gonna want".split()
)


# Words that fill a short reply without saying anything in particular ("fine", "stuff",
# "not much", "I guess"). A short reply with a word outside these and _STOP names something
# ("Cycling.", "Health reasons.", "Pure hell.") and answers the question: clinical.md's
# boundary rule counts specific, on-topic replies as counter-evidence of withdrawal.
_VAGUE = frozenset(
    "fine good ok okay alright allright nothing much stuff whatever dunno idk guess suppose "
    "s'pose spose "
    "normal usual same sure maybe probably kinda kind sort sorta bad great cool nope nah yep "
    "yup meh huh thanks thank thx exactly definitely absolutely totally course pretty quite "
    "bit little anything something everything nobody either neither true correct agree mean "
    "tell remember care please don't didn't can't dont cant didnt isn't wasn't it's that's "
    "sounds sound fair enough depends hello hi bye sorry whatevs mhm uh-huh hm ah aye yea ya "
    "nothin nada not interesting weird idc hmm mmm usually though okay-ish ok-ish fine-ish "
    "busy tired hard rough long quiet boring nice strange different difficult tough crap "
    "rubbish shit awful terrible complicated alive here there today yesterday week weekend "
    "mostly mainly generally basically honestly actually literally obviously anyway anyways "
    "perhaps always happened happens went goes matter matters mind big particular others add "
    "doesn't won't wouldn't couldn't haven't aren't lol haha lmao".split()
)


def specific_words(text: str, asked: str = "") -> int:
    """Words in ``text`` that name something: neither function words nor vague fillers.

    Words that only repeat ``asked`` (the therapist's turn) name nothing new: "What about
    your job?" "It's a job." gives back the question's own noun and no answer to it.
    """
    echoed = content_words(asked) if asked else set()
    return sum(1 for w in _WORD.findall(text)
               if len(k := w.lower()) > 2 and k not in _STOP and k not in _VAGUE
               and not k.isdigit() and k[:5] not in echoed)


@lru_cache(maxsize=4096)
def content_words(text: str) -> frozenset[str]:
    """Lower-cased content words, crudely stemmed to five letters, for topic overlap.

    Cached: a client turn's features read the therapist turn before it up to three times
    (topic overlap, the words it echoes, a denial in its own word).
    """
    return frozenset(w.lower()[:5] for w in _WORD.findall(text)
                     if w.lower() not in _STOP and len(w) > 2)


def reported_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of quoted or reported speech ("my mom said you never listen")."""
    spans = [(m.start(), m.end()) for m in _QUOTE.finditer(text)]
    for m in _SAID.finditer(text):
        end = len(text)
        for stop in (". ", "? ", "! ", "\n", " but ", " and i ", " anyway"):
            j = text.find(stop, m.end())
            if j != -1:
                end = min(end, j)
        spans.append((m.start(), end))
    return spans


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


def addressed_you(text: str, reported: list[tuple[int, int]] | None = None) -> list[int]:
    """Start offsets of "you" that plausibly address the therapist (not reported, not generic)."""
    reported = reported_spans(text) if reported is None else reported
    generic = [(m.start(), m.end()) for m in _GENERIC_YOU.finditer(text)]
    return [m.start() for m in _YOU.finditer(text)
            if not _inside(m.start(), reported) and not _inside(m.start(), generic)]


@dataclass(frozen=True, slots=True)
class ClientFeatures:
    """Plain features of one client turn, in the context of the therapist turn before it."""

    words: int
    spoken: str  # text with annotations blanked out (same length as the text)
    act: TherapistAct
    hedges: int
    idk: bool
    idk_closing: bool  # "I don't know." and little else
    thinking_aloud: bool  # "I don't know… maybe I felt left out"
    negations: int
    reported: list[tuple[int, int]]
    you_addressed: int
    first_person: int
    affect_words: int
    neg_eval: int
    third_person: int
    generic: int
    starts_no: bool
    disagree: bool
    task_words: bool
    frame_words: bool
    progress_words: bool
    overlap: float  # share of the client's content words also in the therapist turn
    latency_s: float | None
    laughs: bool
    silence: bool
    sighs: bool
    crying: bool
    pause_s: float  # longest written pause/silence duration, 0 when none
    baseline_words: float  # this client's usual words in reply to open questions
    prev_text: str = ""  # the therapist turn before, as written
    to_other: bool = False  # addressed to someone else in the room (a partner, a parent)
    echo_span: tuple[int, int] | None = None  # "not invisible", "Tell him?": the therapist's
    # own word thrown back, negated or as an incredulous question
    style: tuple[float, ...] = ()  # STYLE category rates, in STYLE order
    annotations: tuple[Annotation, ...] = field(default=())
    specific: int = 0  # words that name something (specific_words)
    reassures: bool = False  # takes a strain off the therapist ("it's not that you're pushing")
    clipped_before: int = 0  # this client's replies just before, in a row, that were clipped

    @property
    def negative_stance(self) -> bool:
        """Disagrees, refuses or evaluates something negatively."""
        return self.disagree or self.neg_eval > 0

    @property
    def baseline_ratio(self) -> float:
        """Words in this turn relative to the client's usual open-question reply."""
        return self.words / max(self.baseline_words, 1.0)


def client_features(
    u: Utterance, prev: Utterance | None, baseline_words: float | None = None,
    after_other_client: bool = False, clipped_before: int = 0,
) -> ClientFeatures:
    """Features of client turn ``u`` given the therapist turn ``prev`` before it.

    ``after_other_client``: the turn just before was another client's (couples or family
    work), so a "you" here more likely answers them than the therapist.
    ``clipped_before``: how many of this client's replies just before were clipped
    (:func:`clipped_runs`).
    """
    anns = _annotations(u)
    spoken = _spoken(u, anns)
    words = len(_WORD.findall(spoken))
    act = classify_therapist_turn(prev.text) if prev is not None else NO_ACT
    idk = _IDK.search(spoken)
    after = spoken[idk.end():] if idk else ""
    after_idk = len(_WORD.findall(after))
    thinking = bool(idk) and (after_idk >= 6 or bool(_EXPLORING.search(after)))
    reported = reported_spans(spoken)
    latency = None
    if prev is not None and u.start_s is not None and prev.end_s is not None:
        latency = max(0.0, u.start_s - prev.end_s)
    kinds = {a.kind for a in anns}
    pause = max((a.duration_s or 3.0 for a in anns
                 if a.kind in (AnnotationKind.PAUSE, AnnotationKind.SILENCE)), default=0.0)
    # said to someone else in the room: "[to Father] …", "You never listen, Dad."
    to_other = after_other_client or bool(_TO_OTHER.search(u.text)
                                          or _VOCATIVE_OTHER.search(spoken))
    overlap = 0.0
    if prev is not None:
        mine = content_words(spoken)
        if mine:
            overlap = len(mine & content_words(prev.text)) / len(mine)
    return ClientFeatures(
        words=words, spoken=spoken, act=act,
        hedges=len(_HEDGE.findall(spoken)),
        idk=bool(idk), idk_closing=bool(idk) and not thinking and words <= 9,
        thinking_aloud=thinking,
        negations=len(_NEGATION.findall(spoken)), reported=reported,
        you_addressed=0 if to_other else len(addressed_you(spoken, reported)),
        first_person=len(_FIRST_PERSON.findall(spoken)),
        affect_words=len(_AFFECT.findall(spoken)), neg_eval=len(_NEG_EVAL.findall(spoken)),
        third_person=len(_THIRD_PERSON.findall(spoken)), generic=len(_GENERIC.findall(spoken)),
        starts_no=bool(_START_NO.search(spoken)), disagree=_disagrees(spoken, act),
        task_words=bool(TASK_WORDS.search(spoken)), frame_words=bool(FRAME_WORDS.search(spoken)),
        progress_words=bool(PROGRESS_WORDS.search(spoken)), overlap=overlap, latency_s=latency,
        laughs=AnnotationKind.LAUGHS in kinds or bool(_LAUGH_WORDS.search(spoken)),
        silence=AnnotationKind.SILENCE in kinds, sighs=AnnotationKind.SIGHS in kinds,
        crying=AnnotationKind.CRYING in kinds, pause_s=pause,
        baseline_words=baseline_words if baseline_words is not None else DEFAULT_OPEN_REPLY_WORDS,
        prev_text=prev.text if prev is not None else "", annotations=anns,
        to_other=to_other,
        echo_span=echo_rejection(spoken, prev.text) if prev is not None else None,
        style=tuple(min(1.0, len(p.findall(spoken)) / max(words, 1) * 5) for p in STYLE.values()),
        specific=specific_words(spoken, prev.text if prev is not None else ""),
        reassures=bool(_REASSURES.search(spoken)),
        clipped_before=clipped_before,
    )


_NEG_WORD = folded(
    r"(?:\b(?:it'?s|that'?s|i'?m|it was|that was|i was|it is|that is) not|"
    r"\b(?:it|that|i) (?:isn'?t|wasn'?t)|(?:^|[.!?]\s+)(?:no[.,]?\s+)?not)\s+"
    r"(?:a |an |about |so |really |exactly |[\"“])?([^\W\d_][\w'-]+)")
_FIRST_SENTENCE = folded(r"^\W*([^.?!]{1,50}?)(\?|\.\s*(?:right|really|sure|yeah,? right)\b)")


_CURIOUS_START = folded(r"\s*(?:ok(?:ay)?,?\s+)?(?:what|how|why|which|who|when|where|can|could|"
                            r"would|is|are|do|does)\b")


def negated_echo(spoken: str, prev_text: str) -> tuple[int, int] | None:
    """Where the reply opens by saying the therapist's own word is not so ("It's not
    mind-reading", "I wasn't annoyed" after "You had every right to be annoyed")."""
    return _negated_echo(spoken, content_words(prev_text))


def _negated_echo(spoken: str, theirs: frozenset[str]) -> tuple[int, int] | None:
    for m in _NEG_WORD.finditer(spoken[:40]):  # only as the reply opens
        if m.group(1).lower()[:5] in theirs:
            return (m.start(), m.end())
    return None


def echo_rejection(spoken: str, prev_text: str) -> tuple[int, int] | None:
    """Where the client throws the therapist's own word back: negated or as a question.

    "It's not mind-reading", "No. Not invisible." after the therapist said the word;
    "Tell him?" / "Coffee in the park. Right." as the opening of the reply.
    """
    theirs = content_words(prev_text)
    if not theirs:
        return None
    negated = _negated_echo(spoken, theirs)
    if negated is not None:
        return negated
    m = _FIRST_SENTENCE.match(spoken)
    if (m and count_words(m.group(1)) <= 4 and content_words(m.group(1)) & theirs
            and not _CURIOUS_START.match(m.group(1))):
        return (m.start(1), m.end())
    return None


def previous_therapist(transcript: Transcript, index: int, reach: int = 3) -> Utterance | None:
    """The therapist turn just before utterance ``index`` (within ``reach`` turns), if any."""
    us = transcript.utterances
    for j in range(index - 1, max(-1, index - 1 - reach), -1):
        if us[j].role is Role.THERAPIST:
            return us[j]
        if us[j].role is Role.CLIENT and us[j].speaker == us[index].speaker:
            return None
    return None


def clipped_runs(transcript: Transcript, cap: int = 2) -> list[int]:
    """For each utterance, how many of its speaker's replies just before it, in a row, were
    clipped (``CLIPPED_REPLY_WORDS`` words or fewer), up to ``cap``.

    One short answer says little; the same client answering shortly turn after turn is
    what withdrawal looks like in a transcript ("clipped answers"; 3RS minimal response,
    Eubanks, Muran & Safran, 2015). Only earlier turns count.
    """
    out: list[int] = []
    run: dict[str, int] = {}
    for u in transcript.utterances:
        out.append(run.get(u.speaker, 0))
        if u.role is Role.CLIENT:
            words = len(_WORD.findall(_spoken(u, _annotations(u))))
            clipped = words <= CLIPPED_REPLY_WORDS
            run[u.speaker] = min(cap, run.get(u.speaker, 0) + 1) if clipped else 0
    return out


def open_reply_baselines(transcript: Transcript, min_replies: int = 3) -> list[float | None]:
    """For each utterance, the median words of this client's *earlier* replies to open questions.

    ``None`` until the client has answered at least ``min_replies`` open questions. Only
    earlier turns count, so a turn is never compared against itself or the future.
    """
    out: list[float | None] = []
    seen: dict[str, list[int]] = {}
    us = transcript.utterances
    for i, u in enumerate(us):
        mine = seen.get(u.speaker, [])
        out.append(statistics.median(mine) if len(mine) >= min_replies else None)
        if u.role is Role.CLIENT:
            prev = previous_therapist(transcript, i)
            if prev is not None and classify_therapist_turn(prev.text).invites_elaboration:
                seen.setdefault(u.speaker, []).append(
                    len(_WORD.findall(_spoken(u, _annotations(u)))))
    return out
