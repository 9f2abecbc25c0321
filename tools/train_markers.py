"""Train Mendline's per-marker logistic models and write ``data/models/markers_v1.json``.

    python tools/train_markers.py [--episodes] [corpora/markers/*.jsonl]

Fits one L2-regularised logistic regression per marker id on the TRAIN split (by dialogue
hash, ``mendline.evaluation.split_of``). Calibration uses held-out scores only: the DEV
split plus out-of-fold scores on TRAIN (5 folds grouped by dialogue), because the dev split
alone holds too few positives per marker for a stable fit. On that pool it fits Platt
scaling (so the confidence is a calibrated probability) and picks the threshold that
maximises F1 within ``training.THRESHOLDS`` (0.2-0.7). ``--episodes`` also learns from every
client turn of the coded episodes (``training.episode_turns``), as both shipped marker
models do, and then weighs those turns and the corpus equally when choosing thresholds
(``training.two_kinds_weights``). The TEST split is never read here. scikit-learn is needed
only for this script; the package applies the saved weights in plain Python.
"""

from __future__ import annotations

import glob
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from training import THRESHOLDS, f1, oof_logits, two_kinds_weights, with_conversation

from mendline.analysis.markers import FEATURE_NAMES, MODEL_RESOURCE, cue_bucket, featurize
from mendline.evaluation import case_transcript, load_cases, split_of
from mendline.vocabulary import TRANSCRIPT_MARKERS

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "mendline" / MODEL_RESOURCE
# Regularisation strength, chosen on dev among 0.1/0.3/1/3 (see the issue note).
C = 1.0


def _matrix(cases, conversation=frozenset()):
    xs, ys, groups, strong, conv = [], [], [], [], []
    for case in cases:
        t = case_transcript(case)
        rows = {u.index: (h, x) for u, h, x in featurize(t)}
        if case.target not in rows:
            continue  # empty target turn: nothing to learn from
        hits, x = rows[case.target]
        xs.append(x)
        strong.append([cue_bucket(hits.get(mid)) or "" for mid in TRANSCRIPT_MARKERS])
        ys.append([mid in case.labels for mid in TRANSCRIPT_MARKERS])
        groups.append(case.dialogue)
        conv.append(case.id in conversation)
    return (np.array(xs, dtype=float), np.array(ys, dtype=bool), groups,
            np.array(strong, dtype=object), np.array(conv, dtype=bool))


def _fit(x, y):
    return LogisticRegression(C=C, class_weight="balanced", max_iter=2000).fit(x, y)


def main(argv: list[str]) -> None:
    episodes = "--episodes" in argv
    paths = [a for a in argv if a != "--episodes"]
    files = paths or sorted(glob.glob(str(ROOT / "corpora" / "markers" / "*.jsonl")))
    cases = [c for f in files for c in load_cases(f)]
    conversation: set[str] = set()
    if episodes:
        cases, files, conversation = with_conversation(cases, files)
    train = [c for c in cases if split_of(c.dialogue) == "train"]
    dev = [c for c in cases if split_of(c.dialogue) == "dev"]
    xtr, ytr, gtr, str_, conv_tr = _matrix(train, conversation)
    xdv, ydv, _, sdv, conv_dv = _matrix(dev, conversation)
    weight = two_kinds_weights(np.concatenate([conv_tr, conv_dv]))
    models = {}
    for k, mid in enumerate(TRANSCRIPT_MARKERS):
        lr = _fit(xtr, ytr[:, k])
        zdv = xdv @ lr.coef_[0] + lr.intercept_[0]
        z = np.concatenate([oof_logits(_fit, xtr, ytr[:, k], gtr), zdv])
        y = np.concatenate([ytr[:, k], ydv[:, k]])
        platt = LogisticRegression(C=100.0, max_iter=1000).fit(z.reshape(-1, 1), y)
        a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
        # Laplace-smoothed precision of cue hits by strength on the training split: the
        # detector never reports a cue-backed marker below this (a floor on confidence).
        floors = {bucket: ((int(((str_[:, k] == bucket) & ytr[:, k]).sum()) + 1)
                           / (int((str_[:, k] == bucket).sum()) + 2))
                  for bucket in ("strong", "medium")}
        buckets = np.concatenate([str_[:, k], sdv[:, k]])
        floor = np.array([floors.get(bk, 0.0) for bk in buckets])
        p = np.maximum(1 / (1 + np.exp(-(a * z + b))), floor)
        scores = [f1(y, p >= th, weight) for th in THRESHOLDS]
        threshold = float(THRESHOLDS[int(np.argmax(scores))])
        pdv = p[len(ytr):]
        dev_f1 = f1(ydv[:, k], pdv >= threshold)
        models[mid] = {
            **{f"{bk}_rule_precision": round(v, 4) for bk, v in floors.items()},
            "weights": [round(float(w), 6) for w in lr.coef_[0]],
            "bias": round(float(lr.intercept_[0]), 6),
            "platt_a": round(a, 6), "platt_b": round(b, 6), "threshold": round(threshold, 2),
            "train_positives": int(ytr[:, k].sum()), "dev_positives": int(ydv[:, k].sum()),
            "heldout_f1": round(max(scores), 4), "dev_f1": round(dev_f1, 4),
        }
        print(f"{mid:44} train+ {ytr[:, k].sum():4d} dev+ {ydv[:, k].sum():3d} "
              f"held-out F1 {max(scores):.2f} dev F1 {dev_f1:.2f} at {threshold:.2f}")
    digest = hashlib.sha256()
    for f in files:
        digest.update(Path(f).read_bytes())
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "about": "Per-marker logistic models for Mendline's markers.lr.v1 detector, trained "
                 "by tools/train_markers.py on the in-house synthetic corpus (train split), "
                 "Platt-calibrated and thresholded on the dev split.",
        "licence": "Apache-2.0 (same as Mendline)",
        "corpus_sha256": digest.hexdigest(), "episode_turns": episodes,
        "train_cases": len(xtr), "dev_cases": len(xdv),
        "C": C, "features": list(FEATURE_NAMES), "markers": models,
    }, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
