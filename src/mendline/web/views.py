"""View data: one function per page, shared by its HTML page and its JSON twin.

Each returns plain JSON-ready data (dicts, lists, strings, numbers). Templates render it;
``.json`` routes return it as it is. No function here writes, and none re-derives
findings: analysis comes from the stored ``SessionAnalysis``, per-client tracking from
``mendline.tracking.track_client`` / ``rank_caseload`` over histories read by
``mendline.client_records`` (the one mapping from stored rows to tracking records).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from mendline.client_records import client_histories, history_fingerprints, track_history
from mendline.errors import NotFound
from mendline.presentation import clock
from mendline.reports import FORMATS
from mendline.reports.charts import caseload_chart, client_timeline_chart, session_rupture_map
from mendline.reports.svg import Chart
from mendline.store import CLIENT_SETTINGS, Store, get_session, list_audit_events
from mendline.tracking import PRESETS, rank_caseload
from mendline.vocabulary import MARKERS, STRATEGIES, Outcome
from mendline.web import queries as q
from mendline.web.deid import ViewContext, ViewDeidentifier, date_offset_days, shift_timeline
from mendline.web.highlight import locate, segments

__all__ = [
    "FAMILY_LABELS",
    "OUTCOME_LABELS",
    "FORMAT_LABELS",
    "Privacy",
    "chart_data",
    "report_links",
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
_MAP_CACHE_LIMIT = 500
SEVERITY_LABELS = {"high": "Needs a look", "medium": "Worth a look", "low": "For awareness"}
FORMAT_LABELS = {"html": "Web page (HTML)", "pdf": "PDF", "md": "Markdown"}
# Attendance import presets (``tracking.PRESETS``), named for the person choosing one.
PRESET_NAMES = {"mendline": "Mendline's own columns",
                "simplepractice": "A SimplePractice-style export",
                "therapynotes": "A TherapyNotes-style export"}


def attendance_presets() -> list[dict[str, str]]:
    return [{"name": name, "label": f"{PRESET_NAMES.get(name, name)} "
                                    f"({m.date}, {m.status}; or a calendar file)"}
            for name, m in PRESETS.items()]


@dataclass(frozen=True, slots=True)
class Privacy:
    """How a supervisor's view is de-identified: the hook, and the secret that the
    per-client date offsets are derived from (see ``mendline.web.deid``)."""

    deidentify: ViewDeidentifier
    secret: str

    def offset(self, client_id: int) -> int:
        return date_offset_days(self.secret, client_id)

    def contexts(self, s: Session, clients: list[q.ClientRef]) -> dict[int, ViewContext]:
        labels = q.speaker_labels(s, [c.id for c in clients])
        out = {}
        for c in clients:
            by_role = labels.get(c.id, {})
            names = set(by_role.get("client", ())) | ({c.display_name} if c.display_name
                                                       else set())
            out[c.id] = ViewContext(c.id, tuple(sorted(names)),
                                    tuple(sorted(by_role.get("therapist", ()))),
                                    self.offset(c.id))
        return out


def chart_data(chart: Chart) -> dict[str, str]:
    """A chart from ``mendline.reports.charts`` as view data: the SVG and its text."""
    return {"id": chart.id, "title": chart.title, "svg": chart.svg,
            "text": chart.text_alternative}


def report_links(base: str) -> dict[str, Any]:
    """Where a report is prepared (the review page) and downloaded, for ``base`` (a client's
    or a session's URL)."""
    return {"review": f"{base}/report",
            "formats": [{"format": f, "label": FORMAT_LABELS.get(f, f),
                         "url": f"{base}/report.{f}"} for f in FORMATS]}


def marker_label(marker_id: str) -> str:
    return MARKERS[marker_id].label if marker_id in MARKERS else marker_id


def strategy_label(strategy_id: str) -> str:
    return STRATEGIES[strategy_id].label if strategy_id in STRATEGIES else strategy_id


def _client_head(c: q.ClientRef) -> dict[str, Any]:
    return {"id": c.id, "code": c.code, "display_name": c.display_name,
            "owner": c.owner, "owner_name": c.owner_name, "read_only": c.read_only,
            "url": f"/clients/{c.id}"}


def caseload_view(store: Store, viewer: q.Viewer,
                  cache: MutableMapping[int, tuple[Any, Any]] | None = None,
                  *, privacy: Privacy) -> dict[str, Any]:
    """The viewer's clients, those whose alerts most need a look first (``rank_caseload``).

    ``track_client`` is pure, so a timeline can be reused while its input is unchanged:
    ``cache`` maps client id -> (input fingerprint, timeline) across requests. Rows of
    clients shared with the viewer (a supervisor) are de-identified, each with its own
    client's context.
    """
    cache = {} if cache is None else cache
    with store.transaction() as s:
        clients = q.visible_clients(s, viewer)
        marks = history_fingerprints(s, clients)
        stale = [c for c in clients if cache.get(c.id, (None,))[0] != marks[c.id]]
        histories = client_histories(s, stale)
        counts = q.session_counts(s, [c.id for c in clients])
        shared = [c for c in clients if c.read_only]
        contexts = privacy.contexts(s, shared) if shared else {}
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    for c in stale:
        # Key each history by client id: a supervisor's clients may share codes.
        h, notes = histories[c.id]
        cache[c.id] = (marks[c.id], track_history(
            dataclasses.replace(h, client=str(c.id), display_name=h.name), notes))
    by_key = {str(c.id): c for c in clients}
    timelines = [cache[c.id][1] for c in clients]
    rows = []
    ranked = rank_caseload(timelines)
    for entry in ranked:
        c = by_key[entry.client]
        row = {
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
        }
        if c.id in contexts:
            row = dict(privacy.deidentify(row, contexts[c.id]))
        rows.append(row)
    # The chart names clients by their code (a pseudonym), never by their display name.
    chart = caseload_chart([e.model_copy(update={"display_name": by_key[e.client].code})
                            for e in ranked])
    return {
        "ordering": "tracking.rank_caseload: most severe alert first, then alert counts",
        "clients": rows,
        "shared_with_me": viewer.role == "supervisor",
        "caseload_chart": chart_data(chart),
    }


def client_view(store: Store, viewer: q.Viewer, client_id: int, *, privacy: Privacy
                ) -> dict[str, Any]:
    """The client page. For a supervisor, de-identified by ``privacy`` (the timeline chart
    is drawn from a copy of the timeline with dates moved and no name)."""
    with store.transaction() as s:
        c = q.visible_client(s, viewer, client_id)
        history, notes = client_histories(s, [c])[c.id]
        rows = q.session_rows(s, [c.id]).get(c.id, [])
        attendance = q.attendance_for(s, [c.id]).get(c.id, [])
        comments = q.comments_for(s, c.id)
        shares = q.shares_for(s, c.id) if not c.read_only else []
        supervisors = q.supervisors(s) if not c.read_only else []
        context = privacy.contexts(s, [c])[c.id] if c.read_only else None
    timeline = track_history(history, notes)
    entries = {e.number: e for e in timeline.sessions}
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
    data = {
        "client": _client_head(c),
        "settings": {k: c.settings.get(k) for k in CLIENT_SETTINGS},
        "next_stage": timeline.next_stage,
        "alerts": [a.model_dump(mode="json") for a in timeline.alerts],
        "sessions": session_list,
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
        "reports": report_links(f"/clients/{c.id}"),
        "attendance_presets": [] if c.read_only else attendance_presets(),
    }
    drawn = timeline
    if context is not None:
        data = dict(privacy.deidentify(data, context))
        drawn = shift_timeline(timeline, context.date_offset_days)
    data["chart"] = chart_data(client_timeline_chart(drawn))
    return data


def session_view(store: Store, viewer: q.Viewer, client_id: int, number: int,
                 *, privacy: Privacy | None,
                 maps: MutableMapping[Any, dict[str, str]] | None = None) -> dict[str, Any]:
    """The session page. For a supervisor, de-identified by ``privacy``; ``None`` only for
    the owner's own internal reads (feedback, role changes), never for a page."""
    with store.transaction() as s:
        c = q.visible_client(s, viewer, client_id)
        stored = get_session(s, clinician=c.owner, client_code=c.code, number=number)
        feedback = q.feedback_for(s, stored.analysis_id) if stored.analysis_id else {}
        comments = [x for x in q.comments_for(s, c.id) if x["session"] == number]
        context = None
        if c.read_only:
            if privacy is None:
                raise NotFound("a shared session is only shown de-identified")
            context = privacy.contexts(s, [c])[c.id]
    analysis: Mapping[str, Any] = stored.analysis_json or {}
    if not analysis:
        raise NotFound(f"session {number} has no analysis yet")
    rupture_map = _rupture_map(stored, analysis, number, maps)
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
    data: dict[str, Any] = {
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
        "reports": report_links(f"/clients/{c.id}/sessions/{number}"),
    }
    if context is not None and privacy is not None:
        data = dict(privacy.deidentify(data, context))
    if rupture_map is not None:
        data["rupture_map"] = rupture_map
    return data


def _rupture_map(stored: Any, analysis: Mapping[str, Any], number: int,
                 maps: MutableMapping[Any, dict[str, str]] | None) -> dict[str, str] | None:
    """The session rupture map (``reports.charts``), reused while what it draws is unchanged.

    It shows times into the session and vocabulary only, nothing that identifies anyone, so
    owner and supervisor share it. The key holds what the map draws besides the analysis
    id (an id can be reused after a role change replaces an analysis).
    """
    key = (stored.analysis_id, number,
           tuple(u["role"] for u in analysis["utterances"]),
           tuple((m["id"], m["utterance"]) for m in analysis["markers"]),
           tuple((r["id"], r["utterance"]) for r in analysis["repairs"]),
           tuple((e["start_utterance"], e["end_utterance"], e["outcome"])
                 for e in analysis.get("episodes", [])))
    if maps is not None and key in maps:
        return maps[key]
    try:
        model = stored.analysis()
    except ValidationError:  # stored by an older analyzer: the page still shows, no map
        return None
    if model is None:
        return None
    chart = chart_data(session_rupture_map(model, chart_id=f"rupture-map-{number}"))
    if maps is not None:
        if len(maps) > _MAP_CACHE_LIMIT:
            maps.clear()
        maps[key] = chart
    return chart


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
