"""Charts: accessible, self-contained, readable without colour."""

from __future__ import annotations

import re

import pytest

from mendline.reports.charts import caseload_chart, client_timeline_chart, session_rupture_map
from mendline.tracking import rank_caseload
from tests.reports.builders import make_analysis, make_inputs


def _charts():
    inputs = make_inputs()
    return {
        "rupture_map": session_rupture_map(make_analysis()),
        "timeline": client_timeline_chart(inputs.timeline),
        "caseload": caseload_chart(rank_caseload([inputs.timeline])),
    }


@pytest.mark.parametrize("name", ["rupture_map", "timeline", "caseload"])
def test_every_chart_has_title_desc_and_text_alternative(name: str) -> None:
    c = _charts()[name]
    assert c.svg.startswith("<svg ") and c.svg.endswith("</svg>")
    assert f'<title id="{c.id}-title">' in c.svg and f'<desc id="{c.id}-desc">' in c.svg
    assert 'role="img"' in c.svg
    assert len(c.text_alternative) > 40


@pytest.mark.parametrize("name", ["rupture_map", "timeline", "caseload"])
def test_charts_reference_nothing_outside(name: str) -> None:
    svg = _charts()[name].svg
    assert "http" not in svg and "<script" not in svg
    for ref in re.findall(r'(?:href|src)="([^"]*)"', svg):
        assert ref.startswith("#")


def test_rupture_map_codes_families_by_shape_as_well_as_colour() -> None:
    svg = session_rupture_map(make_analysis()).svg
    # withdrawal: downward triangle (apex below), confrontation: upward, repairs: diamonds
    polys = re.findall(r'<polygon points="([^"]+)" fill="(#[0-9A-F]{6})"', svg)
    fills = {fill for _, fill in polys}
    assert {"#0072B2", "#D55E00", "#009E73"} <= fills  # Okabe-Ito blue, vermillion, green
    shapes = {fill: len(points.split()) for points, fill in polys}
    assert shapes["#0072B2"] == 3 and shapes["#D55E00"] == 3 and shapes["#009E73"] == 4
    assert 'stroke-dasharray="4 2"' in svg  # the episode is shaded and outlined


def test_rupture_map_text_alternative_names_episode_and_first_marker() -> None:
    alt = session_rupture_map(make_analysis()).text_alternative
    assert "2 possible withdrawal marker(s), the first at 2:30" in alt
    assert "Episode 1: confrontation" in alt and "resolved" in alt
    assert "2 repair attempt(s)" in alt


def test_timeline_draws_missed_sessions_and_self_report() -> None:
    import datetime as dt

    from mendline.tracking import AttendanceRecord, AttendanceStatus
    from tests.reports.builders import timeline_for

    inputs = make_inputs()
    t = timeline_for("T-01", inputs.sessions, attendance=(
        AttendanceRecord(dt.date(2026, 1, 22), AttendanceStatus.MISSED),))
    c = client_timeline_chart(t)
    assert "2026-01-22: missed" in c.svg  # the × carries its own tooltip
    assert "missed" in c.text_alternative
    srs = client_timeline_chart(inputs.timeline)
    assert "SRS totals by session" in srs.text_alternative
    assert srs.svg.count("<title>SRS session") == 6

