"""Batch benchmark: sessions per second for each engine over the same synthetic archive.

The archive holds ``--clients`` invented clients with ``--sessions`` 30-minute Zoom transcripts
each (benchmarks/synthetic.py, every turn's text made distinct so no cache helps). Each engine
analyses the whole archive ``--runs`` times; the figure is the median wall time, with the
in-process run (one worker, no pool) as the baseline in the same process, so the ratios carry
over to a faster or slower machine. Start-up (spawning workers, starting Spark's JVM, loading
the models in each worker) is inside the timing: it is what a user waits for.

    python benchmarks/batch.py [--clients 8] [--sessions 3] [--runs 3] [--skip-spark]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import Turn, make_session, render  # noqa: E402

from mendline.analysis import embeddings  # noqa: E402
from mendline.batch import plan_archive, run_jobs  # noqa: E402


def write_archive(root: Path, clients: int, sessions: int) -> int:
    """Zoom VTT files, one folder per client; returns the number of words written."""
    words = 0
    for c in range(clients):
        folder = root / f"C-{c + 1:03d}"
        folder.mkdir(parents=True)
        for s in range(sessions):
            turns = make_session(seed=1000 * c + s, target_words=4500, duration_s=1800.0)
            distinct = [Turn(t.speaker, f"{t.text} ({c}.{s}.{i})", t.start_s, t.end_s)
                        for i, t in enumerate(turns)]
            words += sum(len(t.text.split()) for t in distinct)
            suffix, data = render("vtt.zoom", distinct)
            (folder / f"2026-03-{s + 1:02d}_session{suffix}").write_bytes(data)
    return words


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--sessions", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-spark", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="mendline-batch-bench-"))
    try:
        words = write_archive(work / "archive", args.clients, args.sessions)
        jobs = plan_archive(work / "archive")
        n = sum(len(j.sessions) for j in jobs)
        print(f"archive: {args.clients} clients x {args.sessions} sessions = {n} sessions, "
              f"{words} words (30-minute Zoom transcripts)")
        engines = [("in-process (baseline)", "local", 1), ("local pool, 2 workers", "local", 2)]
        if not args.skip_spark:
            engines.append(("Spark local[2]", "spark", None))
        baseline = None
        for label, engine, workers in engines:
            times = []
            for run in range(args.runs):
                out = work / f"out-{engine}-{workers}-{run}"
                embeddings.clear_caches()  # no text cache carried from the last run
                start = time.perf_counter()
                summary = run_jobs(jobs, out, engine=engine, workers=workers, master="local[2]")
                times.append(time.perf_counter() - start)
                assert summary.sessions == n and not summary.errors
            median = statistics.median(times)
            baseline = baseline or median
            print(f"{label:24s} median {median:6.1f} s of {args.runs} runs "
                  f"({n / median:5.2f} sessions/s; {baseline / median:4.2f}x the baseline; "
                  f"runs {', '.join(f'{t:.1f}' for t in times)})")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e3
        print(f"peak RSS: this process {rss:.0f} MB; largest worker process {child:.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
