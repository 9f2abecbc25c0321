"""``markers.embed.v1``: the marker model with sentence embeddings added (optional extra).

Same layers as ``markers.lr.v1`` (:mod:`mendline.analysis.markers`): phrase cues, the
conversational context and one calibrated logistic model per marker id. What this adds is
what phrase lists cannot carry (3RS markers; Eubanks, Muran & Safran, 2015):

- the **client turn's sentence vector** (all-MiniLM-L6-v2, :mod:`.embeddings`), so a
  paraphrase ("it's like talking to a brick wall in here") sits near the complaints the
  model was trained on even when no listed phrase matches;

A long client turn is also read in stretches (:func:`mendline.analysis.markers.client_units`):
each stretch is encoded and scored like a short turn, because a vector of a whole 150-word
turn no longer carries the one sentence that complained.

Only client turns are encoded. An earlier version also encoded the therapist turn before
each client turn, for a topic-shift cosine; on held-out dialogues that feature added 0.004
mean F1 and doubled the encoding time, so the lexical overlap already in the base features
(:class:`mendline.analysis.acts.ClientFeatures`) carries topic shift instead.

Weights are trained by ``tools/train_markers_embed.py`` on the TRAIN split, calibrated and
thresholded on held-out dialogues (DEV plus out-of-fold TRAIN), and stored in
``data/models/markers_embed_v1.json``. The 3RS boundary-rule vetoes of the phrase layer
still apply: a short answer to a factual question, a backchannel, laughter at something
funny, a curious question about a task, ... are never flagged, whatever the vector says.

The detector registers itself in ``markers.DETECTORS`` only when the extra is installed
(``register``); the encoder and the weights load on first use.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import ModuleType
from typing import TYPE_CHECKING, Any

from mendline.analysis import embeddings
from mendline.analysis.acts import ClientFeatures
from mendline.analysis.marker_rules import (
    Hit,
    benign_short_turn,
    rule_hits,
    turns_to_therapist,
    vetoes,
    whole_span,
)
from mendline.analysis.result import Marker
from mendline.transcript import Transcript, Utterance
from mendline.vocabulary import TRANSCRIPT_MARKERS

if TYPE_CHECKING:
    import numpy as np

    from mendline.analysis.markers import ClientUnit, Detector

# This module builds on mendline.analysis.markers, and markers.py registers this detector
# from its last lines; so names from markers are imported where used (``_markers()``),
# which lets either module be imported first.


def _markers() -> ModuleType:
    from mendline.analysis import markers

    return markers

__all__ = [
    "NAME",
    "MODEL_RESOURCE",
    "EXTRA_FEATURES",
    "TurnRow",
    "turn_rows",
    "encode_rows",
    "design_matrix",
    "signed_families",
    "may_show",
    "Thresholds",
    "decide",
    "thresholds",
    "register",
]

NAME = "markers.embed.v1"
MODEL_RESOURCE = "data/models/markers_embed_v1.json"
#: Scalar features appended after the sentence vector.
EXTRA_FEATURES = ("no_therapist_turn",)

# Short, plainly benign client turns that real chat clients write all the time ("thank u",
# "ok sure", "sounds good"): the phrase layer has no cue for them, and a sentence vector
# alone can drift towards "deferential" on them. Found on the MIBot sanity check (see
# tools/train_markers_embed.py); the model may flag them only when a phrase cue fired.
# What a model-only flag resembles, said plainly (Mendline's wording, after the 3RS
# definitions; Eubanks, Muran & Safran, 2015).
_RESEMBLES = {
    "withdrawal.denial": "brushing aside a feeling the conversation points to",
    "withdrawal.minimal_response": "a closed, very short reply where more was invited",
    "withdrawal.abstract_communication":
        "talk in generalities that keeps the client's own experience at a distance",
    "withdrawal.avoidant_storytelling": "a move away from what the therapist asked about",
    "withdrawal.deferential_appeasing": "going along with the therapist rather than giving "
                                        "the client's own view",
    "withdrawal.content_affect_split": "a light tone about something painful",
    "withdrawal.self_criticism_hopelessness": "hopelessness about whether the work can help",
    "confrontation.complaint_about_therapist":
        "a complaint about how the therapist is listening or responding",
    "confrontation.rejects_intervention": "turning down what the therapist just offered",
    "confrontation.complaint_about_activities": "an objection to the tasks of therapy",
    "confrontation.complaint_about_parameters":
        "an objection to the arrangements (time, fees, rules)",
    "confrontation.complaint_about_progress": "a complaint about how the sessions are going",
    "confrontation.defends_self": "defending oneself against a criticism heard from the "
                                  "therapist",
    "confrontation.control_pressure": "telling the therapist what to do or ask",
}
assert set(_RESEMBLES) == set(TRANSCRIPT_MARKERS)
# Below this share of content words in common with the therapist's turn, the reply has moved
# away from it (in-house reading of corpus turns; only used to word the reason).
_TOPIC_SHIFT_OVERLAP = 0.1


@dataclass(frozen=True, slots=True)
class TurnRow:
    """One client unit (a turn, or a stretch of a long one) with what the model needs."""

    unit: ClientUnit
    hits: dict[str, Hit]
    base: list[float]  # markers.feature_vector, in FEATURE_NAMES order
    vetoed: set[str]
    client_text: str  # what is encoded

    @property
    def utterance(self) -> Utterance:
        return self.unit.utterance

    @property
    def features(self) -> ClientFeatures:
        return self.unit.features

    @property
    def has_prev(self) -> bool:  # a therapist turn comes before it
        return self.unit.has_prev


def _norm(text: str) -> str:
    return " ".join(text.split())


def turn_rows(t: Transcript, *, stretched: bool = False) -> list[TurnRow]:
    """The client turns of ``t`` with features, cue hits and vetoes (shared with training,
    which reads whole turns); ``stretched`` adds the stretches of long turns, as analysis
    reads them (:func:`mendline.analysis.markers.client_units`)."""
    mk = _markers()
    out = []
    for c in mk.client_units(t, stretched=stretched):
        u, f = c.utterance, c.features
        hits = rule_hits(u, f)
        vetoed = vetoes(u, f)
        if benign_short_turn(f.spoken):
            vetoed = vetoed | {m for m in TRANSCRIPT_MARKERS if m not in hits}
        if _open_request(f):
            vetoed = vetoed | {"confrontation.control_pressure"}
        out.append(TurnRow(c, hits, mk.feature_vector(f, hits, c.has_prev), vetoed,
                           _norm(u.text)))
    return out


def may_show(r: TurnRow, mid: str) -> bool:
    """Whether marker ``mid`` can be reported on ``r`` at all (``markers.open_to``). Training
    learns and calibrates each id on these rows only (tools/train_markers_embed.py)."""
    return _markers().open_to(mid, r.unit.ids, r.vetoed, r.hits.get(mid))


def _open_request(f: ClientFeatures) -> bool:
    """A short question back to the therapist ("What do you want me to talk about?").

    3RS boundary rule (clinical.md): a request for direction in an open frame is not
    control; pressure needs its own words ("just tell me", "stop asking"), which the phrase
    layer finds. So the vector alone may not call a short question control.
    """
    return f.spoken.rstrip().endswith("?") and f.words <= 12


def encode_rows(rows: list[TurnRow], encoder: embeddings.Encoder | None = None) -> np.ndarray:
    """The client turns' sentence vectors, one batched call."""
    enc = encoder or embeddings.get_encoder()
    return enc.encode([r.client_text for r in rows])


