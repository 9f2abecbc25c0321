"""Every threshold the tracker uses, with its default and the reason for it.

Defaults are documented in docs/tracking.md; a practice can override any of them per
client (the store keeps them with the client's settings). All are plain frozen
dataclasses, so a ``ClientHistory`` stays immutable and picklable for the batch runner.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "BaselineSettings",
    "MeasureSettings",
    "AttendanceSettings",
    "GapSettings",
    "AlertSettings",
    "TrackingSettings",
]


@dataclass(frozen=True, slots=True)
class BaselineSettings:
    # How many of the client's own previous sessions make the baseline: enough for a stable
    # median, few enough that the baseline follows real change over months of work.
    window: int = 8
    # No judgement before 3 earlier sessions: a median and MAD of fewer points is noise.
    min_history: int = 3
    # A session's metric needs this many client turns to be compared at all: a rate over
    # two replies is not a rate.
    min_client_turns: int = 5
    # One metric this far (robust z) from the client's usual is enough on its own ...
    z_flag: float = 4.5
    # ... or at least `min_supporting` metrics each this far, moving together. Robust z
    # from 3-8 sessions is heavy-tailed (the MAD is a noisy spread estimate), so these sit
    # above textbook 3-sigma limits: on synthetic noisy-but-stable series they give about
    # 0.2 false "quieter" sessions per 20-session client, and still catch about 97% of
    # sessions where the client's replies halve (benchmarks/tracking.py; docs/tracking.md).
    z_support: float = 2.5
    min_supporting: int = 2
    # One-sided CUSUM on robust z (Page, 1954): k = 0.5 tunes it to a sustained shift of
    # about one robust SD, the usual choice; h = 6 rather than the textbook 4-5 because of
    # the heavy tails above (about 0.09 false drifts per 20-session client on the synthetic
    # series; a drift of 4% a session is caught in 98% of series, typically 8 sessions in).
    cusum_k: float = 0.5
    cusum_h: float = 6.0
    # Each z enters the CUSUM capped at this value, so one odd session cannot make a drift.
    z_cap: float = 3.0
    # Trend wording: a change over the window larger than this many robust SDs is "moving".
    trend_scales: float = 1.0

    def __post_init__(self) -> None:
        if self.min_history < 2 or self.window < self.min_history:
            raise ValueError("baseline needs 2 <= min_history <= window")


@dataclass(frozen=True, slots=True)
class MeasureSettings:
    # SRS total flag: "at or below 36" (some sources say "below 36"), configurable.
    srs_total_cutoff: float = 36.0
    srs_cutoff_inclusive: bool = True
    srs_item_cutoff: float = 9.0  # any item below about 9 (Duncan et al., 2003 practice)
    srs_drop: float = 1.0  # a drop of 1 point or more from the last form (OpenFIT's rule)
    srs_constant_run: int = 3  # this many 40/40 forms in a row are noted
    ors_cutoff: float = 25.0  # ORS clinical cutoff (adult; Miller et al., 2003)
    ors_reliable_change: float = 5.0  # ORS reliable change index
    # WAI-SR: a drop of a third of a scale point per item on average (4 points of the
    # 12-60 total) from the last form. Mendline's default; no published reliable-change
    # figure was checked for the WAI-SR.
    wai_drop_per_item: float = 1 / 3


@dataclass(frozen=True, slots=True)
class AttendanceSettings:
    late_minutes: int = 10  # arriving this late counts as a late arrival
    missed_weight: float = 1.0
    late_cancelled_weight: float = 1.0
    late_weight: float = 0.5
    # A missed or late-cancelled session right after a session with an unresolved strain
    # weighs this many times more: dropout often follows an unrepaired rupture
    # (Eubanks et al., 2019: confrontation predicts dropout).
    after_unresolved_factor: float = 2.0


@dataclass(frozen=True, slots=True)
class GapSettings:
    srs_high: float = 38.0  # "nearly perfect" SRS total
    min_withdrawal_markers: int = 3  # "several" withdrawal markers in the same session
    marker_min_confidence: float = 0.5


@dataclass(frozen=True, slots=True)
class AlertSettings:
    recent_sessions: int = 2  # episodes and gaps in the last N sessions raise alerts
    recent_appointments: int = 3  # attendance in the last N appointments raises alerts


@dataclass(frozen=True, slots=True)
class TrackingSettings:
    baseline: BaselineSettings = field(default_factory=BaselineSettings)
    measures: MeasureSettings = field(default_factory=MeasureSettings)
    attendance: AttendanceSettings = field(default_factory=AttendanceSettings)
    gaps: GapSettings = field(default_factory=GapSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
