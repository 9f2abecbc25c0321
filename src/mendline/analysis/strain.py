"""Plain cues that a client turn may carry a strain, for the repair and episode layers.

The marker detector (:mod:`mendline.analysis.markers`) decides which client turns are
rupture markers, and it is tuned for precision. Resolution strategies, though, are coded
as *responses* to a rupture (3RS; Eubanks, Muran & Safran, 2015), so the repair detector
needs a recall-minded sense of "was there something to respond to?" even where the
marker detector stayed quiet. These cues give it:

- **complaint-like**: the client turns against the therapist or the work — addresses the
  therapist with an objection ("you're not listening", "that's not what I said"), calls a
  task or the therapy pointless, asks "why are we doing this?";
- **shut down**: a terse reply ("Fine.", "I don't know.", "Whatever.") to an invitation to say
  more, or a long silence annotation;
- **quieter**: a reply much shorter than this client's own median (clinical.md: compare
  with the client's own way of speaking).

None of these is reported to the user as a marker: they only decide whether a therapist
turn could be a response to a strain, and feed the repair model as context features.
"""

from __future__ import annotations

import statistics
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from mendline.analysis.acts import (
    TherapistAct,
    classify_therapist_turn,
    client_features,
    objects,
    previous_therapist,
    spoken,
)
from mendline.analysis.lexicon import folded
from mendline.analysis.marker_rules import answers_closed_question, answers_offer
from mendline.transcript import AnnotationKind, Role, Transcript, Utterance

__all__ = ["StrainCues", "NO_STRAIN", "complaint_like", "terse", "strain_before",
           "client_median_words"]


# The client addresses the therapist with an objection or a hurt reading of what they did.
_AT_THERAPIST = folded(
    r"\byou(?:'re| are)(?: not| never| always| just| only| so| being| taking| on| like| making|"
    r" telling| judging| lecturing| against| obsessed| doing it| treating)\b|"
    r"\byou (?:don'?t|didn'?t|never|always|keep|kept|just|only|think i|want me|made me|make me|"
    r"said i|say i|called|sound like|sounded like|weren'?t|aren'?t|haven'?t|won'?t|can'?t "
    r"(?:understand|help)|have no idea|wouldn'?t|ignored|interrupted|cut me|missed|got it wrong|"
    r"keep asking|asked me|took|side|nod|mean|think it'?s|smil\w+|laugh\w*|look(?:ed)? at me)\b|"
    r"(?:^|[.!?]\s+)you(?: said| say| think| want| asked| told| mean)\b|\bwhat do you mean\b|"
    r"\bwhy (?:are|did|do|would) you\b|\bdon'?t (?:say|tell me)\b|"
    r"\bmake up your mind\b|\bi don'?t (?:get|see|understand) (?:why|what|how|the point)\b|"
    r"\bwhat'?s (?:that|this|it) (?:supposed|meant) to\b|\bso (?:basically |you'?re saying )?"
    r"i(?:'m| am| did| should)\b.{0,30}\b(?:wrong|bad|lazy|stupid|failing|catastrophi\w+|"
    r"the problem)\b|\b(?:too much|too fast|too soon|not ready)\b|"
    r"\bi don'?t care (?:what|about) (?:the|your)\b|"
    r"\b(?:that'?s|this is|it'?s) not what i (?:said|meant|came|asked|want)|\bi (?:didn'?t|never) "
    r"say that\b|\bnot (?:an|the) answer\b|\bwas that (?:sarcastic|a dig|a joke|meant)|"
    r"\b(?:against me|on (?:his|her|their) side|taking (?:his|her|their|sides)|like (?:a|the) "
    r"(?:social worker|teacher|doctors?|school|test|lecture|interrogation|exam|robot|machine|"
    r"business meeting))\b|\b(?:your|you and your) (?:goal|agenda|plan|idea|questions?|"
    r"homework|sheets?|worksheets?|theory|theories|forms?|numbers)\b|"
    # expecting the therapist to tire of them or leave ("you'll get bored of me soon")
    r"\byou(?:'ll| will| would| are going to|'re going to)(?: probably| just| soon| end up)?"
    r" (?:get (?:bored|tired|sick|fed up)|give up|leave|drop me|stop seeing|hate|judge)\b|"
    r"\b(?:bored|tired|sick|fed up) (?:of|with) me\b|\bgive up on me\b")
