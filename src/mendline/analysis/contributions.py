"""Therapist moves that may have added to a strain (3RS v2022 rates the therapist's side).

The 2022 revision of the Rupture Resolution Rating System asks coders to rate the therapist's
contribution to ruptures as well as the client's markers (Eubanks & Muran, 2022). Mendline
looks for five plain, observable moves and words each one without blame — they describe what
happened in the conversation, not what kind of therapist did it:

- ``therapist.minimising``: a remark that plays down what the client brought;
- ``therapist.interrupting``: starting to speak over a client turn that breaks off;
- ``therapist.pressing_on``: the task continuing while the client's replies shorten;
- ``therapist.arguing_after_complaint``: explaining, defending or persuading right after a
  complaint, instead of hearing it;
- ``therapist.labelling_resistance``: reading the client's holding back as resistance or
  "not being ready" rather than asking about it.

Each is a counter-example to repair in clinical.md (Safran & Muran, 2000): the repair
detector suppresses the same moves so one turn is never both.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

from mendline.analysis.acts import TASK_WORDS, classify_therapist_turn
from mendline.analysis.lexicon import Cue, folded
from mendline.analysis.repairs import context_for, detect_repairs, sentence_span
from mendline.analysis.result import Contribution, Marker, Repair
from mendline.transcript import AnnotationKind, Role, Transcript, Utterance
from mendline.vocabulary import CONTRIBUTIONS

__all__ = ["CONTRIBUTIONS", "DETECTOR", "detect_contributions"]

DETECTOR = "contributions.rules.v1"
LEXICON_RESOURCE = "data/lexicons/contributions_en.json"

# A phrase cue is reported at or above this weight (after context); in-house choice, matched
# to the repair detector's threshold.
_THRESHOLD = 0.6
# Starting this many seconds before the client's turn ended counts as speaking over it
# (caption timings jitter by a few hundred milliseconds).
_OVERLAP_S = 0.3
# Hurt or distress in the client's turn before the therapist's (for the minimising rule).
_HURT = folded(r"\b(?:hurt|upset|angry|sad|scared|awful|terrible|hate|cry|crying|"
               r"humiliat\w*|ashamed|lonely|exhausted|worried|anxious)\b")
_CUT_OFF = re.compile(r"(?:[—–-]|\.\.\.|…)\s*$")
_SELF_CORRECTS = folded(r"\b(?:sorry,? (?:go on|go ahead|i interrupted|carry on|you were)|"
                            r"i interrupted you|please go on)\b")
_TASK_MOVE = folded(
    r"\b(?:let'?s|shall we|could we|can we|we could|maybe we could|how about|what if you|"
    r"i'?d like you to|for homework|this week,? (?:try|could you|would you)|the next step|"
    r"the plan|try (?:the|this|a|to)|rehearse|fill (?:in|out)|go through|practi[cs]e)\b")


@lru_cache(maxsize=1)
def _lexicon() -> tuple[dict[str, tuple[Cue, ...]], dict[str, tuple[re.Pattern[str], ...]]]:
    raw = json.loads(resources.files("mendline").joinpath(LEXICON_RESOURCE).read_text("utf-8"))
    cues = {k: tuple(Cue(folded(c["re"]), float(c["w"]), c["why"]) for c in e["cues"])
            for k, e in raw["contributions"].items()}
    counter = {k: tuple(folded(p) for p in e["counter"])
               for k, e in raw["contributions"].items()}
    assert set(cues) == set(CONTRIBUTIONS), "contribution lexicon must cover every id"
    return cues, counter


def _cue(cid: str, text: str) -> tuple[Cue, re.Match[str]] | None:
    cues, counter = _lexicon()
    if any(p.search(text) for p in counter[cid]):
        return None
    best: tuple[Cue, re.Match[str]] | None = None
    for cue in cues[cid]:
        m = cue.pattern.search(text)
        if m and (best is None or cue.weight > best[0].weight):
            best = (cue, m)
    return best


def _make(u: Utterance, cid: str, span: tuple[int, int], why: str) -> Contribution:
    return Contribution(utterance=u.index, id=cid, evidence=u.text[span[0]:span[1]], why=why)


def _first_clause(text: str) -> tuple[int, int]:
    m = re.search(r"[^\s\[\]()][^.?!—–]*", re.sub(r"\[[^\]]*\]|\([^)]*\)",
                                                   lambda x: " " * len(x.group()), text))
    if m is None:
        return (0, len(text))
    a, b = m.span()
    b = min(b, a + 80)
    while b > a and text[b - 1].isspace():
        b -= 1
    return (a, b)


# ---------------------------------------------------------------- rules


def _interrupting(u: Utterance, prev: Utterance | None) -> Contribution | None:
    if prev is None or prev.role is not Role.CLIENT:
        return None
    overlap = (u.start_s is not None and prev.end_s is not None
               and u.start_s < prev.end_s - _OVERLAP_S)
    crosstalk = any(a.kind is AnnotationKind.CROSSTALK and a.span[0] <= 2 for a in u.annotations)
    cut_off = bool(_CUT_OFF.search(prev.text))
    if not cut_off or not (overlap or crosstalk) or _SELF_CORRECTS.search(u.text):
        return None
    return _make(u, "therapist.interrupting", _first_clause(u.text),
                 "began speaking before the client had finished, and the client's turn broke off")


def _minimising(u: Utterance, strain: bool, affect_before: bool) -> Contribution | None:
    hit = _cue("therapist.minimising", u.text)
    if hit is None:
        return None
    cue, m = hit
    score = cue.weight + (0.1 if strain or affect_before else -0.2)
    if score < _THRESHOLD:
        return None
    return _make(u, "therapist.minimising", sentence_span(u.text, m.start(), m.end()),
                 cue.why + (" while the client was struggling" if strain or affect_before
                            else ""))


def _labelling(u: Utterance, strain: bool) -> Contribution | None:
    hit = _cue("therapist.labelling_resistance", u.text)
    if hit is None:
        return None
    cue, m = hit
    score = cue.weight + (0.05 if strain else -0.15)
    if score < _THRESHOLD:
        return None
    return _make(u, "therapist.labelling_resistance", sentence_span(u.text, m.start(), m.end()),
                 cue.why)


def _arguing(u: Utterance, complaint: bool, repaired_here: bool) -> Contribution | None:
    if not complaint or repaired_here:
        return None
    hit = _cue("therapist.arguing_after_complaint", u.text)
    act = classify_therapist_turn(u.text)
    if hit is None:
        if act.explanation and not act.question and act.words >= 25:
            return _make(u, "therapist.arguing_after_complaint", _first_clause(u.text),
                         "a long explanation came straight after the client's complaint")
        return None
    cue, m = hit
    return _make(u, "therapist.arguing_after_complaint",
                 sentence_span(u.text, m.start(), m.end()), cue.why + " right after a complaint")


def _pressing_on(
    t: Transcript, u: Utterance, markers: Sequence[Marker], repairs: Sequence[Repair],
    median_words: float | None,
) -> Contribution | None:
    task = TASK_WORDS.search(u.text)
    move = _TASK_MOVE.search(u.text) or classify_therapist_turn(u.text).question
    if task is None or not move:
        return None  # not about the task: a new topic is not pressing on with the work
    m = task
    clients = [v for v in t.utterances[:u.index] if v.role is Role.CLIENT][-3:]
    if len(clients) < 2:
        return None
    withdrawn = {mk.utterance for mk in markers if mk.family == "withdrawal"}
    marked = sum(v.index in withdrawn for v in clients)
    words = [v.words for v in clients]
    shortening = (median_words is not None and words[-1] <= 0.5 * median_words
                  and words[-1] <= words[0])
    if marked < 2 and not (marked >= 1 and shortening):
        return None
    first = clients[0].index
    if any(first <= r.utterance < u.index for r in repairs):
        return None  # the strain was being addressed, not passed over
    return _make(u, "therapist.pressing_on", sentence_span(u.text, m.start(), m.end()),
                 f"the task went on while the client's replies were short or guarded "
                 f"({marked} of the last {len(clients)} replies)")


def detect_contributions(
    transcript: Transcript, markers: Sequence[Marker], repairs: Sequence[Repair] | None = None
) -> list[Contribution]:
    """Therapist moves that may have added to a strain, in utterance order.

    ``repairs`` defaults to ``detect_repairs(transcript, markers)``; pass them when already
    computed. A turn can carry more than one move (an interruption that also argues).
    """
    if transcript.language and not transcript.language.lower().startswith("en"):
        return []
    repairs = detect_repairs(transcript, markers) if repairs is None else repairs
    repaired_turns = {r.utterance for r in repairs
                      if r.id in ("acknowledges_contribution", "validates_defensive_posture",
                                  "invites_discussion_of_relationship")}
    client_words = [u.words for u in transcript.utterances if u.role is Role.CLIENT]
    out: list[Contribution] = []
    us = transcript.utterances
    for i, u in enumerate(us):
        if u.role is not Role.THERAPIST or not u.text.strip():
            continue
        ctx = context_for(transcript, i, markers, repairs)
        prev = us[i - 1] if i > 0 else None
        earlier = [w for v, w in zip([v for v in us if v.role is Role.CLIENT], client_words,
                                     strict=True) if v.index < i]
        median = statistics.median(earlier) if len(earlier) >= 3 else None
        affect = prev is not None and prev.role is Role.CLIENT and bool(_HURT.search(prev.text))
        for found in (
            _interrupting(u, prev),
            _minimising(u, ctx.marker is not None, affect),
            _labelling(u, ctx.marker is not None),
            _arguing(u, ctx.complaint_just_before, i in repaired_turns),
            _pressing_on(transcript, u, markers, repairs, median),
        ):
            if found is not None:
                out.append(found)
    return out
