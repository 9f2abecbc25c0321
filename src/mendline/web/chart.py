"""The engagement chart: a small server-rendered SVG line, with its data as a table.

Geometry is computed here (pure) so the template only writes numbers into attributes; the
chart needs no script and the same points appear in the page's JSON twin.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["line_chart"]

WIDTH, HEIGHT, PAD = 640, 180, 32


def line_chart(points: Sequence[tuple[int, float | None]], *, label: str) -> dict[str, Any]:
    """Points ``(session number, value)``; sessions without a value are gaps in the line."""
    known = [(n, v) for n, v in points if v is not None]
    chart: dict[str, Any] = {"label": label, "width": WIDTH, "height": HEIGHT,
                             "points": [{"session": n, "value": v} for n, v in points],
                             "dots": [], "polyline": "", "y_max": 0, "y_ticks": []}
    if not known:
        return chart
    numbers = [n for n, _ in points]
    lo_n, hi_n = min(numbers), max(numbers)
    top = max(v for _, v in known)
    y_max = max(1.0, float(top) * 1.15)
    span_n = max(1, hi_n - lo_n)

    def x(n: int) -> float:
        return round(PAD + (n - lo_n) / span_n * (WIDTH - 2 * PAD), 1)

    def y(v: float) -> float:
        return round(HEIGHT - PAD - v / y_max * (HEIGHT - 2 * PAD), 1)

    chart["dots"] = [{"x": x(n), "y": y(v), "session": n, "value": v} for n, v in known]
    chart["polyline"] = " ".join(f"{x(n)},{y(v)}" for n, v in known)
    chart["y_max"] = round(y_max, 1)
    chart["y_ticks"] = [{"y": y(t), "value": round(t, 1)} for t in (0.0, y_max / 2, y_max)]
    chart["x_ticks"] = [{"x": x(n), "session": n} for n in numbers]
    return chart
