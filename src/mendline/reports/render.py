"""Rendering a supervision packet as self-contained HTML, Markdown, or PDF.

The HTML has inline CSS and inline SVG and references nothing outside itself: no
stylesheet, font, image or script link, and no URL at all, so it opens the same offline
and leaks nothing when forwarded. The PDF is that HTML through WeasyPrint, with a URL
fetcher that refuses every request, so rendering can never reach the network.
"""

from __future__ import annotations

from typing import Any

from mendline.errors import MendlineError
from mendline.reports.conceptualization import Conceptualization
from mendline.reports.supervision import EpisodeView, SessionPacket, SupervisionPacket, Turn
from mendline.reports.svg import Chart, esc

__all__ = ["render_html", "render_markdown", "render_pdf", "ReportError", "CSS"]


class ReportError(MendlineError):
    """A report could not be produced (e.g. the PDF engine is not installed)."""


CSS = """
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #1a1a1a;
       max-width: 760px; margin: 1.5em auto; padding: 0 1em; line-height: 1.45; font-size: 11pt; }
h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { font-size: 1.2em; border-bottom: 1px solid #999;
     margin-top: 1.8em; } h3 { font-size: 1.02em; margin-bottom: .3em; } h4 { margin: .8em 0 .2em; }
.note { background: #f3f3f3; border-left: 4px solid #777; padding: .4em .8em; }
figure { margin: 1em 0; page-break-inside: avoid; } figure svg { max-width: 100%; height: auto; }
figcaption { font-size: .9em; color: #333; }
table.excerpt { border-collapse: collapse; width: 100%; font-size: .93em; }
table.excerpt td { vertical-align: top; padding: .2em .4em; border-bottom: 1px solid #e3e3e3; }
table.excerpt td.who { white-space: nowrap; font-weight: bold; width: 7em; }
table.excerpt td.when { white-space: nowrap; color: #555; width: 3.5em; }
tr.hl td { background: #fff4d6; } tr.hl td.who::after { content: " \\2190"; }
footer { margin-top: 2.5em; border-top: 1px solid #999; font-size: .9em; color: #333; }
@page { size: A4; margin: 18mm 16mm; @bottom-center { content: counter(page); font-size: 9pt; } }
"""


# ------------------------------------------------------------------ HTML


def _figure(c: Chart) -> str:
    return (f'<figure id="{esc(c.id)}">{c.svg}<figcaption><strong>{esc(c.title)}.</strong> '
            f"{esc(c.text_alternative)}</figcaption></figure>")


_HL = ' class="hl"'


def _turns(turns: tuple[Turn, ...]) -> str:
    rows = "".join(
        f'<tr{_HL if t.highlight else ""}><td class="when">{esc(t.when)}</td>'
        f'<td class="who">{esc(t.speaker)}</td><td>{esc(t.text)}</td></tr>'
        for t in turns
    )
    return f'<table class="excerpt">{rows}</table>'


def _episode_html(e: EpisodeView) -> str:
    repairs = "".join(
        f"<li>{esc(label)}{' (talking about the relationship itself)' if meta else ''}</li>"
        for label, meta in e.repairs
    ) or "<li>No repair attempt was picked up.</li>"
    return (
        f"<h4>Episode {e.id}: {esc(e.family)}{', from ' + esc(e.when) if e.when else ''}</h4>"
        f"<p>Markers: {esc(', '.join(e.markers) or 'none listed')}. Significance "
        f"{e.significance}/5, resolution {e.resolution}/5 (rated the way 3RS coders rate "
        f"them; Eubanks, Muran &amp; Safran, 2015).</p>{_turns(e.excerpt)}"
        f"<p>Repair attempts:</p><ul>{repairs}</ul><p>How it went: {esc(e.outcome_words)}.</p>"
    )