# The client objects to the tasks, the frame or the progress of therapy.
_AT_WORK = folded(
    r"\b(?:pointless|useless|stupid|waste of (?:time|money)|wasting (?:time|my time|our time)|"
    r"not (?:helping|working|getting (?:any )?better|going anywhere)|doesn'?t (?:help|work)|"
    r"didn'?t (?:help|work)|isn'?t (?:helping|working)|no point|what'?s the point|boring|"
    r"hate (?:this|these|that|it|doing)|sick of|fed up (?:with|of)|annoying|patronis\w*|"
    r"patroniz\w*|childish|like school|homework again|another (?:worksheet|sheet|form)|"
    r"why (?:are|do|should|would) (?:we|i) (?:have to |keep |even )?(?:do|doing|talk|talking|"
    r"wasting|set|going|bother|need|fill|use)|why do you (?:keep|always|want|need)|"
    r"(?:just )?tell me what to do|stop asking|i don'?t (?:want|need) (?:to|this|that|your)|"
    r"i'?m not (?:doing|going to do|a child|stupid|senile|crazy|mad|broken|lazy)|"
    r"(?:these|the|your) (?:sessions|worksheets?|sheets?|exercises?|forms?|questionnaires?|"
    r"scales?|diary|diaries|records?) (?:are|is|feel|felt|seem)\b.{0,30}\b(?:pointless|useless|"
    r"stupid|too|much|boring|silly|a waste|like))\b")
# The client says the work or the arrangement does not fit them ("coming here after a shift
# is impossible", "I can't do these tiny boxes", "I hate repeating it").
_HARD_FOR_ME = folded(
    r"\b(?:i (?:hate|can'?t stand|really don'?t like)|is (?:impossible|too (?:hard|much|early|"
    r"late|far|expensive))|i can'?t (?:do|manage|cope with|afford|make) (?:this|that|these|it|"
    r"the)|doesn'?t (?:work|suit) (?:for )?me|(?:not|isn'?t) what it (?:sounded|felt) like)\b")
_MINIMAL = folded(
    r"^\W*(?:(?:yeah|yes|yep|no|nope|nah|fine|okay|ok|sure|maybe|perhaps|possibly|mm+|hm+|mhm|"
    r"uh-huh|whatever|k|kk|lol|bye|"
    r"(?:i )?(?:don'?t|do not) (?:know|care|mind)|dunno|no idea|i guess|not really|nothing|"
    r"nothing much|i suppose|if you say so|right|exactly|it is|(?:it'?s|s'?) ?fine|not sure|"
    r"probably(?: not)?|i know|same|same as always)\W*)+$")
# A silence this long inside a client turn counts as a pause of note (the paralinguistic
# sign with the best support; Dolev-Amit et al., 2020). In-house threshold.
LONG_SILENCE_S = 5.0
# A reply at or below this share of the client's own median counts as quieter than usual
# (in-house; matches the "half as long" rule of the contribution layer's pressing-on cue).
QUIETER_SHARE = 0.5
# Without enough earlier replies the median falls back to this many words (the same modest
# figure the marker detector assumes for replies to open questions).
DEFAULT_MEDIAN_WORDS = 12.0


@dataclass(frozen=True, slots=True)
class StrainCues:
    """What the last client turns before a point say about a possible strain."""

    complaint: bool = False  # complaint-like: against the therapist or the work
    shut_down: bool = False  # a terse or silent reply
    quieter: bool = False  # much shorter than this client's median
    distance: int = 0  # utterances back to the nearest cue (0 when none)

    @property
    def any(self) -> bool:
        return self.complaint or self.shut_down or self.quieter


NO_STRAIN = StrainCues()


