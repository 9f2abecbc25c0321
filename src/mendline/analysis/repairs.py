"""Therapist resolution strategies (3RS; Eubanks, Muran & Safran, 2015), found per therapist turn.

Layered like the marker detector, so every flag can be explained:

1. **Phrase cues** from ``data/lexicons/repairs_en.json`` (in-house), with counter-cues for
   the look-alikes: "sorry to hear that" is politeness, not owning one's part; "you're right,
   he's being unfair" agrees with content rather than validating a stance; "how did you feel
   when your boss said that?" is a feeling question, not an invitation to talk about the
   relationship.
2. **Context**: was there a client rupture marker in the last few turns? Was there a repair
   attempt shortly before (a check-in only makes sense after one)? Did the client just
   complain, so that explaining now is arguing rather than giving a reason? Does the turn talk
   about "us / in here / what just happened", own something ("I think I pushed"), speak
   tentatively ("I might be wrong")?
3. A small **logistic model per strategy** over (1), (2) and the turn's words and word
   pairs, trained offline by ``tools/train_repairs.py`` (scikit-learn at training time only),
   Platt-calibrated on out-of-fold scores, and shipped as JSON in
   ``data/models/repairs_v1.json``; it is applied here in plain Python (``repairs.lr.v1``).
   Without that file the rules run alone (``repairs.rules.v1``) and the rule strength is the
   confidence.
4. With the ``embeddings`` extra installed, the default is ``repairs.embed.v1``: the same
   features plus the therapist turn's sentence vector (all-MiniLM-L6-v2, offline), from
   ``data/models/repairs_embed_v1.json``. Metacommunication is said in many ways no phrase
   list holds ("I chose my words badly"); the vector places a paraphrase near the coded
   repairs. Measured when adopted, with out-of-fold folds that leave corpus writers out (as
   real transcripts come from writers the model has not read): metacommunication F1 0.668
   -> 0.686 over every coded therapist turn; folds grouped by dialogue showed less (0.725 ->
   0.733): within one writer's phrasing the words already carry it. Only turns that could
   be reported and that the plain model gives some strategy 0.1 are encoded (about a third
   of the counsellor turns in real chat), which left that figure unchanged.
5. Since stop 22 the default with the extra is ``repairs.ft.v1`` (:mod:`.repairs_ft`): the
   plain model's probabilities blended with those of an encoder fine-tuned on the strategy
   corpus, which reads the client's turn before with the therapist's; the same turns are
   encoded and the same gates apply. Out of fold on DEV (folds leaving writers out),
   metacommunication F1 0.729 -> 0.802 and strategy macro-F1 0.647 -> 0.720.

Moves that are *not* repair (interpreting withdrawal as resistance, defending, persuading
after a complaint, changing the subject while a strain is open) are suppressed here and
reported by :mod:`mendline.analysis.contributions` instead.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from mendline.analysis import embeddings, repairs_ft
from mendline.analysis.acts import classify_therapist_turn, spoken, without_thanks
from mendline.analysis.lexicon import Cue, folded, platt, prefilter
from mendline.analysis.questions import question_sentences
from mendline.analysis.result import Marker, Repair
from mendline.analysis.strain import NO_STRAIN, StrainCues, strain_before
from mendline.errors import UnknownDetector
from mendline.transcript import Role, Transcript, Utterance
from mendline.vocabulary import METACOMMUNICATION, STRATEGIES

__all__ = [
    "DETECTOR",
    "DETECTORS",
    "DETECTOR_ENV",
    "MODEL_RESOURCE",
    "EMBED_MODEL_RESOURCE",
    "MARKER_WINDOW",
    "RepairContext",
    "StrategyHit",
    "strategy_hits",
    "detect_repairs",
    "sentence_span",
    "context_for",
    "could_be_repair",
    "turn_features",
    "turn_vectors",
    "featurize",
    "detector_name",
    "FEATURES_VERSION",
    "STRICT_METACOMMUNICATION",
    "allowed",
]

DETECTOR = "repairs.rules.v1"
LEXICON_RESOURCE = "data/lexicons/repairs_en.json"
MODEL_RESOURCE = "data/models/repairs_v1.json"
EMBED_MODEL_RESOURCE = "data/models/repairs_embed_v1.json"

# A repair responds to a strain: a client marker this many utterances back still counts as
# the strain the turn responds to (about three exchanges; in-house choice, see
# tests/analysis/test_repairs.py).
MARKER_WINDOW = 6
# A check-in asks how the repair conversation landed, so it needs a repair attempt this many
# utterances before it (in-house choice: a repair conversation rarely runs longer).
CHECK_IN_WINDOW = 14
# repairs.embed.v1 encodes only turns the plain model gives some strategy this probability
# (see _worth_encoding).
CASCADE_BAR = 0.1
# Rule scores at or above this are reported when no calibration file is present.
RAW_THRESHOLD = 0.5
# With no client marker and no complaint-like turn in context, a metacommunication id needs
# this probability and here-and-now relationship wording (the marker detector misses some
# ruptures, but a plain question about goals in a calm session is not metacommunication).
# Default when the model file does not carry its own, chosen on out-of-fold scores.
STRICT_METACOMMUNICATION = 0.85

# The metacommunication a model that reads the client's turn may report in calm talk.
_OWN_SIDE = frozenset({"acknowledges_contribution", "discloses_internal_experience",
                       "links_to_patterns"})
_IMMEDIATE = frozenset({"clarifies_misunderstanding", "changes_task_or_goal",
                        "provides_rationale", "validates_defensive_posture",
                        "redirects_refocuses"})


@dataclass(frozen=True, slots=True)
class _Lexicon:
    cues: dict[str, tuple[Cue, ...]]
    counter: dict[str, tuple[re.Pattern[str], ...]]
    context: dict[str, re.Pattern[str]]
    version: str


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    raw = json.loads(resources.files("mendline").joinpath(LEXICON_RESOURCE).read_text("utf-8"))
    cues = {sid: tuple(Cue(folded(c["re"]), float(c["w"]), c["why"])
                       for c in e["cues"]) for sid, e in raw["strategies"].items()}
    counter = {sid: tuple(folded(p) for p in e["counter"])
               for sid, e in raw["strategies"].items()}
    context = {k: folded(v) for k, v in raw["context"].items()}
    assert set(cues) == set(STRATEGIES), "repairs lexicon must cover every strategy id"
    return _Lexicon(cues, counter, context, raw["_version"])


@dataclass(frozen=True, slots=True)
class _IdModel:
    weights: dict[str, float]
    bias: float
    platt_a: float
    platt_b: float
    threshold: float
    # numpy weights on the therapist turn's sentence vector (repairs.embed.v1 only)
    embedding: Any = None

    def logit(self, x: dict[str, float], vector: Any = None) -> float:
        z = self.bias + sum(self.weights.get(k, 0.0) * v for k, v in x.items())
        if self.embedding is not None and vector is not None:
            z += float(self.embedding @ vector)
        return z

    def prob(self, x: dict[str, float], vector: Any = None) -> float:
        return platt(self.logit(x, vector), self.platt_a, self.platt_b)


@dataclass(frozen=True, slots=True)
class _Model:
    name: str
    strategies: dict[str, _IdModel]
    strict: float  # the stricter metacommunication threshold for turns with no strain
    embedded: bool  # reads the therapist turn's sentence vector
    paired: bool = False  # blends in the fine-tuned pair encoder (repairs.ft.v1)


def _load(resource: str, name: str) -> _Model | None:
    path = resources.files("mendline").joinpath(resource)
    if not path.is_file():
        return None
    raw = json.loads(path.read_text("utf-8"))
    if raw.get("lexicon") != _lexicon().version or raw.get("features") != FEATURES_VERSION:
        return None  # fitted on another lexicon or feature layout: fall back to the rules
    embedded = "embedding" in raw
    if embedded and raw["embedding"] != embeddings.MODEL_ID:
        return None
    if embedded:
        import numpy as np  # present whenever the embeddings extra is

    strategies = {
        sid: _IdModel(dict(m["weights"]), m["bias"], m["platt_a"], m["platt_b"],
                      m["threshold"],
                      np.array(m["embedding_weights"], dtype=np.float32) if embedded else None)
        for sid, m in raw["strategies"].items()}
    return _Model(name, strategies,
                  float(raw.get("strict_metacommunication", STRICT_METACOMMUNICATION)),
                  embedded)


@lru_cache(maxsize=1)
def _model() -> _Model | None:
    return _load(MODEL_RESOURCE, DETECTOR_MODEL)


@lru_cache(maxsize=1)
def _embed_model() -> _Model | None:
    return _load(EMBED_MODEL_RESOURCE, DETECTOR_EMBED) if embeddings.available() else None


@lru_cache(maxsize=1)
def _ft_model() -> _Model | None:
    """The plain model's strategies, blended with the fine-tuned encoder at run time."""
    plain = _model()
    if plain is None or not repairs_ft.available():
        return None
    return replace(plain, name=DETECTOR_FT, paired=True)


