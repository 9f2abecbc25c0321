"""End to end: the demo caseload in a temporary SQLite store, through build_report."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from mendline import store as repository
from mendline.demo_caseload import load_demo
from mendline.reports import build_report, export_tables, load_report_inputs
from mendline.reports.agreement import agreement_with_clinician
from mendline.reports.build import render_report
from mendline.store import Store, open_store


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path: Path = tmp_path_factory.mktemp("reports") / "mendline.db"
    st = open_store(f"sqlite:///{path}")
    load_demo(st, "demo")
    stored = repository.get_session(st, clinician="demo", client_code="C-ALDER", number=5)
    assert stored.analysis_id is not None
    repository.add_feedback(st, clinician="demo", analysis_id=stored.analysis_id,
                            item_kind="marker", item_index=0, action="confirm",
                            note="Elliot went quiet right after I brought the worksheet.")
    repository.add_feedback(st, clinician="demo", analysis_id=stored.analysis_id,
                            item_kind="marker", item_index=1, action="reject")
    repository.add_comment(st, author="demo", owner="demo", client_code="C-ALDER",
                           session_number=5, body="Bring this one to Simone's group.")
    yield st
    st.close()


def test_session_report_shows_the_clinicians_reflections_deidentified(demo_store: Store) -> None:
    html = build_report(demo_store, "demo", "C-ALDER", session=5, fmt="html").decode()
    assert "You confirmed" in html and "You did not see" in html
    assert "Your note: Bring this one to [THERAPIST]" in html.replace("&#x27;", "'")
    assert "went quiet right after I brought the worksheet" in html
    for name in ("Elliot", "Simone", "Varga"):
        assert name not in html


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_client_report_from_the_store(demo_store: Store, fmt: str) -> None:
    report = render_report(load_report_inputs(demo_store, "demo", "C-BIRCH"), None, fmt)
    text = report.data.decode()
    assert "Patterns across sessions" in text and "Timeline for [CLIENT]" in text
    assert "Marisol" not in text
    assert any(r.kind == "client" and "Marisol" in r.originals for r in report.replacements)


def test_agreement_with_the_clinicians_feedback(demo_store: Store) -> None:
    rep = agreement_with_clinician(load_report_inputs(demo_store, "demo", "C-ALDER"))
    assert rep.matched > 0
    k = rep.families["any_rupture"]
    assert k.a_positive > k.b_positive  # one marker rejected
    assert k.kappa is not None and 0 < k.kappa < 1


def test_export_tables_for_the_caseload(demo_store: Store) -> None:
    tables = export_tables(demo_store, "demo")
    markers = list(csv.DictReader(io.StringIO(tables["markers.csv"])))
    assert {r["client"] for r in markers} == {"C-ALDER", "C-BIRCH", "C-CEDAR"}
    segments = list(csv.DictReader(io.StringIO(tables["segments.csv"])))
    assert segments and all(r["session"] for r in segments)
    with_text = export_tables(demo_store, "demo", ["C-ALDER"], include_text=True)
    rows = list(csv.DictReader(io.StringIO(with_text["markers.csv"])))
    assert rows and "evidence" in rows[0]
    assert not any("Elliot" in r["evidence"] for r in rows)
