"""The client-timeline and caseload JSON contract, as pydantic models.

``ClientTimeline.model_dump(mode="json")`` is what ``mendline timeline CLIENT --json``
prints; ``CaseloadEntry`` lists are what ``mendline caseload --json`` prints.
``TRACKER_VERSION`` names the rules that produced a timeline, so old results stay
explainable after thresholds change.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "TRACKER_VERSION",
    "Severity",
    "Value",
    "MetricBaseline",
    "MetricDeviation",
    "QuieterSignal",
    "DriftSignal",
    "MarkerSummary",
    "EpisodeCounts",
    "SessionEntry",
    "Trend",
    "AttendanceSignal",
    "MeasureFlag",
    "MeasureResult",
    "GapSide",
    "PerceptionGap",
    "AlertEvidence",
    "Alert",
    "ClientTimeline",
    "CaseloadEntry",
]

TRACKER_VERSION = "tracking.v1"

Severity = Literal["high", "medium", "low"]
Value = bool | int | float | str | None


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MetricBaseline(_Model):
    """This client's usual for one metric, from their own earlier sessions."""

    metric: str
    label: str
    unit: str  # "words", "share", "s", "count"
    quieter_when: Literal["lower", "higher"]
    sessions: list[int]  # the session numbers the baseline rests on
    median: float
    scale: float  # robust SD used for z: 1.4826 x MAD, floored (docs/tracking.md)
    band_low: float  # lower quartile of those sessions: "usually band_low-band_high"
    band_high: float


class MetricDeviation(_Model):
    metric: str
    value: float
    baseline: MetricBaseline
    change: float  # value - baseline median, in the metric's unit
    ratio: float | None  # value / baseline median (None when the median is 0)
    z: float  # robust z, signed so that positive means quieter than usual
    confidence: float  # one-sided t predictive probability; see docs/tracking.md
    flagged: bool


class QuieterSignal(_Model):
    id: str = "withdrawal.quieter_than_usual"
    session: int
    confidence: float
    metrics: list[str]
    reasons: list[str]


class DriftSignal(_Model):
    id: str = "withdrawal.quieter_than_usual"
    metric: str
    session: int  # where the CUSUM crossed its threshold
    since_session: int  # first session of the run that built up
    cusum: float
    threshold: float
    reason: str


class MarkerSummary(_Model):
    withdrawal: int = 0
    confrontation: int = 0
    by_id: dict[str, int] = Field(default_factory=dict)


class EpisodeCounts(_Model):
    total: int = 0
    resolved: int = 0
    partially_resolved: int = 0
    unresolved: int = 0  # unresolved, no repair attempted, or open at the end


class SessionEntry(_Model):
    number: int
    date: str | None
    stage: str
    metrics: dict[str, float | None]
    markers: MarkerSummary
    episodes: EpisodeCounts
    deviations: list[MetricDeviation] = Field(default_factory=list)
    quieter: QuieterSignal | None = None
    drift: list[DriftSignal] = Field(default_factory=list)
    note: str | None = None  # e.g. why there is no comparison yet


class Trend(_Model):
    metric: str
    label: str
    sessions: list[int]
    values: list[float]
    slope_per_session: float | None  # Theil-Sen, in the metric's unit
    direction: Literal["quieter", "more_engaged", "steady", "not_enough_sessions"]
    cusum: float  # the CUSUM after the last session
    reason: str


class AttendanceSignal(_Model):
    id: str  # withdrawal.missed_session | withdrawal.late_cancellation | withdrawal.late_arrival
    date: str
    status: str
    minutes_late: int | None
    weight: float
    after_unresolved_session: int | None  # the unresolved session this came after
    reason: str


class MeasureFlag(_Model):
    code: str  # e.g. "srs.total_low"; listed in docs/tracking.md
    severity: Severity
    reason: str


class MeasureResult(_Model):
    instrument: str
    date: str
    session: int | None
    scale: str
    items: dict[str, float | bool | None]
    total: float | None
    subscales: dict[str, float] = Field(default_factory=dict)
    band: str | None = None
    flags: list[MeasureFlag] = Field(default_factory=list)


class GapSide(_Model):
    source: str  # "transcript", "client's form", "therapist's form"
    summary: str
    values: dict[str, Value]


class PerceptionGap(_Model):
    kind: str
    session: int | None
    date: str
    reason: str
    left: GapSide
    right: GapSide


class AlertEvidence(_Model):
    sessions: list[int] = Field(default_factory=list)
    dates: list[str] = Field(default_factory=list)
    values: dict[str, Value] = Field(default_factory=dict)


class Alert(_Model):
    kind: str
    severity: Severity
    reason: str
    evidence: AlertEvidence
    next_step: str


class ClientTimeline(_Model):
    tracker_version: str = TRACKER_VERSION
    client: str
    display_name: str | None = None
    last_session: int | None
    last_session_date: str | None
    next_stage: str | None  # the stage of the next session
    sessions: list[SessionEntry]
    baselines: list[MetricBaseline]  # the baseline the next session will be compared with
    trends: list[Trend]
    attendance: list[AttendanceSignal]
    measures: list[MeasureResult]
    gaps: list[PerceptionGap]
    alerts: list[Alert]
    notes: list[str] = Field(default_factory=list)


class CaseloadEntry(_Model):
    rank: int
    client: str
    display_name: str | None = None
    top_severity: Severity | None
    counts: dict[str, int]  # alerts by severity
    last_session: int | None
    last_session_date: str | None
    alerts: list[Alert]
