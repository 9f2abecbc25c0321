"""``build_report``: the one call behind ``mendline report`` (and the web's download).

Loads what the report needs from the store, builds the supervision packet and the
cross-session patterns, de-identifies them (on by default: a report is made to leave the
machine), and renders HTML, Markdown or PDF bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from mendline.errors import InputError, NotFound
from mendline.reports.conceptualization import conceptualize
from mendline.reports.deid import Deidentifier, Replacement
from mendline.reports.inputs import ReportInputs, load_report_inputs
from mendline.reports.render import render_html, render_markdown, render_pdf
from mendline.reports.supervision import build_packet
from mendline.store import Store

__all__ = ["FORMATS", "BuiltReport", "build_report", "render_report", "deidentifier_for"]

FORMATS = ("html", "pdf", "md")


@dataclass(frozen=True, slots=True)
class BuiltReport:
    data: bytes
    fmt: str
    # What de-identification replaced, with the originals: show it to the clinician before
    # the file leaves the machine; never log it.
    replacements: tuple[Replacement, ...]


def deidentifier_for(inputs: ReportInputs, date_offset_days: int | None = None) -> Deidentifier:
    """One de-identifier for a whole export: speaker labels and the client's name known."""
    client_names = tuple(inputs.client_labels) + ((inputs.display_name,)
                                                  if inputs.display_name else ())
    deid = Deidentifier(client_names=client_names,
                        therapist_names=tuple(inputs.therapist_labels),
                        date_offset_days=date_offset_days)
    deid.learn(u.text for s in inputs.sessions for u in s.analysis.utterances)
    deid.learn(r.text for r in inputs.reflections if r.text)
    return deid


def render_report(inputs: ReportInputs, session: int | None = None, fmt: str = "html",
                  deidentify: bool = True, date_offset_days: int | None = None) -> BuiltReport:
    """The report from already-gathered inputs (pure apart from the random date offset)."""
    if fmt not in FORMATS:
        raise InputError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    if session is not None and inputs.session(session) is None:
        raise NotFound(f"client {inputs.client_code!r} has no analysed session {session}")
    deid = deidentifier_for(inputs, date_offset_days) if deidentify else None
    packet = build_packet(inputs, session, deid)
    concept = conceptualize(inputs.sessions, deid) if session is None else None
    replacements = tuple(deid.replacements()) if deid else ()
    if fmt == "md":
        data = render_markdown(packet, concept).encode("utf-8")
    else:
        html = render_html(packet, concept)
        data = html.encode("utf-8") if fmt == "html" else render_pdf(html)
    return BuiltReport(data, fmt, replacements)


def build_report(store: Store, clinician: str, client_code: str, session: int | None = None,
                 fmt: str = "html", deidentify: bool = True) -> bytes:
    """The supervision report for a client (or one session) as HTML, PDF or Markdown bytes.

    Use ``render_report(load_report_inputs(...))`` to also get the list of replacements
    to show before export.
    """
    inputs = load_report_inputs(store, clinician, client_code)
    return render_report(inputs, session, fmt, deidentify).data