@lru_cache(maxsize=1)
def _strict() -> float:
    """The stricter metacommunication threshold saved with the plain model, or the default.

    The rules of ``featurize`` use it whichever model runs, so training and running agree.
    """
    model = _model()
    return model.strict if model is not None else STRICT_METACOMMUNICATION


# ---------------------------------------------------------------- context


@dataclass(frozen=True, slots=True)
class RepairContext:
    """What happened just before a therapist turn, as far as repair is concerned."""

    marker: Marker | None  # the nearest client marker within MARKER_WINDOW utterances
    marker_distance: int  # utterances back to it (0 when none)
    complaint_just_before: bool  # a confrontation marker in the client turn(s) just before
    prior_repair: bool  # a repair attempt within CHECK_IN_WINDOW utterances before
    prior_repair_since_marker: bool  # ... and after the nearest marker
    cues: StrainCues = NO_STRAIN  # complaint-like, terse or quieter client turns just before
    marker_recent: bool = False  # a client marker within CHECK_IN_WINDOW utterances

    @property
    def strained(self) -> bool:
        """Something to respond to: a marker nearby or a complaint-like or shut-down reply."""
        return self.marker is not None or self.cues.complaint or self.cues.shut_down


def context_for(
    transcript: Transcript, index: int, markers: Sequence[Marker], repairs: Sequence[Repair]
) -> RepairContext:
    """The context of therapist turn ``index`` from markers and repairs found before it."""
    near = [m for m in markers if index - MARKER_WINDOW <= m.utterance < index]
    nearest = max(near, key=lambda m: (m.utterance, m.confidence), default=None)
    last_client = _previous_client(transcript, index)
    complaint = any(m.family == "confrontation" and m.utterance in last_client for m in markers)
    before = [r for r in repairs if index - CHECK_IN_WINDOW <= r.utterance < index]
    since = nearest is not None and any(r.utterance > nearest.utterance for r in before)
    recent = any(index - CHECK_IN_WINDOW <= m.utterance < index for m in markers)
    return RepairContext(nearest, index - nearest.utterance if nearest else 0, complaint,
                         bool(before), since, strain_before(transcript, index, 3), recent)


