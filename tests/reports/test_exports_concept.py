"""Research exports and the case conceptualization."""

from __future__ import annotations

import csv
import io
import re

import pytest

from mendline.reports.conceptualization import conceptualize
from mendline.reports.exports import (
    EPISODE_COLUMNS,
    MARKER_COLUMNS,
    SEGMENT_COLUMNS,
    episodes_csv,
    markers_csv,
    segments_csv,
)
from mendline.reports.render import render_html
from mendline.reports.supervision import build_packet
from mendline.vocabulary import MARKERS, STRATEGIES
from tests.reports.builders import make_analysis, make_inputs


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("render", "columns"),
    [(markers_csv, MARKER_COLUMNS), (segments_csv, SEGMENT_COLUMNS),
     (episodes_csv, EPISODE_COLUMNS)],
)
def test_export_columns(render, columns) -> None:  # noqa: ANN001
    text = render([make_analysis(5)])
    assert text.splitlines()[0] == ",".join(columns)
    assert _rows(text)


def test_marker_export_uses_vocabulary_ids_and_no_text_by_default() -> None:
    rows = _rows(markers_csv([make_analysis(5)]))
    assert [r["kind"] for r in rows].count("repair") == 2
    for r in rows:
        assert r["id"] in (MARKERS if r["kind"] == "marker" else STRATEGIES)
    assert "evidence" not in rows[0]
    assert next(r for r in rows if r["id"].startswith("confrontation"))["episode"] == "1"


def test_episode_and_segment_rows() -> None:
    ep = _rows(episodes_csv([make_analysis(5)]))[0]
    assert ep["marker_ids"] == "confrontation.complaint_about_activities"
    assert ep["repair_ids"] == "acknowledges_contribution;invites_discussion_of_relationship"
    assert ep["metacommunication"] == "True" and ep["outcome"] == "resolved"
    seg = _rows(segments_csv([make_analysis(5)]))
    assert [s["withdrawal_significance"] for s in seg] == ["2", "1"]


def test_conceptualization_finds_recurring_markers_and_what_came_before() -> None:
    c = conceptualize(make_inputs().sessions)
    ids = {p.marker_id: p for p in c.patterns}
    assert set(ids) == {"withdrawal.minimal_response", "withdrawal.deferential_appeasing",
                        "confrontation.complaint_about_activities"}
    assert ids["withdrawal.minimal_response"].sessions == (1, 2, 3, 4, 5, 6)
    assert "worksheet" in ids["withdrawal.deferential_appeasing"].topics
    assert 3 <= len(c.prompts) <= 5
    assert any("Acknowledges own part" in line for line in c.repairs)


DENYLIST = re.compile(
    r"\b(?:disorder|diagnos\w*|patholog\w*|borderline|narcissis\w*|histrionic|psychotic|"
    r"resistan(?:t|ce)|non-?complian\w*|manipulat\w*|attention-seeking|defiant|"
    r"symptom\w*|DSM|ICD|bipolar|PTSD|depressive|sociopath\w*|psychopath\w*|splitting|"
    r"failed|failure|fault|mistake)\b", re.I)


def test_no_diagnostic_or_blaming_language() -> None:
    inputs = make_inputs()
    html = render_html(build_packet(inputs), conceptualize(inputs.sessions))
    visible = re.sub(r"<[^>]+>", " ", html)
    # only the prompts' own wording is checked: transcript excerpts are the client's words
    for line in re.findall(r"<li>(.*?)</li>", html):
        assert not DENYLIST.search(line.replace("3RS", "")), line
    assert "not findings about the client" in visible