def _session_html(s: SessionPacket) -> str:
    head = f"Session {s.number}" + (f" \u00b7 {esc(s.date)}" if s.date else "")
    out = [f'<section id="session-{s.number}"><h2>{head}</h2>',
           f"<p>This session was {esc(s.stage_words)}.</p>", _figure(s.chart)]
    out.append("<h3>Where it may have started</h3>")
    if s.started:
        label, before, client = s.started
        turns = tuple(t for t in (before, client) if t is not None)
        out.append(f"<p>The first possible marker was \u201c{esc(label)}\u201d. Here it is with "
                   "the therapist's turn just before it:</p>" + _turns(turns))
    else:
        out.append("<p>No markers were found in this session.</p>")
    if s.episodes:
        out.append("<h3>Episodes and repair attempts</h3>")
        out.extend(_episode_html(e) for e in s.episodes)
    if s.moments:
        out.append("<h3>Other moments</h3>")
        for label, turns in s.moments:
            out.append(f"<h4>{esc(label)}</h4>{_turns(turns)}")
    out.append("<h3>The client's own ratings</h3><ul>"
               + "".join(f"<li>{esc(x)}</li>" for x in s.self_report) + "</ul>")
    out.append("<h3>Your reflections</h3>")
    out.append("<ul>" + "".join(f"<li>{esc(x)}</li>" for x in s.reflections) + "</ul>"
               if s.reflections else "<p>No confirmations or notes recorded yet.</p>")
    out.append("<h3>Questions for supervision</h3><ol>"
               + "".join(f"<li>{esc(q)}</li>" for q in s.questions) + "</ol></section>")
    return "".join(out)


def _concept_html(c: Conceptualization) -> str:
    out = ['<section id="patterns"><h2>Patterns across sessions</h2>', f"<p>{esc(c.summary)}</p>"]
    if c.patterns:
        out.append("<ul>")
        for p in c.patterns:
            moves = ", ".join(f"{m} ({n})" for m, n in p.moves) or "not clear"
            topics = ", ".join(p.topics) or "no shared words"
            out.append(f"<li><strong>{esc(p.label)}</strong> ({esc(p.family)}): sessions "
                       f"{esc(', '.join(map(str, p.sessions)))}, {p.count} time(s). The turn "
                       f"before was most often {esc(moves)}; words that came up: "
                       f"{esc(topics)}.</li>")
        out.append("</ul>")
    out.append("<h3>How repairs went</h3><ul>"
               + "".join(f"<li>{esc(x)}</li>" for x in c.repairs) + "</ul>")
    out.append("<h3>Questions linking these to the client's relational patterns</h3><ol>"
               + "".join(f"<li>{esc(x)}</li>" for x in c.prompts) + "</ol></section>")
    return "".join(out)


def render_html(packet: SupervisionPacket, concept: Conceptualization | None = None) -> str:
    """One self-contained HTML document (inline CSS and SVG, no external references)."""
    body = [f"<h1>{esc(packet.title)}</h1>", f"<p>{esc(packet.intro)}</p>"]
    if packet.deidentified:
        body.append('<p class="note">Names, places, contact details and ID numbers have been '
                    "replaced with placeholders, and every date has been moved by the same "
                    "number of days.</p>")
    body.append(f'<p class="note">{esc(packet.about)}</p>')
    if packet.timeline_chart is not None:
        body.append(_figure(packet.timeline_chart))
    body.extend(_session_html(s) for s in packet.sessions)
    if concept is not None:
        body.append(_concept_html(concept))
    body.append(f"<footer><p>{esc(packet.footer)}</p></footer>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(packet.title)}</title><style>{CSS}</style></head><body>"
        + "".join(body) + "</body></html>\n"
    )


# ------------------------------------------------------------------ Markdown


def _md(text: str) -> str:
    """Escape the characters that would turn transcript words into Markdown markup."""
    out = text
    for ch in "\\`*_<>#|":
        out = out.replace(ch, "\\" + ch)
    return out.replace("](", "]\\(")  # placeholders stay readable; no link can form


def _md_turns(turns: tuple[Turn, ...]) -> list[str]:
    return [f"> {'**→** ' if t.highlight else ''}{_md(t.when)} **{_md(t.speaker)}:** {_md(t.text)}"
            + "  " for t in turns] + [""]


