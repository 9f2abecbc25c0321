"""The report charts as SVG strings: session rupture map, client timeline, caseload overview.

Pure functions of an analysis, a timeline or a caseload ranking: they draw what those hold
and never re-derive findings. Every chart comes with a ``<title>``, a ``<desc>`` and a text
alternative paragraph (``Chart.text_alternative``) that says the same thing in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date as Date

from mendline.analysis.result import SessionAnalysis, UtteranceOut
from mendline.presentation import clock
from mendline.reports.svg import COLOURS, Chart, esc, fmt, shape, wrap_svg
from mendline.tracking.result import CaseloadEntry, ClientTimeline, MetricBaseline
from mendline.vocabulary import MARKERS, STRATEGIES

__all__ = ["session_rupture_map", "client_timeline_chart", "caseload_chart", "WORDS_METRIC"]

WORDS_METRIC = "client_words_per_turn_median"
_OUTCOME_WORDS = {
    "resolved": "resolved",
    "partially_resolved": "partly resolved",
    "unresolved": "not resolved",
    "no_repair_attempted": "no repair attempted",
}


def _text(x: float, y: float, s: str, anchor: str = "start", size: int = 11,
          weight: str = "normal", colour: str = "#222") -> str:
    return (f'<text x="{fmt(x)}" y="{fmt(y)}" text-anchor="{anchor}" font-size="{size}" '
            f'font-weight="{weight}" fill="{colour}">{esc(s)}</text>')


def _line(x1: float, y1: float, x2: float, y2: float, colour: str = COLOURS["axis"],
          width: float = 1.0, dash: str = "") -> str:
    d = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<line x1="{fmt(x1)}" y1="{fmt(y1)}" x2="{fmt(x2)}" y2="{fmt(y2)}" '
            f'stroke="{colour}" stroke-width="{fmt(width)}"{d}/>')


# ---------------------------------------------------------------- session rupture map


def _times(utts: Sequence[UtteranceOut]) -> tuple[list[float], list[float], bool]:
    """Start and end of each utterance on the x axis: seconds if timed, else turn order."""
    timed = bool(utts) and all(u.start is not None for u in utts)
    if not timed:
        return [float(i) for i in range(len(utts))], [i + 1.0 for i in range(len(utts))], False
    starts = [float(u.start or 0.0) for u in utts]
    ends = []
    for i, u in enumerate(utts):
        nxt = starts[i + 1] if i + 1 < len(utts) else starts[i] + 5.0
        ok = u.end is not None and u.end > starts[i]
        ends.append(float(u.end) if ok and u.end is not None else max(nxt, starts[i] + 1))
    return starts, ends, True


def _when(x: float, timed: bool) -> str:
    return clock(x) if timed else f"turn {int(x) + 1}"


def session_rupture_map(analysis: SessionAnalysis, *, chart_id: str = "rupture-map") -> Chart:
    """Who is talking, where markers and repair attempts fall, and the episodes, over time."""
    utts = analysis.utterances
    starts, ends, timed = _times(utts)
    left, right, width = 96.0, 16.0, 720
    span = max(ends, default=1.0) or 1.0
    plot_w = width - left - right

    def x(v: float) -> float:
        return left + plot_w * v / span

    lanes = {"therapist": 30.0, "client": 46.0, "withdrawal": 74.0, "confrontation": 96.0,
             "repair": 118.0}
    axis_y, height = 134.0, 196
    parts: list[str] = []
    for e in analysis.episodes:
        a = x(starts[e.start_utterance]) if e.start_utterance < len(utts) else left
        b = x(ends[e.end_utterance]) if e.end_utterance < len(utts) else left + plot_w
        parts.append(
            f'<rect x="{fmt(a)}" y="22" width="{fmt(max(b - a, 3))}" height="{fmt(axis_y - 26)}" '
            f'fill="{COLOURS["episode"]}" fill-opacity="0.18" stroke="{COLOURS["episode"]}" '
            f'stroke-dasharray="4 2"><title>{esc(f"Episode {e.id}: {e.family}")}</title></rect>'
        )
        parts.append(_text(a + 2, 19, f"E{e.id}", size=9, colour="#6b4a00"))
    names = {"therapist": "Therapist", "client": "Client", "withdrawal": "Withdrawal ▽",
             "confrontation": "Confrontation △", "repair": "Repair attempt ◆"}
    for lane, y in lanes.items():
        parts.append(_text(left - 6, y + 4, names[lane], anchor="end", size=10))
        parts.append(_line(left, y, left + plot_w, y, COLOURS["grid"], 0.6))
    for u, a, b in zip(utts, starts, ends, strict=True):
        if u.role in ("therapist", "client"):
            y = lanes[u.role]
            parts.append(
                f'<rect x="{fmt(x(a))}" y="{fmt(y - 4)}" width="{fmt(max(x(b) - x(a), 0.8))}" '
                f'height="8" fill="{COLOURS[u.role]}"/>'
            )
    for m in analysis.markers:
        if m.utterance < len(utts) and m.family in lanes:
            label = MARKERS[m.id].label if m.id in MARKERS else m.id
            tip = f"{label} ({m.id}) at {_when(starts[m.utterance], timed)}"
            parts.append(shape(m.family, x(starts[m.utterance]), lanes[m.family], 5.5, tip))
    for r in analysis.repairs:
        if r.utterance < len(utts):
            label = STRATEGIES[r.id].label if r.id in STRATEGIES else r.id
            tip = f"{label} ({r.id}) at {_when(starts[r.utterance], timed)}"
            parts.append(shape("repair", x(starts[r.utterance]), lanes["repair"], 5.5, tip))
    parts.append(_line(left, axis_y, left + plot_w, axis_y))
    for i in range(6):
        v = span * i / 5
        parts.append(_line(x(v), axis_y, x(v), axis_y + 4))
        parts.append(_text(x(v), axis_y + 16, _when(v, timed) if timed else f"{int(v) + 1}",
                           anchor="middle", size=9))
    parts.append(_text(left + plot_w / 2, axis_y + 30,
                       "time into the session (min:s)" if timed else "turn", anchor="middle",
                       size=9))
    ly = height - 10
    parts.append(shape("withdrawal", left + 4, ly - 4, 5))
    parts.append(_text(left + 14, ly, "withdrawal marker", size=9))
    parts.append(shape("confrontation", left + 124, ly - 4, 5))
    parts.append(_text(left + 134, ly, "confrontation marker", size=9))
    parts.append(shape("repair", left + 262, ly - 4, 5))
    parts.append(_text(left + 272, ly, "repair attempt", size=9))
    parts.append(f'<rect x="{fmt(left + 370)}" y="{fmt(ly - 9)}" width="14" height="10" '
                 f'fill="{COLOURS["episode"]}" fill-opacity="0.25" stroke="{COLOURS["episode"]}" '
                 f'stroke-dasharray="4 2"/>')
    parts.append(_text(left + 390, ly, "episode (strain and what followed)", size=9))
    number = analysis.session.number
    title = f"Rupture map, session {number}" if number else "Rupture map"
    alt = _rupture_map_text(analysis, starts, ends, timed)
    desc = ("Time runs left to right. Two bands show when the therapist and the client spoke; "
            "below them, rows of markers by family and the therapist's repair attempts; "
            "shaded areas are episodes.")
    return wrap_svg(chart_id, title, desc, width, height, "".join(parts), alt)


def _rupture_map_text(a: SessionAnalysis, starts: list[float], ends: list[float],
                      timed: bool) -> str:
    talk = {"therapist": 0.0, "client": 0.0}
    for u, s, e in zip(a.utterances, starts, ends, strict=True):
        if u.role in talk:
            talk[u.role] += e - s
    total = sum(talk.values()) or 1.0
    fams = {"withdrawal": [], "confrontation": []}  # type: dict[str, list[float]]
    for m in a.markers:
        if m.family in fams and m.utterance < len(starts):
            fams[m.family].append(starts[m.utterance])
    bits = [
        f"The therapist spoke for about {talk['therapist'] / total:.0%} and the client for "
        f"about {talk['client'] / total:.0%} of the talking "
        + ("time." if timed else "turns' length (no timestamps).")
    ]
    for fam, xs in fams.items():
        if xs:
            first = _when(min(xs), timed)
            bits.append(f"{len(xs)} possible {fam} marker(s), the first at {first}.")
        else:
            bits.append(f"No {fam} markers.")
    bits.append(f"{len(a.repairs)} repair attempt(s).")
    for e in a.episodes:
        s = _when(starts[e.start_utterance], timed) if e.start_utterance < len(starts) else "?"
        t = _when(ends[e.end_utterance], timed) if e.end_utterance < len(ends) else "?"
        bits.append(f"Episode {e.id}: {e.family}, {s} to {t}, "
                    f"{_OUTCOME_WORDS.get(e.outcome, e.outcome)}.")
    return " ".join(bits)


# ---------------------------------------------------------------- client timeline


def _fraction_between(day: Date, dated: list[tuple[float, Date]]) -> float | None:
    """Place a date on the session axis by interpolating between the dated sessions."""
    if not dated:
        return None
    if day <= dated[0][1]:
        return dated[0][0] - 0.5
    for (x0, d0), (x1, d1) in zip(dated, dated[1:], strict=False):
        if d0 <= day <= d1:
            whole = (d1 - d0).days or 1
            return x0 + (x1 - x0) * (day - d0).days / whole
    return dated[-1][0] + 0.5


def _baseline(t: ClientTimeline) -> MetricBaseline | None:
    return next((b for b in t.baselines if b.metric == WORDS_METRIC), None)


def _session_bands(t: ClientTimeline) -> dict[int, MetricBaseline]:
    """Position -> the baseline that session was compared with (tracking's own)."""
    out = {}
    for i, s in enumerate(t.sessions):
        d = next((d for d in s.deviations if d.metric == WORDS_METRIC), None)
        if d is not None:
            out[i] = d.baseline
    return out


def client_timeline_chart(timeline: ClientTimeline, *,
                          chart_id: str = "client-timeline") -> Chart:
    """Words per reply against the client's usual band, episodes and attendance (top);
    SRS and WAI-SR totals (bottom)."""
    sess = timeline.sessions
    width, left, right = 720, 64.0, 64.0
    plot_w = width - left - right
    n = max(len(sess), 1)
    numbers = [s.number for s in sess]
    pos = {num: i for i, num in enumerate(numbers)}

    def x(i: float) -> float:
        return left + plot_w * (i + 0.5) / n

    top0, top1 = 28.0, 148.0  # words panel
    strip = 166.0  # attendance and episode strip
    bot0, bot1 = 206.0, 296.0  # self-report panel
    height = 350
    parts: list[str] = [_text(left, 18, "Words per reply (median) against this client's usual",
                              size=10, weight="bold")]
    values = [s.metrics.get(WORDS_METRIC) for s in sess]
    base = _baseline(timeline)
    highs = [b.band_high for b in _session_bands(timeline).values()]
    hi = max([v for v in values if v is not None] + highs
             + ([base.band_high] if base else []) + [1.0])
    ymax = hi * 1.15

    def yw(v: float) -> float:
        return top1 - (top1 - top0) * v / ymax

    per_session = _session_bands(timeline)
    if per_session:  # each session against the usual of the sessions before it
        for i, b in per_session.items():
            half = plot_w / n * 0.42
            parts.append(
                f'<rect x="{fmt(x(i) - half)}" y="{fmt(yw(b.band_high))}" '
                f'width="{fmt(2 * half)}" height="{fmt(max(yw(b.band_low) - yw(b.band_high), 1))}" '
                f'fill="{COLOURS["band"]}" fill-opacity="0.45"><title>usual before session '
                f'{sess[i].number}: {b.band_low:g} to {b.band_high:g} words</title></rect>'
            )
            parts.append(_line(x(i) - half, yw(b.median), x(i) + half, yw(b.median),
                               "#666", 1.0, "2 2"))
    elif base is not None:
        parts.append(
            f'<rect x="{fmt(left)}" y="{fmt(yw(base.band_high))}" width="{fmt(plot_w)}" '
            f'height="{fmt(max(yw(base.band_low) - yw(base.band_high), 1))}" '
            f'fill="{COLOURS["band"]}" fill-opacity="0.35"><title>usual band '
            f'{base.band_low:g} to {base.band_high:g} words</title></rect>'
        )
        parts.append(_line(left, yw(base.median), left + plot_w, yw(base.median),
                           "#666", 1.0, "2 3"))
    for frac in (0.0, 0.5, 1.0):
        v = ymax * frac
        parts.append(_text(left - 6, yw(v) + 4, f"{v:.0f}", anchor="end", size=9))
    parts.append(_line(left, top1, left + plot_w, top1))
    pts = [(x(i), yw(v)) for i, v in enumerate(values) if v is not None]
    if len(pts) > 1:
        path = " ".join(f"{'M' if k == 0 else 'L'}{fmt(a)},{fmt(b)}"
                        for k, (a, b) in enumerate(pts))
        parts.append(f'<path d="{path}" stroke="{COLOURS["client"]}" stroke-width="2" '
                     'fill="none"/>')
    for i, (s, v) in enumerate(zip(sess, values, strict=True)):
        if v is not None:
            kind = "withdrawal" if s.quieter is not None else "client"
            tip = f"session {s.number}: {v:g} words"
            if s.quieter:
                tip += " (quieter than usual)"
            parts.append(shape(kind, x(i), yw(v), 5, tip))
        parts.append(_text(x(i), top1 + 12, str(s.number), anchor="middle", size=9))
    parts.append(_text(left - 6, strip + 4, "Episodes", anchor="end", size=9))
    for i, s in enumerate(sess):
        if s.episodes.total:
            label = str(s.episodes.total) + (f" ({s.episodes.unresolved} open)"
                                             if s.episodes.unresolved else "")
            parts.append(f'<rect x="{fmt(x(i) - 9)}" y="{fmt(strip - 8)}" width="18" height="12" '
                         f'fill="{COLOURS["episode"]}" fill-opacity="0.35" '
                         f'stroke="{COLOURS["episode"]}"><title>{esc(label)}</title></rect>')
            parts.append(_text(x(i), strip + 2, str(s.episodes.total), anchor="middle", size=9))
    parts.append(_text(left - 6, strip + 22, "Attendance", anchor="end", size=9))
    dated = [(float(pos[s.number]), Date.fromisoformat(s.date)) for s in sess if s.date]
    for a in timeline.attendance:
        f = _fraction_between(Date.fromisoformat(a.date), dated)
        if f is None:
            continue
        kind = "missed" if a.id != "withdrawal.late_arrival" else "client"
        words = {"withdrawal.missed_session": "missed", "withdrawal.late_cancellation":
                 "cancelled late", "withdrawal.late_arrival": "arrived late"}.get(a.id, a.status)
        parts.append(shape(kind, x(f), strip + 18, 5, f"{a.date}: {words}"))
    # self-report panel: SRS 0-40 on the left axis, WAI-SR 12-60 on the right.
    parts.append(_text(left, bot0 - 8, "Client's own ratings: SRS total (left, 0-40, solid) "
                       "and WAI-SR total (right, 12-60, dashed)", size=10, weight="bold"))
    parts.append(_line(left, bot1, left + plot_w, bot1))
    for v in (0, 20, 40):
        parts.append(_text(left - 6, bot1 - (bot1 - bot0) * v / 40 + 4, str(v), anchor="end",
                           size=9))
    for v in (12, 36, 60):
        parts.append(_text(left + plot_w + 6, bot1 - (bot1 - bot0) * (v - 12) / 48 + 4, str(v),
                           size=9))
    for inst, lo, hi_, dash, glyph in (("SRS", 0.0, 40.0, "", "circle"),
                                       ("WAI-SR", 12.0, 60.0, "6 3", "square")):
        series = [(pos[m.session], m.total) for m in timeline.measures
                  if m.instrument == inst and m.session in pos and m.total is not None]
        series.sort()
        coords = [(x(i), bot1 - (bot1 - bot0) * (v - lo) / (hi_ - lo)) for i, v in series]
        if len(coords) > 1:
            path = " ".join(f"{'M' if k == 0 else 'L'}{fmt(a)},{fmt(b)}"
                            for k, (a, b) in enumerate(coords))
            colour = COLOURS["srs" if inst == "SRS" else "wai"]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(f'<path d="{path}" stroke="{colour}" stroke-width="1.6" '
                         f'fill="none"{dash_attr}/>')
        for (cx, cy), (i, v) in zip(coords, series, strict=True):
            parts.append(shape("square" if glyph == "square" else "srs", cx, cy, 4,
                               f"{inst} session {numbers[i]}: {v:g}"))
    for i, s in enumerate(sess):
        parts.append(_text(x(i), bot1 + 12, str(s.number), anchor="middle", size=9))
    parts.append(_text(left + plot_w / 2, bot1 + 26, "session", anchor="middle", size=9))
    ly = height - 8
    parts.append(shape("client", left + 4, ly - 4, 5))
    parts.append(_text(left + 12, ly, "words per reply", size=9))
    parts.append(shape("withdrawal", left + 104, ly - 4, 5))
    parts.append(_text(left + 112, ly, "quieter than usual", size=9))
    parts.append(f'<rect x="{fmt(left + 212)}" y="{fmt(ly - 9)}" width="14" height="10" '
                 f'fill="{COLOURS["band"]}" fill-opacity="0.5"/>')
    parts.append(_text(left + 230, ly, "usual band", size=9))
    parts.append(shape("missed", left + 300, ly - 4, 4))
    parts.append(_text(left + 308, ly, "missed / cancelled late", size=9))
    parts.append(shape("srs", left + 436, ly - 4, 4))
    parts.append(_text(left + 444, ly, "SRS", size=9))
    parts.append(shape("square", left + 480, ly - 4, 4))
    parts.append(_text(left + 488, ly, "WAI-SR", size=9))
    title = f"Timeline for {timeline.display_name or timeline.client}"
    desc = ("Top: the client's median words per reply in each session, each against the "
            "usual range of their own earlier sessions, episode counts and missed appointments. "
            "Bottom: "
            "the client's session ratings.")
    return wrap_svg(chart_id, title, desc, width, height, "".join(parts),
                    _timeline_text(timeline, values, base, per_session))


def _timeline_text(t: ClientTimeline, values: list[float | None],
                   base: MetricBaseline | None, bands: dict[int, MetricBaseline]) -> str:
    bits = [f"{len(t.sessions)} session(s)."]
    known = [(s.number, v) for s, v in zip(t.sessions, values, strict=True) if v is not None]
    if known:
        bits.append("Median words per reply by session: "
                    + ", ".join(f"{n}: {v:g}" for n, v in known) + ".")
    if bands:
        bits.append("Each session is drawn against the usual range of the sessions before it: "
                    + ", ".join(f"session {t.sessions[i].number} {b.band_low:g}-{b.band_high:g}"
                                for i, b in bands.items()) + " words.")
    elif base is not None:
        bits.append(f"Usual band from sessions {', '.join(map(str, base.sessions))}: "
                    f"{base.band_low:g} to {base.band_high:g} words (median {base.median:g}).")
    else:
        bits.append("Not enough earlier sessions yet for a usual band.")
    quiet = [s.number for s in t.sessions if s.quieter is not None]
    if quiet:
        bits.append(f"Quieter than usual in session(s) {', '.join(map(str, quiet))}.")
    eps = [f"{s.number} ({s.episodes.total})" for s in t.sessions if s.episodes.total]
    bits.append("Episodes in session(s) " + ", ".join(eps) + "." if eps else "No episodes.")
    gone = [f"{a.date} ({a.status.replace('_', ' ')})" for a in t.attendance]
    if gone:
        bits.append("Attendance signals: " + ", ".join(gone) + ".")
    for inst in ("SRS", "WAI-SR"):
        xs = [f"{m.session}: {m.total:g}" for m in t.measures
              if m.instrument == inst and m.total is not None and m.session is not None]
        if xs:
            bits.append(f"{inst} totals by session: {', '.join(xs)}.")
    return " ".join(bits)


# ---------------------------------------------------------------- caseload


def caseload_chart(entries: Sequence[CaseloadEntry], *, chart_id: str = "caseload") -> Chart:
    """Clients ranked by what most needs a look: stacked bars of high/medium/low alerts.

    Severity is coded three ways: colour, fill pattern (solid, hatched, dotted) and order.
    """
    width, left, right, row = 720, 150.0, 40.0, 24.0
    height = int(40 + row * max(len(entries), 1) + 34)
    most = max((sum(e.counts.values()) for e in entries), default=1) or 1
    plot_w = width - left - right
    p = esc(chart_id)
    defs = (
        f'<defs><pattern id="{p}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{COLOURS["medium"]}"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="1.5"/></pattern>'
        f'<pattern id="{p}-dots" width="5" height="5" patternUnits="userSpaceOnUse">'
        f'<rect width="5" height="5" fill="{COLOURS["low"]}"/>'
        f'<circle cx="2.5" cy="2.5" r="1" fill="#000"/></pattern></defs>'
    )
    fills = {"high": COLOURS["high"], "medium": f"url(#{p}-hatch)", "low": f"url(#{p}-dots)"}
    parts = [defs, _text(left, 18, "Alerts per client, most in need of a look first", size=10,
                         weight="bold")]
    for k, e in enumerate(entries):
        y = 32 + k * row
        name = e.display_name or e.client
        parts.append(_text(left - 8, y + 12, f"{e.rank}. {name}", anchor="end", size=10))
        cursor = left
        for sev in ("high", "medium", "low"):
            c = e.counts.get(sev, 0)
            if c:
                w = plot_w * c / most
                parts.append(f'<rect x="{fmt(cursor)}" y="{fmt(y)}" width="{fmt(w)}" height="16" '
                             f'fill="{fills[sev]}" stroke="#000" stroke-width="0.5">'
                             f'<title>{esc(f"{name}: {c} {sev}")}</title></rect>')
                cursor += w
        total = sum(e.counts.values())
        parts.append(_text(cursor + 4, y + 12, str(total) if total else "no alerts", size=9))
    ly = height - 10
    for j, sev in enumerate(("high", "medium", "low")):
        lx = left + j * 110
        parts.append(f'<rect x="{fmt(lx)}" y="{fmt(ly - 10)}" width="14" height="12" '
                     f'fill="{fills[sev]}" stroke="#000" stroke-width="0.5"/>')
        parts.append(_text(lx + 18, ly, f"{sev} (solid)" if sev == "high" else
                           f"{sev} ({'hatched' if sev == 'medium' else 'dotted'})", size=9))
    alt_rows = [
        f"{e.rank}. {e.display_name or e.client}: "
        + (", ".join(f"{e.counts.get(s, 0)} {s}" for s in ("high", "medium", "low"))
           if sum(e.counts.values()) else "no alerts")
        for e in entries
    ]
    alt = ("Clients in order of what most needs a look. " + "; ".join(alt_rows) + "."
           if entries else "No clients yet.")
    desc = "One bar per client, split into high, medium and low alerts, ranked from the top."
    return wrap_svg(chart_id, "Caseload overview", desc, width, height, "".join(parts), alt)
