"""What the training scripts share: F1 on boolean arrays, out-of-fold logits, episode turns.

Imported by ``tools/train_*.py`` (run as scripts, so this directory is on ``sys.path``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import GroupKFold

from mendline.evaluation import Case
from mendline.evaluation_repairs import load_episode_cases, turn_cases
from mendline.vocabulary import TRANSCRIPT_MARKERS

__all__ = ["EPISODE_FILES", "THRESHOLDS", "episode_turns", "f1", "oof_logits",
           "two_kinds_weights", "with_conversation", "family_thresholds"]

# Where a marker model's decision threshold may sit (Platt-calibrated probabilities). The
# floor was 0.3 until the running-conversation turns joined the pool; with them, five ids
# found their best held-out F1 at the floor, and 0.2-0.25 raised it (issue 3 note).
THRESHOLDS = np.arange(0.20, 0.71, 0.05)

EPISODE_FILES = sorted((Path(__file__).resolve().parents[1] / "corpora" / "repairs")
                       .glob("episodes*.jsonl"))


def f1(y: np.ndarray, pred: np.ndarray, weight: np.ndarray | None = None) -> float:
    """F1 of boolean predictions against boolean gold (0 when nothing is right).

    ``weight`` counts each row that many times (see ``two_kinds_weights``).
    """
    w = np.ones(len(y)) if weight is None else weight
    tp = float(w[y & pred].sum())
    fp = float(w[~y & pred].sum())
    fn = float(w[y & ~pred].sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def two_kinds_weights(conversation: np.ndarray) -> np.ndarray | None:
    """Row weights that give running-conversation rows and corpus rows equal say.

    Thresholds are chosen where held-out F1 peaks. The marker corpus is built of look-alikes
    (40% hard negatives), so on its own it sets thresholds for a world where nearly every
    turn resembles a marker; in running conversation (the coded episodes' turns, as in a
    clinician's transcripts) the same thresholds find under half of what coders find. Both
    kinds count equally, however many rows each has. None when there is only one kind.
    """
    n_conv = int(conversation.sum())
    n_corpus = len(conversation) - n_conv
    if not n_conv or not n_corpus:
        return None
    return np.where(conversation, len(conversation) / (2 * n_conv),
                    len(conversation) / (2 * n_corpus))


def oof_logits(fit: Callable[[Any, np.ndarray], Any], x: Any, y: np.ndarray,
               groups: Sequence[str], n_splits: int = 5) -> np.ndarray:
    """Out-of-fold decision values, folds grouped (by dialogue or by writer).

    Calibration and thresholds are chosen on these, so no score comes from a model that saw
    its own group. A fold whose training part holds no positive gets -5 (a confident no).
    """
    z = np.zeros(len(y))
    folds = GroupKFold(n_splits=min(n_splits, len(set(groups))))
    for tr, te in folds.split(x, y, groups):
        z[te] = fit(x[tr], y[tr]).decision_function(x[te]) if y[tr].any() else -5.0
    return z


def episode_turns(paths, role: str) -> list[Case]:
    """The coded episodes' client or therapist turns as cases (``turn_cases``), every file."""
    return [c for path in paths for c in turn_cases(load_episode_cases(path), role)]


def with_conversation(cases: list[Case], files: list[str]
                      ) -> tuple[list[Case], list[str], set[str]]:
    """The marker cases and corpus files with every client turn of the coded episodes added
    (``--episodes``), and the ids of those turns: the running-conversation rows that
    ``two_kinds_weights`` weighs against the corpus."""
    turns = episode_turns(EPISODE_FILES, "client")
    return [*cases, *turns], [*files, *map(str, EPISODE_FILES)], {c.id for c in turns}


_FAMILY_GRID = np.arange(0.2, 0.951, 0.025)
# A family threshold is kept only when it beats the ids alone by this much held-out F1.
_FAMILY_MIN_GAIN = 0.01


def family_thresholds(y_pool: np.ndarray, pooled: list[np.ndarray], thresholds: list[float],
                       signed: list[set[str]], weight=None) -> dict[str, float | None]:
    """Per family, the noisy-OR threshold that best adds to the ids' own decisions.

    Ids of one family compete for the same turns (a complaint about the therapist or a
    rejected intervention?), so each id alone can stay under its threshold on a turn that
    plainly carries the family. The chance that at least one id is present,
    1 - prod(1 - p_id), catches those turns; the detector then reports the likeliest id.
    """
    out: dict[str, float | None] = {}
    for fam in ("withdrawal", "confrontation"):
        cols = [k for k, m in enumerate(TRANSCRIPT_MARKERS) if m.startswith(fam)]
        gold = y_pool[:, cols].any(axis=1)
        probs = np.column_stack([pooled[k] for k in cols])
        ids = np.column_stack([pooled[k] >= thresholds[k] for k in cols]).any(axis=1)
        noisy = 1 - np.prod(1 - probs, axis=1)
        noisy[[fam not in row for row in signed]] = 0.0  # as markers_embed does
        base = f1(gold, ids, weight)
        best = max((f1(gold, ids | (noisy >= th), weight), float(th)) for th in _FAMILY_GRID)
        out[fam] = round(best[1], 3) if best[0] >= base + _FAMILY_MIN_GAIN else None
        print(f"family {fam}: held-out F1 {base:.3f} from the ids alone, {best[0]:.3f} with "
              f"noisy-OR >= {best[1]:.3f} -> {'kept' if out[fam] else 'not kept'}")
    return out