def _previous_client(transcript: Transcript, index: int, turns: int = 2) -> set[int]:
    """Indexes of the client turns in the last ``turns`` utterances before ``index``."""
    us = transcript.utterances
    return {j for j in range(max(0, index - turns), index) if us[j].role is Role.CLIENT}


# ---------------------------------------------------------------- rules


@dataclass(frozen=True, slots=True)
class StrategyHit:
    """One strategy firing on a turn: raw score in [0, 1], the evidence span, a reason."""

    score: float
    span: tuple[int, int]
    why: str


def sentence_span(text: str, a: int, b: int, limit: int = 240) -> tuple[int, int]:
    """The sentence around [a, b), so evidence reads as what the therapist said."""
    start = max((text.rfind(p, 0, a) for p in (". ", "? ", "! ", "… ", "\n")), default=-1)
    start = 0 if start < 0 else start + 2
    ends = [j for j in (text.find(p, b) for p in (". ", "? ", "! ", "… ", "\n")) if j != -1]
    end = min(ends) + 1 if ends else len(text)
    if end - start > limit:
        start, end = a, b
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end)


@cache
def _any_cue(sid: str) -> re.Pattern[str] | None:
    return prefilter([c.pattern for c in _lexicon().cues[sid]])


def _best(sid: str, text: str) -> tuple[Cue, re.Match[str]] | None:
    quick = _any_cue(sid)
    if quick is not None and not quick.search(text):
        return None
    best: tuple[Cue, re.Match[str]] | None = None
    for cue in _lexicon().cues[sid]:
        m = cue.pattern.search(text)
        if m and m.end() > m.start() and (best is None or cue.weight > best[0].weight):
            best = (cue, m)
    return best


# Context words that a sentence of thanks ("Thank you for sharing this with me today") uses
# as courtesy: they are read outside such sentences only.
_COURTESY_BLIND = frozenset({"relationship", "here_and_now"})


def _ctx(name: str, text: str) -> bool:
    if name in _COURTESY_BLIND:
        text = without_thanks(text)
    return bool(_lexicon().context[name].search(text))


def _labels_resistance(text: str) -> bool:
    return bool(_RESISTANCE.search(text))


def _labels_client(text: str) -> bool:
    return bool(_CLINICAL_LABEL.search(text))


def reads_motive(x: dict[str, float]) -> bool:
    """The turn labels the client's reaction, as resistance or in clinical terms ("that's
    your abandonment schema", "you always do this"): it interprets their motive instead of
    talking about the two of them, so 3RS does not count it as metacommunication (Eubanks,
    Muran & Safran, 2015), whatever else the turn says."""
    return "flag:resistance" in x or "flag:labels_client" in x


_ASKS = folded(r"\b(?:tell me|i'?d (?:like|love) to hear|i wonder)\b")
_RESISTANCE = folded(
    r"\b(?:resist\w*|in denial|not ready to (?:work|change)|don'?t seem (?:very |really )?"
    r"(?:ready|willing|interested|committed|motivated)|sabotag\w*|you(?:'re| are) (?:being )?"
    r"defensive|(?:doesn'?t|don'?t) (?:really )?want to (?:change|get better))\b")
