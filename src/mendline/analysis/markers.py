"""Client rupture markers (3RS; Eubanks, Muran & Safran, 2015), found per client turn.

Layered so every flag can be explained:

1. **Phrase cues** from ``data/lexicons/markers_en.json`` (in-house, with counter-cues from
   the 3RS boundary rules), matched outside reported speech and outside negated frames
   ("it's not that you don't get it").
2. **Conversational context** from :mod:`mendline.analysis.acts`: what the therapist's turn
   before did (an open or feeling question invites more than "When was that?"), the client's
   own usual reply length, pauses, ``[laughs]`` and other annotations.
3. A small **logistic model per marker** over (1) and (2), trained offline by
   ``tools/train_markers.py`` and calibrated on held-out dialogues; its weights live in
   ``data/models/markers_v1.json`` and are applied here in plain Python.

Detectors are plain functions registered under versioned names; each ``Marker`` records the
name of the one that produced it, so old results stay explainable after rules change.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from mendline.analysis.acts import (
    DEFAULT_OPEN_REPLY_WORDS,
    STYLE,
    ClientFeatures,
    client_features,
    clipped_runs,
    open_reply_baselines,
    previous_therapist,
    reported_spans,
)
from mendline.analysis.marker_rules import (
    STRONG_CUE,
    Hit,
    invitation,
    painful_named,
    rule_hits,
    vetoes,
    whole_span,
)
from mendline.analysis.questions import sentence_spans
from mendline.analysis.result import Marker
from mendline.errors import MendlineError, UnknownDetector
from mendline.transcript import Role, Transcript, Utterance, count_words
from mendline.vocabulary import MARKERS, TRANSCRIPT_MARKERS

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "Detector",
    "DETECTORS",
    "DEFAULT_DETECTOR",
    "DETECTOR_ENV",
    "Hit",
    "rule_hits",
    "vetoes",
    "cue_bucket",
    "feature_vector",
    "featurize",
    "open_to",
    "FEATURE_NAMES",
    "MODEL_RESOURCE",
    "detect_markers",
    "soften",
    "ClientUnit",
    "client_units",
    "stretches",
    "one_direction",
    "cue_spans",
    "strongest",
    "unit_marker",
    "model_probabilities",
]

# Where tools/train_markers.py writes the learned weights, relative to the package.
MODEL_RESOURCE = "data/models/markers_v1.json"

# The client's usual open-question reply below which brevity is their ordinary style
# (in-house assumption, see tests/analysis/test_markers.py::test_one_word_session_flags_but_softly).
_TERSE_BASELINE_WORDS = 6.0
# ... and how much a minimal-response confidence is scaled down for such a client.
_TERSE_FACTOR = 0.6

# ---------------------------------------------------------------- features for the model

_SHARED = (
    "log_words", "invited", "feeling_q", "relationship_q", "open_q", "closed_q", "suggestion",
    "interpretation", "reflection", "explanation", "no_therapist_before", "hedge", "idk_closing",
    "thinking_aloud", "negation_rate", "you_addressed", "first_person", "affect", "overlap",
    "long_latency", "laughs", "pause", "sighs", "crying", "client_question", "factual_q",
    "probe_q", "neg_eval", "third_person_rate", "generic_rate", "first_person_rate", "starts_no",
    "long_low_overlap", "disagree", "negative_stance", "task_words", "frame_words",
    "progress_words", "topic_task", "topic_frame", "topic_progress", "neg_x_task",
    "neg_x_frame", "neg_x_progress", "disagree_x_offer", "echo_rejection", "painful_named",
) + tuple(f"style:{k}" for k in STYLE)
FEATURE_NAMES: tuple[str, ...] = (
    tuple(f"rule:{m}" for m in TRANSCRIPT_MARKERS)
    + tuple(f"counter:{m}" for m in TRANSCRIPT_MARKERS)
    + _SHARED
)


def feature_vector(f: ClientFeatures, hits: dict[str, Hit], has_prev: bool) -> list[float]:
    """The model's input for one client turn, in ``FEATURE_NAMES`` order."""
    a = f.act
    words = max(f.words, 0)
    shared = [
        math.log1p(words) / 4.0, invitation(f), float(a.feeling), float(a.relationship),
        float(a.open), float(a.closed), float(a.suggestion), float(a.interpretation),
        float(a.reflection), float(a.explanation), float(not has_prev), float(f.hedges > 0),
        float(f.idk_closing), float(f.thinking_aloud), min(1.0, f.negations / max(words, 1) * 4),
        float(f.you_addressed > 0), float(f.first_person > 0), float(f.affect_words > 0),
        f.overlap, float((f.latency_s or 0.0) >= 3.0), float(f.laughs),
        float(f.pause_s >= 3.0 or f.silence), float(f.sighs), float(f.crying),
        float("?" in f.spoken), float(a.factual), float(a.probe), min(1.0, f.neg_eval / 2),
        min(1.0, f.third_person / max(words, 1) * 5), min(1.0, f.generic / max(words, 1) * 5),
        min(1.0, f.first_person / max(words, 1) * 5), float(f.starts_no),
        float(words >= 25 and f.overlap < 0.2), float(f.disagree), float(f.negative_stance),
        float(f.task_words), float(f.frame_words), float(f.progress_words), float(a.topic_task),
        float(a.topic_frame), float(a.topic_progress),
        float(f.negative_stance and (f.task_words or a.topic_task)),
        float(f.negative_stance and (f.frame_words or a.topic_frame)),
        float(f.negative_stance and (f.progress_words or a.topic_progress)),
        float(f.disagree and a.offers_intervention), float(f.echo_span is not None),
        float(painful_named(f)), *f.style,
    ]
    return ([hits[m].score if m in hits else 0.0 for m in TRANSCRIPT_MARKERS]
            + [float(m in hits and hits[m].counter) for m in TRANSCRIPT_MARKERS]
            + shared)


