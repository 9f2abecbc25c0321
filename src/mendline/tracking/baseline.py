"""Quieter than usual: each session against this client's own earlier sessions.

Why own-baseline: speech length alone is not evidence of withdrawal (clinical.md,
boundary rules); a client who is always brief is brief, not withdrawn. What matters is
a change against the client's usual, so every comparison here is within one client.

How:
- For each tracked metric, the baseline is the median of the previous ``window``
  sessions that have a value, with a robust spread (1.4826 x MAD) floored per metric so a
  very steady history cannot make a trivial change look huge.
- The robust z is signed so that positive always means quieter (fewer words, a smaller
  share, more minimal replies, slower replies, more long pauses).
- Confidence is the one-sided Student t predictive probability of a value this far out,
  with ``n - 1`` degrees of freedom for a baseline of ``n`` sessions and the z shrunk by
  sqrt(1 + 1/n): with three sessions of history a z of 3 gives about 0.92, with eight
  about 0.99. It says how unusual the session is for this client, not how likely a
  rupture is.
- A session is quieter than usual when one metric reaches ``z_flag`` or at least
  ``min_supporting`` metrics reach ``z_support`` together.
- Slow drift: a one-sided CUSUM per metric on the capped z (Page, 1954), reset after
  each signal.
No judgement is made before ``min_history`` earlier sessions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from mendline.tracking.records import SessionRecord
from mendline.tracking.result import (
    DriftSignal,
    MetricBaseline,
    MetricDeviation,
    QuieterSignal,
    Trend,
)
from mendline.tracking.robust import MAD_TO_SD, mad, median, quantile, t_cdf, theil_sen_slope
from mendline.tracking.settings import BaselineSettings

__all__ = [
    "MetricSpec",
    "METRICS",
    "SessionComparison",
    "EngagementReport",
    "metric_values",
    "make_baseline",
    "compare",
    "assess_engagement",
]

QUIETER_ID = "withdrawal.quieter_than_usual"


@dataclass(frozen=True, slots=True)
class MetricSpec:
    key: str  # the Engagement field (docs/metrics.md)
    label: str
    unit: str
    quieter_when: Literal["lower", "higher"]
    # Smallest spread the z is divided by: differences below these are within session-to-
    # session noise or measurement error (caption timings are approximate to a few hundred
    # milliseconds; one long pause more is not a pattern).
    abs_floor: float
    rel_floor: float  # as a fraction of the baseline median
    # Smallest change, in the quieter direction, that counts at all: a statistically
    # unusual session must also differ by an amount a clinician would notice (the same
    # two-part logic as "reliable and clinically significant change", Jacobson & Truax,
    # 1991). Mendline's defaults, set on synthetic series; see docs/tracking.md.
    min_change: float
    min_rel_change: float  # as a fraction of the baseline median (0: not used)


METRICS: tuple[MetricSpec, ...] = (
    MetricSpec(
        "client_words_per_turn_median",
        "words per reply (median)",
        "words",
        "lower",
        2.0,
        0.10,
        3.0,
        0.25,
    ),
    MetricSpec(
        "client_word_share",
        "client's share of the words",
        "share",
        "lower",
        0.03,
        0.05,
        0.08,
        0.0,
    ),
    MetricSpec(
        "client_minimal_turn_rate",
        "share of very short replies",
        "share",
        "higher",
        0.05,
        0.0,
        0.10,
        0.0,
    ),
    MetricSpec(
        "response_latency_median_s",
        "time before replying (median)",
        "s",
        "higher",
        0.3,
        0.10,
        0.5,
        0.25,
    ),
    MetricSpec(
        "long_pauses",
        "long pauses before replies",
        "count",
        "higher",
        1.0,
        0.0,
        3.0,
        0.0,
    ),
)
_SPECS = {m.key: m for m in METRICS}


def metric_values(session: SessionRecord, settings: BaselineSettings) -> dict[str, float | None]:
    """The tracked metrics of one session; None where the session cannot be compared.

    Sessions with fewer than ``min_client_turns`` client turns give no values. Long pauses
    count only when the transcript had timestamps (a latency median exists), because
    without timing only written pauses are seen and the count is not comparable.
    """
    e = session.engagement
    if e.client_turns < settings.min_client_turns:
        return {m.key: None for m in METRICS}
    out: dict[str, float | None] = {}
    for m in METRICS:
        v = getattr(e, m.key)
        out[m.key] = None if v is None else float(v)
    if e.response_latency_median_s is None:
        out["long_pauses"] = None
    return out


def make_baseline(spec: MetricSpec, window: list[tuple[int, float]]) -> MetricBaseline:
    values = [v for _, v in window]
    med = median(values)
    scale = max(MAD_TO_SD * mad(values, med), spec.abs_floor, spec.rel_floor * abs(med))
    return MetricBaseline(
        metric=spec.key,
        label=spec.label,
        unit=spec.unit,
        quieter_when=spec.quieter_when,
        sessions=[n for n, _ in window],
        median=med,
        scale=scale,
        band_low=quantile(values, 0.25),
        band_high=quantile(values, 0.75),
    )


def _z(spec: MetricSpec, value: float, base: MetricBaseline) -> float:
    sign = -1.0 if spec.quieter_when == "lower" else 1.0
    return sign * (value - base.median) / base.scale


def _big_enough(spec: MetricSpec, value: float, base: MetricBaseline) -> bool:
    change = value - base.median
    if spec.quieter_when == "lower":
        change = -change
    if change < spec.min_change:
        return False
    return not spec.min_rel_change or change >= spec.min_rel_change * abs(base.median)


def _confidence(z: float, n: int) -> float:
    return t_cdf(z / math.sqrt(1 + 1 / n), n - 1)


def compare(
    spec: MetricSpec, value: float, base: MetricBaseline, *, flagged: bool = False
) -> MetricDeviation:
    z = _z(spec, value, base)
    return MetricDeviation(
        metric=spec.key,
        value=value,
        baseline=base,
        change=value - base.median,
        ratio=value / base.median if base.median else None,
        z=round(z, 3),
        confidence=round(_confidence(z, len(base.sessions)), 3),
        flagged=flagged,
    )


@dataclass(frozen=True, slots=True)
class SessionComparison:
    number: int
    metrics: dict[str, float | None]
    deviations: list[MetricDeviation]
    quieter: QuieterSignal | None
    drift: list[DriftSignal]
    note: str | None


@dataclass(frozen=True, slots=True)
class EngagementReport:
    sessions: list[SessionComparison]
    baselines: list[MetricBaseline]  # for the next session
    trends: list[Trend]


def assess_engagement(
    sessions: tuple[SessionRecord, ...], name: str, settings: BaselineSettings
) -> EngagementReport:
    """Compare every session with the ones before it; sessions must be in number order."""
    history: dict[str, list[tuple[int, float]]] = {m.key: [] for m in METRICS}
    cusum = {m.key: 0.0 for m in METRICS}
    run_start: dict[str, tuple[int, MetricBaseline] | None] = {m.key: None for m in METRICS}
    out: list[SessionComparison] = []
    for s in sessions:
        values = metric_values(s, settings)
        scored: list[tuple[MetricSpec, float, MetricBaseline, float, float]] = []
        for spec in METRICS:
            v = values[spec.key]
            hist = history[spec.key]
            if v is None:
                continue
            if len(hist) >= settings.min_history:
                base = make_baseline(spec, hist[-settings.window :])
                z = _z(spec, v, base)
                # a change too small to notice enters the rules (not the CUSUM) as at most
                # just under the support threshold
                zr = z if _big_enough(spec, v, base) else min(z, settings.z_support - 1e-6)
                scored.append((spec, v, base, z, zr))
            hist.append((s.number, v))
        support = [x for x in scored if x[4] >= settings.z_support]
        is_quieter = any(x[4] >= settings.z_flag for x in scored) or (
            len(support) >= settings.min_supporting
        )
        flagged = {x[0].key for x in support} if is_quieter else set()
        deviations = [compare(sp, v, b, flagged=sp.key in flagged) for sp, v, b, _, _ in scored]
        quieter = None
        if is_quieter:
            top = sorted(support, key=lambda x: -x[3])
            quieter = QuieterSignal(
                session=s.number,
                confidence=max(d.confidence for d in deviations if d.flagged),
                metrics=[x[0].key for x in top],
                reasons=[describe(sp, name, v, b) for sp, v, b, _, _ in top],
            )
        drift: list[DriftSignal] = []
        for spec, v, base, z, _ in scored:
            key = spec.key
            cusum[key] = max(0.0, cusum[key] + min(z, settings.z_cap) - settings.cusum_k)
            if cusum[key] == 0.0:
                run_start[key] = None
            elif run_start[key] is None:
                run_start[key] = (s.number, base)
            if cusum[key] > settings.cusum_h:
                since, since_base = run_start[key] or (s.number, base)
                drift.append(
                    DriftSignal(
                        metric=key,
                        session=s.number,
                        since_session=since,
                        cusum=round(cusum[key], 3),
                        threshold=settings.cusum_h,
                        reason=describe_drift(spec, name, v, since_base, since, s.number),
                    )
                )
                cusum[key], run_start[key] = 0.0, None
        note = None
        if not scored:
            have = max((len(h) for h in history.values()), default=0) - 1
            if all(v is None for v in values.values()):
                note = "Too few client turns in this session to compare it."
            elif have < settings.min_history:
                note = (
                    f"No baseline yet: {max(have, 0)} earlier session(s); "
                    f"{settings.min_history} are needed before comparing."
                )
        out.append(SessionComparison(s.number, values, deviations, quieter, drift, note))
    baselines = [
        make_baseline(spec, history[spec.key][-settings.window :])
        for spec in METRICS
        if len(history[spec.key]) >= settings.min_history
    ]
    trends = [_trend(spec, history[spec.key], cusum[spec.key], name, settings) for spec in METRICS]
    return EngagementReport(out, baselines, trends)


def _trend(
    spec: MetricSpec,
    hist: list[tuple[int, float]],
    cusum: float,
    name: str,
    settings: BaselineSettings,
) -> Trend:
    window = hist[-settings.window :]
    xs = [float(n) for n, _ in window]
    ys = [v for _, v in window]
    slope = theil_sen_slope(xs, ys) if len(window) >= settings.min_history else None
    direction: Literal["quieter", "more_engaged", "steady", "not_enough_sessions"]
    if slope is None:
        direction, reason = (
            "not_enough_sessions",
            (f"Not enough sessions yet to see a trend in {spec.label}."),
        )
    else:
        base = make_baseline(spec, window)
        sign = -1.0 if spec.quieter_when == "lower" else 1.0
        moved = sign * slope * (xs[-1] - xs[0]) / base.scale
        if moved >= settings.trend_scales:
            direction = "quieter"
        elif moved <= -settings.trend_scales:
            direction = "more_engaged"
        else:
            direction = "steady"
        first, last = int(xs[0]), int(xs[-1])
        reason = {
            "quieter": f"Over sessions {first}–{last}, {_TREND_WORDS[spec.key][0]}.",
            "more_engaged": f"Over sessions {first}–{last}, {_TREND_WORDS[spec.key][1]}.",
            "steady": f"Over sessions {first}–{last}, {spec.label} stayed about the same.",
        }[direction].replace("{name}", name)
    return Trend(
        metric=spec.key,
        label=spec.label,
        sessions=[n for n, _ in window],
        values=ys,
        slope_per_session=None if slope is None else round(slope, 4),
        direction=direction,
        cusum=round(cusum, 3),
        reason=reason,
    )


_TREND_WORDS = {
    "client_words_per_turn_median": ("{name}'s replies got shorter", "{name}'s replies got longer"),
    "client_word_share": (
        "{name} said less of the conversation",
        "{name} said more of the conversation",
    ),
    "client_minimal_turn_rate": (
        "more of {name}'s replies were very short",
        "fewer of {name}'s replies were very short",
    ),
    "response_latency_median_s": ("{name} took longer to reply", "{name} replied more readily"),
    "long_pauses": (
        "there were more long pauses before {name}'s replies",
        "there were fewer long pauses before {name}'s replies",
    ),
}


def _fmt(spec: MetricSpec, v: float) -> str:
    if spec.unit == "share":
        return f"{v:.0%}"
    if spec.unit == "s":
        return f"{v:.1f}"
    return f"{v:.0f}"


def _band(spec: MetricSpec, base: MetricBaseline) -> str:
    lo, hi = _fmt(spec, base.band_low), _fmt(spec, base.band_high)
    return lo if lo == hi else f"{lo}–{hi}"


def _shorter(ratio: float) -> str:
    if ratio <= 0.4:
        return "less than half as long as usual"
    if ratio <= 0.6:
        return "about half as long as usual"
    if ratio <= 0.75:
        return "about a third shorter than usual"
    return "shorter than usual"


def describe(spec: MetricSpec, name: str, value: float, base: MetricBaseline) -> str:
    """One plain sentence: what moved, by how much, against which usual range."""
    v, band = _fmt(spec, value), _band(spec, base)
    if spec.key == "client_words_per_turn_median":
        ratio = value / base.median if base.median else 1.0
        return f"{name}'s replies were {_shorter(ratio)} (median {v} words; usually {band})."
    if spec.key == "client_word_share":
        return (
            f"{name} said less of the conversation than usual ({v} of the words; usually {band})."
        )
    if spec.key == "client_minimal_turn_rate":
        return (
            f"More of {name}'s replies were very short than usual ({v} of replies; usually {band})."
        )
    if spec.key == "response_latency_median_s":
        return f"{name} took longer to reply than usual (median {v} s; usually {band} s)."
    return f"There were more long pauses before {name}'s replies than usual ({v}; usually {band})."


def describe_drift(
    spec: MetricSpec, name: str, value: float, since: MetricBaseline, first: int, last: int
) -> str:
    what = _TREND_WORDS[spec.key][0].replace("{name}", name)
    unit = {"words": " words", "s": " s"}.get(spec.unit, "")
    return (
        f"Since session {first}, {what}, a little at a time "
        f"({_fmt(spec, value)}{unit} in session {last}; "
        f"usually {_band(spec, since)}{unit} before)."
    )