def design_matrix(rows: list[TurnRow], client: np.ndarray) -> np.ndarray:
    """[base features | client vector | no_therapist_turn], one row per turn."""
    import numpy as np

    base = np.array([r.base for r in rows], dtype=np.float32).reshape(len(rows), -1)
    extra = np.array([[float(not r.has_prev)] for r in rows], dtype=np.float32)
    return np.concatenate([base, client, extra], axis=1)


# ---------------------------------------------------------------- the trained model


@dataclass(frozen=True, slots=True)
class Thresholds:
    """How a detector turns calibrated probabilities into markers (``decide``), per id in
    ``TRANSCRIPT_MARKERS`` order."""

    threshold: Any
    strong_floor: Any  # precision of strong, uncountered cue hits on TRAIN: a confidence floor
    medium_floor: Any
    # per family, the noisy-OR threshold above which the likeliest id is reported even if no
    # id reached its own threshold (None: off); see tools/train_markers_embed.py
    family_threshold: dict[str, float | None]


@dataclass(frozen=True, slots=True)
class _Model:
    weights: Any  # (n_features, n_ids) float32
    bias: Any  # (n_ids,)
    platt_a: Any
    platt_b: Any
    decision: Thresholds


@lru_cache(maxsize=1)
def _model() -> _Model:
    import numpy as np

    path = resources.files("mendline").joinpath(MODEL_RESOURCE)
    if not path.is_file():
        raise embeddings.EmbeddingsUnavailable(
            f"the weights of {NAME} ({MODEL_RESOURCE}) are missing from this installation; "
            "reinstall Mendline")
    raw = json.loads(path.read_text("utf-8"))
    if (tuple(raw["base_features"]) != _markers().FEATURE_NAMES
            or raw["embedding"] != embeddings.MODEL_ID
            or tuple(raw["extra_features"]) != EXTRA_FEATURES):
        raise embeddings.EmbeddingsUnavailable(
            f"{MODEL_RESOURCE} was trained on another feature layout; retrain it with "
            "python tools/train_markers_embed.py")
    ms = [raw["markers"][mid] for mid in TRANSCRIPT_MARKERS]

    def col(key: str) -> np.ndarray:
        return np.array([m[key] for m in ms], dtype=np.float32)

    return _Model(np.array([m["weights"] for m in ms], dtype=np.float32).T, col("bias"),
                  col("platt_a"), col("platt_b"), thresholds(raw))


