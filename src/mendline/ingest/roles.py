"""Who is the therapist, who the client(s): speaker roles, with where each came from.

Authority, highest first (``RoleSource``):

1. ``roles`` — explicit options (``--therapist "Dr Lee" --client Sam``, the web role step).
2. ``saved_roles`` — the clinician's saved mapping of display names (names recur across
   sessions, so a clinician confirms a client's name once).
3. Role words in the label: therapist, counsellor/counselor, clinician, psychologist,
   interviewer, ``T``/``Th`` → therapist; client, patient, participant, interviewee,
   family words (partner, mother, son, ...), ``C``/``P``/``Pt`` → client; interpreter,
   translator, observer, note-taker → other.
   Names are matched ignoring case and punctuation, so ``Dr. Lee`` matches ``dr lee``.
4. Elimination: once a therapist is known, every remaining speaker is a client (couples and
   families have several); once the clients are known and one speaker remains, that one is
   the therapist. The inferred roles take the source of the roles they were inferred from.
5. The heuristic, for the speakers still open. Each gets a therapist score

       2.0 · share of turns that ask a question ("?" or an opening question word)
     + 3.0 · therapist phrases per turn ("how did that feel", "tell me more", "it sounds
             like", "last session", "what comes up", "I'm wondering", ...)
     + 6.0 · (rate of "you/your" − rate of "I/me/my") per word
     − 1.0 · share of the open speakers' words (clients usually talk more)
     + 0.15 if they spoke first (therapists usually open the session)
     + 0.15 if the label starts with "Dr" (a weak hint only: clients can be doctors)

   The highest score is the therapist; the others are clients. The confidence is a
   logistic function of the margin between the two highest scores,
   ``1 / (1 + exp(-4 · margin · evidence))``, where ``evidence = min(1, turns / 8)``
   shrinks the margin of very short transcripts: 0.5 for a tie, above 0.9 for a clear
   margin (≥ 0.55), capped at 0.99 (a heuristic is never certain). The weights were set
   by hand on our synthetic sessions so that the two weak hints (who opened, "Dr") even
   together stay below the threshold, and agreement of the stronger cues passes it.

``ROLE_CONFIDENCE_THRESHOLD`` (0.8) is where callers stop and ask. It needs a margin of
about 0.35: e.g. a therapist asking in 30% of turns against a client's 10% with nothing
else distinguishing them just passes; a session where both ask and talk alike does not.
It is deliberately cautious: asking costs the clinician one click, while a swapped
therapist and client would corrupt every finding in the session. This module never
raises for low confidence; callers compare ``transcript.role_confidence`` with it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence

from mendline.transcript import Role, RoleSource, Speaker, Transcript, Utterance

__all__ = [
    "ROLE_CONFIDENCE_THRESHOLD",
    "assign_roles",
    "label_role",
    "speaker_samples",
]

ROLE_CONFIDENCE_THRESHOLD = 0.8

_OTHER = re.compile(
    r"\b(?:interpreter|translator|observer|supervisor|note[- ]?taker|scribe|captioner)\b"
)
_THERAPIST = re.compile(
    r"\b(?:co-?therapist|therapist|psychotherapist|counsel+or|clinician|psychologist"
    r"|psychiatrist|interviewer|practitioner|social worker|provider)\b|^(?:t|th|ther)\s*\d*$"
)
_CLIENT = re.compile(
    r"\b(?:client|patient|participant|interviewee|respondent|service user|partner|spouse"
    r"|husband|wife|mother|father|mom|mum|dad|parent|son|daughter|child|teen)\b"
    r"|^(?:c|p|pt|cl)\s*\d*$"
)
_DR = re.compile(r"^dr\b\.?", re.IGNORECASE)
_QUESTION_START = re.compile(
    r"^(?:so |and |but |okay,? |ok,? )?(?:how|what|why|when|where|who|which|can|could|would"
    r"|do|does|did|is|are|was|were|have|has|will|tell me)\b",
    re.IGNORECASE,
)
# Matched on lower-cased text (faster than IGNORECASE over a whole session).
_THERAPIST_PHRASES = re.compile(
    r"\b(?:how (?:did|does|do) (?:that|it|this) (?:feel|land|sit)|tell me more|say more"
    r"|it sounds like|sounds like you|what comes up|what was that like|i'm wondering"
    r"|i wonder|last (?:session|week|time we)|our (?:time|work|session)s?|how are you feeling"
    r"|what do you notice|i'm hearing|i hear you|what i'm hearing|help me understand"
    r"|how have you been|check in|homework|between sessions|in here with me|with me today"
    r"|what would it be like|notice (?:in|about) your)\b"
)
_TOKEN = re.compile(r"[a-z]+(?:['’][a-z]+)?")
_YOU = ("you", "your", "you're", "you've", "yourself", "you’re", "you’ve")
_I = ("i", "me", "my", "i'm", "i've", "i'd", "myself", "mine", "i’m", "i’ve", "i’d")
# The heuristic reads the first turns only: enough to tell the roles apart, and it keeps
# a long session fast.
_HEURISTIC_TURNS = 400
_KEY = re.compile(r"[\W_]+")
_LOGISTIC_K = 4.0
_FULL_EVIDENCE_TURNS = 8


def _key(label: str) -> str:
    return _KEY.sub(" ", label.casefold()).strip()


def label_role(label: str) -> Role | None:
    """The role a label names by itself ("Therapist", "Client 2", "T"), or None."""
    k = _key(label)
    if _OTHER.search(k):
        return Role.OTHER
    if _THERAPIST.search(k):
        return Role.THERAPIST
    if _CLIENT.search(k):
        return Role.CLIENT
    return None


def _lookup(mapping: Mapping[str, Role] | None) -> dict[str, Role]:
    return {_key(k): Role(v) for k, v in (mapping or {}).items()}


def _therapist_scores(
    labels: Sequence[str], utterances: Sequence[Utterance]
) -> dict[str, float]:
    texts: dict[str, list[str]] = {lb: [] for lb in labels}
    questions = dict.fromkeys(labels, 0)
    first = next((u.speaker for u in utterances if u.speaker in texts), None)
    for u in utterances[:_HEURISTIC_TURNS]:
        bucket = texts.get(u.speaker)
        if bucket is None:
            continue
        bucket.append(u.text)
        if "?" in u.text or _QUESTION_START.match(u.text):
            questions[u.speaker] += 1
    words: dict[str, int] = {}
    stats: dict[str, tuple[int, int, int, int]] = {}
    for lb in labels:
        lower = " ".join(texts[lb]).lower()
        counts = Counter(_TOKEN.findall(lower))
        you = sum(counts[w] for w in _YOU)
        me = sum(counts[w] for w in _I)
        words[lb] = sum(counts.values())
        stats[lb] = (len(texts[lb]), len(_THERAPIST_PHRASES.findall(lower)), you, me)
    total_words = sum(words.values()) or 1
    scores: dict[str, float] = {}
    for lb in labels:
        turns, phrases, you, me = stats[lb]
        n, w = max(turns, 1), max(words[lb], 1)
        scores[lb] = (
            2.0 * questions[lb] / n
            + 3.0 * phrases / n
            + 6.0 * (you - me) / w
            - 1.0 * words[lb] / total_words
            + (0.15 if lb == first else 0.0)
            + (0.15 if _DR.match(lb) else 0.0)
        )
    return scores


def assign_roles(
    utterances: Sequence[Utterance],
    *,
    roles: Mapping[str, Role] | None = None,
    saved_roles: Mapping[str, Role] | None = None,
) -> tuple[tuple[Speaker, ...], list[str]]:
    """A Speaker per label (in order of first appearance) and warnings for unused options."""
    labels = list(dict.fromkeys(u.speaker for u in utterances))
    explicit, saved = _lookup(roles), _lookup(saved_roles)
    warnings: list[str] = []
    keys = {_key(lb) for lb in labels}
    if any(k not in keys for k in explicit):
        warnings.append(
            "a role was given for a speaker name that does not appear in this transcript"
        )
    pinned: dict[str, tuple[Role, RoleSource]] = {}
    for lb in labels:
        k = _key(lb)
        if k in explicit:
            pinned[lb] = (explicit[k], RoleSource.EXPLICIT)
        elif k in saved:
            pinned[lb] = (saved[k], RoleSource.SAVED)
        elif (r := label_role(lb)) is not None:
            pinned[lb] = (r, RoleSource.LABEL)
    result: dict[str, tuple[Role, RoleSource, float]] = {
        lb: (r, src, 1.0) for lb, (r, src) in pinned.items()
    }
    open_ = [lb for lb in labels if lb not in pinned]
    if open_:
        weakest = max((src for _, src in pinned.values()), default=None,
                      key=lambda s: list(RoleSource).index(s))
        therapists = [lb for lb, (r, _) in pinned.items() if r is Role.THERAPIST]
        clients = [lb for lb, (r, _) in pinned.items() if r is Role.CLIENT]
        if therapists and weakest is not None:
            for lb in open_:
                result[lb] = (Role.CLIENT, weakest, 1.0)
        elif clients and len(open_) == 1 and weakest is not None:
            result[open_[0]] = (Role.THERAPIST, weakest, 1.0)
        else:
            scores = _therapist_scores(open_, utterances)
            ranked = sorted(open_, key=lambda lb: scores[lb], reverse=True)
            margin = scores[ranked[0]] - scores[ranked[1]] if len(ranked) > 1 else 0.0
            margin *= min(1.0, len(utterances) / _FULL_EVIDENCE_TURNS)
            confidence = min(0.99, round(1.0 / (1.0 + math.exp(-_LOGISTIC_K * margin)), 3))
            for lb in open_:
                role = Role.THERAPIST if lb == ranked[0] else Role.CLIENT
                result[lb] = (role, RoleSource.HEURISTIC, confidence)
    speakers = tuple(Speaker(lb, *result[lb]) for lb in labels)
    return speakers, warnings


_SAMPLE_CHARS = 120


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= _SAMPLE_CHARS:
        return text
    cut = text.rfind(" ", 0, _SAMPLE_CHARS - 1)
    return text[: cut if cut > 40 else _SAMPLE_CHARS - 1].rstrip(",;: ") + "…"


def speaker_samples(transcript: Transcript) -> dict[str, str]:
    """One short representative line per speaker (for the role question in CLI and web).

    Prefers a turn of about a dozen words early in the session: long enough to recognise
    the voice, short enough to read at a glance.
    """
    best: dict[str, tuple[int, str]] = {}
    for u in transcript.utterances:
        spoken = " ".join(u.spoken_text.split())
        if not spoken:
            continue
        distance = abs(len(spoken.split()) - 12)
        if u.speaker not in best or distance < best[u.speaker][0]:
            best[u.speaker] = (distance, spoken)
    return {s.label: _shorten(best[s.label][1]) if s.label in best else ""
            for s in transcript.speakers}
