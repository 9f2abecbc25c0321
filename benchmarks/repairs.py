"""Repair strategies and episode outcomes on the repair corpus, dev and test splits.

    python benchmarks/repairs.py [--json] [--splits dev test] [--skip-mibot] [--skip-speed]

Prints per-strategy precision/recall/F1, metacommunication F1 (the four exploratory ids
as one class) and episode-outcome accuracy, end to end and with the coded markers and
repairs given; then, on real chat (MIBot, read from ../shared/data when present), how
many counsellor turns are flagged as a repair strategy. The MIBot counsellor is a bot
doing motivational interviewing that seldom speaks about the relationship itself, so
flags there are mostly false alarms: a check on precision in ordinary real language.
Last, the time repair detection and the whole analysis take on the 60-minute benchmark
session, for each installed repair detector in the same process (median of 5 runs).

Targets from issue 4 (test split): metacommunication F1 >= 0.85, every strategy F1 >= 0.6,
outcome accuracy >= 0.75. The model is trained on train+dev, so the
dev figures are optimistic; test is the honest one.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from pathlib import Path

from realdata import mibot_available, mibot_sessions

from mendline.analysis import embeddings
from mendline.analysis.markers import detect_markers
from mendline.analysis.repairs import DETECTORS, detect_repairs
from mendline.analysis.session import analyze_session
from mendline.evaluation import load_cases
from mendline.evaluation_repairs import (
    evaluate_episodes,
    evaluate_strategies,
    load_episode_cases,
)
from mendline.transcript import Role
from mendline.vocabulary import METACOMMUNICATION

ROOT = Path(__file__).resolve().parents[1] / "corpora" / "repairs"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of tables")
    ap.add_argument("--splits", nargs="*", default=["dev", "test"],
                    help="splits to score (none: only the real-chat check and timings)")
    ap.add_argument("--skip-mibot", action="store_true", help="leave out the real-chat check")
    ap.add_argument("--skip-speed", action="store_true", help="leave out the timings")
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
    if not args.skip_mibot and not args.json:
        mibot_figures()
    if not args.skip_speed and not args.json:
        speed_figures()


def _median_time(run, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        embeddings.clear_caches()  # every run encodes afresh: no text cache carried over
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def speed_figures() -> None:
    """Repair detection alone, and the whole analysis, per repair detector installed."""
    from detection import _session_60min  # the same 60-minute session as the markers' figures

    t = _session_60min(unique=False)
    markers = detect_markers(t)
    therapist = sum(1 for u in t.utterances if u.role is Role.THERAPIST)
    print(f"\nSpeed: 60-minute session, {len(t.utterances)} utterances ({therapist} therapist "
          "turns), median of 5 runs, text cache cleared before each")
    baseline = None
    for name in DETECTORS:
        if name == "repairs.embed.v1" and not embeddings.available():
            continue
        detect_repairs(t, markers, name)  # load the model once, as a long-running process
        alone = _median_time(lambda name=name: detect_repairs(t, markers, name))
        if name == "repairs.lr.v1":
            baseline = alone
        ratio = f" ({alone / baseline:.1f}x repairs.lr.v1)" if baseline else ""
        print(f"  {name:18} repairs alone {alone:.3f} s{ratio}")
    whole = _median_time(lambda: analyze_session(t))
    print(f"  whole analysis with the defaults (markers, repairs, episodes, ...) {whole:.3f} s")


def mibot_figures() -> None:
    """Counsellor turns flagged as repair strategies in real MI chat, per 100 turns."""
    if not mibot_available():
        print("MIBot data not found; real-chat check skipped")
        return
    turns = flagged = meta = 0
    per_id: Counter[str] = Counter()
    for _, _, t in mibot_sessions():
        found = detect_repairs(t, detect_markers(t))
        turns += sum(1 for u in t.utterances if u.role is Role.THERAPIST)
        by_turn: dict[int, set[str]] = {}
        for r in found:
            by_turn.setdefault(r.utterance, set()).add(r.id)
            per_id[r.id] += 1
        flagged += len(by_turn)
        meta += sum(1 for ids in by_turn.values() if ids & METACOMMUNICATION)
    print(f"MIBot (real MI chat, CC BY-SA 4.0): {turns} counsellor turns; flagged as any "
          f"strategy {100 * flagged / turns:.1f} per 100, as metacommunication "
          f"{100 * meta / turns:.1f} per 100")
    for sid, n in per_id.most_common():
        print(f"  {sid:38} {100 * n / turns:5.1f}")


if __name__ == "__main__":
    main()
