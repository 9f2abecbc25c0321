"""De-identifying what a supervisor sees: client and session pages, their JSON twins, and
the caseload rows of shared clients.

A clinician shares a *de-identified* view of a client with a supervisor (issue 7). The
view data is made first, then every string in it goes through one
``mendline.reports.Deidentifier`` (the same one the reports use), except structural values
the pages need to work and that hold no identifiers: ids, refs, roles, vocabulary ids and
labels, kinds, URLs, account names (``STRUCTURAL_KEYS``).

- Speaker labels of the client's therapist and client roles are known, so their names are
  replaced wherever they appear ([CLIENT], [THERAPIST]); the client's display name too.
- All text of the view is learnt before anything is replaced, so a name recognised in one
  line ("my sister Ilse") gets the same placeholder where nothing marks it as a name.
- Dates move by a per-client offset derived from the app's secret and the client id
  (``date_offset_days``): stable across requests and pages, so the supervisor sees one
  consistent calendar, and never stored. Offsets are 30 to 365 days either way.

This is a safety net, not a guarantee (the reports package measures what it misses;
docs/reports.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mendline.reports import Deidentifier, Replacement
from mendline.tracking import ClientTimeline

__all__ = [
    "STRUCTURAL_KEYS",
    "ViewContext",
    "ViewDeidentifier",
    "date_offset_days",
    "deidentify_view",
    "shift_timeline",
    "kinds_and_counts",
]

# Keys whose values are structure, not content: left exactly as they are.
STRUCTURAL_KEYS = frozenset({
    # ids, refs, positions and links
    "id", "ref", "refs", "url", "report_url", "reports", "index", "utterance", "located",
    "span", "number",
    # vocabulary ids and labels, kinds, roles, states
    "role", "kind", "family", "outcome", "stage", "next_stage", "severity", "top_severity",
    "status", "instrument", "scale", "band", "action", "new_label", "metric", "direction",
    "unit", "quieter_when", "label", "short", "family_label", "outcome_label",
    "feedback_label", "top_severity_label", "marker_choices", "strategy_choices",
    "items_by_ref", "marker_refs", "repair_refs", "code", "format",
    # versions and clock readings inside a session (not calendar dates)
    "tracker_version", "analyzer_version", "start", "duration", "ordering",
    # accounts of the practice (who shared, who commented): not the client's identifiers
    "owner", "owner_name", "author", "by",
    # charts: drawn from already de-identified inputs (see ``shift_timeline``)
    "chart", "rupture_map", "caseload_chart",
})
_ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})((?:T[\d:.]+)?(?:Z|[+-]\d{2}:?\d{2})?)")


@dataclass(frozen=True, slots=True)
class ViewContext:
    """What the de-identifier needs to know about one client beyond the view itself."""

    client_id: int
    client_names: tuple[str, ...]  # speaker labels with the client role, the display name
    therapist_names: tuple[str, ...]  # speaker labels with the therapist role
    date_offset_days: int


ViewDeidentifier = Callable[[Mapping[str, Any], ViewContext], Mapping[str, Any]]


def date_offset_days(secret: str | bytes, client_id: int) -> int:
    """The per-client date shift: 30 to 365 days either way, from HMAC(secret, client id).

    Derived, not stored: the same for every page and download of this client while the
    app's secret stays the same, and not guessable without the secret.
    """
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    digest = hmac.new(key, f"mendline.view-date-offset:{client_id}".encode(),
                      hashlib.sha256).digest()
    days = 30 + int.from_bytes(digest[:8], "big") % 336
    return days if digest[8] & 1 else -days


def deidentifier_for(ctx: ViewContext) -> Deidentifier:
    return Deidentifier(client_names=ctx.client_names, therapist_names=ctx.therapist_names,
                        date_offset_days=ctx.date_offset_days)


def deidentify_view(data: Mapping[str, Any], ctx: ViewContext) -> dict[str, Any]:
    """``data`` with every non-structural string de-identified (the default hook)."""
    deid = deidentifier_for(ctx)
    texts: list[str] = []
    roles: dict[str, str] = {}
    _collect(data, texts, roles)
    deid.learn(dict.fromkeys(texts))  # each distinct text once, in order
    return _Apply(deid, roles).value(data)


def _collect(value: Any, texts: list[str], roles: dict[str, str]) -> None:
    if isinstance(value, Mapping):
        if isinstance(value.get("speaker"), str) and isinstance(value.get("role"), str):
            roles[value["speaker"]] = value["role"]
        for k, v in value.items():
            if k in STRUCTURAL_KEYS:
                continue
            if k == "segments" and isinstance(v, list):  # learn the whole line at once
                texts.append("".join(str(seg.get("text", "")) for seg in v))
                continue
            _collect(v, texts, roles)
    elif isinstance(value, list | tuple):
        for v in value:
            _collect(v, texts, roles)
    elif isinstance(value, str):
        texts.append(value)


class _Apply:
    def __init__(self, deid: Deidentifier, roles: Mapping[str, str]) -> None:
        self.deid = deid
        self.roles = roles
        self.cache: dict[str, str] = {}

    def value(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: self.field(k, v, value) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def field(self, key: str, value: Any, parent: Mapping[str, Any]) -> Any:
        if key in STRUCTURAL_KEYS:
            return value
        if key == "speaker" and isinstance(value, str):
            return self.deid.speaker(str(parent.get("role") or self.roles.get(value, "")),
                                     value)
        if key == "speakers" and isinstance(value, list):
            return sorted({self.deid.speaker(self.roles.get(str(v), ""), str(v))
                           for v in value})
        if key == "display_name" and value:
            return "[CLIENT]"
        return self.value(value)

    def text(self, s: str) -> str:
        if s not in self.cache:
            m = _ISO_DATE.fullmatch(s)
            if m:
                day = self.deid.date(dt.date.fromisoformat(m.group(1)))
                self.cache[s] = day.isoformat() + m.group(2)
            else:
                self.cache[s] = self.deid.text(s)
        return self.cache[s]


def shift_timeline(timeline: ClientTimeline, days: int) -> ClientTimeline:
    """The timeline as a supervisor's chart draws it: dates moved, no name.

    Charts are drawn from this copy rather than de-identified afterwards: an SVG is markup,
    and running a text de-identifier over markup could break it.
    """
    offset = dt.timedelta(days=days)

    def move(d: str | None) -> str | None:
        return (dt.date.fromisoformat(d[:10]) + offset).isoformat() if d else d

    return timeline.model_copy(update={
        "display_name": "[CLIENT]",
        "last_session_date": move(timeline.last_session_date),
        "sessions": [x.model_copy(update={"date": move(x.date)}) for x in timeline.sessions],
        "attendance": [x.model_copy(update={"date": move(x.date)})
                       for x in timeline.attendance],
        "measures": [x.model_copy(update={"date": move(x.date)}) for x in timeline.measures],
    })


def kinds_and_counts(replacements: tuple[Replacement, ...] | list[Replacement]
                     ) -> list[dict[str, Any]]:
    """What a supervisor may see of a de-identification: how many of each kind, no originals."""
    counts: dict[str, int] = {}
    for r in replacements:
        counts[r.kind] = counts.get(r.kind, 0) + r.count
    return [{"kind": k, "count": n} for k, n in sorted(counts.items())]