@dataclass(frozen=True, slots=True)
class _IdModel:
    weights: tuple[float, ...]
    bias: float
    platt_a: float
    platt_b: float
    threshold: float
    strong_rule_precision: float  # share of strong, uncountered cue hits that were right
    medium_rule_precision: float  # the same for medium cue hits (weight 0.5 to 0.8)


@lru_cache(maxsize=1)
def _model() -> dict[str, _IdModel] | None:
    path = resources.files("mendline").joinpath(MODEL_RESOURCE)
    if not path.is_file():
        return None
    raw = json.loads(path.read_text("utf-8"))
    if tuple(raw["features"]) != FEATURE_NAMES:
        return None  # trained on another feature layout: fall back to the rules
    return {mid: _IdModel(tuple(m["weights"]), m["bias"], m["platt_a"], m["platt_b"],
                          m["threshold"], m["strong_rule_precision"],
                          m["medium_rule_precision"])
            for mid, m in raw["markers"].items()}


# ---------------------------------------------------------------- detectors


@dataclass(frozen=True, slots=True)
class Detector:
    """A registered marker detector: a pure function of a transcript, with its contract."""

    name: str
    produces: tuple[str, ...]
    description: str
    run: Callable[[Transcript], list[Marker]]


# A client turn longer than this is also read in stretches. Real sessions have client turns
# of 100-200 words; the models learnt from turns mostly under 40 (99% under 80), and the
# encoder reads 128 word pieces (about 90 words). Read whole, a complaint late in a long turn
# was lost (benchmarks/detection.py, section d). Below this length the whole turn reads
# better: on the dev split's natural 40-117-word turns, stretching from 40 words cost 0.08
# family F1 and from 80 words nothing.
LONG_TURN_WORDS = 80
STRETCH_WORDS = 20
# A stretch is read as if it were said on its own, so one that began with "No." or "Fine."
# would read as a terse reply to the therapist; a sentence this short heads no stretch.
_MIN_HEAD_WORDS = 4
_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class ClientUnit:
    """What a detector reads: a whole client turn, or one stretch of a long one.

    ``utterance`` is what is read (the turn, or a stretch with the turn's index, speaker and
    times); ``turn`` is where markers are reported, ``offset`` where the stretch starts in
    ``turn.text``; ``ids`` are the markers this unit may show: a long turn's shape markers
    (brevity, drift, distance, tone against content) come from the whole turn, every other
    marker from its stretches, so a complaint is quoted where it was said.
    """

    turn: Utterance
    utterance: Utterance
    offset: int
    features: ClientFeatures
    has_prev: bool
    ids: frozenset[str]

    @property
    def is_stretch(self) -> bool:
        return self.utterance is not self.turn


_SHAPE_IDS = frozenset(m for m in TRANSCRIPT_MARKERS if MARKERS[m].turn_shape)
_LOCAL_IDS = frozenset(TRANSCRIPT_MARKERS) - _SHAPE_IDS
_ALL_IDS = frozenset(TRANSCRIPT_MARKERS)