def thresholds(raw: dict[str, Any]) -> Thresholds:
    """The decision part of a stored model (``markers`` per id, ``family_thresholds``)."""
    import numpy as np

    ms = [raw["markers"][mid] for mid in TRANSCRIPT_MARKERS]

    def col(key: str) -> np.ndarray:
        return np.array([m[key] for m in ms], dtype=np.float32)

    return Thresholds(col("threshold"), col("strong_rule_precision"),
                      col("medium_rule_precision"), dict(raw.get("family_thresholds") or {}))


def _why(mid: str, hit: Hit | None, r: TurnRow) -> str:
    if hit is not None:
        return hit.why
    why = f"reads like {_RESEMBLES[mid]}; no specific phrase matched"
    if (mid == "withdrawal.avoidant_storytelling" and r.has_prev
            and r.features.overlap < _TOPIC_SHIFT_OVERLAP):
        why += ", and it shares little with what the therapist had just said"
    return why


def _run(t: Transcript) -> list[Marker]:
    import numpy as np

    rows = turn_rows(t, stretched=True)
    if not rows:
        return []
    model = _model()
    x = design_matrix(rows, encode_rows(rows))
    z = x @ model.weights + model.bias
    p = 1.0 / (1.0 + np.exp(-np.clip(model.platt_a * z + model.platt_b, -30.0, 30.0)))
    return decide(rows, p, model.decision, NAME)


