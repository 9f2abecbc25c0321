"""Ingest benchmark: parse time and peak memory per format, and import time into SQLite.

A synthetic 60-minute, two-speaker, ~9,000-word session is written in each format. Figures are
medians of 5 runs, with a baseline in the same process (reading the same bytes and splitting
lines, the least any parser must do) so ratios survive a slower or faster machine.

    python benchmarks/ingest.py [--runs 5]

Targets on a 2-core machine (issue 2): parse under 50 ms, import under 200 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import FORMATS, make_session, render  # noqa: E402

from mendline.ingest import read_transcript  # noqa: E402
from mendline.transcript import Role  # noqa: E402

ROLES = {"Dr Morgan Lee": Role.THERAPIST, "Sam Rivera": Role.CLIENT,
         "SPEAKER_00": Role.THERAPIST, "SPEAKER_01": Role.CLIENT}


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def peak_memory(fn) -> int:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    turns = make_session()
    words = sum(len(t.text.split()) for t in turns)
    print(f"session: {len(turns)} turns, {words} words, {turns[-1].end_s / 60:.0f} minutes")
    print(f"{'format':<15}{'bytes':>10}{'parse ms':>10}{'baseline ms':>13}{'ratio':>8}"
          f"{'peak MiB':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for fmt in FORMATS:
            suffix, data = render(fmt, turns)
            p = Path(tmp) / f"session{suffix}"
            p.write_bytes(data)
            paths[fmt] = p
            roles = {k: v for k, v in ROLES.items()}

            def parse(p=p, roles=roles):
                return read_transcript(p, roles=roles)

            def baseline(p=p):
                return p.read_bytes().decode("utf-8", "replace").splitlines()

            parse()  # warm imports and caches
            t = median_time(parse, args.runs)
            b = median_time(baseline, args.runs)
            peak = peak_memory(parse)
            print(f"{fmt:<15}{len(data):>10}{t * 1000:>10.1f}{b * 1000:>13.2f}"
                  f"{t / b:>8.0f}{peak / 2**20:>10.1f}")

        from mendline.analysis.session import analyze_session
        from mendline.importing import import_file
        from mendline.store import get_or_create_clinician, import_session, open_store

        roles = {"Dr Morgan Lee": Role.THERAPIST, "Sam Rivera": Role.CLIENT}
        transcript = read_transcript(paths["vtt.zoom"], roles=roles)
        analysis = analyze_session(transcript)
        t_analyse = median_time(lambda: analyze_session(transcript), args.runs)
        store_times, full_times = [], []
        for n in range(args.runs):
            store = open_store(str(Path(tmp) / f"store{n}.db"))
            get_or_create_clinician(store, "bench")
            t0 = time.perf_counter()
            import_session(store, clinician="bench", client_code="C-1", transcript=transcript,
                           analysis=analysis)
            store_times.append(time.perf_counter() - t0)
            store = open_store(str(Path(tmp) / f"full{n}.db"))
            t0 = time.perf_counter()
            import_file(store, paths["vtt.zoom"], clinician="bench", client_code="C-1",
                        roles=roles)
            full_times.append(time.perf_counter() - t0)
        print(f"analyse (markers, repairs, episodes, guidance): median {t_analyse * 1000:.0f} ms")
        print(f"store a parsed, analysed session into SQLite: "
              f"median {statistics.median(store_times) * 1000:.0f} ms")
        print(f"import_file (read + analyse + store, vtt.zoom): "
              f"median {statistics.median(full_times) * 1000:.0f} ms over {args.runs} runs")


if __name__ == "__main__":
    main()
