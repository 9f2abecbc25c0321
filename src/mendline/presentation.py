"""Plain-text rendering of a session analysis for the terminal.

It only formats what the analysis holds; it never re-derives findings.
"""

from __future__ import annotations

from mendline.analysis.result import SessionAnalysis
from mendline.vocabulary import MARKERS, STRATEGIES

__all__ = ["clock", "render_analysis_text"]

_OUTCOME_WORDS = {
    "resolved": "the client seemed to come back into the work",
    "partially_resolved": "partly eased",
    "unresolved": "did not seem to ease",
    "no_repair_attempted": "not addressed in the session",
}
_GUIDANCE_HEADINGS = {
    "metacommunication": "A line to have ready (talking about what happens between you):",
    "check_in": "After a repair, checking how it landed:",
    "link_to_pattern": "For a later session:",
    "reflection": "For your own reflection or supervision:",
}


def clock(seconds: float | None) -> str:
    """``754.2`` → ``"12:34"``; ``None`` → ``""``."""
    if seconds is None:
        return ""
    total = int(seconds)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.0%}"


def _num(x: float | None, unit: str = "") -> str:
    return "–" if x is None else f"{x:g}{unit}"


def render_analysis_text(a: SessionAnalysis) -> str:
    s = a.session
    title = " · ".join(
        p
        for p in (
            f"client {s.client}" if s.client else "",
            f"session {s.number}" if s.number else "",
            s.date or "",
            f"{s.stage} phase" if s.stage else "",
            clock(s.duration_s),
            s.source.format,
        )
        if p
    )
    e = a.engagement
    lines = [
        title or "Session",
        "",
        "Engagement",
        f"  client share of words   {_pct(e.client_word_share)}",
        f"  client words per turn   median {_num(e.client_words_per_turn_median)}, "
        f"IQR {_num(e.client_words_per_turn_iqr)}",
        f"  minimal replies         {e.client_minimal_replies} "
        f"({_pct(e.client_minimal_turn_rate)} of replies; {e.client_backchannels} backchannels)",
        f"  therapist questions     {e.therapist_questions} "
        f"({e.therapist_open_questions} open, {e.therapist_closed_questions} closed)",
        f"  reply latency           median {_num(e.response_latency_median_s, ' s')}, "
        f"p90 {_num(e.response_latency_p90_s, ' s')}; long pauses {e.long_pauses}",
    ]
    utts = {u.index: u for u in a.utterances}
    lines += ["", f"Possible rupture markers ({len(a.markers)})"]
    if not a.markers:
        lines.append("  none found")
    for m in a.markers:
        u = utts.get(m.utterance)
        when = clock(u.start) if u else ""
        label = MARKERS[m.id].label if m.id in MARKERS else m.id
        lines.append(
            f"  #{m.utterance:<4} {when:>7}  {m.family:<13} {label}  ({m.confidence:.0%})"
        )
        lines.append(f"        “{m.evidence}”")
        lines.append(f"        {m.why}")
    if a.repairs:
        by_turn: dict[int, list[str]] = {}
        for r in a.repairs:
            label = STRATEGIES[r.id].label if r.id in STRATEGIES else r.id
            by_turn.setdefault(r.utterance, []).append(label)
        lines += ["", f"Repair attempts ({len(a.repairs)} in {len(by_turn)} turns)"]
        for index, labels in by_turn.items():
            u = utts.get(index)
            when = clock(u.start) if u else ""
            lines.append(f"  #{index:<4} {when:>7}  {'; '.join(dict.fromkeys(labels))}")
    if a.episodes:
        lines += ["", f"Episodes ({len(a.episodes)})"]
        for e in a.episodes:
            still = ", still open at the end" if e.open_at_end else ""
            lines.append(
                f"  {e.id}. {e.family}, turns {e.start_utterance}–{e.end_utterance}: "
                f"{_OUTCOME_WORDS.get(e.outcome, e.outcome)}{still} "
                f"(resolution {e.resolution}/5, significance {e.significance}/5)"
            )
            if e.evidence:
                lines.append(f"     {e.evidence}")
    if a.guidance:
        lines += ["", "For next time"]
        for kind in ("metacommunication", "check_in", "link_to_pattern", "reflection"):
            texts = list(dict.fromkeys(g.text for g in a.guidance if g.kind == kind))
            if texts:
                lines.append(f"  {_GUIDANCE_HEADINGS[kind]}")
                lines += [f"    {t}" for t in texts]
    if a.notes:
        lines += ["", "Notes"] + [f"  {n}" for n in a.notes]
    lines += [
        "",
        "These are prompts for your own judgement, not findings about the client.",
    ]
    return "\n".join(lines)
