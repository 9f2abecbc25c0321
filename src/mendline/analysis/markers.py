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
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from mendline.analysis.acts import (
    DEFAULT_OPEN_REPLY_WORDS,
    STYLE,
    ClientFeatures,
    client_features,
    open_reply_baselines,
    previous_therapist,
)
from mendline.analysis.lexicon import platt
from mendline.analysis.marker_rules import Hit, invitation, rule_hits, vetoes, whole_span
from mendline.analysis.result import Marker
from mendline.transcript import Role, Transcript, Utterance
from mendline.vocabulary import MARKERS, TRANSCRIPT_MARKERS

__all__ = [
    "Detector",
    "DETECTORS",
    "DEFAULT_DETECTOR",
    "Hit",
    "rule_hits",
    "vetoes",
    "cue_bucket",
    "feature_vector",
    "featurize",
    "FEATURE_NAMES",
    "MODEL_RESOURCE",
    "detect_markers",
    "soften",
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
    "neg_x_frame", "neg_x_progress", "disagree_x_offer", "echo_rejection",
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
        *f.style,
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


    def prob(self, x: list[float]) -> float:
        z = self.bias + sum(w * v for w, v in zip(self.weights, x, strict=True))
        return platt(z, self.platt_a, self.platt_b)


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


def _client_turns(t: Transcript) -> list[tuple[Utterance, ClientFeatures, bool]]:
    baselines = open_reply_baselines(t)
    out = []
    for i, u in enumerate(t.utterances):
        if u.role is not Role.CLIENT or not u.text.strip():
            continue
        prev = previous_therapist(t, i)
        before = t.utterances[i - 1] if i > 0 else None
        other = (before is not None and before.role is Role.CLIENT
                 and before.speaker != u.speaker)
        out.append((u, client_features(u, prev, baselines[i], other), prev is not None))
    return out


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
_STRONG = 0.8
_MEDIUM = 0.5


def featurize(t: Transcript) -> list[tuple[Utterance, dict[str, Hit], list[float]]]:
    """Each non-empty client turn with its rule hits and model features (for training)."""
    out = []
    for u, f, has_prev in _client_turns(t):
        hits = rule_hits(u, f)
        out.append((u, hits, feature_vector(f, hits, has_prev)))
    return out


def _run_rules(t: Transcript) -> list[Marker]:
    out = []
    for u, f, _ in _client_turns(t):
        for mid, hit in rule_hits(u, f).items():
            conf = hit.score * (0.5 if hit.counter else 1.0)
            if conf >= _RULE_THRESHOLD:
                out.append(_make(u, mid, soften(conf, f, mid), hit.span, hit.why, f,
                                 _RULES_NAME))
    return out


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
}


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
    out = []
    for u, f, has_prev in _client_turns(t):
        hits = rule_hits(u, f)
        x = feature_vector(f, hits, has_prev)
        vetoed = vetoes(u, f)
        found: list[tuple[str, float, Hit | None]] = []
        for mid in TRANSCRIPT_MARKERS:
            hit = hits.get(mid)
            if mid in vetoed and (hit is None or hit.counter):
                continue
            p = model[mid].prob(x)
            p = max(p, cue_precision(model[mid], hit))
            if p >= model[mid].threshold:
                found.append((mid, soften(p, f, mid), hit))
        for mid, p, hit in found:
            if hit is None and not model_only:
                continue
            if hit is None:
                span, why = whole_span(u), _model_why(model[mid], x)
            else:
                span, why = hit.span, hit.why
            out.append(_make(u, mid, p, span, why, f, name))
    return out


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

    ``markers_embed`` (the ``embeddings`` extra) exposes ``register(registry)``; it checks
    that the packages can be found and loads nothing until the detector first runs.
    """
    from mendline.analysis import markers_embed

    markers_embed.register(DETECTORS)


_register_extras()
# Chosen from the figures in the issue-3 note: with the extra installed, markers.embed.v1
# scored higher on dev (family macro-F1 and ids >= 0.6) and flagged no more benign real
# chat turns (MIBot) than markers.lr.v1; without it, markers.lr.v1.
_ENV_DETECTOR = "MENDLINE_MARKER_DETECTOR"
DEFAULT_DETECTOR = (os.environ.get(_ENV_DETECTOR, "").strip()
                    or ("markers.embed.v1" if "markers.embed.v1" in DETECTORS else _MODEL_NAME))


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
        hint = (f" (chosen by the environment variable {_ENV_DETECTOR})"
                if detector == os.environ.get(_ENV_DETECTOR, "").strip() else "")
        if detector == "markers.embed.v1":
            hint += "; it needs the embeddings extra: pip install 'mendline[embeddings]'"
        raise KeyError(f"unknown detector {detector!r}{hint}; known: "
                       f"{', '.join(DETECTORS)}") from None
    return sorted(run(transcript), key=lambda m: (m.utterance, -m.confidence))
