"""What the training scripts share: F1 on boolean arrays and out-of-fold logits.

Imported by ``tools/train_*.py`` (run as scripts, so this directory is on ``sys.path``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.model_selection import GroupKFold

__all__ = ["f1", "oof_logits"]


def f1(y: np.ndarray, pred: np.ndarray) -> float:
    """F1 of boolean predictions against boolean gold (0 when nothing is right)."""
    tp = int((y & pred).sum())
    fp = int((~y & pred).sum())
    fn = int((y & ~pred).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


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
