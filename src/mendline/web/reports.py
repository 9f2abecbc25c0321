"""Session report downloads, and the hook the reports package uses to add formats.

Today: a self-contained HTML file rendered from the same view data as the session page.
The reports engineer adds PDF (and de-identified packets) by registering a renderer:

    from mendline.web.reports import register_report_format
    register_report_format("pdf", "application/pdf", render_pdf)  # render_pdf(data) -> bytes

and the route ``/clients/{id}/sessions/{n}/report.pdf`` serves it, audited like the HTML
one. A renderer receives the ``session_view`` data and returns the file's bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment

__all__ = ["ReportFormat", "register_report_format", "report_format", "render_html_report"]

Renderer = Callable[[Mapping[str, Any]], bytes]


@dataclass(frozen=True, slots=True)
class ReportFormat:
    name: str
    media_type: str
    render: Renderer


_FORMATS: dict[str, ReportFormat] = {}


def register_report_format(name: str, media_type: str, render: Renderer) -> None:
    """Make ``report.<name>`` downloadable for every session (replaces an earlier one)."""
    _FORMATS[name] = ReportFormat(name, media_type, render)


def report_format(name: str) -> ReportFormat | None:
    return _FORMATS.get(name)


def render_html_report(env: Environment, data: Mapping[str, Any]) -> bytes:
    return env.get_template("report_session.html").render(data=data).encode("utf-8")
