"""Repair strategies and episode outcomes on the repair corpus, dev and test splits.

    python benchmarks/repairs.py [--json] [--splits dev test]

Prints per-strategy precision/recall/F1, metacommunication F1 (the four exploratory ids
as one class) and episode-outcome accuracy, end to end and with the coded markers and
repairs given. Targets from issue 4 (test split): metacommunication F1 >= 0.85, every
strategy F1 >= 0.6, outcome accuracy >= 0.75. The model is trained on train+dev, so the
dev figures are optimistic; test is the honest one.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from mendline.evaluation import load_cases
from mendline.evaluation_repairs import (
    evaluate_episodes,
    evaluate_strategies,
    load_episode_cases,
)

ROOT = Path(__file__).resolve().parents[1] / "corpora" / "repairs"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of tables")
    ap.add_argument("--splits", nargs="+", default=["dev", "test"])
    args = ap.parse_args()
    # every writer's file: strategies.jsonl, strategies_e.jsonl, ...
    strategies = [c for p in sorted(ROOT.glob("strategies*.jsonl")) for c in load_cases(p)]
    episodes = [c for p in sorted(ROOT.glob("episodes*.jsonl")) for c in load_episode_cases(p)]
    for split in args.splits:
        s = evaluate_strategies(strategies, split=split, source="strategies*.jsonl")
        e = evaluate_episodes(episodes, split=split, source="episodes*.jsonl")
        if args.json:
            print(json.dumps({"split": split, "strategies": json.loads(s.to_json()),
                              "episodes": json.loads(e.to_json())}))
            continue
        print(s.format_table())
        print()
        print(e.format_table())
        worst = min(s.per_id.items(), key=lambda kv: kv[1].f1)
        print(f"\n[{split}] metacommunication F1 {s.metacommunication.f1:.3f}; lowest strategy "
              f"F1 {worst[1].f1:.3f} ({worst[0]}); episode outcome accuracy "
              f"{e.accuracy['end_to_end']:.3f} end to end, "
              f"{e.accuracy['gold_markers_and_repairs']:.3f} with coded markers and repairs\n")


if __name__ == "__main__":
    main()