def render_markdown(packet: SupervisionPacket, concept: Conceptualization | None = None) -> str:
    """Markdown for notes apps; charts appear as their text alternatives."""
    out = [f"# {_md(packet.title)}", "", _md(packet.intro), ""]
    if packet.deidentified:
        out += ["*Names, places, contact details and ID numbers have been replaced with "
                "placeholders, and every date has been moved by the same number of days.*", ""]
    out += [_md(packet.about), ""]
    charts = [packet.timeline_chart] if packet.timeline_chart else []
    for c in charts:
        out += [f"**Chart: {_md(c.title)}.** {_md(c.text_alternative)}", ""]
    for s in packet.sessions:
        out += [f"## Session {s.number}" + (f" · {s.date}" if s.date else ""), "",
                f"This session was {_md(s.stage_words)}.", "",
                f"**Chart: {_md(s.chart.title)}.** {_md(s.chart.text_alternative)}", "",
                "### Where it may have started", ""]
        if s.started:
            label, before, client = s.started
            out += [f"The first possible marker was “{_md(label)}”, with the therapist's turn "
                    "just before it:", ""]
            out += _md_turns(tuple(t for t in (before, client) if t is not None))
        else:
            out += ["No markers were found in this session.", ""]
        if s.episodes:
            out += ["### Episodes and repair attempts", ""]
        for e in s.episodes:
            out += [f"#### Episode {e.id}: {e.family}" + (f", from {e.when}" if e.when else ""),
                    "", f"Markers: {_md(', '.join(e.markers) or 'none listed')}. Significance "
                    f"{e.significance}/5, resolution {e.resolution}/5 (as 3RS coders rate them; "
                    "Eubanks, Muran & Safran, 2015).", ""]
            out += _md_turns(e.excerpt)
            reps = [f"- {_md(label)}" + (" (talking about the relationship itself)" if m else "")
                    for label, m in e.repairs] or ["- No repair attempt was picked up."]
            out += ["Repair attempts:", "", *reps, "", f"How it went: {_md(e.outcome_words)}.", ""]
        if s.moments:
            out += ["### Other moments", ""]
            for label, turns in s.moments:
                out += [f"#### {_md(label)}", "", *_md_turns(turns)]
        out += ["### The client's own ratings", "", *[f"- {_md(x)}" for x in s.self_report], ""]
        out += ["### Your reflections", ""]
        out += [f"- {_md(x)}" for x in s.reflections] or ["No confirmations or notes recorded yet."]
        out += ["", "### Questions for supervision", ""]
        out += [f"{i}. {_md(q)}" for i, q in enumerate(s.questions, 1)] + [""]
    if concept is not None:
        out += ["## Patterns across sessions", "", _md(concept.summary), ""]
        for p in concept.patterns:
            moves = ", ".join(f"{m} ({n})" for m, n in p.moves) or "not clear"
            out.append(f"- **{_md(p.label)}** ({p.family}): sessions "
                       f"{', '.join(map(str, p.sessions))}, {p.count} time(s); the turn before "
                       f"was most often {moves}; words that came up: "
                       f"{_md(', '.join(p.topics) or 'no shared words')}.")
        out += ["", "### How repairs went", "", *[f"- {_md(x)}" for x in concept.repairs], ""]
        out += ["### Questions linking these to the client's relational patterns", ""]
        out += [f"{i}. {_md(q)}" for i, q in enumerate(concept.prompts, 1)] + [""]
    out += ["---", "", f"*{_md(packet.footer)}*", ""]
    return "\n".join(out)


# ------------------------------------------------------------------ PDF


def _offline_fetcher() -> Any:
    """A WeasyPrint URL fetcher that refuses every URL (the report needs none)."""
    import weasyprint.urls as wurls

    base = getattr(wurls, "URLFetcher", None)
    if base is None:  # WeasyPrint before 66 takes a plain function
        def refuse(url: str, *args: Any, **kwargs: Any) -> Any:
            raise ValueError("Mendline reports do not load external resources")
        return refuse

    class _Refuse(base):  # type: ignore[misc, valid-type]
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError("Mendline reports do not load external resources")

    return _Refuse()


def render_pdf(html: str) -> bytes:
    """The HTML as PDF through WeasyPrint, which must not fetch anything."""
    try:
        import weasyprint
    except (ImportError, OSError) as e:  # OSError: the Pango libraries are missing
        raise ReportError(
            "PDF reports need WeasyPrint and the Pango libraries: pip install weasyprint, "
            "and on Debian/Ubuntu apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
            f"fonts-dejavu-core ({type(e).__name__})"
        ) from None
    doc = weasyprint.HTML(string=html, base_url=None, url_fetcher=_offline_fetcher())
    return doc.write_pdf()
