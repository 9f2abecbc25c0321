"""Small robust statistics, in plain Python (no NumPy/SciPy dependency for a few numbers).

Medians and the MAD resist one odd session (a crisis, a session mostly spent on
paperwork); Theil-Sen resists it for slopes. The Student t CDF turns a robust z from a
short history into a probability-like confidence that is honest about how few sessions
the baseline rests on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["MAD_TO_SD", "median", "mad", "quantile", "theil_sen_slope", "t_cdf"]

# 1.4826 * MAD estimates the standard deviation for normal data (Rousseeuw & Croux, 1993).
MAD_TO_SD = 1.4826


def median(values: Sequence[float]) -> float:
    xs = sorted(values)
    n = len(xs)
    if n == 0:
        raise ValueError("median of no values")
    mid = n // 2
    return xs[mid] if n % 2 else (xs[mid - 1] + xs[mid]) / 2


def mad(values: Sequence[float], center: float | None = None) -> float:
    """Median absolute deviation (unscaled)."""
    c = median(values) if center is None else center
    return median([abs(v - c) for v in values])


def quantile(values: Sequence[float], q: float) -> float:
    """Quantile with linear interpolation (the same rule docs/metrics.md uses for the IQR)."""
    xs = sorted(values)
    if not xs:
        raise ValueError("quantile of no values")
    pos = (len(xs) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def theil_sen_slope(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Median of pairwise slopes; None with fewer than 2 distinct x values."""
    slopes = [
        (ys[j] - ys[i]) / (xs[j] - xs[i])
        for i in range(len(xs))
        for j in range(i + 1, len(xs))
        if xs[j] != xs[i]
    ]
    return median(slopes) if slopes else None


def t_cdf(t: float, df: int) -> float:
    """Student t cumulative distribution for integer df >= 1.

    Closed forms of Abramowitz & Stegun 26.7.3-26.7.4 (finite sums in cos(theta)), so no
    special-function library is needed.
    """
    if df < 1:
        raise ValueError("df must be at least 1")
    if math.isinf(t):
        return 1.0 if t > 0 else 0.0
    theta = math.atan(abs(t) / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    s = math.sin(theta)
    if df % 2 == 1:
        term, total = 1.0, 1.0 if df > 1 else 0.0
        for k in range(1, (df - 1) // 2):
            term *= c2 * (2 * k) / (2 * k + 1)
            total += term
        a = (2 / math.pi) * (theta + (s * math.cos(theta) * total if df > 1 else 0.0))
    else:
        term, total = 1.0, 1.0
        for k in range(1, df // 2):
            term *= c2 * (2 * k - 1) / (2 * k)
            total += term
        a = s * total
    p = (1 + a) / 2
    return p if t >= 0 else 1 - p