# The client's reaction named as a clinical construct or a fixed habit: "the defectiveness
# schema", "your attachment style", "that's transference", "deep down you believe…", "you
# always do this". Corpus writers agree that such a link states a motive (GUIDE, Appendices
# B and F), and on writers the models had not read it was most of the pattern links flagged
# wrongly after a strain.
_CLINICAL_LABEL = folded(
    r"\b(?:schemas?|attachment (?:style|issues?|wound)|transference|deep down you|"
    r"that'?s your (?:\w+ )?(?:pattern|wound|issue|thing)|"
    r"you always (?:push|do (?:this|that)|react))\b")
# A feeling the therapist ties to hearing the client's story ("I'm moved hearing that", "I
# feel sad reading this", "as you describe her"): resonance with the content. In calm talk it
# is not a disclosure about the relationship (GUIDE, Appendix B), however warm.
_RESONANCE = folded(
    r"\b(?:hearing|listening to|reading) (?:that|this|about|it|how|what|your|the|her|him|them)\b"
    r"|\bas you (?:describe|talk|tell|say|speak)\w*"
    r"|\b(?:what|everything|all) you(?:'ve| have)? (?:just )?(?:told|said|shared|described)\b"
    r"|\byou(?:'ve| have) trusted me\b")


def strategy_hits(text: str, ctx: RepairContext) -> dict[str, StrategyHit]:
    """Raw strategy scores for one therapist turn in its context (before calibration)."""
    lex = _lexicon()
    act = classify_therapist_turn(text)
    relationship = _ctx("relationship", text)
    ownership = _ctx("ownership", text)
    tentative = _ctx("tentative", text)
    asks = act.question or bool(_ASKS.search(text))
    labels_reaction = _labels_resistance(text) or _labels_client(text)
    strain = ctx.strained
    out: dict[str, StrategyHit] = {}
    for sid in STRATEGIES:
        found = _best(sid, text)
        if found is None:
            continue
        cue, m = found
        score = cue.weight
        why = cue.why
        if any(p.search(text) for p in lex.counter[sid]):
            score *= 0.45
        if sid in _IMMEDIATE:
            score = min(1.0, score + 0.1) if strain else score * 0.75
        elif strain:
            score = min(1.0, score + 0.1)
        if sid == "invites_discussion_of_relationship":
            if not asks:
                score *= 0.6
            if not relationship and cue.weight < 0.8:
                score *= 0.6
            if _ctx("feeling_about_other", text) and not relationship:
                score *= 0.4
        elif sid == "acknowledges_contribution":
            if _ctx("politeness_sorry", text) and not ownership:
                score *= 0.4
        elif sid == "discloses_internal_experience" and tentative:
            score = min(1.0, score + 0.05)
        elif sid == "provides_rationale":
            if ctx.complaint_just_before and _ctx("persuading", text) and not _ctx(
                    "openness", text):
                continue  # explaining to win the point after a complaint is not repair
        elif sid == "redirects_refocuses":
            if strain and ctx.marker_distance <= 3 and not ctx.prior_repair_since_marker:
                score *= 0.35  # moving off while the strain is still open
            elif ctx.prior_repair_since_marker:
                score = min(1.0, score + 0.1)
                why += ", after talking the strain through"
        elif sid == "checks_in_after_repair":
            if not ctx.prior_repair:
                score *= 0.45
        if sid in METACOMMUNICATION and labels_reaction:
            continue  # labelling the client's reaction is not talking about the two of us
        if ctx.marker is not None and sid != "checks_in_after_repair":
            why += f" (after a possible {ctx.marker.family} marker)"
        elif strain and sid != "checks_in_after_repair":
            why += " (after a sign of strain in the client's last replies)"
        out[sid] = StrategyHit(score, sentence_span(text, m.start(), m.end()), why)
    # A check-in on the repair is not also a fresh invitation to talk about the relationship.
    if ("checks_in_after_repair" in out and "invites_discussion_of_relationship" in out
            and ctx.prior_repair
            and out["checks_in_after_repair"].score >= RAW_THRESHOLD):
        inv = out["invites_discussion_of_relationship"]
        out["invites_discussion_of_relationship"] = StrategyHit(inv.score * 0.6, inv.span, inv.why)
    return out


# ---------------------------------------------------------------- model features

# Bumped whenever ``turn_features`` changes what a key means or drops one, so an old
# weights file is not misapplied. Keys added since (flag:asks_here_and_now,
# flag:labels_client, flag:resonance, flag:agenda_only) have no weight in an older file, so
# they change nothing there until the next fit; the gates read them.
FEATURES_VERSION = "repairs-features.v5"
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?")
_FLAGS = ("relationship", "ownership", "tentative", "openness", "persuading",
          "feeling_about_other", "politeness_sorry", "here_and_now", "recap")