def decide(rows: list[TurnRow], p: np.ndarray, model: Thresholds, name: str) -> list[Marker]:
    """The markers to report from each row's calibrated probabilities ``p`` (rows x ids):
    what every model-based detector shares once it has its probabilities.

    Per id: the 3RS boundary rules first (``may_show``), a phrase cue's training precision as
    a floor, then the id's threshold; a short turn needs a sign of its own for a
    confrontation; a family no id of which passed may still be reported through
    ``_family_fallback``; and one stretch of speech moves one way (``one_direction``).
    """
    mk = _markers()
    out = []
    for k, r in enumerate(rows):
        probs: dict[str, float] = {}  # ids the boundary rules leave open, with their prob
        for j, mid in enumerate(TRANSCRIPT_MARKERS):
            if not may_show(r, mid):
                continue
            hit = r.hits.get(mid)
            bucket = mk.cue_bucket(hit)
            floor = (model.strong_floor[j] if bucket == "strong" else
                     model.medium_floor[j] if bucket == "medium" else 0.0)
            probs[mid] = max(float(p[k, j]), float(floor))
        found = [mid for j, mid in enumerate(TRANSCRIPT_MARKERS)
                 if mid in probs and probs[mid] >= model.threshold[j]]
        signed = signed_families(r)
        if "confrontation" not in signed and (r.unit.is_stretch or (
                r.features.words < _SHORT_WORDS and not turns_to_therapist(r.features))):
            # Read out of its turn, a stretch's "you" may be generic or banter; the vector of
            # a short turn carries its topic more than its stance ("we can book another
            # session" sits near complaints about sessions). A confrontation there needs a
            # sign of its own (a cue, disagreement, a judgement; in a short whole turn also
            # words to the therapist: "You would say that.", "Just do the sleep stuff.").
            found = [mid for mid in found if not mid.startswith("confrontation.")]
        extra = _family_fallback(probs, found, model.family_threshold, signed)
        kept = mk.one_direction({mid: mk.soften(probs[mid], r.features, mid)
                                 for mid in found + extra}, mk.cue_spans(r.hits))
        for mid, conf in kept.items():
            hit = r.hits.get(mid)
            span = hit.span if hit is not None else whole_span(r.utterance)
            why = _why_family(mid) if mid in extra and hit is None else _why(mid, hit, r)
            out.append(mk.unit_marker(r.unit, mid, conf, span, why, name))
    return mk.strongest(out)


# Turns shorter than this need a sign for a confrontation marker. Measured on the dev split:
# no change in any figure up to 10 words (the corpus's short confrontations carry a sign),
# while real chat replies such as "we can book another session" were flagged without one.
_SHORT_WORDS = 10


def signed_families(r: TurnRow) -> set[str]:
    """Families with a concrete sign in the turn: a phrase cue of that family, or (for
    confrontation) disagreement or a negative judgement in the client's own words."""
    out = {mid.split(".")[0] for mid in r.hits}
    if r.features.negative_stance:
        out.add("confrontation")
    return out


def _family_fallback(probs: dict[str, float], found: list[str],
                     thresholds: dict[str, float | None], signed: set[str]) -> list[str]:
    """The likeliest id of a family no id of which was found, when the family as a whole is.

    Several ids of one family often share the evidence for a turn (a complaint about the
    therapist, or a rejected intervention?), so none may pass its own threshold; the chance
    that at least one is present (noisy-OR) can. Only for a family with a concrete sign in
    the turn (``signed``): a vector alone never adds a marker this way ("What do you want me
    to talk about?" is a request for direction, not a complaint).
    """
    out = []
    for fam, th in thresholds.items():
        if th is None or fam not in signed or any(m.startswith(fam + ".") for m in found):
            continue
        fam_probs = {m: q for m, q in probs.items() if m.startswith(fam + ".")}
        if fam_probs and 1.0 - math.prod(1.0 - q for q in fam_probs.values()) >= th:
            out.append(max(fam_probs, key=fam_probs.__getitem__))
    return out


def _why_family(mid: str) -> str:
    family = "confrontation" if mid.startswith("confrontation.") else "withdrawal"
    return (f"several smaller signs together read like {family} (3RS), and most like "
            f"{_RESEMBLES[mid]}; no single phrase stood out")


def register(registry: dict[str, Detector]) -> bool:
    """Add ``markers.embed.v1`` to ``registry`` when the extra is installed; True if added.

    Cheap: checks that the packages can be found, loads nothing.
    """
    if not embeddings.available():
        return False
    registry[NAME] = _markers().Detector(
        NAME, TRANSCRIPT_MARKERS,
        "phrase cues, context and the client turn's sentence embedding (all-MiniLM-L6-v2, "
        "offline) combined by a calibrated logistic model per marker; may flag a paraphrase "
        "with no listed phrase; 3RS boundary-rule vetoes apply",
        _run)
    return True