def _pieces(text: str) -> list[tuple[int, int]]:
    """Sentences of ``text``; a run-on sentence (unpunctuated speech) cut every
    STRETCH_WORDS words."""
    out = []
    for a, b in sentence_spans(text):
        tokens = [m.span() for m in _TOKEN.finditer(text, a, b)]
        if len(tokens) <= 2 * STRETCH_WORDS:
            if tokens:
                out.append((tokens[0][0], tokens[-1][1]))
            continue
        for k in range(0, len(tokens), STRETCH_WORDS):
            chunk = tokens[k:k + STRETCH_WORDS]
            out.append((chunk[0][0], chunk[-1][1]))
    return out


def stretches(text: str) -> list[tuple[int, int]]:
    """One stretch from each sentence on: the sentence, and the ones after it while the
    stretch is under STRETCH_WORDS words. Each sentence is read at the head of its own
    stretch, never at the tail of an unrelated story, which is where a late complaint was
    diluted. A stretch never starts or ends inside quoted or reported speech, so "and I
    said, 'Are you kidding me?'" is still read as said to someone else."""
    pieces = _pieces(text)
    counts = [count_words(text[a:b]) for a, b in pieces]
    # (a reported-speech span that runs on for lines is unpunctuated talk, not a quotation)
    quoted = [(a, b) for a, b in reported_spans(text)
              if count_words(text[a:b]) <= 3 * STRETCH_WORDS]
    out: list[tuple[int, int]] = []
    for start in range(len(pieces)):
        head = pieces[start][0]
        if start and (counts[start] < _MIN_HEAD_WORDS or any(a < head < b for a, b in quoted)):
            continue  # "No." inside a turn is not a reply to the therapist: never a head
        end, n = start, 0
        while end < len(pieces) and (
            n < STRETCH_WORDS or end == start
            or any(a < pieces[end - 1][1] < b for a, b in quoted)
        ):
            n += counts[end]
            end += 1
        out.append((head, pieces[end - 1][1]))
    return out


def _stretch(u: Utterance, a: int, b: int) -> Utterance:
    anns = tuple(replace(x, span=(x.span[0] - a, x.span[1] - a)) for x in u.annotations
                 if x.span[0] >= a and x.span[1] <= b)
    return Utterance(u.index, u.speaker, u.role, u.text[a:b], u.start_s, u.end_s, anns, u.line)


def client_units(t: Transcript, *, stretched: bool = True) -> list[ClientUnit]:
    """Every non-empty client turn, with its stretches when it is long (``stretched``)."""
    baselines = open_reply_baselines(t)
    clipped = clipped_runs(t)
    out = []
    for i, u in enumerate(t.utterances):
        if u.role is not Role.CLIENT or not u.text.strip():
            continue
        prev = previous_therapist(t, i)
        before = t.utterances[i - 1] if i > 0 else None
        other = (before is not None and before.role is Role.CLIENT
                 and before.speaker != u.speaker)
        f = client_features(u, prev, baselines[i], other, clipped[i])
        parts = stretches(u.text) if stretched and f.words > LONG_TURN_WORDS else []
        if len(parts) < 2:
            out.append(ClientUnit(u, u, 0, f, prev is not None, _ALL_IDS))
            continue
        out.append(ClientUnit(u, u, 0, f, prev is not None, _SHAPE_IDS))
        for a, b in parts:
            part = _stretch(u, a, b)
            out.append(ClientUnit(u, part, a, client_features(part, prev, baselines[i], other,
                                                                  clipped[i]),
                                  prev is not None, _LOCAL_IDS))
    return out


def _client_turns(t: Transcript) -> list[tuple[Utterance, ClientFeatures, bool]]:
    """Whole client turns only: what the models are trained on."""
    return [(c.turn, c.features, c.has_prev) for c in client_units(t, stretched=False)]


def strongest(markers: list[Marker]) -> list[Marker]:
    """One marker per turn and id (a long turn's stretches overlap): the most confident."""
    best: dict[tuple[int, str], int] = {}
    out: list[Marker] = []
    for m in markers:
        key = (m.utterance, m.id)
        if key not in best:
            best[key] = len(out)
            out.append(m)
        elif m.confidence > out[best[key]].confidence:
            out[best[key]] = m
    return out


# How much less confident than the likeliest id of its family another id may be and still be
# reported for the same stretch of speech (one_direction; chosen on the train split).
READING_MARGIN = 0.2