def _tokens(text: str) -> list[str]:
    text = re.sub(r"\[[^\]]*\]|\([^)]*\)", " ", text.lower().replace("’", "'"))
    return _TOKEN.findall(text)


def turn_features(text: str, ctx: RepairContext) -> dict[str, float]:
    """Sparse model input for one therapist turn: cue scores, context, words and word pairs.

    Words and word pairs let the model learn phrasings the lexicon does not list ("what's
    it like sitting here with me"); the cue scores and context carry what words alone miss
    (was there a strain just before? a repair already?).
    """
    act = classify_therapist_turn(text)
    x: dict[str, float] = {"bias_words": min(1.0, act.words / 60.0)}
    for sid in STRATEGIES:
        found = _best(sid, text)
        if found is not None:
            x[f"rule:{sid}"] = found[0].weight
            if any(p.search(text) for p in _lexicon().counter[sid]):
                x[f"counter:{sid}"] = 1.0
    for name in _FLAGS:
        if _ctx(name, text):
            x[f"flag:{name}"] = 1.0
    if _labels_resistance(text):
        x["flag:resistance"] = 1.0
    if _labels_client(text):
        x["flag:labels_client"] = 1.0
    if _RESONANCE.search(text):
        x["flag:resonance"] = 1.0
    if act.agenda and "flag:relationship" not in x and "flag:here_and_now" not in x:
        x["flag:agenda_only"] = 1.0
    if any(_ctx("here_and_now", q) for q in question_sentences(text)):
        x["flag:asks_here_and_now"] = 1.0  # the question itself is about us, here
    for name in ("question", "open", "closed", "feeling", "relationship", "suggestion",
                 "interpretation", "reflection", "explanation"):
        if getattr(act, name):
            x[f"act:{name}"] = 1.0
    if ctx.marker is not None:
        x["ctx:strain"] = 1.0
        x[f"ctx:strain_{ctx.marker.family}"] = 1.0
        x["ctx:strain_near"] = 1.0 / max(1, ctx.marker_distance)
    if ctx.complaint_just_before:
        x["ctx:complaint_before"] = 1.0
    if ctx.prior_repair:
        x["ctx:prior_repair"] = 1.0
    if ctx.prior_repair_since_marker:
        x["ctx:repair_since_marker"] = 1.0
    for name in ("complaint", "shut_down", "quieter"):
        if getattr(ctx.cues, name):
            x[f"ctx:cue_{name}"] = 1.0
    if ctx.strained:
        x["ctx:strained"] = 1.0
    if ctx.marker_recent:
        x["ctx:marker_recent"] = 1.0
    if not (ctx.strained or ctx.prior_repair or ctx.marker_recent):
        x["ctx:calm"] = 1.0
    toks = _tokens(text)
    for w in set(toks):
        x[f"w:{w}"] = 1.0
    for a, b in set(zip(toks, toks[1:], strict=False)):
        x[f"b:{a} {b}"] = 1.0
    return x


# Words that say nothing on their own about what a turn does: a reason made of them ("wording
# such as 'what', 'this'") would explain nothing to a clinician.
_FUNCTION_WORDS = frozenset(
    "a about all am an and are as at be been but can could did do does for from had has have "
    "he i i'd i'm i've if in is it it's just like me more my of on or our really she so that "
    "the then there they this to us very was we were what when where which who why will with "
    "would you you're your something".split())


def _model_why(m: _IdModel, x: dict[str, float], vector: Any = None,
               paired: bool = False) -> str:
    """The reason for a strategy the model found with no phrase cue.

    Names the telling words that weighed most (word pairs and content words, not bare
    function words); when the sentence vector weighed more than they did, or the encoder
    that reads the client's turn with the therapist's decided (``paired``), says that the
    turn as a whole reads like the coded examples.
    """
    words = sorted(((m.weights.get(k, 0.0) * v, k) for k, v in x.items()
                    if k.startswith(("w:", "b:")) and m.weights.get(k, 0.0) > 0
                    and not set(k[2:].split()) <= _FUNCTION_WORDS), reverse=True)
    shown = [f"\u201c{k[2:]}\u201d" for _, k in words[:3]]
    whole = paired or m.embedding is not None and vector is not None and \
        float(m.embedding @ vector) > sum(w for w, _ in words[:3])
    if whole or not shown:
        reason = ("read with the client's words just before it, the turn as a whole"
                  if paired else "the turn as a whole")
        reason += " is worded like the examples of this strategy Mendline was trained on"
        return reason + (" (words such as " + ", ".join(shown) + ")" if shown else "")
    return "wording such as " + ", ".join(shown) + " fits this strategy"


# Added to the reason for metacommunication reported in calm talk (``allowed``'s ``calm``).
_CALM_WHY = ("; no marker was found before it: the therapist may have noticed a strain the "
             "client's words only hint at")


# ---------------------------------------------------------------- gate


