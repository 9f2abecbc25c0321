"""Train Mendline's per-strategy logistic models and write ``data/models/repairs_v1.json``.

    python tools/train_repairs.py [--by-author] [--embed] [corpora/repairs/strategies*.jsonl]

``--embed`` trains ``repairs.embed.v1`` instead and writes ``data/models/repairs_embed_v1.json``:
the same features plus the therapist turn's all-MiniLM-L6-v2 vector (needs the embeddings
extra), its columns scaled by ``EMB_SCALE`` while fitting and the scale folded into the stored
weights. Train the plain model first: the rules' strict threshold both read comes from it.

``--by-author`` groups the out-of-fold folds by corpus writer (cases without an "author" are
writer A's) instead of by dialogue, so calibration and thresholds see scores for phrasing
from a writer the model has not read, as real transcripts will be. Both shipped models are
trained with it: leaving writers out, out-of-fold metacommunication F1 on the strategy
cases was 0.637 for the plain model and 0.678 with the sentence vector (by dialogue 0.685
and 0.682: within one writer's phrasing the vector adds nothing).

The therapist turns of ``corpora/repairs/episodes.jsonl`` (their coded repairs as labels,
uncoded turns as negatives) join the strategy cases.

**Ordinary negatives.** Every ``[]`` case of the strategy corpus is a hard negative, so the
corpus alone never shows the model plain therapist talk, and a model trained on it alone
calls everyday questions and reflections "repair". Therapist turns from the MARKER corpus
(``corpora/markers/*.jsonl``, train/dev dialogues only) fill that gap: turns with no client
rupture before them in their case (no labelled marker target, no marker found by Mendline,
no complaint-like client turn). Those turns are *unlabelled* for strategies; we treat them as
negatives because they are overwhelmingly plain questions and reflections, and say so here
because a few may be ordinary repairs the label does not show. The demo caseload is never
used for training. Features come from
``mendline.analysis.repairs.featurize`` (lexicon cue scores, context,
words and word pairs). Words and pairs seen fewer than ``MIN_COUNT`` times in the training
pool are dropped. Calibration uses out-of-fold scores only (5 folds grouped by dialogue, or
by writer, over the TRAIN and DEV splits): Platt scaling on those scores, then the threshold that
maximises out-of-fold F1 within [``MIN_THRESHOLD``, 0.8] *after* the same context gate the detector
applies (``repairs.allowed``), and the stricter metacommunication threshold for turns with
no strain in context, chosen the same way among 0.8-0.95 (not lower: the coded corpora
hold almost no calm sessions, so they cannot show the cost of flagging plain talk there).
The final weights are then fitted on TRAIN+DEV.
The TEST split is never read here. scikit-learn is needed only for this script; the package
applies the saved weights in plain Python.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import scipy.sparse as sparse
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from training import EPISODE_FILES, episode_turns, f1

from mendline.analysis import embeddings
from mendline.analysis.markers import detect_markers
from mendline.analysis.repairs import (
    EMBED_MODEL_RESOURCE,
    FEATURES_VERSION,
    MODEL_RESOURCE,
    _lexicon,
    allowed,
    featurize,
    turn_vectors,
)
from mendline.analysis.strain import complaint_like
from mendline.evaluation import Case, case_transcript, load_cases, split_of
from mendline.vocabulary import METACOMMUNICATION, STRATEGIES

ROOT = Path(__file__).resolve().parents[1]
MARKER_FILES = sorted((ROOT / "corpora" / "markers").glob("*.jsonl"))
OUT = ROOT / "src" / "mendline" / MODEL_RESOURCE
OUT_EMBED = ROOT / "src" / "mendline" / EMBED_MODEL_RESOURCE
# Regularisation strength, chosen on out-of-fold F1 among 0.1/0.3/1/3 (see the issue note).
C = 0.3
MIN_COUNT = 2
# The sentence-vector columns (unit vectors, entries near +-0.05) are multiplied by this while
# fitting, so that C regularises them about as much as the 0/1 word columns. Chosen on
# out-of-fold metacommunication F1 among 0.5/1/2/3/4/8 (grouped by dialogue: 0.730, 0.734,
# 0.738, -, 0.739, 0.721; leaving one writer out at 2/3/4: 0.692, 0.699, 0.699).
EMB_SCALE = 3.0
# The lowest threshold a strategy may get. The coded corpora are dense with repairs, so the
# threshold that maximises F1 there can sit far below even odds (0.2 was chosen for some
# ids), and real sessions, where repairs are rare, then fill with flags a clinician would
# mostly have to dismiss. Measured: a floor of 0.4 cost 0.009 out-of-fold
# metacommunication F1 (0.737 -> 0.728) and halved the counsellor turns flagged in real MI
# chat (MIBot, benchmarks/repairs.py: 17.9 -> 10.5 per 100; metacommunication 6.3 -> 2.7).
# MENDLINE_MIN_THRESHOLD overrides it for experiments.
MIN_THRESHOLD = float(os.environ.get("MENDLINE_MIN_THRESHOLD", "0.4"))


def _rows(cases, by_author=False):
    xs, ys, groups, ctxs, kinds, turns, ids = [], [], [], [], [], [], []
    for case in cases:
        if case.target_role != "therapist":
            continue
        t = case_transcript(case)
        rows = {u.index: (u, ctx, x) for u, ctx, x in featurize(t, detect_markers(t))}
        if case.target not in rows:
            continue
        u, ctx, x = rows[case.target]
        turns.append(u)
        xs.append(x)
        ctxs.append(ctx)
        ys.append([sid in case.labels for sid in STRATEGIES])
        groups.append((case.author or "A") if by_author else case.dialogue)
        kinds.append("ordinary" if case.id.startswith("ordinary:") else "coded")
        ids.append(case.id)
    return xs, np.array(ys, dtype=bool), groups, ctxs, kinds, turns, ids


def _ordinary_turns(paths: list[Path]) -> list[Case]:
    """Plain therapist turns from the marker corpus, as strategy negatives (see above)."""
    out = []
    for path in paths:
        for case in load_cases(path):
            if split_of(case.dialogue) not in ("train", "dev"):
                continue
            t = case_transcript(case)
            found = {m.utterance for m in detect_markers(t)}
            for i, turn in enumerate(case.turns):
                if turn["role"] != "therapist" or i == 0 and len(case.turns) < 2:
                    continue
                before = range(i)
                if any(j in found or (j == case.target and case.labels) or (
                        case.turns[j]["role"] == "client" and complaint_like(case.turns[j]["text"]))
                       for j in before):
                    break  # from the first strain on, the rest of the case is not plain talk
                out.append(replace(case, turns=case.turns[:i + 1], target=i, labels=(),
                                   hard_negative=None, id=f"ordinary:{case.id}:{i}"))
    return out


def _prune(xs):
    counts = Counter(k for x in xs for k in x if k.startswith(("w:", "b:")))
    return [{k: v for k, v in x.items() if not k.startswith(("w:", "b:")) or
             counts[k] >= MIN_COUNT} for x in xs]


def _fit(x, y):
    return LogisticRegression(C=C, class_weight="balanced", max_iter=4000).fit(x, y)


def _any_flagged(probs, out, ctxs, xs, strict, mask) -> float:
    flagged = np.zeros(len(xs), dtype=bool)
    for sid in STRATEGIES:
        flagged |= _gated(sid, probs[sid], out[sid]["threshold"], ctxs, xs, strict)
    return float(flagged[mask].mean()) if mask.any() else 0.0


def _gated(sid, p, th, ctxs, xs, strict):
    return np.array([allowed(sid, float(q), th, c, x, strict)
                     for q, c, x in zip(p, ctxs, xs, strict=True)])


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--embed", action="store_true",
                    help="train repairs.embed.v1 (adds the therapist turn's sentence vector)")
    ap.add_argument("--by-author", action="store_true",
                    help="out-of-fold folds leave corpus writers out (see the docstring)")
    ap.add_argument("--oof-out", help="also write each turn's out-of-fold probabilities (JSON, "
                                       "by case id): what tools/train_markers_ft.py combine "
                                       "--task repairs blends with")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args(argv)
    paths = args.files or [str(p) for p in
                           sorted((ROOT / "corpora" / "repairs").glob("strategies*.jsonl"))]
    cases = [c for p in paths for c in load_cases(p)]
    cases += episode_turns(EPISODE_FILES, "therapist")
    cases += _ordinary_turns(MARKER_FILES)
    pool = [c for c in cases if split_of(c.dialogue) in ("train", "dev")]
    xs, ys, groups, ctxs, kinds, turns, ids = _rows(pool, args.by_author)
    print(f"{len(xs)} therapist turns, {kinds.count('ordinary')} of them ordinary negatives")
    xs = _prune(xs)
    vec = DictVectorizer()
    x = vec.fit_transform(xs)
    names = vec.get_feature_names_out()
    n_sparse = len(names)
    if args.embed:
        vectors = np.asarray(turn_vectors(turns), dtype=np.float64)
        x = sparse.hstack([x, sparse.csr_matrix(vectors * EMB_SCALE)]).tocsr()
    folds = list(GroupKFold(n_splits=5).split(x, ys, groups))
    out = {}
    probs = {}
    for k, sid in enumerate(STRATEGIES):
        y = ys[:, k]
        z = np.zeros(len(y))
        for tr, te in folds:
            z[te] = _fit(x[tr], y[tr]).decision_function(x[te])
        platt = LogisticRegression(C=100.0, max_iter=1000).fit(z.reshape(-1, 1), y)
        a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
        p = 1 / (1 + np.exp(-(a * z + b)))
        probs[sid] = p
        grid = np.arange(MIN_THRESHOLD, 0.81, 0.02)
        scores = [f1(y, _gated(sid, p, th, ctxs, xs, 0.85)) for th in grid]
        threshold = float(grid[int(np.argmax(scores))])
        model = _fit(x, y)
        coef = model.coef_[0]
        weights = {str(n): round(float(w), 5) for n, w in zip(names, coef[:n_sparse],
                                                              strict=True) if abs(w) >= 1e-4}
        out[sid] = {"weights": weights, "bias": round(float(model.intercept_[0]), 6),
                    "platt_a": round(a, 6), "platt_b": round(b, 6),
                    "threshold": round(threshold, 2), "oof_f1": round(max(scores), 4),
                    "positives": int(y.sum())}
        if args.embed:  # the scale folded in: the package applies them to raw vectors
            out[sid]["embedding_weights"] = [round(float(w) * EMB_SCALE, 5)
                                             for w in coef[n_sparse:]]
        print(f"{sid:38s} pos {int(y.sum()):3d}  out-of-fold F1 {max(scores):.2f} "
              f"at {threshold:.2f}")
    meta_gold = ys[:, [list(STRATEGIES).index(s) for s in METACOMMUNICATION]].any(axis=1)

    def meta_pred(strict):
        return np.column_stack([_gated(s, probs[s], out[s]["threshold"], ctxs, xs, strict)
                                for s in METACOMMUNICATION]).any(axis=1)

    stricts = np.arange(0.8, 0.96, 0.05)
    strict_scores = [f1(meta_gold, meta_pred(s)) for s in stricts]
    strict = float(stricts[int(np.argmax(strict_scores))])
    corpus = np.array([k != "ordinary" for k in kinds])
    ungated = np.column_stack([probs[s] >= out[s]["threshold"] for s in METACOMMUNICATION])
    print(f"(without the context gate: metacommunication F1 "
          f"{f1(meta_gold[corpus], ungated.any(axis=1)[corpus]):.3f} on the coded corpora)")
    pred = meta_pred(strict)
    print(f"strict metacommunication threshold {strict:.2f}; out-of-fold metacommunication F1 "
          f"{max(strict_scores):.3f} (pool), {f1(meta_gold[corpus], pred[corpus]):.3f} "
          f"(coded corpora only); ordinary turns flagged as any strategy: "
          f"{_any_flagged(probs, out, ctxs, xs, strict, ~corpus):.1%}")
    if args.oof_out:
        Path(args.oof_out).write_text(json.dumps(
            {cid: [round(float(probs[sid][k]), 6) for sid in STRATEGIES]
             for k, cid in enumerate(ids)}), encoding="utf-8")
    out_path = OUT_EMBED if args.embed else OUT
    out_path.parent.mkdir(parents=True, exist_ok=True)
    about = {
        "about": "Per-strategy logistic models for Mendline's repair detector; trained by "
                 f"tools/train_repairs.py{' --embed' if args.embed else ''} on the train+dev "
                 "splits of corpora/repairs, Platt-calibrated and thresholded on out-of-fold "
                 "scores.",
        "licence": "Apache-2.0 (same as Mendline)",
        "lexicon": _lexicon().version, "features": FEATURES_VERSION, "C": C,
        "cases": len(xs), "strict_metacommunication": round(strict, 2),
        "calibration_folds": "by corpus writer" if args.by_author else "by dialogue",
    }
    if args.embed:
        about |= {"embedding": embeddings.MODEL_ID, "embedding_scale": EMB_SCALE}
    out_path.write_text(json.dumps(about | {"strategies": out}, indent=1, sort_keys=False)
                        + "\n", encoding="utf-8")
    print(f"wrote {out_path.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