def one_direction(found: dict[str, float],
                  spans: Mapping[str, tuple[int, int] | None] | None = None) -> dict[str, float]:
    """Of ``found`` (id -> confidence, for one stretch of speech), the ids of the one family
    with the most confident marker.

    3RS reads a rupture marker by the client's movement: away from the therapist or the work
    (withdrawal) or against them (confrontation); one stretch of speech moves one way. When
    both families are flagged, the weaker is usually the other family's reading of the same
    words: "No, it didn't bother me at all" after a named feeling is a denial, not also a
    rejected intervention; "I'll just mess it up. Let's not." is hopelessness, not also
    pressure. Measured on the corpus files coded for both families: family macro-F1 0.690 ->
    0.702 on the dev split, 0.815 -> 0.821 on train, both families gaining.

    Within the family kept, an id more than ``READING_MARGIN`` less confident than the
    likeliest is dropped unless it rests on words of its own (``spans``: the evidence of
    each id's phrase cue, apart from the likeliest id's): "I just don't see the point of
    these sheets" is read as the complaint it most resembles, with a second reading only
    when it is nearly as likely, while "You're not listening. These worksheets are
    pointless." says two things. Coders give one stretch of words one id, rarely two;
    reporting every id over its own threshold mostly added wrong ones (dev split,
    ``markers.embed.v1``: id macro-F1 0.691 -> 0.705, train 0.734 -> 0.738; family
    figures unchanged, as no family is dropped).
    """
    if not found:
        return found
    top = max(found, key=found.__getitem__)
    family, best = top.split(".")[0], found[top]
    spans = spans or {}
    own = spans.get(top)

    def apart(mid: str) -> bool:
        span = spans.get(mid)
        return own is not None and span is not None and (span[1] <= own[0] or own[1] <= span[0])

    return {mid: p for mid, p in found.items()
            if mid.split(".")[0] == family and (p >= best - READING_MARGIN or apart(mid))}


def _terse_client(f: ClientFeatures, mid: str) -> bool:
    return mid == "withdrawal.minimal_response" and f.baseline_words < _TERSE_BASELINE_WORDS


def soften(confidence: float, f: ClientFeatures, mid: str) -> float:
    """The confidence to report once the decision to flag is made.

    For a client whose own baseline is a word or two, a minimal response is still flagged
    (a whole session of "Fine." to open questions is worth a look) but with less
    confidence, since brevity may be their way of speaking; the reason says so.
    """
    return confidence * _TERSE_FACTOR if _terse_client(f, mid) else confidence


def _make(u: Utterance, mid: str, conf: float, span: tuple[int, int], why: str,
          f: ClientFeatures, detector: str) -> Marker:
    if mid == "withdrawal.minimal_response" and f.baseline_words != DEFAULT_OPEN_REPLY_WORDS:
        why += (f"; earlier in this session this client answered open questions in about "
                f"{f.baseline_words:.0f} words")
        if _terse_client(f, mid):
            why += ", so brevity may simply be their way of speaking"
    m = MARKERS[mid]
    return Marker(utterance=u.index, id=mid, family=m.family.value, type=m.type,
                  confidence=round(max(0.0, min(1.0, conf)), 3),
                  evidence=u.text[span[0]:span[1]], span=span, why=why, detector=detector)


_RULES_NAME = "markers.rules.v1"
_MODEL_NAME = "markers.lr.v1"
_CONTEXT_NAME = "markers.lr_context.v1"
_RULE_THRESHOLD = 0.5
_STRONG = STRONG_CUE
_MEDIUM = 0.5


def open_to(mid: str, ids: frozenset[str], vetoed: set[str], hit: Hit | None) -> bool:
    """Whether marker ``mid`` may be reported on a client unit: the unit may show it (see
    :class:`ClientUnit`) and no 3RS boundary rule in ``vetoed`` rules it out, unless a phrase
    cue of its own (``hit``), with no counter-cue, speaks for it."""
    return mid in ids and (mid not in vetoed or (hit is not None and not hit.counter))


def featurize(t: Transcript) -> list[tuple[Utterance, dict[str, Hit], list[float]]]:
    """Each non-empty client turn with its rule hits and model features (for training)."""
    out = []
    for u, f, has_prev in _client_turns(t):
        hits = rule_hits(u, f)
        out.append((u, hits, feature_vector(f, hits, has_prev)))
    return out


