"""Web benchmark: page latency over a large stored caseload, and upload-to-analysed time.

Stores C clinicians x K clients x S sessions (default 50 x 40 x 20 = 40,000 sessions) by
bulk-inserting synthetic rows (a few short template sessions, analysed once, copied with
new ids), then times the caseload, client and session pages of one clinician through the
whole app (routing, access checks, tracking, templates, audit writes) with an in-process
HTTP client, and the upload of a synthetic 60-minute Zoom VTT until it is analysed and
stored.

    python benchmarks/web.py [--clinicians 50] [--clients 40] [--sessions 20] [--requests 50]

SQLite in a temporary folder by default; PostgreSQL when MENDLINE_BENCH_PG_URL is set (an
empty database). Target (issue 7): p95 under 200 ms per page. The caseload reuses
per-client timelines while their input is unchanged, so its first request (every
timeline computed) is printed separately. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import make_session, render  # noqa: E402

from mendline.analysis.session import SessionContext, analyze_session  # noqa: E402
from mendline.ingest import read_transcript  # noqa: E402
from mendline.store import open_store  # noqa: E402
from mendline.store.models import (  # noqa: E402
    AnalysisRow,
    ClientRow,
    ClinicianRow,
    EpisodeRow,
    MarkerRow,
    RepairRow,
    SessionRow,
    UtteranceRow,
)
from mendline.transcript import Role  # noqa: E402

PASSWORD = "benchmark password"
ROLES = {"Dr Morgan Lee": Role.THERAPIST, "Sam Rivera": Role.CLIENT}


def _templates(folder: Path, n: int = 4) -> list[tuple[list[dict], dict]]:
    """A few short analysed sessions: (utterance rows, analysis JSON) to copy."""
    out = []
    for seed in range(n):
        suffix, data = render("vtt.zoom", make_session(seed=seed, target_words=260,
                                                       duration_s=180))
        path = folder / f"t{seed}{suffix}"
        path.write_bytes(data)
        t = read_transcript(path, roles=ROLES)
        a = analyze_session(t, SessionContext(number=1)).model_dump(mode="json")
        utts = [{"index": u.index, "speaker": u.speaker, "role": u.role.value,
                 "start_s": u.start_s, "end_s": u.end_s, "text": u.text, "annotations": []}
                for u in t.utterances]
        out.append((utts, a))
    return out


def seed(store, clinicians: int, clients: int, sessions: int, folder: Path) -> None:
    from argon2 import PasswordHasher
    from sqlalchemy import insert

    hashed = PasswordHasher().hash(PASSWORD)
    templates = _templates(folder)
    rng = random.Random(1)
    start = dt.date(2025, 1, 6)
    sid = aid = 0
    with store.transaction() as s:
        s.execute(insert(ClinicianRow), [
            {"id": c + 1, "username": f"clin{c:02d}", "display_name": f"Clinician {c}",
             "role": "clinician", "password_hash": hashed} for c in range(clinicians)])
    for c in range(clinicians):
        rows: dict[type, list[dict]] = {t: [] for t in (ClientRow, SessionRow, UtteranceRow,
                                                         AnalysisRow, MarkerRow, RepairRow,
                                                         EpisodeRow)}
        for k in range(clients):
            cid = c * clients + k + 1
            code = f"C{k:03d}"
            rows[ClientRow].append({"id": cid, "clinician_id": c + 1, "code": code,
                                    "settings": {}})
            for n in range(1, sessions + 1):
                sid += 1
                aid += 1
                utts, a = templates[rng.randrange(len(templates))]
                when = start + dt.timedelta(days=7 * (n - 1))
                rows[SessionRow].append({
                    "id": sid, "client_id": cid, "number": n, "date": when,
                    "source_sha256": f"{sid:064x}", "format": "vtt.zoom", "language": "en",
                    "duration_s": a["session"]["duration_s"]})
                rows[UtteranceRow].extend({**u, "session_id": sid} for u in utts)
                result = {**a, "session": {**a["session"], "client": code, "number": n,
                                           "date": when.isoformat()}}
                rows[AnalysisRow].append({
                    "id": aid, "session_id": sid, "analyzer_version": a["analyzer_version"],
                    "schema_version": a["schema_version"], "detectors": a["detectors"],
                    "engagement": a["engagement"], "result": result})
                for i, m in enumerate(a["markers"]):
                    rows[MarkerRow].append({
                        "analysis_id": aid, "ordinal": i, "utterance": m["utterance"],
                        "vocab_id": m["id"], "family": m["family"], "type": m["type"],
                        "confidence": m["confidence"], "evidence": m["evidence"],
                        "span_start": m["span"][0], "span_end": m["span"][1], "why": m["why"],
                        "detector": m["detector"]})
                for i, r in enumerate(a["repairs"]):
                    rows[RepairRow].append({
                        "analysis_id": aid, "ordinal": i, "utterance": r["utterance"],
                        "vocab_id": r["id"], "metacommunication": r["metacommunication"],
                        "confidence": r["confidence"], "evidence": r["evidence"],
                        "span_start": r["span"][0], "span_end": r["span"][1], "why": r["why"],
                        "detector": r["detector"]})
                for e in a["episodes"]:
                    rows[EpisodeRow].append({
                        "analysis_id": aid, "episode": e["id"], "family": e["family"],
                        "start_utterance": e["start_utterance"],
                        "end_utterance": e["end_utterance"], "markers": e["markers"],
                        "repairs": e["repairs"], "outcome": e["outcome"],
                        "resolution": e["resolution"], "significance": e["significance"],
                        "open_at_end": e["open_at_end"], "evidence": e["evidence"]})
        with store.transaction() as s:
            for table, batch in rows.items():
                if batch:
                    s.execute(insert(table), batch)
    _advance_sequences(store)


def _advance_sequences(store) -> None:
    """Rows were inserted with explicit ids: move PostgreSQL's id sequences past them."""
    from sqlalchemy import text

    with store.transaction() as s:
        if s.get_bind().dialect.name != "postgresql":
            return
        for table in ("clinicians", "clients", "sessions", "analyses"):
            s.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clinicians", type=int, default=50)
    ap.add_argument("--clients", type=int, default=40)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--requests", type=int, default=50)
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from mendline.web import WebSettings, create_app

    folder = Path(tempfile.mkdtemp(prefix="mendline-webbench-"))
    url = os.environ.get("MENDLINE_BENCH_PG_URL") or str(folder / "bench.db")
    store = open_store(url)
    print(f"database: {store.backend} ({store.location})")
    t0 = time.perf_counter()
    seed(store, args.clinicians, args.clients, args.sessions, folder)
    total = args.clinicians * args.clients * args.sessions
    print(f"stored {args.clinicians} clinicians x {args.clients} clients x {args.sessions} "
          f"sessions = {total} sessions in {time.perf_counter() - t0:.1f} s")

    app = create_app(store, WebSettings(secret_key="b" * 48, upload_dir=folder / "uploads",
                                        login_max_failures=1000))
    rng = random.Random(2)
    with TestClient(app) as http:
        page = http.get("/login").text
        token = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
        who = min(7, args.clinicians - 1)
        r = http.post("/login", data={"username": f"clin{who:02d}", "password": PASSWORD,
                                      "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/caseload", r.status_code
        first = who * args.clients + 1
        ids = list(range(first, first + args.clients))
        pages = {
            "caseload": lambda: "/caseload",
            "client": lambda: f"/clients/{rng.choice(ids)}",
            "session": lambda: f"/clients/{rng.choice(ids)}/sessions/"
                               f"{rng.randint(1, args.sessions)}",
        }
        for name, make in pages.items():
            times = []
            for _ in range(args.requests + 3):
                target = make()
                t = time.perf_counter()
                r = http.get(target, follow_redirects=False)
                times.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, (target, r.status_code)
            cold, times = times[0], times[3:]  # the first request, then warm-up
            print(f"{name:9s} p50 {statistics.median(times):7.1f} ms   p95 "
                  f"{_p(times, 0.95):7.1f} ms   max {max(times):7.1f} ms   "
                  f"(n={len(times)}; first request {cold:.0f} ms)")
        csrf = http.get("/upload").text.split('name="csrf-token" content="', 1)[1][:43]
        suffix, data = render("vtt.zoom", make_session(seed=11))
        runs = []
        for i in range(3):
            t = time.perf_counter()
            r = http.post("/upload", data={"csrf_token": csrf, "client": f"NEW{i}"},
                          files={"file": (f"hour{suffix}", data, "text/vtt")},
                          follow_redirects=False)
            runs.append(time.perf_counter() - t)
            assert r.status_code == 303 and "/sessions/1" in r.headers["location"], r.text[:300]
        print(f"upload to analysed, 60-minute Zoom VTT ({len(data) / 1024:.0f} kB): "
              f"median {statistics.median(runs) * 1000:.0f} ms (runs: "
              + ", ".join(f"{x * 1000:.0f}" for x in runs) + " ms)")
    store.close()


if __name__ == "__main__":
    main()