@lru_cache(maxsize=4096)
def complaint_like(text: str, act: TherapistAct | None = None) -> bool:
    """True when a client turn objects to the therapist or the work (a recall-minded cue).

    ``act``, the therapist turn the client answers, when known: "No." to a plain question
    ("Is there anything else?") is an answer, not an objection.
    """
    return bool(_AT_THERAPIST.search(text) or _AT_WORK.search(text) or _HARD_FOR_ME.search(text)
                or objects(text, act))


@lru_cache(maxsize=4096)
def terse(text: str) -> bool:
    """True for a closed, minimal reply: "Fine.", "I don't know.", "Whatever." (a cue only)."""
    return bool(_MINIMAL.match(text.strip()))


def _silent(u: Utterance) -> bool:
    return any(a.kind in (AnnotationKind.SILENCE, AnnotationKind.PAUSE)
               and (a.duration_s or 0.0) >= LONG_SILENCE_S for a in u.annotations)


class _ClientTurns:
    """The non-empty client turns of one transcript, in order, with their word counts."""

    __slots__ = ("transcript", "indexes", "turns", "words")

    def __init__(self, t: Transcript) -> None:
        self.transcript = t
        self.turns = [u for u in t.utterances if u.role is Role.CLIENT and u.text.strip()]
        self.indexes = [u.index for u in self.turns]
        self.words = [u.words for u in self.turns]


_last: _ClientTurns | None = None


def _client_turns(t: Transcript) -> _ClientTurns:
    """Client turns of ``t``, kept for the transcript last asked about.

    Why: the repair, contribution and episode layers ask about every utterance of a session;
    scanning the whole transcript each time made a session's analysis quadratic. One slot
    keyed by identity is enough (one session is analysed at a time per call chain) and stays
    correct when several threads analyse different sessions: a miss just rebuilds it.
    """
    global _last
    cached = _last
    if cached is None or cached.transcript is not t:
        cached = _last = _ClientTurns(t)
    return cached


def client_median_words(t: Transcript, index: int) -> float:
    """The median length of the client's replies before ``index`` (whole session if few)."""
    c = _client_turns(t)
    words = c.words[:bisect_left(c.indexes, index)]
    if len(words) < 3:
        words = c.words
    return float(statistics.median(words)) if len(words) >= 3 else DEFAULT_MEDIAN_WORDS


def _may_shut_down(t: Transcript, u: Utterance) -> bool:
    """Whether a terse reply may have shut something down rather than answered it.

    "No." to "Would you like to go on?", "Okay." to "How does that sound?" and "Good,
    thanks." to a greeting answer what was asked (the same boundary rules as the
    minimal-response marker, clinical.md). A "Yeah. Right." while the therapist explains
    stays a cue: recall-minded, it lets the repair layer see a client going quiet.
    """
    f = client_features(u, previous_therapist(t, u.index))
    return not (answers_closed_question(f) or answers_offer(f)) or f.idk_closing


def strain_before(t: Transcript, index: int, client_turns: int = 2) -> StrainCues:
    """Cues in the last ``client_turns`` client turns before utterance ``index``."""
    turns = _client_turns(t)
    before = bisect_left(turns.indexes, index)
    recent = turns.turns[max(0, before - client_turns):before]
    if not recent:
        return NO_STRAIN
    median = client_median_words(t, index)
    complaint = shut = quieter = False
    nearest = 0
    for u in recent:
        text = spoken(u)
        prev = previous_therapist(t, u.index)
        act = classify_therapist_turn(prev.text) if prev is not None else None
        # a long, thoughtful reply is counter-evidence (clinical.md), whatever its words
        c = complaint_like(text, act) and u.words <= max(25.0, 1.5 * median)
        s = (terse(text) and _may_shut_down(t, u)) or _silent(u)
        q = before >= 4 and u.words <= QUIETER_SHARE * median and u.words <= 4
        if c or s or q:
            nearest = index - u.index
        complaint, shut, quieter = complaint or c, shut or s, quieter or q
    return StrainCues(complaint, shut, quieter, nearest)
