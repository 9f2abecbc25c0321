"""Rupture episodes: markers grouped into strains, repair attempts attached, outcome judged.

3RS coders rate each rupture's significance and the extent of its resolution (Eubanks,
Muran & Safran, 2015). Mendline groups markers into episodes by these rules (the constants
below carry the numbers):

1. A marker opens an episode. Later markers of the **same family** join it while they come
   within ``JOIN_CLIENT_TURNS`` client turns of the episode's last marker; markers of the
   other family on the same turn ride along.
2. A marker of the **other family** on a later turn closes the episode and opens a new one.
3. An episode also closes when the client **re-engages** for ``REENGAGED_TURNS`` client
   turns in a row, when ``JOIN_CLIENT_TURNS`` client turns pass with no marker, or at the
   end of the session.
4. Repair attempts by the therapist from the episode's start until it closes (and at most
   ``REPAIR_LAG`` utterances after its last marker) belong to it.
5. The marker detector misses some ruptures. A repair attempt that belongs to no episode
   opens one of its own when the client's last replies before it were complaint-like,
   terse or much shorter than usual (:mod:`mendline.analysis.strain`): the episode starts at
   that reply, confrontation for a complaint, withdrawal otherwise, with no markers. A
   confident acknowledgement of the therapist's own part or clarification of a
   misunderstanding opens one at the client's reply before it even with no such cue: owning
   a part presupposes a strain (withdrawal if that reply was a few words, else confrontation).

The outcome comes from what the client does after the repair attempts (resolution "unfolds
over turns"; clinical.md), and rests on the replies after the last one: re-engagement — a
longer reply than this client's own earlier median, feeling words, talk about the two of
them, their own disagreement voiced — counts for resolution; further markers, appeasing
("it's fine, really", "you're just doing your job"), shutting the topic, asking to leave
early, turning to another subject and talk of stopping therapy count against it. An
appeasing reply after a repair is not resolution. A marker the detector was unsure of does
not outweigh a full, personal reply.

An episode still open when the session ends is marked ``open_at_end``. The next session can
pick it up: when either party refers back to last time early in the session ("I've been
thinking about what I said last week…"), the episode there gets ``continues_from`` pointing
at the open one (see ``SessionContext.open_episodes``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from mendline.analysis.acts import blanked, spoken
from mendline.analysis.lexicon import folded
from mendline.analysis.marker_rules import wants_out
from mendline.analysis.result import Episode, EpisodeRef, Marker, Repair
from mendline.analysis.segments import significance as _marker_significance
from mendline.analysis.strain import client_median_words, strain_before, terse
from mendline.transcript import Role, Transcript, Utterance, count_words
from mendline.vocabulary import Outcome

__all__ = [
    "DETECTOR",
    "JOIN_CLIENT_TURNS",
    "REENGAGED_TURNS",
    "REPAIR_LAG",
    "OUTCOME_CLIENT_TURNS",
    "PICKUP_UTTERANCES",
    "build_episodes",
    "picks_up_last_time",
    "reply_kind",
]

DETECTOR = "episodes.rules.v1"

# Same-family markers this many client turns apart still belong to one strain (about three
# exchanges: 3RS segments are 5 minutes, and a strain inside one usually recurs within a
# few turns; in-house choice, checked on the dev split of corpora/repairs/episodes.jsonl).
JOIN_CLIENT_TURNS = 3
# Whether a marker of the other family, coming within JOIN_CLIENT_TURNS, joins the open
# episode. A strain often changes face inside one exchange (a complaint, then a shut-down
# "Fine. What."; in the episode corpus a fifth of coded episodes hold both families), so it
# does; the episode keeps the family of the marker that opened it.
JOIN_OTHER_FAMILY = True
# Two re-engaged client replies in a row close an episode: one can be politeness.
REENGAGED_TURNS = 2
# A repair attempt up to this many utterances after the last marker still answers it.
REPAIR_LAG = 6
# How many client replies after a repair attempt the outcome is judged on.
OUTCOME_CLIENT_TURNS = 6
# "About last time…" counts as picking up an open episode within the session's first
# utterances (an opening check-in takes a few exchanges before it).
PICKUP_UTTERANCES = 30
_APPEASE = folded(
    r"^\W*(?:(?:no|yeah|honestly|really|okay|ok|um|uh|well|oh)[,.\s]+)*(?:it'?s|that'?s|i'?m|"
    r"it was|that was) (?:(?:perfectly|totally|absolutely|completely|really|quite) )?"
    r"(?:fine|okay|ok|alright|all right|no big deal|not a problem|good)\b|"
    r"\byou(?:'ve| have) been (?:(?:so|very|really|ever so) )?(?:marvell?ous|wonderful|"
    r"brilliant|lovely|great|so helpful|very helpful|kind)\b|"
    r"\b(?:don'?t (?:you )?worry(?: about (?:it|me))?|as you wish|it'?s not you|not your fault|"
    r"you'?re (?:just )?doing your job|whatever you think|you know best|you'?re the expert|"
    r"(?:it'?s )?up to you|you (?:choose|decide|pick)(?=\W*$)|"
    r"forget (?:it|i said)|it doesn'?t matter|never ?mind|no,? really|it'?s fine,? really|"
    r"(?:is|it'?s) (?:all |very )?good|"
    r"you(?:'re| are) (?:very |so )?(?:kind|nice|great|good at this)|"
    r"you(?:'re| are) doing (?:great|fine|well)|doesn'?t matter|"
    r"it'?s (?:fine|okay|ok),? (?:honestly|really))\b")
_RELATIONSHIP = folded(
    r"\b(?:you (?:said|did|were|didn'?t|don'?t|keep|kept|get|got|listened|heard|asked)|"
    r"with you|to you|in here|here with|between us|these sessions|coming here|"
    r"when you (?:said|asked|brought)|you and me|us\b|telling you|tell you|said sorry)")
_AFFECT = folded(
    r"\b(?:feel\w*|felt|sad\w*|angry|anger|mad|upset|hurt\w*|scared|afraid|anxious|worried|"
    r"lonely|alone|ashamed|shame|guilty|embarrass\w*|frustrat\w*|annoyed|relieved|terrif\w*|"
    r"tired of|exhaust\w*|cry\w*|cried|cries|sobb\w*|tears|overwhelm\w*|failing|heard|"
    r"listened|better|honest\w*|"
    r"frighten\w*|scary|glad|grateful|thankful|hopeful|nervous|lonely|jealous|proud|"
    r"disappointed|let down|stung|stupid|small|awful|horrible)\b")
# Closing a topic down after a repair ("There's nothing more to say", "That's enough about
# that"): a withdrawal, not a reply.
_SHUTTING = folded(
    r"\b(?:nothing (?:more |else )?to (?:say|tell|talk about)|(?:that'?s|i'?ve said) (?:enough|"
    r"all i'?(?:m|ll) (?:going to |gonna )?say)|enough about (?:that|this|it|me)|"
    r"can we (?:just )?(?:move on|leave it|drop it|change the subject|(?:talk about|do|go on to) "
    r"something else))\b")
# A reply that only says goodbye ("Yeah. See you.", "Thanks, bye").
_GOODBYE = folded(
    r"^\W*(?:(?:yeah|yes|yep|ok(?:ay)?|right|sure|alright|thanks?|thank you|cheers|great)\W+)*"
    r"(?:see (?:you|ya)|bye|goodbye|take care|cheers|night)(?: (?:then|soon|next (?:week|time)|"
    r"on \w+day|\w+day))?\W*$")
# Talk of stopping therapy or not coming back ("I might take a break from this, I'll let you
# know"): whatever else the reply says, the strain is still there (missed sessions and
# dropout are withdrawal in the wider sense; clinical.md).
_QUITTING = folded(
    r"\b(?:take a break from (?:this|therapy|coming|these|here|you)|stop (?:coming|seeing you)|"
    r"(?:not|won'?t|might not|may not|don'?t know if i'?ll) (?:be )?(?:come|coming)(?: back)?|"
    r"if i (?:don'?t|do) (?:come|turn up)|i'?ll let you know|i'?ll see if i (?:come|bother)|"
    r"(?:think about|see|decide) (?:whether|if) i'?m (?:coming|going to come)(?: back)?|"
    r"look(?:ing)? for (?:someone|somebody|another (?:therapist|counsel+or))|"
    r"(?:quit|end|stop|pack in) (?:therapy|the sessions|these sessions|coming here)|"
    r"this (?:is|will be) (?:my|the) last (?:session|time))\b")
# Turning to another subject straight after a repair ("Anyway, did I tell you I've joined a
# choir?"): avoidant storytelling's change of subject (3RS), unless it carries feeling.
_MOVES_ON = folded(
    r"(?:^|[.!?]\s)\W*(?:(?:oh|so|well|but|right|okay|ok)[,\s]+)*(?:anyway|anyhow|"
    r"by the way|on another note|changing the subject)\b(?=[,\s]+\w)")
_OWN_VIEW = folded(
    r"\b(?:i (?:think|want|need|wish|don'?t want|didn'?t want|would rather|would like|"
    r"disagree|don'?t agree|wanted)|i'?d (?:rather|like)|i'?m going to|"
    r"what i (?:want|need|meant|mean)|to be honest|honestly)\b")
# Reservations in a reply that otherwise comes back to the work: partly, not fully, resolved.
# Deferring or conceding words hold the strain open at any length ("maybe next week");
# hedges ("kind of", "a bit", "I guess") are ordinary in open, feeling talk, so they count
# only in a short reply (a hedge inside a long, personal answer is not holding back).
_DEFERRING = folded(
    r"\b(?:we'?ll see|leave it|move on|for now|another time|(?<!see you )next week|"
    r"not today|i(?:'?ll| will) try|not promising|"
    r"i(?:'?ll| will) (?:think about|see\b(?! you))|i (?:don'?t|do not|won'?t|can'?t) promise|"
    r"not (?:going|gonna) (?:into|to go into|to talk about) [^.?!]{0,40}(?:today|now|yet)|"
    r"(?:more|the rest) (?:on (?:that|it)|of it) next time|"
    r"(?:i'?d|i would) rather not|not (?:yet|today|right now)|(?:what to say|ready) yet|"
    r"another day|some other time|maybe (?:later|one day|some ?day|sometime|in time|over time)|"
    r"(?:talk about it|go into it|say more) right now|can'?t promise|"
    r"(?:talk about it|go into it|say) (?:any )?more(?: today| now| though)?\W*$|"
    r"(?:that'?s|this is) all i'?m (?:saying|telling you)|reserv(?:e|ing) judge?ment|"
    r"i can'?t do (?:any )?more today|i'?ll (?:say|tell you) (?:the rest|more)|"
    r"(?:let me|i'?d need to|i need to|i'?ll have to|i'?d have to) think (?:about it|on it)|"
    r"not sure i'?m ready|when i'?m ready|(?:maybe |in )a few weeks|maybe next time|"
    r"next time,? maybe|just yet|let'?s see (?:on|next|in|how it goes)|"
    r"(?:don'?t|do not) know if (?:it'?ll|it will|that'?ll|i'?ll)|"
    r"i'?m still (?:a bit |a little |quite |pretty |really )?(?:angry|annoyed|upset|cross|hurt|"
    r"wary|not sure|unsure))\b")
# Conceding without taking part ("If you say so", "I suppose", "Depends"): a reservation, but
# unlike deferring it promises no later movement, so it does not lift a guarded run to partial.
# Not "either way": "I feel like I'm failing her either way" is the client's own view.
_CONCEDING = folded(
    r"\b(?:depends|if you (?:say|want|like)(?! to\b)|i suppose|i'?m not saying)\b")
_HEDGED = folded(
    r"\b(?:maybe|perhaps|not sure|still|i guess|kind of|sort of|a bit|a little)\b")
# Words at or above which a reply that defers ("not today, maybe another day") says enough to
# be movement held back rather than a further withdrawal.
_DEFERRED_WORDS = 6
# Words at or above which a hedged reply is long enough to be open talk, not holding back.
_HEDGE_OK_WORDS = 20


def _holds_back(text: str) -> bool:
    """Deferring or conceding words, which hold a strain open at any length."""
    return bool(_DEFERRING.search(text) or _CONCEDING.search(text))


def _reserved(u: Utterance) -> bool:
    text = spoken(u)
    return _holds_back(text) or (u.words < _HEDGE_OK_WORDS and bool(_HEDGED.search(text)))


_LAST_TIME = folded(
    r"\b(?:last (?:week|time|session)|the other week|(?:at )?the end (?:of )?last|"
    r"since (?:we )?(?:last )?(?:spoke|met|talked)|after last (?:time|week|session)|"
    r"about last (?:week|time))\b")
# "About last time" must be about the conversation between them, not last week's content
# ("last week he came and sat in the kitchen" is news; "I didn't like how we left it" is a
# pick-up). Tightened after the demo caseload showed content recaps read as pick-ups.
_ABOUT_US = folded(
    r"\b(?:(?:what|something|the thing) (?:i|you|we) (?:said|did|asked) (?:to (?:you|me) )?"
    r"(?:at the end|before (?:i|you|we) left|as (?:i|you|we) left)|how (?:we|it|things) "
    r"(?:left|ended)(?: it| things)?|where we left (?:it|things)|between us|our "
    r"(?:conversations?|sessions?|talks?)|(?:wanted|want|need) to (?:say|come back to|talk about|"
    r"apologi[sz]e|clear up|go back to) (?:something )?(?:about )?(?:last|what (?:i|you|we) said|"
    r"how (?:i|you|we))|(?:upset|annoyed|cross|angry|hurt|bothered|uncomfortable|awkward|"
    r"frustrated|unfair|rude|snappy|sharp|harsh) (?:with|at|by|about) (?:you|me|what (?:i|you))|"
    r"(?:didn'?t|did not) (?:sit right|feel right|like (?:how|what|the way))|stuck with me|"
    r"(?:been|was) (?:on my mind|bothering me)|i(?:'m| am) sorry (?:about|for)|i (?:was|got) "
    r"(?:a bit |quite |really )?(?:upset|annoyed|cross|angry|short|sharp|snappy|defensive))\b")


_FIRM = 0.5

_VULNERABLE_MARKERS = frozenset(
    {"withdrawal.content_affect_split", "withdrawal.self_criticism_hopelessness"}
)


def reply_kind(u: Utterance, markers_here: Sequence[Marker], median_words: float) -> str:
    """'strain', 'appeasing', 're-engaged' or 'neutral': one client reply after a repair.

    Re-engagement needs more than length: a long reply counts when it carries feeling,
    talk about the two of them, or the client's own view; speech length alone is not
    evidence (3RS boundary rules). Voicing disagreement at length counts as re-engagement
    after either kind of rupture: treating a long complaint after a confrontation repair as
    the strain going on cost 0.03-0.06 outcome accuracy on the episode corpus's train and dev
    splits, because its coders read that as the client's own voice coming back.
    """
    text = spoken(u)
    short = u.words < max(14.0, median_words * 1.5)
    if (short and _SHUTTING.search(text)) or (u.words < 25 and wants_out(text)):
        # closing the topic, or asking to end the session early: leaving the conversation
        return "strain"
    if _QUITTING.search(text):
        return "strain"
    if u.words < 25 and _MOVES_ON.search(text) and not _AFFECT.search(text):
        return "strain"
    words = u.words
    relational = bool(_RELATIONSHIP.search(text))
    affect = bool(_AFFECT.search(text))
    own = bool(_OWN_VIEW.search(text))
    # "It's okay" that goes on to say how it was ("It's okay. It's just... the story of my
    # life. It feels good to say it.") is not smoothing it over; thanks and praise are.
    rest = blanked(text, _APPEASE)
    appeasing = any(m.id in ("withdrawal.deferential_appeasing", "withdrawal.denial")
                    for m in markers_here) or (rest != text and not (
                        count_words(rest) >= 10 and (_AFFECT.search(rest) or
                                                     _RELATIONSHIP.search(rest) or
                                                     _OWN_VIEW.search(rest))))
    if appeasing and short:
        return "appeasing"
    long_enough = words >= max(6.0, 0.6 * median_words)
    # Resolution moves towards vulnerability (anger, then hurt, then vulnerability; clinical.md
    # after Safran & Muran, 2000): tears or self-reproach inside a long, feeling-full reply
    # after a repair are the client coming closer, not a new strain.
    vulnerable = (
        words >= max(15.0, 1.5 * median_words)
        and (affect or relational)
        and all(m.id in _VULNERABLE_MARKERS for m in markers_here)
    )
    # A marker the detector was unsure of does not outweigh a full, personal reply: after a
    # repair the reply as a whole is the evidence.
    engaged_words = long_enough and (relational or affect or own)
    firm = [m for m in markers_here if m.confidence >= _FIRM or not engaged_words]
    if (firm and not vulnerable) or terse(text):
        return "strain"
    if long_enough and (relational or affect or own):
        return "re-engaged"  # disagreement voiced at length after a repair is re-engagement
    if words >= 6 and affect and (relational or own):
        # a shorter reply that names a feeling about the two of them ("Scary. I nearly
        # didn't. But you didn't get huffy.") is the client coming closer, not a new strain
        return "re-engaged"
    # No recall-minded complaint cue here (strain.complaint_like): after a repair it read news
    # and hurt ("I felt like I wasn't important enough to ask", "I watched her stop knowing
    # who I was") as a new strain; a complaint that goes on is a marker the detector reports.
    if words >= max(10.0, 1.3 * median_words):
        return "re-engaged"
    return "neutral"


@dataclass(slots=True)
class _Open:
    family: str
    start: int
    markers: list[int] = field(default_factory=list)  # indexes into the markers list
    last_marker_utt: int = 0
    end: int = 0
    closed_by: str = "end of session"  # "re-engaged", "quiet", "other family", "end of session"
    continues_from: EpisodeRef | None = None


def _group(t: Transcript, markers: Sequence[Marker]) -> list[_Open]:
    """Rules 1-3: markers into episodes, with where and why each closed."""
    by_utt: dict[int, list[int]] = {}
    for k, m in enumerate(markers):
        by_utt.setdefault(m.utterance, []).append(k)
    clients = [u for u in t.utterances if u.role is Role.CLIENT and u.text.strip()]
    episodes: list[_Open] = []
    cur: _Open | None = None
    since_marker = 0
    engaged_run = 0
    for u in clients:
        here = by_utt.get(u.index, [])
        families = {markers[k].family for k in here}
        if cur is not None and here and (cur.family in families or JOIN_OTHER_FAMILY):
            cur.markers += here
            cur.last_marker_utt = cur.end = u.index
            since_marker = engaged_run = 0
            continue
        if here:
            if cur is not None:
                cur.closed_by = "other family"
                episodes.append(cur)
            best = max(here, key=lambda k: markers[k].confidence)
            fam = markers[best].family
            cur = _Open(fam, u.index, list(here), u.index, u.index)
            since_marker = engaged_run = 0
            continue
        if cur is None:
            continue
        since_marker += 1
        kind = reply_kind(u, (), client_median_words(t, cur.start))
        engaged_run = engaged_run + 1 if kind == "re-engaged" else 0
        cur.end = u.index
        if engaged_run >= REENGAGED_TURNS:
            cur.closed_by = "re-engaged"
        elif since_marker > JOIN_CLIENT_TURNS:
            cur.closed_by = "quiet"
        else:
            continue
        episodes.append(cur)
        cur = None
    if cur is not None:
        cur.end = len(t.utterances) - 1
        episodes.append(cur)
    return episodes


def _previous_client(t: Transcript, index: int) -> Utterance | None:
    """The last client turn with words before utterance ``index`` (None if none)."""
    return next((u for u in reversed(t.utterances[:index])
                 if u.role is Role.CLIENT and u.text.strip()), None)


def _last_client(t: Transcript) -> int:
    """The index of the session's last client turn with words (-1 if none).

    A strain that only "went quiet" on that turn was still being lived with when the session
    ended: there was no later reply to show it had eased.
    """
    last = _previous_client(t, len(t.utterances))
    return last.index if last is not None else -1


def _replies_after(clients: list[Utterance], at: int, until: int) -> list[Utterance]:
    """The client replies that answer an attempt at utterance ``at``: up to
    ``OUTCOME_CLIENT_TURNS`` of them, within the episode (or the first, wherever it falls)."""
    after = [u for u in clients if u.index > at][:OUTCOME_CLIENT_TURNS]
    return [u for u in after if u.index <= max(until, after[0].index)] if after else []


def _judge(
    t: Transcript, ep: _Open, repair_idx: list[int], repairs: Sequence[Repair],
    markers: Sequence[Marker], until: int,
) -> tuple[str, int, str, bool]:
    """(outcome, resolution 1-5, evidence in plain words, client re-engaged at all)."""
    median = client_median_words(t, ep.start)
    by_utt: dict[int, list[Marker]] = {}
    for m in markers:
        by_utt.setdefault(m.utterance, []).append(m)
    after_from = repairs[repair_idx[0]].utterance + 1 if repair_idx else ep.last_marker_utt + 1
    last_at = max(repairs[k].utterance for k in repair_idx) if repair_idx else after_from - 1
    clients = [u for u in t.utterances[after_from:] if u.role is Role.CLIENT and u.text.strip()]
    # The counts look at the replies since the first attempt; the outcome at those after the
    # last one (a late repair can still land), including the reply to an attempt that closes
    # the episode.
    since_first = [u for u in clients if u.index <= until][:OUTCOME_CLIENT_TURNS]
    after_last = _replies_after(clients, last_at, until)
    earlier = [repairs[k].utterance for k in repair_idx if repairs[k].utterance < last_at]
    if earlier and after_last and all(_GOODBYE.match(spoken(u)) for u in after_last):
        # the last attempt was made on the way out and only a goodbye answered it: the
        # client's last word on the strain is their reply to the attempt before it
        last_at = max(earlier)
        after_last = _replies_after(clients, last_at, until)
    replies = list({u.index: u for u in since_first + after_last}.values())
    if len(replies) > 1 and after_last and _GOODBYE.match(spoken(after_last[-1])):
        # a goodbye at the door ("Yeah. See you.") says nothing about the strain: the reply
        # before it is the client's last word on it, even when that reply came before a
        # last attempt made on the way out ("That's fair. Thank you. See you next week.")
        replies = [u for u in replies if u.index != after_last[-1].index]
    kinds = [reply_kind(u, by_utt.get(u.index, []), median) for u in replies]
    tail = [k for u, k in zip(replies, kinds, strict=True) if u.index > last_at]
    engaged = kinds.count("re-engaged")
    against = kinds.count("strain") + kinds.count("appeasing")
    relational = any(k == "re-engaged" and _RELATIONSHIP.search(spoken(u))
                     for k, u in zip(kinds, replies, strict=True))
    if not repair_idx:
        spont = engaged >= REENGAGED_TURNS
        why = ("no repair attempt was found; the client "
               + ("came back to the work on their own" if spont
                  else "did not clearly re-engage afterwards"))
        return Outcome.NO_REPAIR_ATTEMPTED.value, 2 if spont else 1, why, spont
    if not replies:
        return (Outcome.UNRESOLVED.value, 2,
                "a repair was attempted but the session ended before the client replied", False)
    counts = (f"after the first repair attempt the client gave {engaged} fuller, more "
              f"personal repl{'y' if engaged == 1 else 'ies'} and {against} guarded or "
              f"appeasing one{'' if against == 1 else 's'}")
    last, last_u = kinds[-1], replies[-1]
    said_after_last = [spoken(u) for u in replies if u.index > last_at]
    # deferring words anywhere after the last attempt hold it open, not only in the last reply
    reserved = _reserved(last_u) or any(_holds_back(text) for text in said_after_last)
    # The outcome rests on the replies after the last attempt (GUIDE.md section 3): a guarded
    # reply to an earlier attempt that a later one answered does not hold the strain open.
    judged = tail or kinds
    guarded = "strain" in judged or "appeasing" in judged
    # Deferring in words ("not today, maybe another time") after a repair is a strain held
    # open, not a further withdrawal: partly resolved (GUIDE.md section 3).
    # Asking to leave ("Can we do it next week? I have to collect the kids.") is leaving the
    # conversation, whatever it promises for later; so is talk of not coming back ("I'll think
    # about whether I'm coming back." then "We'll see.").
    deferred = (bool(_DEFERRING.search(spoken(last_u)))
                and (engaged > 0 or last_u.words >= _DEFERRED_WORDS)
                and not wants_out(spoken(last_u))
                and not any(_QUITTING.search(text) for text in said_after_last))
    if tail and last != "re-engaged" and not deferred and (
            "strain" in tail or "appeasing" in tail) and (
            tail.count("re-engaged") <= len(tail) // 2):
        why = counts + "; after the last attempt the client stayed guarded or appeasing"
        return Outcome.UNRESOLVED.value, 2, why, engaged > 0
    if last == "re-engaged" and not reserved and not {"strain", "appeasing"} & set(judged[-2:]):
        res = 5 if relational and engaged >= 2 else 4
        extra = "; they spoke about the relationship itself" if relational else ""
        return (Outcome.RESOLVED.value, res,
                counts + extra + ", and their last reply was open and their own", True)
    if last in ("strain", "appeasing"):
        why = counts + "; their last reply was still " + (
            "guarded" if last == "strain" else "appeasing")
        if last == "appeasing":
            why += " (agreeing that it is fine is not the same as the strain easing)"
        return Outcome.UNRESOLVED.value, 2, why, engaged > 0
    if last == "neutral" and engaged and not guarded and not reserved:
        # a fuller, personal reply after the repair and nothing guarded since: the closing
        # reply ("Okay. That helps.") need not repeat it
        return (Outcome.RESOLVED.value, 4,
                counts + ", and nothing guarded or appeasing followed", True)
    if engaged == 0 and last_u.words <= 2 and len(replies) == 1:
        return Outcome.UNRESOLVED.value, 2, counts + "; only a brief acknowledgement followed", \
            False
    why = counts + ("; they came back towards the work, with some reservation" if reserved
                    else "; they came back towards the work, but not fully")
    return Outcome.PARTIALLY_RESOLVED.value, 3, why, True


def _significance(ep: _Open, markers: Sequence[Marker], clients_in_episode: int) -> int:
    """1-5 like 3RS coders: the markers' weight, plus more for confrontation and duration.

    Confrontation strains the collaboration more per event than withdrawal (Eubanks et al.,
    2019), so a confrontation episode rates one step higher; so does a strain that spans
    more than six client turns.
    """
    base = _marker_significance([markers[k].confidence for k in ep.markers]) or 1
    base += ep.family == "confrontation"
    base += clients_in_episode > 6
    return max(1, min(5, base))


def picks_up_last_time(u: Utterance) -> bool:
    """True when a turn refers back to the previous session's conversation itself."""
    text = spoken(u)
    return bool(_LAST_TIME.search(text) and _ABOUT_US.search(text))


