"""Engagement metrics of one session: a pure function of the transcript.

Each metric is defined in docs/metrics.md. They are the raw material for the client's own
baseline across sessions ("quieter than last time"), so they favour robust statistics
(median, IQR, p90) over means that one long story would swing.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from mendline.analysis.lexicon import folded
from mendline.analysis.questions import is_open_question, question_sentences
from mendline.analysis.result import Engagement
from mendline.transcript import AnnotationKind, Role, Transcript, Utterance

__all__ = [
    "MINIMAL_TURN_WORDS",
    "LONG_PAUSE_S",
    "OVERLAP_TOLERANCE_S",
    "TurnKind",
    "classify_client_turns",
    "is_backchannel_text",
    "measure_engagement",
]

# A client turn of at most this many spoken words is "minimal". Three words covers
# "Yeah.", "I guess.", "I don't know." while leaving "It was hard, honestly." out.
MINIMAL_TURN_WORDS = 3
# A response latency of 3 s or more counts as a long pause. Conversation-analytic work puts
# ordinary turn gaps well under a second; pauses are the best-supported paralinguistic sign of
# withdrawal (Dolev-Amit et al., 2020). Caption exporters round cue times, hence the margin.
LONG_PAUSE_S = 3.0
# Cue times in exported captions are approximate; overlaps smaller than this are ignored.
OVERLAP_TOLERANCE_S = 0.25

_BACKCHANNEL = folded(
    r"^(?:\s*(?:mm+[- ]?hmm+|mhm+|uh[- ]?huh|hmm+|mm+|yeah|yep|yes|yup|right|okay|ok|sure|"
    r"i see|got it|totally|exactly|true|uh|um)\s*[.,!…]*)+$",
)


def is_backchannel_text(text: str) -> bool:
    """True for "mm-hmm", "yeah, right", "okay." and the like."""
    return bool(_BACKCHANNEL.match(text.strip()))


@dataclass(frozen=True, slots=True)
class TurnKind:
    """How one client turn sits in the conversation."""

    utterance: int
    minimal: bool  # at most MINIMAL_TURN_WORDS spoken words
    backchannel: bool  # minimal, backchannel words, while the therapist holds the floor
    after_question: bool  # the previous therapist turn asked something
    after_open_question: bool


def classify_client_turns(transcript: Transcript) -> list[TurnKind]:
    """Classify each client turn; backchannels are told apart from replies to questions.

    The therapist "holds the floor" when the turn just before the client's token was theirs
    and asked nothing, as when explaining an exercise.
    """
    utts = transcript.utterances
    kinds: list[TurnKind] = []
    for i, u in enumerate(utts):
        if u.role is not Role.CLIENT:
            continue
        prev = _previous_therapist(utts, i)
        questions = question_sentences(prev.text) if prev is not None else []
        after_q = bool(questions)
        after_open = any(is_open_question(q) for q in questions)
        minimal = u.words <= MINIMAL_TURN_WORDS
        backchannel = (
            minimal and prev is not None and not after_q and is_backchannel_text(u.spoken_text)
        )
        kinds.append(TurnKind(i, minimal, backchannel, after_q, after_open))
    return kinds


def _previous_therapist(utts: Sequence[Utterance], i: int) -> Utterance | None:
    """The turn right before ``i`` if the therapist spoke it (not any earlier one)."""
    if i > 0 and utts[i - 1].role is Role.THERAPIST:
        return utts[i - 1]
    return None


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolation quantile of already sorted values (q in [0, 1])."""
    if len(sorted_values) == 1:
        return float(sorted_values[0])
    pos = q * (len(sorted_values) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return float(sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo))


def _latencies(utts: Sequence[Utterance]) -> list[float]:
    """Seconds from the end of a therapist turn to the start of the client's reply."""
    out = []
    for prev, u in zip(utts, utts[1:], strict=False):
        if (
            u.role is Role.CLIENT
            and prev.role is Role.THERAPIST
            and u.start_s is not None
            and prev.end_s is not None
        ):
            out.append(max(0.0, u.start_s - prev.end_s))
    return out


def _annotated_pauses(client_turns: Sequence[Utterance]) -> int:
    """Long silences written into client turns (``[silence 6s]``, ``(long pause)``)."""
    n = 0
    for u in client_turns:
        for a in u.annotations:
            if a.kind not in (AnnotationKind.SILENCE, AnnotationKind.PAUSE):
                continue
            if a.duration_s is not None:
                n += a.duration_s >= LONG_PAUSE_S
            else:
                n += a.kind is AnnotationKind.SILENCE or "long" in u.text[slice(*a.span)].lower()
    return n


def _overlaps(utts: Sequence[Utterance]) -> int:
    return sum(
        1
        for prev, u in zip(utts, utts[1:], strict=False)
        if u.start_s is not None
        and prev.end_s is not None
        and prev.speaker != u.speaker
        and u.start_s < prev.end_s - OVERLAP_TOLERANCE_S
    )


def _round(x: float | None, digits: int = 3) -> float | None:
    return None if x is None else round(x, digits)


def measure_engagement(transcript: Transcript) -> Engagement:
    utts = transcript.utterances
    words = Counter[Role]()
    turns = Counter[Role]()
    for u in utts:
        words[u.role] += u.words
        turns[u.role] += 1
    client_turns = [u for u in utts if u.role is Role.CLIENT]
    per_turn = sorted(u.words for u in client_turns)
    kinds = classify_client_turns(transcript)
    backchannels = sum(k.backchannel for k in kinds)
    minimal_replies = sum(k.minimal and not k.backchannel for k in kinds)
    non_backchannel = len(kinds) - backchannels

    therapist_q = open_q = 0
    for u in utts:
        if u.role is Role.THERAPIST:
            for q in question_sentences(u.text):
                therapist_q += 1
                open_q += is_open_question(q)

    latencies = sorted(_latencies(utts))
    nonverbal = Counter(a.kind.value for u in client_turns for a in u.annotations)
    spoken = words[Role.CLIENT] + words[Role.THERAPIST]
    return Engagement(
        duration_s=_round(transcript.duration_s, 1),
        therapist_words=words[Role.THERAPIST],
        client_words=words[Role.CLIENT],
        other_words=words[Role.OTHER],
        therapist_turns=turns[Role.THERAPIST],
        client_turns=turns[Role.CLIENT],
        other_turns=turns[Role.OTHER],
        client_word_share=_round(words[Role.CLIENT] / spoken) if spoken else None,
        client_words_per_turn_median=float(statistics.median(per_turn)) if per_turn else None,
        client_words_per_turn_iqr=(
            _round(_quantile(per_turn, 0.75) - _quantile(per_turn, 0.25)) if per_turn else None
        ),
        client_minimal_turn_rate=(
            _round(minimal_replies / non_backchannel) if non_backchannel else None
        ),
        client_backchannels=backchannels,
        client_minimal_replies=minimal_replies,
        therapist_questions=therapist_q,
        therapist_open_questions=open_q,
        therapist_closed_questions=therapist_q - open_q,
        response_latency_median_s=_round(_quantile(latencies, 0.5), 2) if latencies else None,
        response_latency_p90_s=_round(_quantile(latencies, 0.9), 2) if latencies else None,
        long_pauses=sum(lat >= LONG_PAUSE_S for lat in latencies) + _annotated_pauses(client_turns),
        overlaps=_overlaps(utts),
        nonverbal=dict(sorted(nonverbal.items())),
    )
