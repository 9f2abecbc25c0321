"""Train ``markers.embed.v1`` and write ``data/models/markers_embed_v1.json``.

    python tools/train_markers_embed.py [--search] [--by-author] [--episodes] [FILE.jsonl ...]

Needs the embeddings extra (``pip install 'mendline[embeddings]'``) and scikit-learn.

Features per client turn (:func:`mendline.analysis.markers_embed.design_matrix`): the
``markers.lr.v1`` feature vector (phrase cues, counter-cues, context), the client turn's
all-MiniLM-L6-v2 vector, and whether a therapist turn comes before it. Every column is
standardised on TRAIN and the sentence-vector block is then
scaled by ``EMB_SCALE`` (so 384 small columns neither drown nor get drowned by the 100
hand-made ones); the scaling is folded back into the stored weights, so the package applies
them to raw features.

One L2 logistic regression per marker id on the TRAIN split, fitted and calibrated on the
turns where the id may be reported at all (``markers.open_to``: no 3RS boundary rule rules
it out); the others count as not found when thresholds are chosen, as in analysis. As in
``tools/train_markers.py``, calibration uses held-out scores only: out-of-fold scores on
TRAIN (5 folds grouped by dialogue) plus the DEV split, because DEV alone holds 7-17
positives per id. On that pool: Platt scaling, then the threshold in ``training.THRESHOLDS``
(0.2-0.7) that maximises F1, with cue-precision floors as in lr.v1. ``--search`` picks ``C``
and ``EMB_SCALE`` on the same pool (mean held-out F1 over ids) and prints the grid. The TEST
split is never read here; the final DEV figures come from ``mendline.evaluation`` with the
written weights, so they include the boundary-rule vetoes, and are on the marker corpus
only.

``--episodes`` adds every client turn of the coded episodes (``training.episode_turns``:
running conversation, markers at their natural rate, the episode writers' own labels), and
thresholds are then chosen with those turns and the corpus counting equally
(``training.two_kinds_weights``). The shipped model is trained ``--by-author --episodes``.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from training import (
    THRESHOLDS,
    f1,
    family_thresholds,
    oof_logits,
    two_kinds_weights,
    with_conversation,
)

from mendline.analysis import embeddings, markers, markers_embed
from mendline.analysis.markers import FEATURE_NAMES, cue_bucket
from mendline.analysis.markers_embed import (
    EXTRA_FEATURES,
    MODEL_RESOURCE,
    design_matrix,
    encode_rows,
    may_show,
    signed_families,
    turn_rows,
)
from mendline.evaluation import case_transcript, evaluate, load_cases, split_of
from mendline.vocabulary import TRANSCRIPT_MARKERS

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "mendline" / MODEL_RESOURCE
# Chosen with --search on OOF-TRAIN + DEV (mean held-out F1 over ids); see the issue note.
C = 0.03
EMB_SCALE = 0.5
_GRID_C = (0.03, 0.1, 0.3, 1.0)
_GRID_SCALE = (0.25, 0.5, 1.0)
def _matrix(cases, encoder, by_author, conversation=frozenset()):
    """Features, labels, fold groups, cue buckets, signed families, whether the row is a
    turn of running conversation (its case id in ``conversation``) and where each id may show
    (``markers_embed.may_show``), one row per case.

    ``by_author``: out-of-fold scores leave one corpus writer out at a time (cases without
    an "author" are writer A's) instead of one group of dialogues, so calibration,
    thresholds and --search see phrasing from a writer the model has not read.
    """
    rows, ys, groups, conv = [], [], [], []
    for case in cases:
        by_index = {r.utterance.index: r for r in turn_rows(case_transcript(case))}
        row = by_index.get(case.target)
        if row is None:
            continue  # empty target turn: nothing to learn from
        rows.append(row)
        ys.append([mid in case.labels for mid in TRANSCRIPT_MARKERS])
        groups.append((case.author or "A") if by_author else case.dialogue)
        conv.append(case.id in conversation)
    x = design_matrix(rows, encode_rows(rows, encoder)).astype(np.float64)
    buckets = np.array([[cue_bucket(r.hits.get(mid)) or "" for mid in TRANSCRIPT_MARKERS]
                        for r in rows], dtype=object)
    open_ = np.array([[may_show(r, mid) for mid in TRANSCRIPT_MARKERS] for r in rows],
                     dtype=bool)
    return (x, np.array(ys, dtype=bool), groups, buckets, [signed_families(r) for r in rows],
            np.array(conv, dtype=bool), open_)


def _scaler(x, emb_scale):
    """Per-column (mean, 1/scale) from TRAIN; the embedding block is scaled by emb_scale."""
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std < 1e-6] = 1.0
    inv = 1.0 / std
    n = len(FEATURE_NAMES)
    inv[n:n + embeddings.DIM] *= emb_scale
    return mean, inv


def _fit(x, y, c):
    return LogisticRegression(C=c, class_weight="balanced", max_iter=3000).fit(x, y)


def _train_id(k, xs_tr, ytr, gtr, btr, xs_dv, ydv, bdv, c, weight, otr, odv):
    """Fit, calibrate and threshold one id (``weight``: see ``training.two_kinds_weights``).

    ``otr``/``odv`` say where the id may show at all (``markers_embed.may_show``: not
    ruled out by a 3RS boundary rule). The model learns from those rows only, as it is only
    ever asked about them: "my boss never listens" can never be a complaint about the
    therapist, so it should not teach the model that talk of not being listened to is
    unlike one. Thresholds are still chosen over every row, the ruled-out ones counting as
    not found, as the detector reports them.

    Returns the fitted model, (Platt a, b, threshold, cue floors), the pooled held-out F1,
    the dev F1, and the pooled held-out probabilities (out-of-fold TRAIN, then DEV).
    """
    mtr, mdv = otr[:, k], odv[:, k]
    lr = _fit(xs_tr[mtr], ytr[mtr, k], c)
    zdv = lr.decision_function(xs_dv)
    ztr = np.full(len(ytr), -5.0)
    ztr[mtr] = oof_logits(lambda x, y: _fit(x, y, c), xs_tr[mtr], ytr[mtr, k],
                          [g for g, m in zip(gtr, mtr, strict=True) if m])
    z = np.concatenate([ztr, zdv])
    y = np.concatenate([ytr[:, k], ydv[:, k]])
    shown = np.concatenate([mtr, mdv])
    platt = LogisticRegression(C=100.0, max_iter=1000).fit(z[shown].reshape(-1, 1), y[shown])
    a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
    floors = {bk: ((int(((btr[:, k] == bk) & ytr[:, k] & mtr).sum()) + 1)
                   / (int(((btr[:, k] == bk) & mtr).sum()) + 2)) for bk in ("strong", "medium")}
    buckets = np.concatenate([btr[:, k], bdv[:, k]])
    floor = np.array([floors.get(bk, 0.0) for bk in buckets])
    p = np.where(shown, np.maximum(1 / (1 + np.exp(-(a * z + b))), floor), 0.0)
    scores = [f1(y, p >= th, weight) for th in THRESHOLDS]
    threshold = float(THRESHOLDS[int(np.argmax(scores))])
    dev_f1 = f1(ydv[:, k], p[len(ytr):] >= threshold)
    return lr, (a, b, threshold, floors), max(scores), dev_f1, p


def _search(xtr, ytr, gtr, btr, xdv, ydv, bdv, weight, otr, odv):
    best = None
    for scale in _GRID_SCALE:
        mean, inv = _scaler(xtr, scale)
        xs_tr, xs_dv = (xtr - mean) * inv, (xdv - mean) * inv
        for c in _GRID_C:
            pooled, dev = [], []
            for k in range(len(TRANSCRIPT_MARKERS)):
                _, _, f_pool, f_dev, _ = _train_id(k, xs_tr, ytr, gtr, btr, xs_dv, ydv, bdv,
                                                   c, weight, otr, odv)
                pooled.append(f_pool)
                dev.append(f_dev)
            score = float(np.mean(pooled))
            print(f"  EMB_SCALE {scale:<5} C {c:<5} held-out F1 {score:.3f} "
                  f"(dev-only {np.mean(dev):.3f}, ids >= 0.6 on dev: "
                  f"{sum(f >= 0.6 for f in dev)})", flush=True)
            if best is None or score > best[0]:
                best = (score, c, scale)
    assert best is not None
    print(f"  chosen: C {best[1]}, EMB_SCALE {best[2]}")
    return best[1], best[2]


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--search", action="store_true", help="choose C and EMB_SCALE on held-out")
    ap.add_argument("--by-author", action="store_true",
                    help="out-of-fold folds leave one corpus writer out (see _matrix)")
    ap.add_argument("--episodes", action="store_true",
                    help="also learn from every client turn of corpora/repairs/episodes*.jsonl")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args(argv)
    files = args.files or sorted(glob.glob(str(ROOT / "corpora" / "markers" / "*.jsonl")))
    cases = [c for f in files for c in load_cases(f)]
    corpus_dev = [c for c in cases if split_of(c.dialogue) == "dev"]
    conversation: set[str] = set()
    if args.episodes:
        cases, files, conversation = with_conversation(cases, files)
    train = [c for c in cases if split_of(c.dialogue) == "train"]
    dev = [c for c in cases if split_of(c.dialogue) == "dev"]
    encoder = embeddings.get_encoder()
    start = time.perf_counter()
    xtr, ytr, gtr, btr, signed_tr, conv_tr, otr = _matrix(train, encoder, args.by_author,
                                                          conversation)
    xdv, ydv, _, bdv, signed_dv, conv_dv, odv = _matrix(dev, encoder, args.by_author,
                                                        conversation)
    weight = two_kinds_weights(np.concatenate([conv_tr, conv_dv]))
    print(f"features for {len(xtr)} train and {len(xdv)} dev turns in "
          f"{time.perf_counter() - start:.1f} s ({xtr.shape[1]} columns)")
    c, scale = (_search(xtr, ytr, gtr, btr, xdv, ydv, bdv, weight, otr, odv) if args.search
                else (C, EMB_SCALE))
    mean, inv = _scaler(xtr, scale)
    xs_tr, xs_dv = (xtr - mean) * inv, (xdv - mean) * inv
    models, pooled, thresholds = {}, [], []
    for k, mid in enumerate(TRANSCRIPT_MARKERS):
        lr, (a, b, threshold, floors), f_pool, f_dev, p = _train_id(
            k, xs_tr, ytr, gtr, btr, xs_dv, ydv, bdv, c, weight, otr, odv)
        pooled.append(p)
        thresholds.append(threshold)
        # Fold the standardisation into the weights: w.(x - mean)*inv = (w*inv).x - w.(mean*inv)
        w = lr.coef_[0] * inv
        bias = float(lr.intercept_[0] - (lr.coef_[0] * inv * mean).sum())
        models[mid] = {
            **{f"{bk}_rule_precision": round(v, 4) for bk, v in floors.items()},
            "weights": [float(v) for v in np.float32(w).round(5)],
            "bias": round(bias, 5), "platt_a": round(a, 5), "platt_b": round(b, 5),
            "threshold": round(threshold, 2),
            "train_positives": int(ytr[:, k].sum()), "dev_positives": int(ydv[:, k].sum()),
            "heldout_f1": round(f_pool, 4), "dev_f1": round(f_dev, 4),
        }
        print(f"{mid:44} train+ {ytr[:, k].sum():4d} dev+ {ydv[:, k].sum():3d} "
              f"held-out F1 {f_pool:.2f} dev F1 {f_dev:.2f} at {threshold:.2f}")
    families = family_thresholds(np.concatenate([ytr, ydv]), pooled, thresholds,
                                  signed_tr + signed_dv, weight)
    digest = hashlib.sha256()
    for f in files:
        digest.update(Path(f).read_bytes())
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "about": "Per-marker logistic models for Mendline's markers.embed.v1 detector "
                 "(cue and context features plus an all-MiniLM-L6-v2 sentence vector), "
                 "trained by tools/train_markers_embed.py on the in-house synthetic corpus "
                 "(train split), Platt-calibrated and thresholded on held-out dialogues "
                 "(dev split plus out-of-fold train).",
        "licence": "Apache-2.0 (same as Mendline)",
        "corpus_sha256": digest.hexdigest(), "episode_turns": args.episodes,
        "train_cases": len(xtr), "dev_cases": len(xdv),
        "C": c, "emb_scale": scale, "embedding": embeddings.MODEL_ID,
        "base_features": list(FEATURE_NAMES), "extra_features": list(EXTRA_FEATURES),
        "markers": models, "family_thresholds": families,
    }, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size / 1e3:.0f} kB)")
    markers_embed._model.cache_clear()
    markers_embed.register(markers.DETECTORS)
    for name in ("markers.lr.v1", markers_embed.NAME):
        s = evaluate(corpus_dev, split="dev", detector=name).system
        print(f"dev, {name}: family macro-F1 {s.family_macro_f1:.3f}, id macro-F1 "
              f"{s.macro_f1:.3f}, ids with F1 >= 0.6: "
              f"{sum(p.f1 >= 0.6 for p in s.per_id.values())} of {len(s.per_id)}")


if __name__ == "__main__":
    main(sys.argv[1:])
