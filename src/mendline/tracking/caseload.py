"""The caseload view: clients ranked by what most needs a look.

Ordering (documented in docs/tracking.md):
1. the most severe alert (high, then medium, then low; clients without alerts last);
2. the number of high, then medium, then low alerts;
3. the kind of the top alert, in ``alerts.KIND_ORDER`` (a missed session after an
   unrepaired strain first);
4. the client code, so the order is stable.
It takes an iterable, so a caller can stream timelines through it without keeping them.
"""

from __future__ import annotations

from collections.abc import Iterable

from mendline.tracking.alerts import KIND_ORDER, SEVERITY_RANK
from mendline.tracking.result import CaseloadEntry, ClientTimeline

__all__ = ["caseload_entry", "rank_caseload"]


def caseload_entry(t: ClientTimeline, rank: int = 0) -> CaseloadEntry:
    counts = {"high": 0, "medium": 0, "low": 0}
    for a in t.alerts:
        counts[a.severity] += 1
    top = t.alerts[0].severity if t.alerts else None
    return CaseloadEntry(
        rank=rank,
        client=t.client,
        display_name=t.display_name,
        top_severity=top,
        counts=counts,
        last_session=t.last_session,
        last_session_date=t.last_session_date,
        alerts=t.alerts,
    )


def _key(e: CaseloadEntry) -> tuple[int, int, int, int, int, str]:
    top = SEVERITY_RANK[e.top_severity] if e.top_severity else 0
    kind = KIND_ORDER.index(e.alerts[0].kind) if e.alerts else len(KIND_ORDER)
    c = e.counts
    return (-top, -c["high"], -c["medium"], -c["low"], kind, e.client)


def rank_caseload(timelines: Iterable[ClientTimeline]) -> list[CaseloadEntry]:
    entries = sorted((caseload_entry(t) for t in timelines), key=_key)
    return [e.model_copy(update={"rank": i}) for i, e in enumerate(entries, start=1)]
