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
import re
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
from mendline.analysis.result import Marker
from mendline.transcript import Role, Transcript, Utterance
from mendline.vocabulary import MARKERS, TRANSCRIPT_MARKERS

__all__ = [
    "Detector",
    "DETECTORS",
    "DEFAULT_DETECTOR",
    "Hit",
    "rule_hits",
    "feature_vector",
    "featurize",
    "FEATURE_NAMES",
    "MODEL_RESOURCE",
    "detect_markers",
]

# Where tools/train_markers.py writes the learned weights, relative to the package.
MODEL_RESOURCE = "data/models/markers_v1.json"

_I = re.IGNORECASE
_NEGATED_FRAME = re.compile(
    r"(?:not that|not saying|i'?m not saying|isn'?t that|i don'?t think|doesn'?t mean|"
    r"wouldn'?t say|never said|not because|it'?s not like|not as if|i'm not trying to say)"
    r"\W+(?:\w+\W+){0,3}$",
    _I,
)
# A therapist turn this many words or more with no question counts as explaining: a short
# reply to it is a backchannel, not a withdrawal (3RS boundary rules).
_MINIMAL_MAX_WORDS = 4
_MINIMAL_MAX_WORDS_WITH_CUE = 7
# The client's usual open-question reply below which brevity is their ordinary style
# (in-house assumption, see tests/analysis/test_markers.py::test_one_word_session).
_TERSE_BASELINE_WORDS = 6.0


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule firing: strength in [0, 1], the evidence span, and a reason."""

    score: float
    span: tuple[int, int]
    why: str
    counter: bool = False  # a counter-cue was present as well


# ---------------------------------------------------------------- lexicon


@dataclass(frozen=True, slots=True)
class _Cue:
    pattern: re.Pattern[str]
    weight: float
    why: str


@dataclass(frozen=True, slots=True)
class _Lexicon:
    cues: dict[str, tuple[_Cue, ...]]
    counter: dict[str, tuple[re.Pattern[str], ...]]
    extra: dict[str, re.Pattern[str]]
    version: str


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    raw = json.loads(
        resources.files("mendline").joinpath("data/lexicons/markers_en.json").read_text("utf-8"))
    cues: dict[str, tuple[_Cue, ...]] = {}
    counter: dict[str, tuple[re.Pattern[str], ...]] = {}
    extra: dict[str, re.Pattern[str]] = {}
    for mid, entry in raw["markers"].items():
        cues[mid] = tuple(_Cue(re.compile(c["re"], _I), float(c["w"]), c["why"])
                          for c in entry["cues"])
        counter[mid] = tuple(re.compile(c["re"], _I) for c in entry["counter"])
        for key in ("painful", "flat", "funny", "therapy"):
            if key in entry:
                extra[f"{mid}:{key}"] = re.compile(entry[key], _I)
    return _Lexicon(cues, counter, extra, raw["_version"])


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


def _best_cue(mid: str, f: ClientFeatures) -> Hit | None:
    """The strongest cue of ``mid`` outside reported speech and negated frames."""
    best: Hit | None = None
    for cue in _lexicon().cues[mid]:
        for m in cue.pattern.finditer(f.spoken):
            if m.end() == m.start() or _inside(m.start(), f.reported):
                continue
            if _NEGATED_FRAME.search(f.spoken[max(0, m.start() - 40):m.start()]):
                continue
            if best is None or cue.weight > best.score:
                best = Hit(cue.weight, _trim(f.spoken, m.start(), m.end()), cue.why)
            break
    return best


def _countered(mid: str, f: ClientFeatures) -> bool:
    return any(p.search(f.spoken) for p in _lexicon().counter[mid])


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and not text[a].isalnum() and text[a] not in "[(\"'“":
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return (a, b)


def _whole(u: Utterance) -> tuple[int, int]:
    a = len(u.text) - len(u.text.lstrip())
    return (a, len(u.text.rstrip()))


# ---------------------------------------------------------------- rules per marker


def _invitation(f: ClientFeatures) -> float:
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
    if a.factual:
        return 0.0  # "When was that?" "Tuesday." is a full answer
    if a.closed:
        return 0.3  # "Did that upset you?" invites a little
    if a.interpretation and not a.explanation:
        return 0.35  # an offered reading, even without a question mark, awaits a reply
    return 0.0  # explaining, reflecting without a question, or nothing before: backchannel


def _minimal(u: Utterance, f: ClientFeatures) -> Hit | None:
    if f.thinking_aloud:
        return None
    cue = _best_cue("withdrawal.minimal_response", f)
    limit = _MINIMAL_MAX_WORDS_WITH_CUE if (cue or f.idk_closing) else _MINIMAL_MAX_WORDS
    if f.words > limit:
        return None
    invited = _invitation(f)
    if invited <= 0.0:
        return None
    paused = f.pause_s >= 3.0 or (f.latency_s or 0.0) >= 3.0 or f.silence
    score = invited * (0.6 + (0.2 if cue or f.idk_closing else 0.0) + (0.2 if paused else 0.0))
    what = ("a feeling question" if f.act.feeling else "a question about the two of you"
            if f.act.relationship else "an open question" if f.act.open else "a question")
    why = f"very short reply ({f.words} word{'s' if f.words != 1 else ''}) to {what}"
    if paused:
        why += ", after a long pause"
    return Hit(min(score, 1.0), _whole(u), why)


_TONE = re.compile(r"\[[^\]]{0,30}\b(?:cheerful\w*|upbeat|bright\w*|smil\w*|grin\w*|"
                   r"breez\w*|casual\w*|light\w*|flat|chirp\w*|jok\w*|sing-?song|"
                   r"laugh\w*|chuckl\w*|giggl\w*)\b[^\]]{0,30}\]", _I)


def _affect_split(u: Utterance, f: ClientFeatures) -> Hit | None:
    lex = _lexicon().extra
    laugh = next((a for a in f.annotations if a.kind == "laughs"), None)
    tone = _TONE.search(u.text)
    laugh_span = laugh.span if laugh else tone.span() if tone else None
    textual = _best_cue("withdrawal.content_affect_split", f)
    if laugh_span is None and textual is None:
        return None
    painful = lex["withdrawal.content_affect_split:painful"].search(f.spoken)
    painful_before = lex["withdrawal.content_affect_split:painful"].search(f.prev_text)
    flat = lex["withdrawal.content_affect_split:flat"].search(f.spoken)
    funny = lex["withdrawal.content_affect_split:funny"].search(f.spoken)
    if not (painful or flat or painful_before):
        return None
    score = 0.8 if painful else 0.65 if painful_before else 0.5
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
           if painful_before else "laughs while brushing it off")
    return Hit(score, _trim(u.text, start, max(ends)), why,
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
        hit = Hit(0.45, _whole(u), "long reply that moves away from the question asked")
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


def _objects_to(mid: str, about_client: bool, about_therapist: bool, what: str
                ) -> Callable[[Utterance, ClientFeatures], Hit | None]:
    """A cue rule, backed up by "negative stance about the topic just raised"."""
    def rule(u: Utterance, f: ClientFeatures) -> Hit | None:
        hit = _best_cue(mid, f)
        counter = _countered(mid, f)
        if hit is None and f.negative_stance and (about_client(f) or about_therapist(f)):
            score = 0.55 if about_client(f) else 0.45
            hit = Hit(score, _whole(u), f"pushes back on {what}")
        if hit is None:
            return None
        return Hit(hit.score, hit.span, hit.why, counter=counter)
    return rule  # type: ignore[return-value]


def _rejects(u: Utterance, f: ClientFeatures) -> Hit | None:
    hit = _best_cue("confrontation.rejects_intervention", f)
    if hit is None and f.disagree and f.act.offers_intervention:
        hit = Hit(0.55, _whole(u), "disagrees with what the therapist offered")
    if hit is None:
        return None
    offered = f.act.offers_intervention or f.act.question
    score = hit.score * (1.0 if offered else 0.6)
    if hit.why == "answers with a flat no" and not (f.act.interpretation or f.act.reflection
                                                     or f.act.suggestion):
        score *= 0.5  # "No." to a yes/no question is an answer, not a rejection
    return Hit(score, hit.span, hit.why + (" after the therapist offered a reading or idea"
                                          if f.act.offers_intervention else ""),
               counter=_countered("confrontation.rejects_intervention", f))


def _defends(u: Utterance, f: ClientFeatures) -> Hit | None:
    hit = _best_cue("confrontation.defends_self", f)
    if hit is None:
        return None
    asked = f.act.open and not (f.act.interpretation or f.act.suggestion)
    return Hit(hit.score * (0.7 if asked and hit.score < 0.6 else 1.0), hit.span, hit.why)


_RULES: dict[str, Callable[[Utterance, ClientFeatures], Hit | None]] = {
    "withdrawal.denial": _with_counter("withdrawal.denial"),
    "withdrawal.minimal_response": _minimal,
    "withdrawal.abstract_communication": _with_counter("withdrawal.abstract_communication"),
    "withdrawal.avoidant_storytelling": _storytelling,
    "withdrawal.deferential_appeasing": _with_counter("withdrawal.deferential_appeasing"),
    "withdrawal.content_affect_split": _affect_split,
    "withdrawal.self_criticism_hopelessness": _hopeless,
    "confrontation.complaint_about_therapist": _with_counter(
        "confrontation.complaint_about_therapist"),
    "confrontation.rejects_intervention": _rejects,
    "confrontation.complaint_about_activities": _objects_to(
        "confrontation.complaint_about_activities", lambda f: f.task_words,
        lambda f: f.act.topic_task and f.act.suggestion, "a task of therapy"),
    "confrontation.complaint_about_parameters": _objects_to(
        "confrontation.complaint_about_parameters", lambda f: False,
        lambda f: f.act.topic_frame and not f.act.invites_elaboration, "the arrangements"),
    "confrontation.complaint_about_progress": _objects_to(
        "confrontation.complaint_about_progress", lambda f: False,
        lambda f: f.act.topic_progress and f.progress_words, "how therapy is going"),
    "confrontation.defends_self": _defends,
    "confrontation.control_pressure": _with_counter("confrontation.control_pressure"),
}
assert set(_RULES) == set(TRANSCRIPT_MARKERS)


def rule_hits(u: Utterance, f: ClientFeatures) -> dict[str, Hit]:
    """Every marker rule that fires on client turn ``u``."""
    out: dict[str, Hit] = {}
    for mid, rule in _RULES.items():
        hit = rule(u, f)
        if hit is not None:
            out[mid] = hit
    return out


# ---------------------------------------------------------------- features for the model

_SHARED = (
    "log_words", "invited", "feeling_q", "relationship_q", "open_q", "closed_q", "suggestion",
    "interpretation", "reflection", "explanation", "no_therapist_before", "hedge", "idk_closing",
    "thinking_aloud", "negation_rate", "you_addressed", "first_person", "affect", "overlap",
    "long_latency", "laughs", "pause", "sighs", "crying", "client_question", "factual_q",
    "probe_q", "neg_eval", "third_person_rate", "generic_rate", "first_person_rate", "starts_no",
    "long_low_overlap", "disagree", "negative_stance", "task_words", "frame_words",
    "progress_words", "topic_task", "topic_frame", "topic_progress", "neg_x_task",
    "neg_x_frame", "neg_x_progress", "disagree_x_offer",
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
        math.log1p(words) / 4.0, _invitation(f), float(a.feeling), float(a.relationship),
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
        float(f.disagree and a.offers_intervention), *f.style,
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

    def prob(self, x: list[float]) -> float:
        z = self.bias + sum(w * v for w, v in zip(self.weights, x, strict=True))
        z = self.platt_a * z + self.platt_b
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@lru_cache(maxsize=1)
def _model() -> dict[str, _IdModel] | None:
    path = resources.files("mendline").joinpath(MODEL_RESOURCE)
    if not path.is_file():
        return None
    raw = json.loads(path.read_text("utf-8"))
    if tuple(raw["features"]) != FEATURE_NAMES:
        return None  # trained on another feature layout: fall back to the rules
    return {mid: _IdModel(tuple(m["weights"]), m["bias"], m["platt_a"], m["platt_b"],
                          m["threshold"]) for mid, m in raw["markers"].items()}


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
        out.append((u, client_features(u, prev, baselines[i]), prev is not None))
    return out


def _terse_client(f: ClientFeatures, mid: str) -> bool:
    return mid == "withdrawal.minimal_response" and f.baseline_words < _TERSE_BASELINE_WORDS


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
_RULE_THRESHOLD = 0.5


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
            if _terse_client(f, mid):
                conf *= 0.6
            if conf >= _RULE_THRESHOLD:
                out.append(_make(u, mid, conf, hit.span, hit.why, f, _RULES_NAME))
    return out


def _run_model(t: Transcript) -> list[Marker]:
    model = _model()
    if model is None:
        return _run_rules(t)
    out = []
    for u, f, has_prev in _client_turns(t):
        hits = rule_hits(u, f)
        x = feature_vector(f, hits, has_prev)
        for mid in TRANSCRIPT_MARKERS:
            p = model[mid].prob(x)
            if _terse_client(f, mid):
                p *= 0.6
            if p < model[mid].threshold:
                continue
            hit = hits.get(mid)
            if hit is None:
                # The model can fire from context alone; quote the whole turn then.
                span, why = _whole(u), "the turn as a whole fits this pattern (model)"
            else:
                span, why = hit.span, hit.why
            out.append(_make(u, mid, p, span, why, f, _MODEL_NAME))
    return out


DETECTORS: dict[str, Detector] = {
    d.name: d
    for d in (
        Detector(_RULES_NAME, TRANSCRIPT_MARKERS,
                 "phrase cues and conversational context only; confidence is the rule strength",
                 _run_rules),
        Detector(_MODEL_NAME, TRANSCRIPT_MARKERS,
                 "phrase cues and context combined by a calibrated logistic model per marker",
                 _run_model),
    )
}
DEFAULT_DETECTOR = _MODEL_NAME


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
        raise KeyError(f"unknown detector {detector!r}; known: {', '.join(DETECTORS)}") from None
    return sorted(run(transcript), key=lambda m: (m.utterance, -m.confidence))