def allowed(sid: str, p: float, threshold: float, ctx: RepairContext, x: dict[str, float],
            strict: float = STRICT_METACOMMUNICATION, calm: float | None = None) -> bool:
    """Whether strategy ``sid`` at probability ``p`` may be reported in this context.

    3RS codes resolution strategies as responses to a rupture (Eubanks, Muran & Safran,
    2015), so the immediate strategies need a strain to respond to: a client marker nearby,
    a complaint-like or shut-down reply, or a repair conversation already under way. A
    check-in needs a repair (or a strain) before it. Metacommunication may go beyond the
    marker detector, which misses some ruptures, but only when the wording plainly turns to
    the relationship here and now and the model is sure (``strict``). A model that reads the
    client's turn with the therapist's (``repairs.ft.v1``) may also report it in calm talk at
    its own bar, ``calm``: it sees the strain the marker detector missed ("Stop watching me."
    is three words with no cue, yet "Fair, I was watching you closely" answers it).
    """
    if p < threshold:
        return False
    if sid == "invites_discussion_of_relationship" and "flag:agenda_only" in x:
        # "What would you like to talk about today?" asks about the session's topic, not
        # about the two of them, even after a strain (where letting the client choose the
        # topic may be changing the task, which stays open). Real counselling openings ask it
        # in nearly every session.
        return False
    if "flag:recap" in x and not (sid == "acknowledges_contribution" and "flag:ownership" in x):
        # "Let me summarise what we've talked about today" recaps the session's content: a
        # routine move (the "S" of motivational interviewing's OARS), not a response to a
        # strain, however many of the client's themes and the therapist's "we" it repeats.
        # Owning a misstep inside a recap ("and I'm sorry I pushed earlier") still counts.
        return False
    if sid in _IMMEDIATE:
        return ctx.strained or ctx.prior_repair
    if sid == "checks_in_after_repair":
        return ctx.prior_repair or ctx.strained
    if sid in METACOMMUNICATION and not ctx.strained:
        if reads_motive(x):
            return False
        if ctx.prior_repair:
            return True  # inside a repair conversation the ordinary threshold holds
        if sid == "discloses_internal_experience" and "flag:resonance" in x:
            return False  # moved by the story, with no strain in the room: not about us
        if sid == "links_to_patterns" and "flag:here_and_now" not in x:
            return False  # a pattern link with no strain in the room is ordinary interpretation
        if calm is not None and p >= max(threshold, calm) and (
                sid in _OWN_SIDE or "flag:asks_here_and_now" in x):
            # owning a part, saying what one feels in the room, or tying the client's
            # reaction to us here to their story: ordinary talk does not say these. An
            # invitation must ask about us here and now ("is it weird being in here with
            # me?"): in calm talk an open question ("is there anything you'd like to
            # discuss?") is most often just that, even after "thanks for talking with me".
            return True
        if sid == "acknowledges_contribution" and "flag:ownership" in x:
            # owning a specific misstep ("I put that badly", "that's on me") answers a strain
            # the therapist saw, even where the client's words carried no cue for it
            return True
        # The marker detector misses some ruptures, so a turn that plainly speaks about the
        # relationship here and now may stand on its own when the model is sure; a question
        # about goals or the therapy in general ("what would you want from coming here?")
        # in a calm exchange is not a repair.
        return p >= max(threshold, strict) and "flag:here_and_now" in x
    return True


def could_be_repair(ctx: RepairContext, x: dict[str, float], calm: bool = False) -> bool:
    """Whether ``allowed`` could pass any strategy for this turn, whatever the model says.

    Read off ``allowed``: every strategy needs a strain, a repair under way, or (for
    metacommunication in calm talk) here-and-now wording, owning a misstep or, with
    ``calm`` (a bar for calm talk is set), the model alone. Most turns of a real session
    are calm questions and reflections, so the embedding detectors encode only the turns
    this lets through (and the plain model gives some strategy: ``_worth_encoding``).
    """
    return (ctx.strained or ctx.prior_repair or "flag:here_and_now" in x
            or "flag:ownership" in x or calm and not reads_motive(x))


# ---------------------------------------------------------------- detector

DETECTOR_MODEL = "repairs.lr.v1"
DETECTOR_EMBED = "repairs.embed.v1"
DETECTOR_FT = repairs_ft.NAME
# The repair detectors by name: ``detect_repairs(..., detector=NAME)`` or the environment
# variable MENDLINE_REPAIR_DETECTOR chooses one; results record the name that ran.
DETECTORS = {
    DETECTOR: "phrase cues and context rules; the rule strength is the confidence",
    DETECTOR_MODEL: "phrase cues, context, words and word pairs combined by a calibrated "
                    "logistic model per strategy",
    DETECTOR_EMBED: "as repairs.lr.v1, plus the therapist turn's sentence embedding "
                    "(all-MiniLM-L6-v2, offline; needs the embeddings extra)",
    DETECTOR_FT: "repairs.lr.v1 blended with an encoder fine-tuned on 3RS strategies that "
                 "reads the therapist turn with the client turn before it (all-MiniLM-L6-v2, "
                 "offline; needs the embeddings extra)",
}
DETECTOR_ENV = "MENDLINE_REPAIR_DETECTOR"