def unit_marker(c: ClientUnit, mid: str, conf: float, span: tuple[int, int], why: str,
                detector: str) -> Marker:
    """A marker found in unit ``c``, reported on its turn (span moved into the turn's text)."""
    return _make(c.turn, mid, conf, (span[0] + c.offset, span[1] + c.offset), why,
                 c.features, detector)


def _run_rules(t: Transcript) -> list[Marker]:
    out = []
    for c in client_units(t):
        hits = rule_hits(c.utterance, c.features)
        found = {}
        for mid, hit in hits.items():
            conf = hit.score * (0.5 if hit.counter else 1.0)
            if mid in c.ids and conf >= _RULE_THRESHOLD:
                found[mid] = soften(conf, c.features, mid)
        for mid, conf in one_direction(found, cue_spans(hits)).items():
            hit = hits[mid]
            out.append(unit_marker(c, mid, conf, hit.span, hit.why, _RULES_NAME))
    return strongest(out)


# Clinician wording for the context features a model-only flag can rest on.
_FEATURE_WORDS = {
    "feeling_q": "it follows a question about feelings",
    "relationship_q": "it follows a question about the two of you",
    "open_q": "it follows an open question",
    "invited": "the therapist had invited more",
    "suggestion": "it answers a suggestion",
    "interpretation": "it answers an interpretation",
    "reflection": "it answers a reflection",
    "you_addressed": "it speaks to the therapist directly",
    "negative_stance": "it objects or disagrees",
    "disagree": "it disagrees",
    "neg_eval": "it judges something negatively",
    "long_low_overlap": "a long reply that stays away from the question",
    "laughs": "laughter", "pause": "a long pause", "long_latency": "a slow reply",
    "neg_x_task": "it objects to a task", "neg_x_frame": "it objects to the arrangements",
    "neg_x_progress": "it doubts progress", "disagree_x_offer": "it turns down what was offered",
    "generic_rate": "it talks in generalities", "third_person_rate": "it talks about others",
    "hedge": "hedged wording", "idk_closing": "\"I don't know\"",
    "painful_named": "the therapist had just named something that usually hurts",
}


def cue_spans(hits: Mapping[str, Hit]) -> dict[str, tuple[int, int]]:
    """The evidence span of each id's uncountered cue hit (what ``one_direction`` reads)."""
    return {mid: h.span for mid, h in hits.items() if not h.counter}


def cue_bucket(hit: Hit | None) -> str | None:
    """'strong' or 'medium' for an uncountered cue hit, else None."""
    if hit is None or hit.counter:
        return None
    return "strong" if hit.score >= _STRONG else "medium" if hit.score >= _MEDIUM else None


def cue_precision(m: _IdModel, hit: Hit | None) -> float:
    """How often a cue hit of this strength was right in training: a floor on confidence."""
    bucket = cue_bucket(hit)
    return (m.strong_rule_precision if bucket == "strong" else
            m.medium_rule_precision if bucket == "medium" else 0.0)


def _model_why(m: _IdModel, x: list[float]) -> str:
    parts = sorted(((w * v, n) for w, v, n in zip(m.weights, x, FEATURE_NAMES, strict=True)
                    if n in _FEATURE_WORDS and w * v > 0), reverse=True)[:2]
    if not parts:
        return "no single phrase, but the turn as a whole fits this pattern"
    return "no single phrase, but " + " and ".join(_FEATURE_WORDS[n] for _, n in parts)


def _run_model(t: Transcript, *, model_only: bool = False,
               name: str = "markers.lr.v1") -> list[Marker]:
    model = _model()
    if model is None:
        return _run_rules(t)
    probs = model_probabilities()
    out = []
    for c in client_units(t):
        u, f = c.utterance, c.features
        hits = rule_hits(u, f)
        x = feature_vector(f, hits, c.has_prev)
        vetoed = vetoes(u, f)
        found: dict[str, float] = {}
        ps = probs(x)
        for j, mid in enumerate(TRANSCRIPT_MARKERS):
            hit = hits.get(mid)
            if not open_to(mid, c.ids, vetoed, hit):
                continue
            p = max(float(ps[j]), cue_precision(model[mid], hit))
            if p >= model[mid].threshold and (hit is not None or model_only):
                found[mid] = soften(p, f, mid)
        for mid, p in one_direction(found, cue_spans(hits)).items():
            hit = hits.get(mid)
            if hit is None:
                span, why = whole_span(u), _model_why(model[mid], x)
            else:
                span, why = hit.span, hit.why
            out.append(unit_marker(c, mid, p, span, why, name))
    return strongest(out)