def _pickup(
    t: Transcript, carried: Sequence[Episode], carried_session: int | None
) -> tuple[int, EpisodeRef, str] | None:
    """(utterance, reference, family) where this session picks up an open episode."""
    if not carried:
        return None
    prev = carried[-1]
    for u in t.utterances[:PICKUP_UTTERANCES]:
        if u.role is not Role.OTHER and picks_up_last_time(u):
            return u.index, EpisodeRef(session=carried_session, episode=prev.id), prev.family
    return None


# Rule 5 without a cue in the client's words: strategies that name the therapist's own part in
# a strain (3RS acknowledging, clarifying a misunderstanding) presuppose one just before.
_OWNS_A_STRAIN = frozenset({"acknowledges_contribution", "clarifies_misunderstanding"})
_OWNS_A_STRAIN_CONFIDENCE = 0.6
# A reply this short that the therapist answers by owning a strain was a pulling back.
_SHORT_STRAIN_WORDS = 4


def _from_repairs(t: Transcript, opens: list[_Open], repairs: Sequence[Repair]) -> list[_Open]:
    """Rule 5: episodes opened by a repair attempt that answers a strain no marker caught."""
    covered = [(e.start, max(e.end, e.last_marker_utt + REPAIR_LAG)) for e in opens]
    out: list[_Open] = []
    for r in repairs:
        if any(a <= r.utterance <= b for a, b in covered):
            continue
        cues = strain_before(t, r.utterance, 2)
        if cues.any:
            start = r.utterance - cues.distance
            family = "confrontation" if cues.complaint else "withdrawal"
        elif r.id in _OWNS_A_STRAIN and r.confidence >= _OWNS_A_STRAIN_CONFIDENCE and (
                prev := _previous_client(t, r.utterance)) is not None:
            # the therapist owning their part ("I've just done what everyone else does,
            # haven't I") answers a strain in the reply before it, whatever its words
            start = prev.index
            family = "withdrawal" if prev.words <= _SHORT_STRAIN_WORDS else "confrontation"
        else:
            continue
        new = _Open(family, start, [], start, r.utterance, "repair")
        out.append(new)
        covered.append((start, r.utterance + REPAIR_LAG))
    return out