def _chosen(detector: str | None) -> _Model | None:
    """The model behind a detector name; None runs the rules alone.

    With no name (the default): the fine-tuned encoder's blend when the extra is installed
    (out-of-fold metacommunication F1 on DEV, folds leaving writers out, 0.802 against 0.729
    for the plain model; ``repairs.embed.v1`` had added 0.008 to the plain model), else the
    plain model, else the rules; the environment variable ``MENDLINE_REPAIR_DETECTOR`` may
    name one.
    """
    detector = detector or os.environ.get(DETECTOR_ENV, "").strip() or None
    if detector is None:
        return _ft_model() or _embed_model() or _model()
    if detector not in DETECTORS:
        hint = (f" (chosen by the environment variable {DETECTOR_ENV})"
                if detector == os.environ.get(DETECTOR_ENV, "").strip() else "")
        raise UnknownDetector(f"unknown repair detector {detector!r}{hint}; known: "
                              f"{', '.join(DETECTORS)}")
    if detector == DETECTOR:
        return None
    model = (_embed_model() if detector == DETECTOR_EMBED else
             _ft_model() if detector == DETECTOR_FT else _model())
    if model is None:
        hint = (f"; it needs the embeddings extra: {embeddings.INSTALL_HINT}"
                if detector in (DETECTOR_EMBED, DETECTOR_FT) else "; reinstall Mendline")
        raise embeddings.EmbeddingsUnavailable(
            f"the repair detector {detector} cannot run here: its weights are missing or "
            f"were trained on another feature layout{hint}")
    return model


def detector_name(detector: str | None = None) -> str:
    """The name results record for ``detector`` (None: the default)."""
    model = _chosen(detector)
    return model.name if model is not None else DETECTOR


def _repair(u: Utterance, sid: str, conf: float, span: tuple[int, int], why: str,
            name: str) -> Repair:
    return Repair(utterance=u.index, id=sid, metacommunication=sid in METACOMMUNICATION,
                  confidence=round(max(0.0, min(1.0, conf)), 3),
                  evidence=u.text[span[0]:span[1]], span=span, why=why, detector=name)


def _whole(text: str) -> tuple[int, int]:
    a = len(text) - len(text.lstrip())
    return sentence_span(text, a, len(text.rstrip()), limit=len(text) + 1)


def featurize(transcript: Transcript, markers: Sequence[Marker]
              ) -> list[tuple[Utterance, RepairContext, dict[str, float]]]:
    """Each therapist turn with its context and model features (for training and running).

    The "repair just before" context comes from the rules alone, in training and at run
    time alike, so the model never depends on its own earlier outputs.
    """
    out = []
    rule_found: list[Repair] = []
    strict = _strict()
    for u in transcript.utterances:
        if u.role is not Role.THERAPIST or not u.text.strip():
            continue
        ctx = context_for(transcript, u.index, markers, rule_found)
        x = turn_features(u.text, ctx)
        for sid, hit in strategy_hits(u.text, ctx).items():
            # only a repair the gate allows opens a repair conversation: a summary that
            # reads like a pattern link in calm talk must not unlock the turns after it
            if hit.score >= RAW_THRESHOLD and allowed(sid, hit.score, RAW_THRESHOLD, ctx, x,
                                                      strict):
                rule_found.append(_repair(u, sid, hit.score, hit.span, hit.why, DETECTOR))
        out.append((u, ctx, x))
    return out


def _vetoed(sid: str, hit: StrategyHit | None, x: dict[str, float]) -> bool:
    """Boundary rules the model may not cross, whatever the words suggest.

    "I'm sorry that happened" is sympathy, not owning one's part: without a first-person
    ownership cue the model alone cannot call a turn an acknowledgement when a politeness
    or sympathy "sorry" explains the word.
    """
    if sid == "acknowledges_contribution" and hit is None:
        sympathy = "counter:acknowledges_contribution" in x or "flag:politeness_sorry" in x
        return sympathy and "flag:ownership" not in x
    return False


def model_allows(sid: str, hit: StrategyHit | None, p: float, threshold: float,
                 ctx: RepairContext, x: dict[str, float], strict: float,
                 calm: float | None = None) -> bool:
    """Whether a model's strategy ``sid`` at probability ``p`` is reported: the gates of
    ``allowed``, the boundary rules of ``_vetoed``, and no metacommunication in a turn that
    labels the client's reaction as resistance. Training tools read the gates through it
    too, so what they choose settings for is what the detector reports."""
    if sid in METACOMMUNICATION and reads_motive(x):
        return False
    return not _vetoed(sid, hit, x) and allowed(sid, p, threshold, ctx, x, strict, calm)


