"""View data: one function per page, shared by its HTML page and its JSON twin.

Each returns plain JSON-ready data (dicts, lists, strings, numbers). Templates render it;
``.json`` routes return it as it is. No function here writes, and none re-derives
findings: analysis comes from the stored ``SessionAnalysis``, per-client tracking from
``mendline.tracking.track_client`` / ``rank_caseload``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, MutableMapping
from typing import Any

from mendline.errors import NotFound
from mendline.presentation import clock
from mendline.store import CLIENT_SETTINGS, Store, get_session, list_audit_events
from mendline.tracking import rank_caseload, track_client
from mendline.vocabulary import MARKERS, STRATEGIES, Outcome
from mendline.web import queries as q
from mendline.web.chart import line_chart
from mendline.web.highlight import locate, segments

__all__ = [
    "FAMILY_LABELS",
    "OUTCOME_LABELS",
    "caseload_view",
    "client_view",
    "session_view",
    "audit_view",
    "marker_label",
    "strategy_label",
]

FAMILY_LABELS = {"withdrawal": "Withdrawal", "confrontation": "Confrontation"}
OUTCOME_LABELS = {
    Outcome.RESOLVED.value: "Resolved",
    Outcome.PARTIALLY_RESOLVED.value: "Partly resolved",
    Outcome.UNRESOLVED.value: "Not resolved",
    Outcome.NO_REPAIR_ATTEMPTED.value: "No repair attempted yet",
}
_CACHE_LIMIT = 50_000
SEVERITY_LABELS = {"high": "Needs a look", "medium": "Worth a look", "low": "For awareness"}


def marker_label(marker_id: str) -> str:
    return MARKERS[marker_id].label if marker_id in MARKERS else marker_id


def strategy_label(strategy_id: str) -> str:
    return STRATEGIES[strategy_id].label if strategy_id in STRATEGIES else strategy_id


def _client_head(c: q.ClientRef) -> dict[str, Any]:
    return {"id": c.id, "code": c.code, "display_name": c.display_name,
            "owner": c.owner, "owner_name": c.owner_name, "read_only": c.read_only,
            "url": f"/clients/{c.id}"}


def caseload_view(store: Store, viewer: q.Viewer,
                  cache: MutableMapping[int, tuple[Any, Any]] | None = None) -> dict[str, Any]:
    """The viewer's clients, those whose alerts most need a look first (``rank_caseload``).

    ``track_client`` is pure, so a timeline can be reused while its input is unchanged:
    ``cache`` maps client id -> (input fingerprint, timeline) across requests.
    """
    cache = {} if cache is None else cache
    with store.transaction() as s:
        clients = q.visible_clients(s, viewer)
        marks = q.fingerprints(s, clients)
        stale = [c for c in clients if cache.get(c.id, (None,))[0] != marks[c.id]]
        histories, _ = q.client_histories(s, stale)
        counts = q.session_counts(s, [c.id for c in clients])
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    for c in stale:
        # Key each history by client id: a supervisor's clients may share codes.
        h = histories[c.id]
        cache[c.id] = (marks[c.id], track_client(
            dataclasses.replace(h, client=str(c.id), display_name=h.name)))
    by_key = {str(c.id): c for c in clients}
    timelines = [cache[c.id][1] for c in clients]
    rows = []
    for entry in rank_caseload(timelines):
        c = by_key[entry.client]
        rows.append({
            **_client_head(c),
            "rank": entry.rank,
            "sessions": counts.get(c.id, 0),
            "last_session": entry.last_session,
            "last_session_date": entry.last_session_date,
            "top_severity": entry.top_severity,
            "top_severity_label": SEVERITY_LABELS.get(entry.top_severity or "", "No alerts"),
            "alert_counts": entry.counts,
            "alerts": [{"kind": a.kind, "severity": a.severity, "reason": a.reason,
                        "next_step": a.next_step} for a in entry.alerts],
        })
    return {
        "ordering": "tracking.rank_caseload: most severe alert first, then alert counts",
        "clients": rows,
        "shared_with_me": viewer.role == "supervisor",
    }


def client_view(store: Store, viewer: q.Viewer, client_id: int) -> dict[str, Any]:
    with store.transaction() as s:
        c = q.visible_client(s, viewer, client_id)
        histories, sessions = q.client_histories(s, [c])
        attendance = q.attendance_for(s, [c.id]).get(c.id, [])
        comments = q.comments_for(s, c.id)
        shares = q.shares_for(s, c.id) if not c.read_only else []
        supervisors = q.supervisors(s) if not c.read_only else []
    history = histories[c.id]
    timeline = track_client(history)
    entries = {e.number: e for e in timeline.sessions}
    rows = sessions.get(c.id, [])
    session_list = []
    for r in rows:
        e = entries.get(r.number)
        session_list.append({
            "number": r.number, "date": r.date.isoformat() if r.date else None,
            "format": r.format, "duration": clock(r.duration_s),
            "stage": e.stage if e else None,
            "withdrawal": e.markers.withdrawal if e else 0,
            "confrontation": e.markers.confrontation if e else 0,
            "episodes": e.episodes.model_dump() if e else None,
            "quieter": bool(e and e.quieter),
            "url": f"/clients/{c.id}/sessions/{r.number}",
        })
    chart = line_chart(
        [(rec.number, rec.engagement.client_words_per_turn_median) for rec in history.sessions],
        label="Client words per turn (median), by session",
    )
    return {
        "client": _client_head(c),
        "settings": {k: c.settings.get(k) for k in CLIENT_SETTINGS},
        "next_stage": timeline.next_stage,
        "alerts": [a.model_dump(mode="json") for a in timeline.alerts],
        "sessions": session_list,
        "chart": chart,
        "trends": [t.model_dump(mode="json") for t in timeline.trends],
        "measures": [m.model_dump(mode="json") for m in timeline.measures],
        "attendance": [{"date": a.date.isoformat(), "status": a.status,
                        "minutes_late": a.minutes_late, "source": a.source}
                       for a in attendance],
        "attendance_signals": [a.model_dump(mode="json") for a in timeline.attendance],
        "notes": timeline.notes,
        "comments": comments,
        "shares": shares,
        "supervisors": supervisors,
        "tracker_version": timeline.tracker_version,
    }


def session_view(store: Store, viewer: q.Viewer, client_id: int, number: int
                 ) -> dict[str, Any]:
    with store.transaction() as s:
        c = q.visible_client(s, viewer, client_id)
        stored = get_session(s, clinician=c.owner, client_code=c.code, number=number)
        feedback = q.feedback_for(s, stored.analysis_id) if stored.analysis_id else {}
        comments = [x for x in q.comments_for(s, c.id) if x["session"] == number]
    analysis: Mapping[str, Any] = stored.analysis_json or {}
    if not analysis:
        raise NotFound(f"session {number} has no analysis yet")
    texts = {u["index"]: u["text"] for u in analysis["utterances"]}
    markers = [_item(m, i, "marker", texts, feedback) for i, m in enumerate(analysis["markers"])]
    repairs = [_item(r, i, "repair", texts, feedback) for i, r in enumerate(analysis["repairs"])]
    spans: dict[int, list[tuple[int, int, str]]] = {}
    for item in markers + repairs:
        if item["located"] is not None:
            spans.setdefault(item["utterance"], []).append((*item["located"], item["ref"]))
    items_at: dict[int, list[str]] = {}
    for item in markers + repairs:
        items_at.setdefault(item["utterance"], []).append(item["ref"])
    items_by_ref = {i["ref"]: {"short": i["short"], "label": i["label"],
                               "family_label": i["family_label"], "family": i["family"]}
                    for i in markers + repairs}
    lines = [
        {
            "index": u["index"], "speaker": u["speaker"], "role": u["role"],
            "start": clock(u.get("start")), "segments": segments(u["text"],
                                                                  spans.get(u["index"], [])),
            "items": items_at.get(u["index"], []),
        }
        for u in analysis["utterances"]
    ]
    guidance_by_episode: dict[int | None, list[dict[str, Any]]] = {}
    for g in analysis.get("guidance", []):
        guidance_by_episode.setdefault(g["episode"], []).append(g)
    episodes = [
        {
            **e,
            "family_label": FAMILY_LABELS.get(e["family"], e["family"]),
            "outcome_label": OUTCOME_LABELS.get(e["outcome"], e["outcome"]),
            "marker_refs": [f"m{i}" for i in e["markers"]],
            "repair_refs": [f"r{i}" for i in e["repairs"]],
            "guidance": guidance_by_episode.get(e["id"], []),
        }
        for e in analysis.get("episodes", [])
    ]
    info = analysis["session"]
    return {
        "client": _client_head(c),
        "session": {"number": number, "date": info.get("date"), "stage": info.get("stage"),
                    "duration": clock(info.get("duration_s")),
                    "format": info["source"]["format"]},
        "analysis_id": stored.analysis_id,
        "analyzer_version": stored.analyzer_version,
        "lines": lines,
        "markers": markers,
        "repairs": repairs,
        "items_by_ref": items_by_ref,
        "read_only": c.read_only,
        "episodes": episodes,
        "guidance": guidance_by_episode.get(None, []),
        "engagement": analysis["engagement"],
        "notes": analysis.get("notes", []),
        "speakers": sorted({u["speaker"] for u in analysis["utterances"]}),
        "comments": comments,
        "marker_choices": [{"id": k, "label": m.label} for k, m in MARKERS.items()
                           if not m.from_records],
        "strategy_choices": [{"id": k, "label": s.label} for k, s in STRATEGIES.items()],
        "report_url": f"/clients/{c.id}/sessions/{number}/report.html",
    }


def _item(raw: Mapping[str, Any], index: int, kind: str, texts: Mapping[int, str],
          feedback: Mapping[tuple[str, int], Mapping[str, Any]]) -> dict[str, Any]:
    text = texts.get(raw["utterance"], "")
    located = locate(text, raw.get("span", (0, 0)), raw.get("evidence", ""))
    if kind == "marker":
        family = raw["family"]
        label = marker_label(raw["id"])
        family_label = FAMILY_LABELS.get(family, family)
    else:
        family = "repair"
        label = strategy_label(raw["id"])
        family_label = "Repair (metacommunication)" if raw.get("metacommunication") else "Repair"
    fb = feedback.get((kind, index))
    letter = {"withdrawal": "W", "confrontation": "C"}.get(family, "R")
    return {
        "ref": f"{kind[0]}{index}", "kind": kind, "index": index,
        "short": f"{letter}{index + 1}",
        "utterance": raw["utterance"], "id": raw["id"], "label": label,
        "family": family, "family_label": family_label,
        "confidence": raw.get("confidence"), "evidence": raw.get("evidence", ""),
        "why": raw.get("why", ""), "located": list(located) if located else None,
        "feedback": dict(fb) if fb else None,
        "feedback_label": (marker_label if kind == "marker" else strategy_label)(
            fb["new_label"]) if fb and fb.get("new_label") else None,
    }


def audit_view(store: Store, *, actor: str | None = None, limit: int = 200) -> dict[str, Any]:
    events = list_audit_events(store, actor=actor, limit=limit)
    return {"events": [
        {"at": e.at.isoformat(timespec="seconds"), "actor": e.actor, "action": e.action,
         "object": e.object, "detail": e.detail, "remote_addr": e.remote_addr}
        for e in events
    ]}
