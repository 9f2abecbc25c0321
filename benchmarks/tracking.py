"""Tracking at caseload scale: N clients x S sessions of synthetic engagement records.

No database: this times ``track_client`` and ``rank_caseload`` alone, the part every
runner (CLI, web, batch) shares. Timelines are streamed into the ranking, as a caller
should, so memory holds the inputs and the caseload entries, not every timeline.

    python benchmarks/tracking.py [--clients 10000] [--sessions 20]

Prints wall time (without tracemalloc) and peak traced memory (a second, traced run).
Targets from issue 5: under 60 s and under 2 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import time
import tracemalloc

from mendline.analysis.result import Engagement
from mendline.stage import StageSettings
from mendline.tracking import (
    AttendanceRecord,
    AttendanceStatus,
    ClientHistory,
    EpisodeRecord,
    MarkerHit,
    MeasureRecord,
    SessionRecord,
    rank_caseload,
    track_client,
)

SRS_KEYS = ("srs.relationship", "srs.goals_topics", "srs.approach_method", "srs.overall")


def history(i: int, n_sessions: int) -> ClientHistory:
    rng = random.Random(i)
    base_wpt = rng.uniform(4, 40)
    drop_at = rng.choice([None, None, None, rng.randint(6, n_sessions)])
    start = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 6))
    sessions, attendance, measures = [], [], []
    for n in range(1, n_sessions + 1):
        f = 0.5 if drop_at and n >= drop_at else 1.0
        turns = rng.randint(25, 70)
        wpt = max(1.0, rng.gauss(base_wpt, base_wpt * 0.15) * f)
        share = min(0.9, max(0.05, rng.gauss(0.5, 0.05) * (0.5 + 0.5 * f)))
        minimal = min(1.0, max(0.0, rng.gauss(0.15, 0.04) / f))
        latency = max(0.1, rng.gauss(1.0, 0.15) / f)
        eng = Engagement(
            duration_s=3000.0,
            therapist_words=2500,
            client_words=int(wpt * turns),
            other_words=0,
            therapist_turns=turns,
            client_turns=turns,
            other_turns=0,
            client_word_share=share,
            client_words_per_turn_median=wpt,
            client_words_per_turn_iqr=5.0,
            client_minimal_turn_rate=minimal,
            client_backchannels=2,
            client_minimal_replies=int(minimal * turns),
            therapist_questions=12,
            therapist_open_questions=6,
            therapist_closed_questions=6,
            response_latency_median_s=latency,
            response_latency_p90_s=latency * 2,
            long_pauses=rng.randint(0, 3),
            overlaps=1,
            nonverbal={},
        )
        day = start + dt.timedelta(weeks=n - 1)
        markers = tuple(
            MarkerHit(
                rng.choice(
                    (
                        "withdrawal.minimal_response",
                        "withdrawal.denial",
                        "confrontation.rejects_intervention",
                    )
                ),
                0.7,
            )
            for _ in range(rng.randint(0, 4))
        )
        episodes = (
            (EpisodeRecord("withdrawal", rng.choice(("resolved", "unresolved"))),)
            if markers
            else ()
        )
        sessions.append(SessionRecord(n, day, eng, markers, episodes))
        status = AttendanceStatus.MISSED if rng.random() < 0.05 else AttendanceStatus.ATTENDED
        attendance.append(AttendanceRecord(day, status))
        srs = [min(10.0, round(rng.gauss(9.3, 0.6), 1)) for _ in SRS_KEYS]
        measures.append(MeasureRecord("SRS", day, dict(zip(SRS_KEYS, srs, strict=True)), session=n))
    return ClientHistory(
        f"C-{i:05d}",
        tuple(sessions),
        tuple(attendance),
        tuple(measures),
        stage=StageSettings(planned_sessions=n_sessions + rng.randint(0, 4)),
    )


def run(histories: list[ClientHistory]) -> float:
    t0 = time.perf_counter()
    entries = rank_caseload(track_client(h) for h in histories)
    elapsed = time.perf_counter() - t0
    assert len(entries) == len(histories)
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=10_000)
    ap.add_argument("--sessions", type=int, default=20)
    args = ap.parse_args()
    t0 = time.perf_counter()
    histories = [history(i, args.sessions) for i in range(args.clients)]
    build = time.perf_counter() - t0
    elapsed = run(histories)
    n = args.clients * args.sessions
    print(f"clients: {args.clients}, sessions each: {args.sessions} ({n} sessions)")
    print(f"building synthetic histories: {build:.1f} s")
    print(
        f"track_client + rank_caseload: {elapsed:.1f} s "
        f"({elapsed / args.clients * 1000:.2f} ms per client)"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak resident memory of the process so far: {rss:.0f} MiB")
    del histories
    tracemalloc.start()
    histories = [history(i, args.sessions) for i in range(args.clients)]
    inputs, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    run(histories)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"traced memory of the inputs: {inputs / 2**20:.0f} MiB")
    print(f"peak traced memory while tracking (inputs included): {peak / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
