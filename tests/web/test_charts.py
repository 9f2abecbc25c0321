"""Charts come from ``mendline.reports.charts``, inline SVG with a text alternative."""

from __future__ import annotations

import re

import pytest

from mendline.web.app import chart_svg


def _figure(page: str) -> list[str]:
    return re.findall(r'<figure class="chart">\s*(<svg .*?</svg>)\s*<figcaption>(.*?)'
                      r"</figcaption>", page, re.S)


@pytest.mark.parametrize(("where", "key", "title", "says"), [
    ("client", "chart", "Timeline for Maren", "Episodes in session(s) 1 (1)."),
    ("session", "rupture_map", "Rupture map, session 1", "possible confrontation marker"),
    ("caseload", "caseload_chart", "Caseload overview", "1. C-MO"),
])
def test_pages_show_the_reports_charts_with_their_text(shared, where, key, title, says):
    url = {"client": f"/clients/{shared.cid}", "session": shared.url,
           "caseload": "/caseload"}[where]
    figures = _figure(shared.alice.get(url).text)
    assert len(figures) == 1
    svg, caption = figures[0]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert title in caption and says in caption
    data = shared.alice.get(url + ".json").json()[key]
    assert data["title"] == title and says in data["text"] and data["svg"].startswith("<svg ")


def test_supervisors_chart_names_no_one_and_moves_dates(shared):
    shared.alice.post(f"/clients/{shared.cid}/attendance",
                      data={"csrf_token": shared.alice_csrf, "date": "2026-01-28",
                            "status": "missed"})
    owner = shared.alice.get(f"/clients/{shared.cid}.json").json()["chart"]
    seen = shared.sue.get(f"/clients/{shared.cid}.json").json()["chart"]
    assert "2026-01-28" in owner["text"] and "Maren" in owner["title"]
    assert seen["title"] == "Timeline for [CLIENT]"
    assert "Maren" not in seen["svg"] and "2026-01-28" not in seen["svg"] + seen["text"]
    shifted = shared.sue.get(f"/clients/{shared.cid}.json").json()["attendance"][0]["date"]
    assert shifted in seen["text"]  # the chart and the table agree


@pytest.mark.parametrize("svg", [
    '<svg width="1"><script>alert(1)</script></svg>',
    '<svg width="1"><rect onclick="alert(1)"/></svg>',
    '<svg width="1"><a href="https://example.org"><text>x</text></a></svg>',
    '<svg width="1"><image href="x.png"/></svg>',
    '<svg width="1" style="background:url(https://example.org/x)"></svg>',
    "<b>not a chart</b>",
])
def test_only_plain_svg_drawings_are_inserted(svg):
    assert str(chart_svg(svg)) == ""


def test_a_real_chart_passes_the_filter(shared):
    svg = shared.alice.get("/caseload.json").json()["caseload_chart"]["svg"]
    assert str(chart_svg(svg)) == svg
