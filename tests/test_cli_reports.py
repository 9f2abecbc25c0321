"""report, export and agreement as a clinician or researcher runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import run

RUPTURE = Path(__file__).parent / "fixtures" / "web" / "zoom_rupture.vtt"
ROLES = ("--therapist", "Jordan Hale", "--client-label", "Casey Moss")


@pytest.fixture
def imported(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch) -> str:
    monkeypatch.setenv("MENDLINE_DB", str(tmp_path / "r.db"))
    monkeypatch.setenv("MENDLINE_CLINICIAN", "dr.test")
    code, _, err = run(capsys, "import", str(RUPTURE), "--client", "C-9", *ROLES)
    assert code == 0, err
    return "C-9"


def test_report_is_deidentified_and_lists_what_was_replaced(
    capsys: pytest.CaptureFixture[str], imported: str, tmp_path: Path
) -> None:
    out = tmp_path / "s1.md"
    code, _, err = run(capsys, "report", imported, "--session", "1", "--format", "md",
                       "--out", str(out), "--yes")
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    assert "Casey" not in text and "Jordan" not in text
    assert "[CLIENT]" in text
    assert "Casey" in err  # the clinician sees the originals before the file leaves
    code, out_json, _ = run(capsys, "report", imported, "--out", str(tmp_path / "x.md"),
                            "--format", "docx", "--yes")
    assert code == 2


def test_export_writes_tables_with_vocabulary_ids(
    capsys: pytest.CaptureFixture[str], imported: str, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "export", "--out", str(tmp_path / "tables"))
    assert code == 0
    names = sorted(Path(p).name for p in out.split())
    assert names == ["episodes.csv", "markers.csv", "segments.csv"]
    header = (tmp_path / "tables" / "markers.csv").read_text().splitlines()[0]
    assert "id" in header.split(",")


def test_agreement_between_files_and_with_the_clinician(
    capsys: pytest.CaptureFixture[str], imported: str, tmp_path: Path
) -> None:
    case = {"id": "x1", "turns": [{"role": "therapist", "text": "How was it?"},
                                  {"role": "client", "text": "Fine."}], "target": 1}
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(json.dumps({**case, "labels": ["withdrawal.minimal_response"]}) + "\n")
    b.write_text(json.dumps({**case, "labels": []}) + "\n")
    code, out, _ = run(capsys, "agreement", str(a), str(b), "--json")
    assert code == 0
    assert json.loads(out)["matched"] == 1

    code, out, _ = run(capsys, "feedback", imported, "1", "list", "--json")
    assert code == 0
    code, _, err = run(capsys, "feedback", imported, "1", "confirm", "--marker", "0")
    assert code == 0, err
    code, out, _ = run(capsys, "agreement", "--client", imported, "--json")
    assert code == 0
    assert json.loads(out)["matched"] >= 1

    code, _, err = run(capsys, "agreement")
    assert code == 2 and "--client" in err
