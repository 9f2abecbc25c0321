"""``markers.ft.v1``: a sentence encoder fine-tuned on 3RS markers (optional extra).

``markers.embed.v1`` feeds a *frozen* sentence vector of the client's words to a logistic
model. Here the encoder itself (all-MiniLM-L6-v2) was trained end to end to read a client
turn the way 3RS coders do (Eubanks, Muran & Safran, 2015): against what the therapist had
just said. It reads a pair, the therapist's previous turn (its last ``CONTEXT_WORDS`` words)
and the client's words, and gives one probability per marker id. "Fine." after "How was
your week?" and after "How did it feel when I said that?" are different inputs to it.

Its probabilities are blended with those of ``markers.lr.v1`` (phrase cues and
conversational context: the client's own usual reply length, pauses, clipped runs, which a
pair of texts cannot show), ``WEIGHT`` to the encoder; then everything that decides what
is reported is shared with ``markers.embed.v1`` (:func:`.markers_embed.decide`): the 3RS
boundary-rule vetoes, cue floors, per-id thresholds, the family fallback and one direction
per stretch of speech.

The blend weight and the thresholds are chosen on the DEV split, for an encoder trained by
``tools/train_markers_ft.py encoder`` (PyTorch, offline) on the TRAIN split, by
``tools/train_markers_ft.py combine``, and stored in ``data/models/markers_ft_v1.json``;
the encoder shipped with them, the int8 ONNX file ``data/models/markers_ft_v1.onnx``, is the
same recipe trained on TRAIN and DEV (``encoder --with-dev``, ``combine --ship``). At run
time it needs what the ``embeddings`` extra installs (onnxruntime, tokenizers); no PyTorch,
nothing downloaded.
Cost: one encoder pass per client unit, in place of the frozen encoder's pass.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from mendline.analysis import embeddings
from mendline.analysis.acts import previous_therapist
from mendline.analysis.result import Marker
from mendline.transcript import Transcript
from mendline.vocabulary import TRANSCRIPT_MARKERS

if TYPE_CHECKING:
    import numpy as np

    from mendline.analysis.markers import Detector
    from mendline.analysis.markers_embed import Thresholds, TurnRow

__all__ = ["NAME", "CONTEXT_WORDS", "MAX_TOKENS", "ONNX_RESOURCES", "MODEL_RESOURCE",
           "context_of", "unit_pairs", "get_scorer", "lr_probabilities", "available",
           "register"]

NAME = "markers.ft.v1"
ONNX_RESOURCES = ("data/models/markers_ft_v1.onnx",)
MODEL_RESOURCE = "data/models/markers_ft_v1.json"
#: Words of the therapist's turn before a client turn that the encoder reads with it. 3RS
#: markers are judged against what the therapist had just said (a short answer to a feeling
#: question vs to a factual one), so the pair, not the client text alone, is encoded.
CONTEXT_WORDS = 32
#: Tokens per pair, both parts together; the longer part is cut first.
MAX_TOKENS = 128


def context_of(t: Transcript, index: int) -> str:
    """The last ``CONTEXT_WORDS`` words of the therapist turn just before utterance
    ``index`` (the turn the context features read, ``acts.previous_therapist``), or ''."""
    prev = previous_therapist(t, index)
    return " ".join(prev.text.split()[-CONTEXT_WORDS:]) if prev is not None else ""


def unit_pairs(t: Transcript, rows: Sequence[TurnRow]) -> list[tuple[str, str]]:
    """(therapist context, client words) for each row, as the encoder was trained on them;
    a stretch of a long turn is read with its turn's context."""
    return [(context_of(t, r.unit.turn.index), " ".join(r.utterance.text.split()))
            for r in rows]


def available() -> bool:
    """The packages are importable and the model files are installed (nothing loaded)."""
    return embeddings.pair_model_installed(ONNX_RESOURCES, MODEL_RESOURCE)


@lru_cache(maxsize=1)
def get_scorer() -> embeddings.PairScorer:
    """The process-wide scorer (built on first use)."""
    return embeddings.load_pair_scorer(NAME, ONNX_RESOURCES, MAX_TOKENS)


@lru_cache(maxsize=1)
def _settings() -> tuple[float, np.ndarray, np.ndarray, Thresholds]:
    """(blend weight, Platt a, Platt b, decision) as ``combine`` chose them."""
    from mendline.analysis import markers, markers_embed

    path = resources.files("mendline").joinpath(MODEL_RESOURCE)
    raw = json.loads(path.read_text("utf-8"))
    if (raw["context_words"], raw["max_tokens"]) != (CONTEXT_WORDS, MAX_TOKENS) or tuple(
            raw["base_features"]) != markers.FEATURE_NAMES:
        raise embeddings.EmbeddingsUnavailable(
            f"{MODEL_RESOURCE} does not match this version of Mendline; rerun "
            "python tools/train_markers_ft.py combine")
    import numpy as np

    ms = [raw["markers"][mid] for mid in TRANSCRIPT_MARKERS]
    return (float(raw["weight"]), np.array([m["platt_a"] for m in ms]),
            np.array([m["platt_b"] for m in ms]), markers_embed.thresholds(raw))


def lr_probabilities(rows: Sequence[TurnRow]) -> np.ndarray:
    """``markers.lr.v1``'s calibrated probabilities for each row (rows x ids)."""
    import numpy as np

    from mendline.analysis import markers

    probs = markers.model_probabilities()
    return np.array([probs(r.base) for r in rows]).reshape(len(rows), len(TRANSCRIPT_MARKERS))


def _run(t: Transcript) -> list[Marker]:
    from mendline.analysis import markers_embed

    rows = markers_embed.turn_rows(t, stretched=True)
    if not rows:
        return []
    weight, a, b, decision = _settings()
    raw = embeddings.blend(get_scorer().probabilities(unit_pairs(t, rows)),
                           lr_probabilities(rows), weight)
    return markers_embed.decide(rows, embeddings.calibrate(raw, a, b), decision, NAME)


def register(registry: dict[str, Detector]) -> bool:
    """Add ``markers.ft.v1`` to ``registry`` when it can run here; True if added."""
    if not available():
        return False
    from mendline.analysis import markers

    registry[NAME] = markers.Detector(
        NAME, TRANSCRIPT_MARKERS,
        "an encoder fine-tuned on 3RS markers (all-MiniLM-L6-v2, offline) reading each client "
        "turn with the therapist's turn before it, blended with the phrase-and-context model; "
        "may flag a paraphrase with no listed phrase; 3RS boundary-rule vetoes apply",
        _run)
    return True