def _worth_encoding(x: dict[str, float]) -> bool:
    """Whether the plain model gives any strategy at least ``CASCADE_BAR`` for this turn.

    Encoding a turn is most of the embedding detector's cost, and the plain model already
    knows most turns are no repair. Measured on out-of-fold scores (folds leaving writers
    out): skipping turns under 0.1 left metacommunication F1 unchanged (0.699) while
    encoding 6% of plain therapist talk and 57% of the coded corpus turns.
    """
    plain = _model()
    return plain is None or any(m.prob(x) >= CASCADE_BAR for m in plain.strategies.values())


def turn_vectors(turns: Sequence[Utterance]) -> Any:
    """The sentence vectors of therapist turns as said aloud (annotations blanked), one
    batched call; training and running read the same text."""
    return embeddings.get_encoder().encode([spoken(u) for u in turns])


def detect_repairs(transcript: Transcript, markers: Sequence[Marker],
                   detector: str | None = None) -> list[Repair]:
    """Repair strategies in the therapist turns of ``transcript``, in utterance order.

    ``markers`` are the client markers of the same transcript (from ``detect_markers``); they
    tell whether a turn responds to a strain. Several strategies can share one turn.
    ``detector`` names one of ``DETECTORS``; by default the best one installed runs.
    """
    if transcript.language and not transcript.language.lower().startswith("en"):
        return []
    model = _chosen(detector)
    rows = featurize(transcript, markers)
    encoded = model is not None and (model.embedded or model.paired)
    vectors: Any = [None] * len(rows)
    ft = repairs_ft.settings() if model is not None and model.paired else None
    calm = ft.calm if ft is not None else None
    if encoded:
        assert model is not None
        todo = [k for k, (_, ctx, x) in enumerate(rows)
                if could_be_repair(ctx, x, calm is not None) and _worth_encoding(x)]
        turns = [rows[k][0] for k in todo]
        if model.paired:  # a row of calibrated probabilities per turn, in STRATEGIES order
            import numpy as np

            plain = np.array([[model.strategies[sid].prob(rows[k][2]) for sid in STRATEGIES]
                              for k in todo]).reshape(len(todo), len(STRATEGIES))
            encoded_rows = repairs_ft.probabilities(transcript, turns, plain)
        else:
            encoded_rows = turn_vectors(turns)
        for k, row in zip(todo, encoded_rows, strict=True):
            vectors[k] = row
    found: list[Repair] = []
    for (u, ctx, x), vector in zip(rows, vectors, strict=True):
        if encoded and vector is None:
            continue  # not encoded: the gate or the plain model rules every strategy out
        hits = strategy_hits(u.text, ctx)
        turn = []
        for sid in STRATEGIES:
            hit = hits.get(sid)
            if model is None:
                if hit is not None and allowed(sid, hit.score, RAW_THRESHOLD, ctx, x,
                                               _strict()):
                    turn.append(_repair(u, sid, hit.score, hit.span, hit.why, DETECTOR))
                continue
            m = model.strategies[sid]
            if ft is not None:
                j = _STRATEGY_INDEX[sid]
                p, threshold = float(vector[j]), float(ft.threshold[j])
            else:
                p, threshold = m.prob(x, vector), m.threshold
            if not model_allows(sid, hit, p, threshold, ctx, x, model.strict, calm):
                continue
            if hit is not None:
                span, why = hit.span, hit.why
            else:
                span = _whole(u.text)
                why = _model_why(m, x, None if model.paired else vector, model.paired)
            if sid in METACOMMUNICATION and calm is not None and not (
                    ctx.strained or ctx.prior_repair):
                why += _CALM_WHY
            turn.append(_repair(u, sid, p, span, why, model.name))
        found.extend(sorted(_check_in_not_invitation(turn), key=lambda r: -r.confidence))
    return found


_STRATEGY_INDEX = {sid: j for j, sid in enumerate(STRATEGIES)}


def _check_in_not_invitation(turn: list[Repair]) -> list[Repair]:
    """A turn's repairs without the invitation when the same turn is a check-in.

    "How has it been to say that to me?" asks how the repair conversation itself felt: 3RS
    and the corpus guide code it as one move, the check-in, not also as a fresh invitation
    to talk about the relationship (the two share "you / me / how does it feel" wording, so
    the per-strategy models both fire on it). The rules apply the same principle to raw
    scores in ``strategy_hits``; here it decides between the models' reported ids.
    """
    if any(r.id == "checks_in_after_repair" for r in turn):
        return [r for r in turn if r.id != "invites_discussion_of_relationship"]
    return turn
