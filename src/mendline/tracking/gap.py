"""Perception gaps: where what the transcript shows and what a form says disagree.

Neither side is "right". Clients self-report a rupture in fewer sessions than observers
code one, therapists report more than clients (Muran et al., 2009), and a near-perfect
session rating can sit alongside quiet withdrawal, since some clients find it hard to
criticise (Duncan et al., 2003). Showing both side by side is the point: it is material
for a curious question or for supervision, not a verdict.
"""

from __future__ import annotations

import datetime as dt

from mendline.tracking.records import MeasureRecord, SessionRecord
from mendline.tracking.result import GapSide, PerceptionGap
from mendline.tracking.settings import GapSettings
from mendline.vocabulary import TRANSCRIPT_MARKERS

__all__ = ["find_gaps", "session_for"]

_WITHDRAWAL_TRANSCRIPT = frozenset(m for m in TRANSCRIPT_MARKERS if m.startswith("withdrawal."))


def session_for(m: MeasureRecord, sessions: tuple[SessionRecord, ...]) -> SessionRecord | None:
    """The session a form belongs to: by its session number, else by date."""
    for s in sessions:
        if m.session is not None and s.number == m.session:
            return s
    if m.session is None:
        for s in sessions:
            if s.date == m.date:
                return s
    return None


def find_gaps(
    sessions: tuple[SessionRecord, ...],
    measures: tuple[MeasureRecord, ...],
    name: str,
    settings: GapSettings,
) -> list[PerceptionGap]:
    gaps: list[PerceptionGap] = []
    psq: dict[tuple[int | None, dt.date], dict[str, MeasureRecord]] = {}
    for m in measures:
        s = session_for(m, sessions)
        if m.instrument == "SRS" and s is not None:
            gap = _srs_gap(m, s, name, settings)
            if gap:
                gaps.append(gap)
        elif m.instrument.startswith("PSQ-"):
            key = (s.number if s else m.session, m.date if s is None else dt.date.min)
            psq.setdefault(key, {})[m.instrument] = m
    for forms in psq.values():
        c, t = forms.get("PSQ-client"), forms.get("PSQ-therapist")
        if c and t and c.items["psq.rupture"] != t.items["psq.rupture"]:
            gaps.append(_psq_gap(c, t, session_for(c, sessions), name))
    return sorted(gaps, key=lambda g: (g.date, g.session or 0))


def _srs_gap(
    m: MeasureRecord, s: SessionRecord, name: str, settings: GapSettings
) -> PerceptionGap | None:
    total = sum(float(v) for v in m.items.values() if isinstance(v, float))
    if total < settings.srs_high:
        return None
    hits = [
        h.id
        for h in s.markers
        if h.id in _WITHDRAWAL_TRANSCRIPT and h.confidence >= settings.marker_min_confidence
    ]
    if len(hits) < settings.min_withdrawal_markers:
        return None
    counts: dict[str, int] = {}
    for h in hits:
        counts[h] = counts.get(h, 0) + 1
    return PerceptionGap(
        kind="srs_high_with_withdrawal",
        session=s.number,
        date=m.date.isoformat(),
        reason=(
            f"{name} rated session {s.number} {total:g} of 40, while the transcript shows "
            f"{len(hits)} possible moments of moving away. Both can be true: it may be "
            "worth asking, with curiosity, how the session really felt."
        ),
        left=GapSide(
            source="transcript",
            summary=f"{len(hits)} possible withdrawal markers",
            values={"withdrawal_markers": len(hits)} | counts,
        ),
        right=GapSide(
            source="client's form",
            summary=f"SRS {total:g} of 40",
            values={"srs_total": total} | dict(m.items),
        ),
    )


def _psq_gap(
    c: MeasureRecord, t: MeasureRecord, s: SessionRecord | None, name: str
) -> PerceptionGap:
    client_saw = c.items["psq.rupture"] is True
    where = f"session {s.number}" if s else f"the session on {c.date.isoformat()}"
    if client_saw:
        kind = "client_reported_rupture_therapist_did_not"
        reason = (
            f"{name} noted some tension in {where} that the therapist's form did not. "
            "Clients often do not say this aloud; asking about it gently can help."
        )
    else:
        kind = "therapist_reported_rupture_client_did_not"
        reason = (
            f"The therapist noted some tension in {where} that {name}'s form did not. "
            "It may have passed unnoticed, or been resolved for the client; it is still "
            "worth keeping in mind."
        )

    def side(form: MeasureRecord, who: str) -> GapSide:
        saw = form.items["psq.rupture"] is True
        return GapSide(
            source=who,
            summary="tension noted" if saw else "no tension noted",
            values={k.split(".", 1)[1]: v for k, v in form.items.items()},
        )

    return PerceptionGap(
        kind=kind,
        session=s.number if s else c.session,
        date=c.date.isoformat(),
        reason=reason,
        left=side(t, "therapist's form"),
        right=side(c, "client's form"),
    )
