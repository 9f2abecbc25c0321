"""The cross-session commands as a user runs them: exit codes, tables, --json, files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mendline.demo_caseload import load_demo
from mendline.evaluation import load_cases
from mendline.store import list_attendance, list_measures, open_store
from tests.test_cli import run

ME = "dr.test"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo caseload loaded once (analysis takes a few seconds), copied per test."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    st = open_store(str(path))
    load_demo(st, ME)
    st.close()
    return path


@pytest.fixture
def db(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = tmp_path / "cli.db"
    shutil.copy(demo_db, url)
    monkeypatch.setenv("MENDLINE_DB", str(url))
    monkeypatch.setenv("MENDLINE_CLINICIAN", ME)
    return str(url)


def _counts(db: str, code: str) -> tuple[int, int]:
    st = open_store(db)
    try:
        return (len(list_attendance(st, clinician=ME, client_code=code)),
                len(list_measures(st, clinician=ME, client_code=code)))
    finally:
        st.close()


def test_caseload_table_and_json(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, out, _ = run(capsys, "caseload")
    assert code == 0
    header = out.splitlines()[0]
    for column in ("client", "top alert", "alerts", "last session"):
        assert column in header
    assert all(c in out for c in ("C-ALDER", "C-BIRCH", "C-CEDAR"))
    code, out, _ = run(capsys, "caseload", "--json")
    data = json.loads(out)
    assert [e["rank"] for e in data] == [1, 2, 3]
    assert {"client", "top_severity", "counts", "alerts", "last_session"} <= set(data[0])
    alert = data[0]["alerts"][0]
    assert alert["reason"] and alert["next_step"] and "evidence" in alert


def test_timeline_shows_sessions_the_missed_one_and_alerts(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    code, out, _ = run(capsys, "timeline", "C-ALDER")
    assert code == 0
    assert "words/turn (usual)" in out and "markers W/C" in out and "SRS" in out
    missed = next(line for line in out.splitlines() if "2026-02-11" in line)
    assert "missed" in missed
    assert "withdrawal_trend" in out and "next step:" in out and "evidence:" in out
    code, out, _ = run(capsys, "timeline", "C-ALDER", "--json")
    data = json.loads(out)
    assert data["client"] == "C-ALDER" and len(data["sessions"]) == 8
    assert data["tracker_version"] == "tracking.v1"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["timeline", "C-NOBODY"], "no client with code 'C-NOBODY'"),
        (["attendance", "add", "C-ALDER", "--date", "2026-03-11", "--status", "ghosted"],
         "--status 'ghosted'"),
        (["attendance", "add", "C-ALDER", "--date", "11/03/2026", "--status", "missed"],
         "--date '11/03/2026'"),
        (["measures", "add", "C-ALDER", "--instrument", "SRS", "--date", "2026-03-11",
          "--items", "9,9,9"], "SRS has 4 items"),
        (["measures", "add", "C-ALDER", "--instrument", "SRS", "--date", "2026-03-11",
          "--items", "9,9,19,9"], "srs.approach_method is 19"),
        (["client", "set", "C-ALDER"], "nothing to change"),
        (["feedback", "C-ALDER", "1", "confirm"], "exactly one of --marker"),
        (["feedback", "C-ALDER", "1", "confirm", "--marker", "0", "--repair", "0"],
         "exactly one of --marker"),
        (["feedback", "C-ALDER", "1", "relabel", "--marker", "0", "--label", "nope"],
         "not a known marker id"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], db: str, args: list[str], message: str
) -> None:
    before = _counts(db, "C-ALDER")
    code, out, err = run(capsys, *args)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert out == ""
    assert _counts(db, "C-ALDER") == before


def test_attendance_add_and_import(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "attendance", "add", "C-CEDAR", "--date", "2026-03-03",
                       "--status", "late", "--minutes-late", "20", "--json")
    assert code == 0 and json.loads(out)["status"] == "late"
    path = tmp_path / "export.csv"
    path.write_text("Date,Status\n03/10/2026,No Show\n03/17/2026,Show\n", encoding="utf-8")
    code, out, _ = run(capsys, "attendance", "import", "C-CEDAR", str(path),
                       "--preset", "simplepractice", "--json")
    assert code == 0
    assert json.loads(out) == {"client": "C-CEDAR", "kind": "attendance",
                               "format": "csv", "added": 2, "updated": 0, "skipped": 0}
    code, out, _ = run(capsys, "timeline", "C-CEDAR", "--json")
    assert any(a["id"] == "withdrawal.missed_session" for a in json.loads(out)["attendance"])


def test_a_bad_attendance_file_imports_nothing(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    path = tmp_path / "visits.csv"
    path.write_text("date,status\n2026-03-10,attended\n2026-03-17,missed\n2026-03-24,away\n",
                    encoding="utf-8")
    before = _counts(db, "C-CEDAR")
    code, _, err = run(capsys, "attendance", "import", "C-CEDAR", str(path))
    assert code == 2
    assert "visits.csv, line 4: unknown status 'away'" in err
    assert _counts(db, "C-CEDAR") == before


def test_measures_add_export_and_import(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "measures", "add", "C-CEDAR", "--instrument", "SRS", "--date",
                       "2026-02-24", "--items", "9.1,8.7,9.0,9.2", "--session", "7", "--json")
    assert code == 0 and json.loads(out)["items"]["srs.goals_topics"] == 8.7
    code, _, _ = run(capsys, "measures", "add", "C-CEDAR", "--instrument", "PSQ-client",
                     "--date", "2026-02-24", "--items", "yes,2,")
    assert code == 0
    bundle = tmp_path / "cedar.json"
    code, out, _ = run(capsys, "measures", "export", "C-CEDAR", "--out", str(bundle), "--json")
    assert code == 0
    forms = json.loads(bundle.read_text(encoding="utf-8"))
    assert forms["resourceType"] == "Bundle"
    assert len(forms["entry"]) == json.loads(out)["forms"] == _counts(db, "C-CEDAR")[1]
    code, out, _ = run(capsys, "measures", "import", "C-CEDAR", str(bundle), "--json")
    assert code == 0 and json.loads(out)["added"] == 0  # all already stored

    forms["entry"][1]["resource"]["item"][0]["answer"][0] = {"valueInteger": 12}
    bundle.write_text(json.dumps(forms), encoding="utf-8")
    before = _counts(db, "C-BIRCH")
    code, _, err = run(capsys, "measures", "import", "C-BIRCH", str(bundle))
    assert code == 2 and "cedar.json, $.entry[1].resource.item[0].answer[0]" in err
    assert _counts(db, "C-BIRCH") == before


def test_client_set_brings_termination_into_view(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    code, out, _ = run(capsys, "client", "set", "C-BIRCH", "--planned-sessions", "10", "--json")
    assert code == 0 and json.loads(out)["settings"] == {"planned_sessions": 10}
    code, out, _ = run(capsys, "timeline", "C-BIRCH", "--json")
    kinds = [a["kind"] for a in json.loads(out)["alerts"]]
    assert "termination_approaching" in kinds
    code, out, _ = run(capsys, "client", "set", "C-BIRCH", "--planned-sessions", "0", "--json")
    assert json.loads(out)["settings"] == {}


def test_feedback_round_trip(capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "feedback", "C-ALDER", "4", "list", "--json")
    items = json.loads(out)
    markers = [i for i in items if i["kind"] == "marker"]
    assert code == 0 and len(markers) >= 3
    code, _, err = run(capsys, "feedback", "C-ALDER", "4", "confirm", "--marker", "0",
                       "--note", "fits")
    assert code == 0 and "confirmed" in err
    code, _, _ = run(capsys, "feedback", "C-ALDER", "4", "reject", "--marker", "1")
    assert code == 0
    other = next(m for m in ("withdrawal.denial", "withdrawal.avoidant_storytelling")
                 if m != markers[2]["id"])
    code, out, _ = run(capsys, "feedback", "C-ALDER", "4", "relabel", "--marker", "2",
                       "--label", other, "--json")
    assert code == 0 and json.loads(out)["label"] == other

    code, out, _ = run(capsys, "feedback-precision", "--json")
    rows = json.loads(out)
    assert code == 0
    assert sum(r["reviewed"] for r in rows) == 3
    assert sum(r["confirmed"] for r in rows) == 1
    code, out, _ = run(capsys, "feedback-precision")
    assert code == 0 and "precision" in out.splitlines()[0]

    path = tmp_path / "coded.jsonl"
    code, _, err = run(capsys, "export-feedback", "--out", str(path))
    assert code == 0 and "cases exported" in err
    for case in load_cases(path):
        assert case.turns[case.target]["role"] == "client"
        assert set(case.labels) <= {markers[0]["id"], other}
    code, out, _ = run(capsys, "export-feedback")
    assert code == 0
    assert all(json.loads(line)["source"] == "clinician feedback"
               for line in out.splitlines())


def test_client_set_tracking_thresholds_change_the_alerts(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    def alert_kinds() -> list[str]:
        code, out, _ = run(capsys, "timeline", "C-ALDER", "--json")
        assert code == 0
        return [a["kind"] for a in json.loads(out)["alerts"]]

    assert "srs_flag" in alert_kinds()
    code, _, err = run(capsys, "client", "set", "C-ALDER",
                       "--tracking", "measures.srs_total_cutoff=30",
                       "--tracking", "measures.srs_item_cutoff=5")
    assert code == 0, err
    assert "srs_flag" not in alert_kinds()
    code, _, err = run(capsys, "client", "set", "C-ALDER", "--tracking", "measures.nosuch=1")
    assert code == 2 and "nosuch" in err
    code, _, _ = run(capsys, "client", "set", "C-ALDER",
                     "--tracking", "measures.srs_total_cutoff=",
                     "--tracking", "measures.srs_item_cutoff=")
    assert code == 0
    assert "srs_flag" in alert_kinds()
