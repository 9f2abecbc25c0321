"""Marker detection benchmarks: accuracy, real-language rates, speed. Prints; asserts nothing.

    python benchmarks/detection.py [--split test] [--skip-mibot] [--skip-speed]

(a) ``mendline eval`` figures on ``corpora/markers/*.jsonl`` (the test split by default),
    with the keyword and VADER baselines beside them.
(b) MIBot (``../shared/data/mibot`` relative to the repository; CC BY-SA 4.0, Mahmood et
    al., Findings of ACL 2025): 106 real smokers talking with an MI counsellor bot. Marker
    rates per 100 client turns for clients who liked vs disliked the conversation, and the
    share of short client turns flagged. Read at run time only; nothing is copied.
(c) Speed: a synthetic 60-minute session (~600 utterances, ~9,000 words), median of 5 runs,
    and peak memory from tracemalloc.
"""

from __future__ import annotations

import argparse
import csv
import glob
import json
import random
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

from mendline.analysis.engagement import is_backchannel_text
from mendline.analysis.markers import DEFAULT_DETECTOR, detect_markers
from mendline.evaluation import case_transcript, evaluate, load_cases, split_of
from mendline.ingest.annotations import find_annotations
from mendline.transcript import Role, RoleSource, Speaker, Transcript, Utterance

ROOT = Path(__file__).resolve().parents[1]
MIBOT = ROOT.parent / "shared" / "data" / "mibot"


def _transcript(turns: list[tuple[Role, str]], source: str) -> Transcript:
    us = tuple(Utterance(i, r.value.capitalize(), r, text, annotations=find_annotations(text))
               for i, (r, text) in enumerate(turns))
    speakers = (Speaker("Therapist", Role.THERAPIST, RoleSource.EXPLICIT, 1.0),
                Speaker("Client", Role.CLIENT, RoleSource.EXPLICIT, 1.0))
    return Transcript(us, speakers, "benchmark", "0" * 64, source=source, language="en")


def corpus_figures(split: str) -> None:
    files = sorted(glob.glob(str(ROOT / "corpora" / "markers" / "*.jsonl")))
    if not files:
        print("(a) no corpus files under corpora/markers")
        return
    cases = [c for f in files for c in load_cases(f)]
    report = evaluate(cases, split=split, source="corpora/markers/*.jsonl")
    print(f"(a) corpus, {split} split")
    print(report.format_table())
    # Backchannels ("mm-hmm", "yeah", "okay") not labelled as minimal responses: how many
    # does the detector flag as minimal anyway? Target <= 5% (issue 3).
    n = flagged = 0
    for c in cases:
        text = c.turns[c.target]["text"]
        if (split_of(c.dialogue) != split or c.target_role != "client"
                or "withdrawal.minimal_response" in c.labels or not is_backchannel_text(text)):
            continue
        n += 1
        flagged += any(m.id == "withdrawal.minimal_response" and m.utterance == c.target
                       for m in detect_markers(case_transcript(c)))
    print(f"  backchannel-only client turns not labelled minimal: {flagged} of {n} flagged "
          f"as minimal responses ({flagged / max(n, 1):.0%})")


