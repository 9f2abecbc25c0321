"""Train Mendline's per-strategy logistic models and write ``data/models/repairs_v1.json``.

    python tools/train_repairs.py [corpora/repairs/strategies.jsonl]

The therapist turns of ``corpora/repairs/episodes.jsonl`` (their coded repairs as labels,
uncoded turns as negatives) join the strategy cases. Features come from
``mendline.analysis.repairs.featurize`` (lexicon cue scores, context,
words and word pairs). Words and pairs seen fewer than ``MIN_COUNT`` times in the training
pool are dropped. Calibration uses out-of-fold scores only (5 folds grouped by dialogue,
over the TRAIN and DEV splits): Platt scaling on those scores, and the threshold that
maximises out-of-fold F1 within [0.3, 0.6]. The final weights are then fitted on TRAIN+DEV.
The TEST split is never read here. scikit-learn is needed only for this script; the package
applies the saved weights in plain Python.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from mendline.analysis.markers import detect_markers
from mendline.analysis.repairs import FEATURES_VERSION, MODEL_RESOURCE, _lexicon, featurize
from mendline.evaluation import case_transcript, load_cases, split_of
from mendline.evaluation_repairs import load_episode_cases
from mendline.vocabulary import STRATEGIES

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "mendline" / MODEL_RESOURCE
# Therapist turns of the coded episodes (train/dev dialogues only) add strategy examples.
EPISODES = ROOT / "corpora" / "repairs" / "episodes.jsonl"
# Regularisation strength, chosen on out-of-fold F1 among 0.1/0.3/1/3 (see the issue note).
C = 0.3
MIN_COUNT = 2


def _rows(cases):
    xs, ys, groups = [], [], []
    for case in cases:
        if case.target_role != "therapist":
            continue
        t = case_transcript(case)
        rows = {u.index: x for u, _, x in featurize(t, detect_markers(t))}
        if case.target not in rows:
            continue
        xs.append(rows[case.target])
        ys.append([sid in case.labels for sid in STRATEGIES])
        groups.append(case.dialogue)
    return xs, np.array(ys, dtype=bool), groups


def _prune(xs):
    counts = Counter(k for x in xs for k in x if k.startswith(("w:", "b:")))
    return [{k: v for k, v in x.items() if not k.startswith(("w:", "b:")) or
             counts[k] >= MIN_COUNT} for x in xs]


def _fit(x, y):
    return LogisticRegression(C=C, class_weight="balanced", max_iter=4000).fit(x, y)


def _f1(y, pred):
    tp = int((y & pred).sum())
    fp = int((~y & pred).sum())
    fn = int((y & ~pred).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _episode_turns(path: Path):
    """Every therapist turn of the coded episodes as a strategy case (gold repairs as labels)."""
    out = []
    for ec in load_episode_cases(path):
        gold: dict[int, list[str]] = {}
        for r in ec.episode.get("repairs", []):
            gold.setdefault(r["turn"], []).append(r["id"])
        for i, turn in enumerate(ec.case.turns):
            if turn["role"] == "therapist" and i > 0 and "session" not in turn:
                out.append(replace(ec.case, turns=ec.case.turns[:i + 1], target=i,
                                   labels=tuple(gold.get(i, ())), hard_negative=None))
    return out


def main(paths: list[str]) -> None:
    cases = [c for p in paths for c in load_cases(p)]
    if EPISODES.is_file():
        cases += _episode_turns(EPISODES)
    pool = [c for c in cases if split_of(c.dialogue) in ("train", "dev")]
    xs, ys, groups = _rows(pool)
    xs = _prune(xs)
    vec = DictVectorizer()
    x = vec.fit_transform(xs)
    names = vec.get_feature_names_out()
    folds = list(GroupKFold(n_splits=5).split(x, ys, groups))
    out = {}
    for k, sid in enumerate(STRATEGIES):
        y = ys[:, k]
        z = np.zeros(len(y))
        for tr, te in folds:
            z[te] = _fit(x[tr], y[tr]).decision_function(x[te])
        platt = LogisticRegression(C=100.0, max_iter=1000).fit(z.reshape(-1, 1), y)
        a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
        p = 1 / (1 + np.exp(-(a * z + b)))
        grid = np.arange(0.3, 0.61, 0.02)
        scores = [_f1(y, p >= th) for th in grid]
        threshold = float(grid[int(np.argmax(scores))])
        model = _fit(x, y)
        weights = {str(n): round(float(w), 5) for n, w in zip(names, model.coef_[0], strict=True)
                   if abs(w) >= 1e-4}
        out[sid] = {"weights": weights, "bias": round(float(model.intercept_[0]), 6),
                    "platt_a": round(a, 6), "platt_b": round(b, 6),
                    "threshold": round(threshold, 2), "oof_f1": round(max(scores), 4),
                    "positives": int(y.sum())}
        print(f"{sid:38s} pos {int(y.sum()):3d}  out-of-fold F1 {max(scores):.2f} "
              f"at {threshold:.2f}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "about": "Per-strategy logistic models for Mendline's repair detector; trained by "
                 "tools/train_repairs.py on the train+dev splits of corpora/repairs, "
                 "Platt-calibrated and thresholded on out-of-fold scores.",
        "licence": "Apache-2.0 (same as Mendline)",
        "lexicon": _lexicon().version, "features": FEATURES_VERSION, "C": C,
        "cases": len(xs), "strategies": out,
    }, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:] or [str(ROOT / "corpora" / "repairs" / "strategies.jsonl")])
