"""``repairs.ft.v1``: an encoder fine-tuned on 3RS resolution strategies (optional extra).

As ``markers.ft.v1`` does for the client's side (:mod:`.markers_ft`), all-MiniLM-L6-v2 was
trained end to end on the strategy corpus, reading a pair: the client's turn just before
(its last ``CONTEXT_WORDS`` words) and the therapist's turn. A repair is a response
(3RS; Eubanks, Muran & Safran, 2015): "I'm sorry" after "You keep cutting me off" owns a
part; after "My dog died" it is sympathy.

Its probabilities are blended with those of ``repairs.lr.v1`` (phrase cues, the context of
markers and earlier repairs, words), ``weight`` to the encoder, Platt-calibrated per
strategy, and then pass the same gates as every repair model (``repairs.allowed``: a
strain to respond to, a stricter bar for metacommunication in calm talk). One gate is its
own: because it reads the client's turn, owning a part, disclosing what the therapist feels
in the room, linking to a pattern in here-and-now words, or inviting talk with a question
about the two of them here and now may stand on its probability alone in calm talk, at the
bar ``Settings.calm`` (the marker detector misses some strains: "Stop watching me." carries
no cue, yet "Fair, I was watching you closely" answers it).
Only the turns the gates could let through, and that the plain model gives some strategy,
are encoded (``repairs.could_be_repair``, ``repairs.CASCADE_BAR``).

Trained by ``tools/train_markers_ft.py encoder --task repairs`` (PyTorch, TRAIN split) and
``combine --task repairs --plain-oof FILE`` (DEV, out of fold by writer, against the plain
model's out-of-fold probabilities from ``tools/train_repairs.py --by-author --oof-out
FILE``, since the plain model is fitted on TRAIN and DEV). Two runs of the recipe, seeds 0
and 1, are averaged (``ONNX_RESOURCES``); the files shipped are the same two runs trained on
TRAIN and DEV (``encoder --with-dev``, ``combine --ship``), with the settings in
``repairs_ft_v1.json``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from mendline.analysis import embeddings
from mendline.analysis.acts import spoken
from mendline.transcript import Role, Transcript, Utterance
from mendline.vocabulary import STRATEGIES

if TYPE_CHECKING:
    import numpy as np

__all__ = ["NAME", "ONNX_RESOURCES", "MODEL_RESOURCE", "CONTEXT_WORDS", "MAX_TOKENS",
           "client_context_of", "spoken_text", "turn_pairs", "get_scorer", "available",
           "settings", "Settings"]

NAME = "repairs.ft.v1"
# Two runs of the same recipe (seeds 0 and 1), averaged by the scorer: on DEV, out of fold,
# the pair finds metacommunication better than either run alone (0.843 against 0.831 and
# below), at the cost of a second encoder pass over the turns that are encoded.
ONNX_RESOURCES = ("data/models/repairs_ft_v1.onnx", "data/models/repairs_ft_v1_seed1.onnx")
MODEL_RESOURCE = "data/models/repairs_ft_v1.json"
CONTEXT_WORDS = 32
MAX_TOKENS = 128
_REACH = 3  # a client turn further back than this is not what the therapist answers


def client_context_of(t: Transcript, index: int) -> str:
    """The last ``CONTEXT_WORDS`` words of the client turn just before therapist utterance
    ``index`` (within three turns), or '': what a repair attempt responds to."""
    for j in range(index - 1, max(-1, index - 1 - _REACH), -1):
        if t.utterances[j].role is Role.CLIENT:
            return " ".join(t.utterances[j].text.split()[-CONTEXT_WORDS:])
    return ""


def spoken_text(u: Utterance) -> str:
    """A therapist turn as said aloud (annotations blanked), whitespace normalised."""
    return " ".join(spoken(u).split())


def turn_pairs(t: Transcript, turns: Sequence[Utterance]) -> list[tuple[str, str]]:
    """(client context, therapist words) per turn, as the encoder was trained on them."""
    return [(client_context_of(t, u.index), spoken_text(u)) for u in turns]


def available() -> bool:
    """The encoder and its settings are installed, and so is the extra (nothing loaded)."""
    return embeddings.pair_model_installed(ONNX_RESOURCES, MODEL_RESOURCE)


@lru_cache(maxsize=1)
def get_scorer() -> embeddings.PairScorer:
    """The process-wide scorer (built on first use)."""
    return embeddings.load_pair_scorer(NAME, ONNX_RESOURCES, MAX_TOKENS)


@dataclass(frozen=True, slots=True)
class Settings:
    """How the encoder's probabilities are used, per strategy in ``STRATEGIES`` order."""

    weight: float  # of the encoder in the blend with repairs.lr.v1
    platt_a: Any
    platt_b: Any
    threshold: Any
    # The bar for metacommunication in calm talk (no marker, no complaint-like or shut-down
    # reply, no repair under way; ``repairs.allowed``), or None for the plain model's rule
    # (here-and-now wording and its strict bar).
    calm: float | None = None


@lru_cache(maxsize=1)
def settings() -> Settings:
    import numpy as np

    raw = json.loads(resources.files("mendline").joinpath(MODEL_RESOURCE).read_text("utf-8"))
    if (raw["context_words"], raw["max_tokens"]) != (CONTEXT_WORDS, MAX_TOKENS):
        raise embeddings.EmbeddingsUnavailable(
            f"{MODEL_RESOURCE} does not match this version of Mendline; rerun "
            "python tools/train_markers_ft.py combine --task repairs")
    ss = [raw["strategies"][sid] for sid in STRATEGIES]
    return Settings(float(raw["weight"]), np.array([s["platt_a"] for s in ss]),
                    np.array([s["platt_b"] for s in ss]),
                    np.array([s["threshold"] for s in ss]), raw.get("calm_metacommunication"))


def probabilities(t: Transcript, turns: Sequence[Utterance], plain: np.ndarray) -> np.ndarray:
    """Calibrated probabilities (turns x strategies) from the encoder and ``plain``, the
    plain model's probabilities for the same turns."""
    s = settings()
    raw = embeddings.blend(get_scorer().probabilities(turn_pairs(t, turns)), plain, s.weight)
    return embeddings.calibrate(raw, s.platt_a, s.platt_b)