def _mibot_sessions() -> list[tuple[str, bool, Transcript]]:
    liked = {}
    with (MIBOT / "data.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            liked[row["ParticipantID"]] = row["LikedBot"].strip().upper() == "YES"
    out = []
    for path in sorted((MIBOT / "transcripts").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        turns: list[tuple[Role, str]] = []
        for u in doc["utterances"]:  # the counsellor's sentences arrive one by one: merge
            role = Role.THERAPIST if u["speaker"] == "counsellor" else Role.CLIENT
            if turns and turns[-1][0] is role:
                turns[-1] = (role, turns[-1][1] + " " + u["text"])
            else:
                turns.append((role, u["text"]))
        pid = doc["participant_id"]
        if pid in liked:
            out.append((pid, liked[pid], _transcript(turns, pid)))
    return out


def mibot_figures() -> None:
    if not (MIBOT / "data.csv").is_file():
        print(f"(b) MIBot data not found at {MIBOT}; skipped")
        return
    sessions = _mibot_sessions()
    groups: dict[bool, dict[str, float]] = {}
    short_total = short_flagged = 0
    bc_total = bc_flagged = 0
    for liked in (True, False):
        turns = 0
        per_id: Counter[str] = Counter()
        per_family: Counter[str] = Counter()
        flagged_turns = 0
        for _, like, t in sessions:
            if like is not liked:
                continue
            found = detect_markers(t)
            client = [u for u in t.utterances if u.role is Role.CLIENT and u.text.strip()]
            turns += len(client)
            by_turn: dict[int, set[str]] = {}
            for m in found:
                by_turn.setdefault(m.utterance, set()).add(m.id)
                per_id[m.id] += 1
            for ids in by_turn.values():
                for fam in {i.split(".")[0] for i in ids}:
                    per_family[fam] += 1
            flagged_turns += len(by_turn)
            for u in client:
                if u.words <= 3:
                    short_total += 1
                    short_flagged += u.index in by_turn
                before = t.utterances[u.index - 1] if u.index else None
                if (is_backchannel_text(u.text) and before is not None
                        and "?" not in before.text):
                    bc_total += 1
                    bc_flagged += "withdrawal.minimal_response" in by_turn.get(u.index, set())
        groups[liked] = {"sessions": sum(1 for s in sessions if s[1] is liked),
                         "client_turns": turns, "flagged_turns": flagged_turns,
                         **{f"family:{k}": v for k, v in per_family.items()},
                         **{k: v for k, v in per_id.items()}}
    print("(b) MIBot (real client language; CC BY-SA 4.0; LikedBot is a weak session label)")
    keys = sorted({k for g in groups.values() for k in g} - {"sessions", "client_turns"})
    print(f"  {'per 100 client turns':<44} {'liked':>8} {'disliked':>9}")
    print(f"  {'sessions':<44} {groups[True]['sessions']:>8.0f} {groups[False]['sessions']:>9.0f}")
    print(f"  {'client turns':<44} {groups[True]['client_turns']:>8.0f} "
          f"{groups[False]['client_turns']:>9.0f}")
    for k in keys:
        vals = [100 * groups[g].get(k, 0) / max(groups[g]["client_turns"], 1)
                for g in (True, False)]
        print(f"  {k:<44} {vals[0]:>8.1f} {vals[1]:>9.1f}")
    print(f"  short client turns (<= 3 words) flagged: {short_flagged} of {short_total} "
          f"({short_flagged / max(short_total, 1):.0%})")
    print(f"  backchannels after a counsellor turn with no question, flagged as minimal: "
          f"{bc_flagged} of {bc_total} ({bc_flagged / max(bc_total, 1):.0%})")


_T_LINES = [
    "How did you feel when that happened?", "When was that?", "What was that like for you?",
    "It sounds like it was a lot to carry on your own, and I'm struck by how much you took on.",
    "So the idea with this exercise is that when we notice the thought, we can step back from "
    "it a little, rather than getting pulled along by it every time it shows up.",
    "I wonder if part of you was hoping she would notice without you having to say it.",
    "What would you like to focus on for the rest of our time today?",
    "Mm-hmm.", "Okay. So before we go on, I want to come back to something you said at the "
    "start today, about feeling like you have to hold everything together for everyone. "
    "What is it like to say that out loud here?",
    "Could you try writing those thoughts down this week, just a few lines a day?",
]
_C_LINES = [
    "I don't know.", "Yeah.", "Tuesday, after work.",
    "I guess I was mostly tired, and then annoyed at myself for being tired, because there was "
    "so much to do and nobody else was going to do it, so I just kept going until late.",
    "[laughs] My dad never showed up to anything, it's fine.",
    "Honestly, you're not listening to me. I said it wasn't about her.",
    "Anyway, at work this week there was this whole thing with the new rota and my manager "
    "changed everyone's shifts without asking, and people were really upset about it.",
    "That makes sense, because when I wait it only gets worse, so I'd rather try it.",
    "Whatever you think is best.", "Nothing's going to help me anyway.",
]


def synthetic_session(minutes: int = 60, seed: int = 7) -> Transcript:
    """About 600 utterances and 9,000 words for 60 minutes, with timestamps."""
    rng = random.Random(seed)
    turns: list[tuple[Role, str]] = []
    n = minutes * 10
    for i in range(n):
        role = Role.THERAPIST if i % 2 == 0 else Role.CLIENT
        turns.append((role, rng.choice(_T_LINES if role is Role.THERAPIST else _C_LINES)))
    t = _transcript(turns, "synthetic")
    step = minutes * 60 / n
    us = tuple(Utterance(u.index, u.speaker, u.role, u.text, u.index * step,
                         u.index * step + step * 0.9, u.annotations) for u in t.utterances)
    return Transcript(us, t.speakers, t.format, t.sha256, language="en")


def speed_figures() -> None:
    t = synthetic_session()
    words = sum(u.words for u in t.utterances)
    detect_markers(t)  # warm the lexicon and model caches, as a long-running process would
    times = []
    for _ in range(5):
        start = time.perf_counter()
        found = detect_markers(t)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    detect_markers(t)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"(c) speed: synthetic 60-minute session, {len(t.utterances)} utterances, {words} words")
    print(f"  detector {DEFAULT_DETECTOR}: median {statistics.median(times):.3f} s of 5 runs "
          f"(min {min(times):.3f}, max {max(times):.3f}); {len(found)} markers; "
          f"peak traced memory {peak / 1e6:.1f} MB")


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="test", choices=["train", "dev", "test"])
    ap.add_argument("--skip-mibot", action="store_true")
    ap.add_argument("--skip-speed", action="store_true")
    args = ap.parse_args(argv)
    corpus_figures(args.split)
    if not args.skip_mibot:
        print()
        mibot_figures()
    if not args.skip_speed:
        print()
        speed_figures()


if __name__ == "__main__":
    main(sys.argv[1:])
