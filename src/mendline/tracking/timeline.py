"""``track_client(history) -> ClientTimeline``: the per-client half of Mendline.

A pure function of its input (no database, no clock, no network), like
``analyze_session``: the CLI, the web app and the batch runner all call it and nothing
else, so a laptop and a cluster give the same timeline.
"""

from __future__ import annotations

from mendline.stage import stage_for
from mendline.tracking.alerts import build_alerts
from mendline.tracking.attendance import attendance_signals
from mendline.tracking.baseline import METRICS, SessionComparison, assess_engagement
from mendline.tracking.gap import find_gaps
from mendline.tracking.measures import assess_measures
from mendline.tracking.records import ClientHistory, SessionRecord
from mendline.tracking.result import ClientTimeline, EpisodeCounts, MarkerSummary, SessionEntry

__all__ = ["track_client"]


def track_client(history: ClientHistory) -> ClientTimeline:
    """Everything tracking knows about one client, with current alerts."""
    h, cfg, name = history, history.settings, history.name
    report = assess_engagement(h.sessions, name, cfg.baseline)
    entries = [_entry(s, c, h) for s, c in zip(h.sessions, report.sessions, strict=True)]
    signals = attendance_signals(h.attendance, h.sessions, name, cfg.attendance)
    recent_days = {a.date.isoformat() for a in h.attendance[-cfg.alerts.recent_appointments :]}
    measures = assess_measures(h.measures, name, cfg.measures)
    gaps = find_gaps(h.sessions, h.measures, name, cfg.gaps)
    alerts = build_alerts(
        name=name,
        sessions=h.sessions,
        comparisons=report.sessions,
        attendance=[s for s in signals if s.date in recent_days],
        measures=measures,
        gaps=gaps,
        stage=h.stage,
        settings=cfg.alerts,
    )
    last = h.sessions[-1] if h.sessions else None
    notes = []
    if len(h.sessions) <= cfg.baseline.min_history:
        notes.append(
            f"{len(h.sessions)} session(s) so far: comparing {name} with their own usual "
            f"needs {cfg.baseline.min_history} earlier sessions."
        )
    return ClientTimeline(
        client=h.client,
        display_name=h.display_name,
        last_session=last.number if last else None,
        last_session_date=last.date.isoformat() if last and last.date else None,
        next_stage=stage_for((last.number if last else 0) + 1, h.stage).value,
        sessions=entries,
        baselines=report.baselines,
        trends=report.trends,
        attendance=signals,
        measures=measures,
        gaps=gaps,
        alerts=alerts,
        notes=notes,
    )


def _entry(s: SessionRecord, c: SessionComparison, h: ClientHistory) -> SessionEntry:
    by_id: dict[str, int] = {}
    fam = {"withdrawal": 0, "confrontation": 0}
    for m in s.markers:
        by_id[m.id] = by_id.get(m.id, 0) + 1
        if m.family in fam:
            fam[m.family] += 1
    eps = EpisodeCounts(
        total=len(s.episodes),
        resolved=sum(e.outcome == "resolved" and not e.open_at_end for e in s.episodes),
        partially_resolved=sum(
            e.outcome == "partially_resolved" and not e.open_at_end for e in s.episodes
        ),
        unresolved=sum(e.unresolved for e in s.episodes),
    )
    return SessionEntry(
        number=s.number,
        date=s.date.isoformat() if s.date else None,
        stage=stage_for(s.number, h.stage).value,
        metrics={m.key: c.metrics[m.key] for m in METRICS},
        markers=MarkerSummary(
            withdrawal=fam["withdrawal"], confrontation=fam["confrontation"], by_id=by_id
        ),
        episodes=eps,
        deviations=c.deviations,
        quieter=c.quieter,
        drift=c.drift,
        note=c.note,
    )