def build_episodes(
    transcript: Transcript,
    markers: Sequence[Marker],
    repairs: Sequence[Repair],
    *,
    carried: Sequence[Episode] = (),
    carried_session: int | None = None,
) -> list[Episode]:
    """Episodes of ``transcript`` with outcomes, in order of their start.

    ``markers`` and ``repairs`` are the lists ``SessionAnalysis`` will hold: an episode's
    ``markers`` and ``repairs`` are positions in them. ``carried`` are episodes left open at
    the end of the previous session (number ``carried_session``).
    """
    opens = _group(transcript, markers)
    opens = sorted(opens + _from_repairs(transcript, opens, repairs), key=lambda e: e.start)
    pickup = _pickup(transcript, carried, carried_session)
    if pickup is not None:
        at, ref, family = pickup
        joined = next((e for e in opens if at <= e.start <= at + 2 * REPAIR_LAG), None)
        if joined is not None:
            joined.start, joined.continues_from = min(at, joined.start), ref
        else:
            until = min(len(transcript.utterances) - 1, at + 4 * REPAIR_LAG)
            opens.append(_Open(family, at, [], at, until, "picked up", ref))
            opens.sort(key=lambda e: e.start)
    out: list[Episode] = []
    last = len(transcript.utterances) - 1
    for n, ep in enumerate(opens):
        nxt = opens[n + 1].start if n + 1 < len(opens) else last + 1
        reach = min(nxt - 1, max(ep.end, ep.last_marker_utt + REPAIR_LAG))
        mine = [k for k, r in enumerate(repairs) if ep.start <= r.utterance <= reach]
        judge_until = min(nxt - 1, max(reach, (repairs[mine[0]].utterance if mine else 0)
                                       + 3 * OUTCOME_CLIENT_TURNS))
        outcome, resolution, why, engaged = _judge(transcript, ep, mine, repairs, markers,
                                                   judge_until)
        end = max([ep.end, ep.last_marker_utt] + [repairs[k].utterance for k in mine])
        end = min(end, nxt - 1) if nxt <= last else end
        clients = sum(1 for u in transcript.utterances[ep.start:end + 1]
                      if u.role is Role.CLIENT)
        # Still running when the session ended: nothing closed it and nothing came after,
        # or (opened by a repair, with no marker to close it) the session ended while the
        # client's replies to that repair were still being read.
        at_end = nxt > last and (ep.closed_by in ("end of session", "picked up") or (
            ep.closed_by == "repair" and judge_until >= last) or (
            ep.closed_by == "quiet" and ep.end == _last_client(transcript)))
        # An unresolved strain stays open, whatever fuller reply came before the last
        # attempt; so does a partial resolution, unless it was last session's strain picked
        # up again here; with no attempt, only the client coming back on their own closes it.
        open_at_end = at_end and (outcome == Outcome.UNRESOLVED.value or (
            outcome == Outcome.NO_REPAIR_ATTEMPTED.value and not engaged) or (
            outcome == Outcome.PARTIALLY_RESOLVED.value and ep.closed_by != "picked up"))
        out.append(Episode(
            id=n + 1, family=ep.family, start_utterance=ep.start, end_utterance=end,
            markers=list(ep.markers), repairs=mine, outcome=outcome, resolution=resolution,
            significance=_significance(ep, markers, clients), open_at_end=open_at_end,
            evidence=why, continues_from=ep.continues_from,
        ))
    return out
