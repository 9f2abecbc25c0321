"""Research exports: CSV tables keyed by the vocabulary ids.

- ``markers_csv``: one row per client marker and per therapist repair attempt, at the
  utterance level (``kind`` = marker | repair).
- ``segments_csv``: the 3RS segment table, one row per 5-minute segment, with withdrawal
  and confrontation significance and resolution as 3RS coders rate them (0 = absent,
  1-5; Eubanks, Muran & Safran, 2015).
- ``episodes_csv``: one row per rupture episode, with its markers, repairs and outcome.

No dates and no transcript text by default: sessions are identified by the pseudonymous
client code and the session number. ``include_text=True`` adds the evidence substring,
passed through a ``Deidentifier`` when one is given.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from mendline.analysis.result import SessionAnalysis
from mendline.reports.deid import Deidentifier
from mendline.reports.inputs import load_report_inputs
from mendline.store import Store, list_clients

__all__ = ["MARKER_COLUMNS", "SEGMENT_COLUMNS", "EPISODE_COLUMNS", "markers_csv",
           "segments_csv", "episodes_csv", "export_tables"]

MARKER_COLUMNS = ("client", "session", "utterance", "start_s", "role", "kind", "id", "family",
                  "metacommunication", "confidence", "detector", "episode")
SEGMENT_COLUMNS = ("client", "session", "segment", "start_s", "end_s", "start_utterance",
                   "end_utterance", "withdrawal_significance", "confrontation_significance",
                   "resolution")
EPISODE_COLUMNS = ("client", "session", "episode", "family", "start_utterance", "end_utterance",
                   "marker_ids", "repair_ids", "metacommunication", "outcome", "resolution",
                   "significance", "open_at_end")


def _csv(columns: Sequence[str], rows: Iterable[dict[str, object]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if v is None else v) for k, v in r.items()})
    return buf.getvalue()


def _who(a: SessionAnalysis) -> tuple[str, int | None]:
    return a.session.client or "", a.session.number


def markers_csv(analyses: Iterable[SessionAnalysis], *, include_text: bool = False,
                deid: Deidentifier | None = None) -> str:
    """Utterance-level markers and repair attempts."""
    cols = MARKER_COLUMNS + (("evidence",) if include_text else ())
    rows = []
    for a in analyses:
        client, number = _who(a)
        episode_of: dict[tuple[str, int], int] = {}
        for e in a.episodes:
            episode_of.update({("marker", i): e.id for i in e.markers})
            episode_of.update({("repair", i): e.id for i in e.repairs})
        items = [("marker", i, m.utterance, m.id, m.family, None, m.confidence, m.detector,
                  m.evidence) for i, m in enumerate(a.markers)]
        items += [("repair", i, r.utterance, r.id, None, r.metacommunication, r.confidence,
                   r.detector, r.evidence) for i, r in enumerate(a.repairs)]
        for kind, i, utt, vid, fam, meta, conf, det, ev in sorted(items, key=lambda t: t[2]):
            u = a.utterances[utt] if utt < len(a.utterances) else None
            row: dict[str, object] = {
                "client": client, "session": number, "utterance": utt,
                "start_s": u.start if u else None, "role": u.role if u else None,
                "kind": kind, "id": vid, "family": fam, "metacommunication": meta,
                "confidence": round(conf, 4), "detector": det,
                "episode": episode_of.get((kind, i)),
            }
            if include_text:
                row["evidence"] = deid.text(ev) if deid else ev
            rows.append(row)
    return _csv(cols, rows)


def segments_csv(analyses: Iterable[SessionAnalysis]) -> str:
    """The 3RS segment table."""
    rows = []
    for a in analyses:
        client, number = _who(a)
        for s in a.segments:
            rows.append({
                "client": client, "session": number, "segment": s.index, "start_s": s.start_s,
                "end_s": s.end_s, "start_utterance": s.start_utterance,
                "end_utterance": s.end_utterance,
                "withdrawal_significance": s.withdrawal_significance,
                "confrontation_significance": s.confrontation_significance,
                "resolution": s.resolution,
            })
    return _csv(SEGMENT_COLUMNS, rows)


def episodes_csv(analyses: Iterable[SessionAnalysis]) -> str:
    """One row per episode; marker and repair ids joined with ``;``."""
    rows = []
    for a in analyses:
        client, number = _who(a)
        for e in a.episodes:
            reps = [a.repairs[i] for i in e.repairs if i < len(a.repairs)]
            rows.append({
                "client": client, "session": number, "episode": e.id, "family": e.family,
                "start_utterance": e.start_utterance, "end_utterance": e.end_utterance,
                "marker_ids": ";".join(a.markers[i].id for i in e.markers if i < len(a.markers)),
                "repair_ids": ";".join(r.id for r in reps),
                "metacommunication": any(r.metacommunication for r in reps),
                "outcome": e.outcome, "resolution": e.resolution,
                "significance": e.significance, "open_at_end": e.open_at_end,
            })
    return _csv(EPISODE_COLUMNS, rows)


def export_tables(store: Store, clinician: str, client_codes: Sequence[str] | None = None, *,
                  include_text: bool = False, deidentify: bool = True) -> dict[str, str]:
    """The three tables for some or all of the clinician's clients, by file name."""
    codes = list(client_codes) if client_codes else [c.code for c in list_clients(store,
                                                                                  clinician)]
    all_analyses: list[SessionAnalysis] = []
    marker_parts: list[str] = []
    for code in codes:
        inputs = load_report_inputs(store, clinician, code)
        deid = None
        if include_text and deidentify:
            from mendline.reports.build import deidentifier_for  # build imports this module

            deid = deidentifier_for(inputs)
        analyses = []
        for s in inputs.sessions:
            info = s.analysis.session.model_copy(update={"client": code, "number": s.number})
            analyses.append(s.analysis.model_copy(update={"session": info}))
        text = markers_csv(analyses, include_text=include_text, deid=deid)
        marker_parts.append(text if not marker_parts else text.split("\n", 1)[1])
        all_analyses.extend(analyses)
    if not marker_parts:
        marker_parts.append(markers_csv([], include_text=include_text))
    return {
        "markers.csv": "".join(marker_parts),
        "segments.csv": segments_csv(all_analyses),
        "episodes.csv": episodes_csv(all_analyses),
    }
