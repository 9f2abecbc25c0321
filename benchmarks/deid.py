"""De-identification recall and precision on the in-house synthetic set.

    python benchmarks/deid.py [tests/reports/deid_cases.jsonl]

Each case is a short passage with gold identifier spans (all invented). A gold span counts
as *caught* when every one of its characters was replaced, whatever kind Mendline called
it (a leak is what matters); *same kind* when it was also given the gold kind. Precision:
the share of Mendline's replacements that overlap some gold span. It prints per kind and
lists every miss and every false alarm, so the gaps are visible. Written by the same team
as the rules, so treat these figures as optimistic.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from mendline.reports.deid import find_identifiers

_DEFAULT = Path(__file__).resolve().parents[1] / "tests" / "reports" / "deid_cases.jsonl"


def main(path: Path = _DEFAULT) -> None:
    gold_n, caught, same = Counter(), Counter(), Counter()
    pred_n, pred_ok = Counter(), Counter()
    misses, alarms = [], []
    for line in path.read_text("utf-8").splitlines():
        case = json.loads(line)
        text, speakers = case["text"], case.get("speakers", {})
        found = find_identifiers(
            text,
            client_names=tuple(v for k, v in speakers.items() if k == "client"),
            therapist_names=tuple(v for k, v in speakers.items() if k == "therapist"),
        )
        covered = set()
        for f in found:
            covered.update(range(f.start, f.end))
        for g in case["spans"]:
            gold_n[g["kind"]] += 1
            if all(i in covered for i in range(g["start"], g["end"])):
                caught[g["kind"]] += 1
                if any(f.kind == g["kind"] and f.start < g["end"] and g["start"] < f.end
                       for f in found):
                    same[g["kind"]] += 1
            else:
                misses.append((case["id"], g["kind"], text[g["start"]:g["end"]]))
        for f in found:
            pred_n[f.kind] += 1
            if any(f.start < g["end"] and g["start"] < f.end for g in case["spans"]):
                pred_ok[f.kind] += 1
            else:
                alarms.append((case["id"], f.kind, f.text))
    kinds = sorted(set(gold_n) | set(pred_n))
    print(f"{'kind':10} {'gold':>5} {'recall':>7} {'same kind':>9} {'found':>6} {'precision':>9}")
    for k in kinds:
        r = caught[k] / gold_n[k] if gold_n[k] else float("nan")
        s = same[k] / gold_n[k] if gold_n[k] else float("nan")
        p = pred_ok[k] / pred_n[k] if pred_n[k] else float("nan")
        print(f"{k:10} {gold_n[k]:5d} {r:7.2f} {s:9.2f} {pred_n[k]:6d} {p:9.2f}")
    tg, tc = sum(gold_n.values()), sum(caught.values())
    tp, tpo = sum(pred_n.values()), sum(pred_ok.values())
    print(f"{'all':10} {tg:5d} {tc / tg:7.2f} {sum(same.values()) / tg:9.2f} {tp:6d} "
          f"{tpo / tp:9.2f}")
    print("\nMissed (not fully replaced):")
    for m in misses:
        print(f"  {m[0]}  {m[1]:9} {m[2]!r}")
    print("\nFalse alarms (replaced, not an identifier):")
    for a in alarms:
        print(f"  {a[0]}  {a[1]:9} {a[2]!r}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else _DEFAULT)
