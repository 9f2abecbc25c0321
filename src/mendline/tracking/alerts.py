"""Alerts: what in a client's timeline deserves a look now, each with reason and evidence.

Alerts concern the present: the last ``recent_sessions`` sessions, the last
``recent_appointments`` appointments and the latest form of each kind. Reasons describe
what was seen, never who is to blame. The suggested next step is a placeholder line from
``mendline/data/next_steps.json`` until stage-aware guidance replaces it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from mendline.stage import StageSettings, stage_for
from mendline.tracking.baseline import SessionComparison
from mendline.tracking.records import SessionRecord
from mendline.tracking.result import (
    Alert,
    AlertEvidence,
    AttendanceSignal,
    MeasureResult,
    PerceptionGap,
    Severity,
    Value,
)
from mendline.tracking.settings import AlertSettings
from mendline.vocabulary import Stage

__all__ = ["KIND_ORDER", "SEVERITY_RANK", "next_step", "build_alerts"]

# Ties between alerts of the same severity are broken in this order: a missed session
# after an unrepaired strain first, since dropout often follows (Eubanks et al., 2019).
KIND_ORDER: tuple[str, ...] = (
    "missed_after_rupture",
    "unresolved_episode",
    "withdrawal_trend",
    "psq_rupture",
    "perception_gap",
    "srs_flag",
    "wai_drop",
    "ors_deterioration",
    "missed_session",
    "termination_approaching",
)
SEVERITY_RANK: dict[str, int] = {"high": 3, "medium": 2, "low": 1}
_FAMILY_WORDS = {"withdrawal": "moving away", "confrontation": "pushing back"}


@lru_cache(maxsize=1)
def _next_steps() -> dict[str, str]:
    text = resources.files("mendline.data").joinpath("next_steps.json").read_text("utf-8")
    return {k: v for k, v in json.loads(text).items() if not k.startswith("_")}


def next_step(kind: str, variant: str | None, name: str) -> str:
    steps = _next_steps()
    text = steps.get(f"{kind}.{variant}") if variant else None
    return (text or steps.get(kind, "")).replace("{name}", name)


def _alert(
    kind: str,
    severity: Severity,
    reason: str,
    name: str,
    *,
    sessions: list[int] | None = None,
    dates: list[str] | None = None,
    values: dict[str, Value] | None = None,
    variant: str | None = None,
) -> Alert:
    return Alert(
        kind=kind,
        severity=severity,
        reason=reason,
        evidence=AlertEvidence(sessions=sessions or [], dates=dates or [], values=values or {}),
        next_step=next_step(kind, variant, name),
    )


def build_alerts(
    *,
    name: str,
    sessions: tuple[SessionRecord, ...],
    comparisons: list[SessionComparison],
    attendance: list[AttendanceSignal],
    measures: list[MeasureResult],
    gaps: list[PerceptionGap],
    stage: StageSettings,
    settings: AlertSettings,
) -> list[Alert]:
    """All current alerts, most pressing first (severity, then ``KIND_ORDER``)."""
    out: list[Alert] = []
    last = sessions[-1].number if sessions else 0
    recent = [s for s in sessions if s.number > last - settings.recent_sessions]
    out += _episodes(recent, name)
    out += _withdrawal(comparisons, last, settings, name)
    out += _attendance(attendance, name)
    out += _measures(measures, name)
    first_recent = recent[0].number if recent else 0
    for g in gaps:
        if g.session is not None and g.session >= first_recent:
            out.append(
                _alert(
                    "perception_gap",
                    "medium",
                    g.reason,
                    name,
                    sessions=[g.session],
                    dates=[g.date],
                    values={
                        "gap": g.kind,
                        g.left.source: g.left.summary,
                        g.right.source: g.right.summary,
                    },
                )
            )
    if sessions:
        out += _termination(last, stage, name)
    return sorted(out, key=alert_key)


def alert_key(a: Alert) -> tuple[int, int]:
    return (-SEVERITY_RANK[a.severity], KIND_ORDER.index(a.kind))


def _episodes(recent: list[SessionRecord], name: str) -> list[Alert]:
    out = []
    for s in recent:
        open_eps = [e for e in s.episodes if e.unresolved]
        if not open_eps:
            continue
        families = sorted({e.family for e in open_eps})
        high = any(e.family == "confrontation" or e.significance >= 4 for e in open_eps)
        what = " and ".join(_FAMILY_WORDS.get(f, f) for f in families)
        count = "a moment" if len(open_eps) == 1 else f"{len(open_eps)} moments"
        out.append(
            _alert(
                "unresolved_episode",
                "high" if high else "medium",
                f"In session {s.number}, {count} of strain ({what}) did not seem to ease "
                "before the session ended.",
                name,
                sessions=[s.number],
                dates=[s.date.isoformat()] if s.date else [],
                values={
                    "unresolved_episodes": len(open_eps),
                    "families": ", ".join(families),
                    "max_significance": max(e.significance for e in open_eps),
                },
            )
        )
    return out


def _withdrawal(
    comps: list[SessionComparison], last: int, settings: AlertSettings, name: str
) -> list[Alert]:
    out: list[Alert] = []
    if not comps:
        return out
    latest = comps[-1]
    if latest.quieter is not None:
        run = [c.number for c in comps[-2:] if c.quieter is not None]
        values: dict[str, Value] = {
            "signal": "quieter_than_usual",
            "confidence": latest.quieter.confidence,
        }
        for d in latest.deviations:
            if d.flagged:
                values[d.metric] = round(d.value, 3)
                values[f"{d.metric}.usual"] = round(d.baseline.median, 3)
        lead = (
            f"Sessions {run[0]} and {run[1]} were both quieter than usual for {name}. "
            if len(run) == 2
            else f"Session {latest.number} was quieter than usual for {name}. "
        )
        out.append(
            _alert(
                "withdrawal_trend",
                "high" if len(run) == 2 else "medium",
                lead + " ".join(latest.quieter.reasons[:2]),
                name,
                sessions=run,
                values=values,
                variant="quieter_than_usual",
            )
        )
    drifts = [d for c in comps if c.number > last - settings.recent_sessions for d in c.drift]
    if drifts:
        d = drifts[-1]
        out.append(
            _alert(
                "withdrawal_trend",
                "medium",
                d.reason,
                name,
                sessions=list(range(d.since_session, d.session + 1)),
                values={
                    "signal": "drift",
                    "metric": d.metric,
                    "cusum": d.cusum,
                    "threshold": d.threshold,
                },
                variant="drift",
            )
        )
    return out


def _attendance(signals: list[AttendanceSignal], name: str) -> list[Alert]:
    """``signals`` are those of the last ``recent_appointments`` appointments."""
    out: list[Alert] = []
    after = [s for s in signals if s.after_unresolved_session is not None]
    away = [s for s in signals if s.id != "withdrawal.late_arrival"]
    if after:
        high = any(s.id != "withdrawal.late_arrival" for s in after)
        out.append(
            _alert(
                "missed_after_rupture",
                "high" if high else "medium",
                " ".join(s.reason for s in after),
                name,
                sessions=sorted(
                    {s.after_unresolved_session for s in after if s.after_unresolved_session}
                ),
                dates=[s.date for s in after],
                values={
                    "signals": ", ".join(s.id for s in after),
                    "weight": sum(s.weight for s in after),
                },
            )
        )
    elif away:
        out.append(
            _alert(
                "missed_session",
                "medium" if len(away) >= 2 else "low",
                " ".join(s.reason for s in away),
                name,
                dates=[s.date for s in away],
                values={
                    "signals": ", ".join(s.id for s in away),
                    "weight": sum(s.weight for s in away),
                },
            )
        )
    return out


def _measures(measures: list[MeasureResult], name: str) -> list[Alert]:
    latest: dict[str, MeasureResult] = {}
    for m in measures:
        latest[m.instrument] = m
    out: list[Alert] = []
    kinds = {"srs": "srs_flag", "wai": "wai_drop", "ors": "ors_deterioration", "psq": "psq_rupture"}
    for m in latest.values():
        for f in m.flags:
            if f.code in ("ors.reliable_improvement", "ors.clinical_range"):
                continue  # context, not alerts
            if f.code == "psq.client_rupture" and m.instrument != "PSQ-client":
                continue
            kind = kinds[f.code.split(".", 1)[0]]
            out.append(
                _alert(
                    kind,
                    f.severity,
                    f.reason,
                    name,
                    sessions=[m.session] if m.session else [],
                    dates=[m.date],
                    values={"instrument": m.instrument, "flag": f.code, "total": m.total},
                    variant="constant_40" if f.code == "srs.constant_40" else None,
                )
            )
    # one SRS alert per form: keep the most severe flag, mention the others in its reason
    srs = [a for a in out if a.kind == "srs_flag"]
    if len(srs) > 1:
        srs.sort(key=lambda a: -SEVERITY_RANK[a.severity])
        merged = srs[0].model_copy(update={"reason": " ".join(a.reason for a in srs)})
        out = [a for a in out if a.kind != "srs_flag"] + [merged]
    return out


def _termination(last: int, stage: StageSettings, name: str) -> list[Alert]:
    nxt = last + 1
    if stage_for(nxt, stage) is not Stage.TERMINATION:
        return []
    if stage.planned_sessions is not None and nxt > stage.planned_sessions:
        return []
    if stage.planned_sessions is not None:
        left = stage.planned_sessions - last
        reason = (
            f"{left} of {stage.planned_sessions} planned sessions remain with {name}: "
            "endings can stir up feelings about the work and the relationship."
        )
    else:
        reason = f"Ending is being discussed with {name}: endings can stir up strong feelings."
    return [
        _alert(
            "termination_approaching",
            "low",
            reason,
            name,
            sessions=[last],
            values={"next_session": nxt, "planned_sessions": stage.planned_sessions},
        )
    ]
