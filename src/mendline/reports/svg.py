"""Small helpers for hand-written SVG: escaping, the palette, shapes and the chart wrapper.

Charts are server-side strings with no scripts, no fonts to fetch and no external
references, so a report opens the same offline, in a PDF and in print.

Palette: Okabe & Ito (2008), "Color Universal Design", chosen because it stays distinct for
the common forms of colour blindness. Colour is never the only code: each family also has
its own shape (withdrawal ▽, confrontation △, repair ◆) and each series its own dash
pattern, so a greyscale print still reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

__all__ = [
    "OKABE_ITO",
    "COLOURS",
    "Chart",
    "esc",
    "fmt",
    "shape",
    "wrap_svg",
    "standalone",
]

OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

# What each thing on a chart is drawn in. Shapes and dashes carry the same meaning.
COLOURS: dict[str, str] = {
    "withdrawal": OKABE_ITO["blue"],
    "confrontation": OKABE_ITO["vermillion"],
    "repair": OKABE_ITO["bluish_green"],
    "episode": OKABE_ITO["orange"],
    "therapist": "#7A7A7A",
    "client": OKABE_ITO["sky_blue"],
    "srs": OKABE_ITO["black"],
    "wai": OKABE_ITO["reddish_purple"],
    "missed": OKABE_ITO["vermillion"],
    "axis": "#333333",
    "grid": "#DDDDDD",
    "band": "#BBBBBB",
    "high": OKABE_ITO["vermillion"],
    "medium": OKABE_ITO["orange"],
    "low": OKABE_ITO["sky_blue"],
}


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart: the SVG, its title, and a paragraph saying in words what it shows."""

    id: str
    title: str
    svg: str
    text_alternative: str


def esc(text: object) -> str:
    """Escape for SVG/HTML text and attribute values."""
    return escape(str(text), quote=True)


def fmt(x: float) -> str:
    """Coordinates with at most one decimal, so the SVG stays small and stable."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def shape(kind: str, x: float, y: float, size: float = 6.0, tip: str = "") -> str:
    """A marker glyph: "withdrawal" ▽, "confrontation" △, "repair" ◆, "missed" ×, else ●."""
    s = size
    title = f"<title>{esc(tip)}</title>" if tip else ""
    colour = COLOURS.get(kind, COLOURS["axis"])
    points = {
        "withdrawal": ((x - s, y - s), (x + s, y - s), (x, y + s)),  # ▽
        "confrontation": ((x - s, y + s), (x + s, y + s), (x, y - s)),  # △
        "repair": ((x, y - s), (x + s, y), (x, y + s), (x - s, y)),  # ◆
    }.get(kind)
    if points is not None:
        pts = " ".join(f"{fmt(a)},{fmt(b)}" for a, b in points)
        return (f'<polygon points="{pts}" fill="{colour}" stroke="#000" '
                f'stroke-width="0.6">{title}</polygon>')
    if kind == "missed":
        d = (f"M{fmt(x - s)},{fmt(y - s)} L{fmt(x + s)},{fmt(y + s)} "
             f"M{fmt(x - s)},{fmt(y + s)} L{fmt(x + s)},{fmt(y - s)}")
        return f'<path d="{d}" stroke="{colour}" stroke-width="2.2" fill="none">{title}</path>'
    if kind == "square":
        return (f'<rect x="{fmt(x - s * 0.8)}" y="{fmt(y - s * 0.8)}" width="{fmt(s * 1.6)}" '
                f'height="{fmt(s * 1.6)}" fill="{COLOURS["wai"]}" stroke="#000" '
                f'stroke-width="0.6">{title}</rect>')
    return (f'<circle cx="{fmt(x)}" cy="{fmt(y)}" r="{fmt(s * 0.75)}" fill="{colour}" '
            f'stroke="#000" stroke-width="0.6">{title}</circle>')


_ID_OK = re.compile(r"[^A-Za-z0-9_-]")


def wrap_svg(chart_id: str, title: str, desc: str, width: int, height: int, body: str,
             text_alternative: str) -> Chart:
    """Wrap drawn elements into an accessible ``<svg>`` for inline use in HTML.

    ``role="img"`` with ``aria-labelledby`` on the ``<title>`` and ``<desc>`` makes screen
    readers announce the chart; the separate text alternative is printed under it.
    """
    cid = _ID_OK.sub("-", chart_id)
    svg = (
        f'<svg width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" font-family="DejaVu Sans, sans-serif" '
        f'font-size="11">'
        f'<title id="{cid}-title">{esc(title)}</title>'
        f'<desc id="{cid}-desc">{esc(desc)}</desc>'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#FFFFFF"/>'
        f"{body}</svg>"
    )
    return Chart(cid, title, svg, text_alternative)


def standalone(chart: Chart) -> str:
    """The chart as a file of its own (a standalone ``.svg`` needs the SVG namespace).

    Inline in HTML the namespace is implied, which keeps reports free of any URL at all.
    """
    return chart.svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