@lru_cache(maxsize=1)
def model_probabilities() -> Callable[[list[float]], np.ndarray]:
    """Every id's calibrated probability for one feature vector, in one matrix product:
    the model's logistic scores through Platt's sigmoid (``lexicon.platt``), all ids at once.
    Built once per process, like the model it reads."""
    import numpy as np

    model = _model()
    if model is None:  # markers.ft.v1 blends with these weights and cannot run without them
        raise MendlineError(
            f"the weights of {_MODEL_NAME} ({MODEL_RESOURCE}) are missing or were trained on "
            "another feature layout; reinstall Mendline")
    ms = [model[mid] for mid in TRANSCRIPT_MARKERS]
    w = np.array([m.weights for m in ms], dtype=np.float64).T
    b = np.array([m.bias for m in ms])
    a = np.array([m.platt_a for m in ms])
    pb = np.array([m.platt_b for m in ms])

    def probs(x: list[float]) -> np.ndarray:
        z = np.asarray(x, dtype=np.float64) @ w + b
        return 1.0 / (1.0 + np.exp(-np.clip(a * z + pb, -30.0, 30.0)))

    return probs


DETECTORS: dict[str, Detector] = {
    d.name: d
    for d in (
        Detector(_RULES_NAME, TRANSCRIPT_MARKERS,
                 "phrase cues and conversational context only; confidence is the rule strength",
                 _run_rules),
        # Every marker rests on a phrase cue; the model weighs cue and context and calibrates.
        Detector(_MODEL_NAME, TRANSCRIPT_MARKERS,
                 "phrase cues and context combined by a calibrated logistic model per marker; "
                 "reports only markers whose phrase cue fired",
                 _run_model),
        # The model may also flag from context alone. More recall on the synthetic corpus,
        # but on real client language (MIBot) most context-only flags looked wrong ("thank u"
        # read as deference), so it is not the default.
        Detector(_CONTEXT_NAME, TRANSCRIPT_MARKERS,
                 "as markers.lr.v1, but the model may also flag a turn from context alone",
                 lambda t: _run_model(t, model_only=True, name=_CONTEXT_NAME)),
    )
}


def _register_extras() -> None:
    """Detectors that need an optional extra add themselves when it is installed.

    ``markers_embed`` and ``markers_ft`` (the ``embeddings`` extra) expose
    ``register(registry)``; each checks that the packages and files can be found and loads
    nothing until the detector first runs.
    """
    from mendline.analysis import markers_embed, markers_ft

    markers_embed.register(DETECTORS)
    markers_ft.register(DETECTORS)


_register_extras()
# Chosen from the figures in the issue-3 note: with the extra installed, markers.ft.v1 scored
# higher than markers.embed.v1 on dev (corpus and running conversation, out-of-fold by
# writer) and flagged fewer real chat turns (MIBot); markers.embed.v1 had beaten
# markers.lr.v1 the same way. Without the extra, markers.lr.v1.
DETECTOR_ENV = "MENDLINE_MARKER_DETECTOR"
_PREFERRED = ("markers.ft.v1", "markers.embed.v1", _MODEL_NAME)
DEFAULT_DETECTOR = (os.environ.get(DETECTOR_ENV, "").strip()
                    or next(name for name in _PREFERRED if name in DETECTORS))


def detect_markers(transcript: Transcript, detector: str = DEFAULT_DETECTOR) -> list[Marker]:
    """Client rupture markers in ``transcript``, in utterance order.

    English only: a transcript whose ``language`` is set to something other than English
    gets no markers (the caller adds a note saying why).
    """
    if transcript.language and not transcript.language.lower().startswith("en"):
        return []
    try:
        run = DETECTORS[detector].run
    except KeyError:
        hint = (f" (chosen by the environment variable {DETECTOR_ENV})"
                if detector == os.environ.get(DETECTOR_ENV, "").strip() else "")
        if detector in ("markers.embed.v1", "markers.ft.v1"):
            hint += "; it needs the embeddings extra: pip install 'mendline[embeddings]'"
        raise UnknownDetector(f"unknown detector {detector!r}{hint}; known: "
                              f"{', '.join(DETECTORS)}") from None
    return sorted(run(transcript), key=lambda m: (m.utterance, -m.confidence))
