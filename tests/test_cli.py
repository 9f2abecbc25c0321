"""The mendline command as a user runs it: exit codes, stdout data, stderr messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mendline.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
ZOOM = FIXTURES / "zoom_session3.transcript.vtt"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = str(tmp_path / "cli.db")
    monkeypatch.setenv("MENDLINE_DB", url)
    monkeypatch.setenv("MENDLINE_CLINICIAN", "dr.test")
    return url


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.startswith("mendline ")


def test_analyze_json_follows_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "analyze", str(ZOOM), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["schema_version"] == 1
    assert data["session"]["source"]["format"] == "vtt.zoom"
    assert {u["role"] for u in data["utterances"]} == {"therapist", "client"}
    assert data["engagement"]["client_turns"] > 0
    for m in data["markers"]:
        text = data["utterances"][m["utterance"]]["text"]
        assert text[m["span"][0] : m["span"][1]] == m["evidence"]


def test_analyze_reads_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    fake = io.TextIOWrapper(io.BytesIO(ZOOM.read_bytes()))
    monkeypatch.setattr(sys, "stdin", fake)
    code, out, _ = run(capsys, "analyze", "-", "--json")
    assert code == 0
    assert json.loads(out)["session"]["source"]["format"] == "vtt.zoom"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "not found"),  # a file that does not exist
        (b"", "empty"),
        (b"\x00\x01\x02\x03" * 50, "not"),
        (b"WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\nhello there\n", "speaker"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes | None, expected: str
) -> None:
    path = tmp_path / "bad.vtt"
    if content is not None:
        path.write_bytes(content)
    code, out, err = run(capsys, "analyze", str(path))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and "bad.vtt" in lines[0]
    assert expected in lines[0].lower()
    assert "Traceback" not in err


def test_unknown_speaker_lists_the_speakers(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "analyze", str(ZOOM), "--therapist", "Dr Nobody")
    assert code == 2
    assert "Dr Nobody" in err
    assert "'Dr Lee'" in err and "'Sam Rivera'" in err
    assert "--therapist" in err


def test_import_list_show_and_reimport(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, out, _ = run(capsys, "import", str(ZOOM), "--client", "C-7", "--date", "2026-03-14",
                       "--json")
    assert code == 0
    [first] = json.loads(out)
    assert (first["number"], first["created"]) == (1, True)

    code, out, _ = run(capsys, "import", str(ZOOM), "--client", "C-7", "--json")
    assert code == 0
    [again] = json.loads(out)
    assert (again["number"], again["created"]) == (1, False)

    code, out, _ = run(capsys, "clients", "--json")
    assert json.loads(out) == [
        {"client": "C-7", "display_name": None, "sessions": 1, "last_session": "2026-03-14"}
    ]
    code, out, _ = run(capsys, "sessions", "C-7", "--json")
    [s] = json.loads(out)
    assert (s["number"], s["date"], s["format"]) == (1, "2026-03-14", "vtt.zoom")

    code, out, _ = run(capsys, "show", "C-7", "1", "--json")
    shown = json.loads(out)
    assert shown["session"]["client"] == "C-7"
    assert shown["session"]["number"] == 1
    assert shown["session"]["stage"] == "early"

    code, out, _ = run(capsys, "show", "C-7", "1")
    assert code == 0 and "Engagement" in out


def test_unknown_client_is_a_clear_error(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, out, err = run(capsys, "sessions", "C-404")
    assert code == 2
    assert "C-404" in err and "Traceback" not in err


def test_folder_import_reports_bad_files_and_keeps_good_ones(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "2026-03-01 session.transcript.vtt").write_bytes(ZOOM.read_bytes())
    (folder / "2026-03-08 session.vtt").write_bytes(b"WEBVTT\n\n1\n00:00:01.000 --> ")
    code, out, err = run(capsys, "import", str(folder), "--client", "C-8", "--json")
    assert code == 3
    results = json.loads(out)
    assert [r["error"] is None for r in results] == [True, False]
    assert "1 of 2 files imported" in err
    code, out, _ = run(capsys, "sessions", "C-8", "--json")
    assert [s["date"] for s in json.loads(out)] == ["2026-03-01"]


def test_demo_loads_once(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, out, _ = run(capsys, "demo")
    assert code == 0
    assert "C-ALDER" in out
    run(capsys, "demo")  # a second time changes nothing
    code, out, _ = run(capsys, "clients", "--json")
    sessions = {c["client"]: c["sessions"] for c in json.loads(out)}
    assert sessions == {"C-ALDER": 8, "C-BIRCH": 8, "C-CEDAR": 7}


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mendline", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0
    assert done.stdout.startswith("mendline ")


def test_a_failed_import_writes_nothing(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, _, err = run(capsys, "import", str(ZOOM), "--client", "C-NEW", "--session", "0")
    assert code == 2
    assert "Traceback" not in err
    code, out, _ = run(capsys, "clients", "--json")
    assert json.loads(out) == []


def test_usage_errors_exit_2_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "no-such-command")
    assert code == 2
    assert "No such command" in err and "Traceback" not in err


def test_user_add_creates_an_account_once(
    capsys: pytest.CaptureFixture[str], db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("argon2")
    monkeypatch.setenv("MENDLINE_NEW_PASSWORD", "a long enough passphrase")
    code, _, err = run(capsys, "user", "add", "sup.kim", "--role", "supervisor")
    assert code == 0 and "supervisor" in err
    code, _, err = run(capsys, "user", "add", "sup.kim", "--role", "supervisor")
    assert code == 2 and "Traceback" not in err


def test_a_mistyped_repair_detector_is_named_not_a_crash(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MENDLINE_REPAIR_DETECTOR", "repairs.lr.v9")
    code, out, err = run(capsys, "analyze", str(ZOOM))
    assert code == 2 and out == ""
    assert "unknown repair detector 'repairs.lr.v9'" in err
    assert "MENDLINE_REPAIR_DETECTOR" in err and "repairs.lr.v1" in err
    assert "Traceback" not in err


def test_a_mistyped_marker_detector_is_named_not_a_crash() -> None:
    # the marker default is read when Mendline starts, so this needs a fresh process
    env = {**os.environ, "MENDLINE_MARKER_DETECTOR": "markers.lr.v9"}
    done = subprocess.run([sys.executable, "-m", "mendline", "analyze", str(ZOOM)],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 2 and done.stdout == ""
    assert "unknown detector 'markers.lr.v9'" in done.stderr
    assert "markers.lr.v1" in done.stderr and "Traceback" not in done.stderr


def _jsonl(path: Path, *cases: dict) -> str:
    path.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    return str(path)


STRATEGY_CASES = (
    {"id": "s1", "dialogue": "d1", "target": 2, "labels": ["invites_discussion_of_relationship"],
     "turns": [{"role": "therapist", "text": "Shall we look at the homework?"},
               {"role": "client", "text": "Honestly, these worksheets are pointless. You're "
                                          "not listening to me."},
               {"role": "therapist", "text": "Can we stop for a moment? I think something is "
                "happening between us right now. What is it like for you, being here with "
                "me today?"}]},
    {"id": "s2", "dialogue": "d2", "target": 2, "labels": [],
     "hard_negative": "invites_discussion_of_relationship",
     "turns": [{"role": "therapist", "text": "What happened at work?"},
               {"role": "client", "text": "My boss shouted at me in front of everyone."},
               {"role": "therapist", "text": "How did you feel when your boss said that?"}]},
)


def test_eval_scores_therapist_cases_as_strategies(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "eval", _jsonl(tmp_path / "s.jsonl", *STRATEGY_CASES), "--json")
    assert code == 0
    (report,) = json.loads(out)
    assert report["kind"] == "strategies" and report["cases"] == 2
    assert report["detectors"][1].startswith("repairs.")  # which model produced the figures
    assert report["metacommunication"]["f1"] == 1.0  # found once, not on the feeling question
    code, out, _ = run(capsys, "eval", str(tmp_path / "s.jsonl"))
    assert "2 therapist turns scored (markers." in out


def test_eval_scores_episode_outcomes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    turns = [("therapist", "How did the week go with the diary?"), ("client", "Fine."),
             ("therapist", "Did you fill any of it in?"), ("client", "Not really."),
             ("therapist", "I notice I keep asking about the diary and your answers are getting "
                           "shorter. I wonder if the way I'm doing this isn't working for you. "
                           "What's it like in here with me today?"),
             ("client", "Honestly it feels like being back at school and getting marked. I "
                        "hated that then and I didn't want to say so. It's a relief to say it.")]
    episode = {"start": 1, "end": 5, "family": "withdrawal", "outcome": "resolved",
               "resolution": 4, "significance": 2,
               "markers": [{"turn": 1, "id": "withdrawal.minimal_response"}],
               "repairs": [{"turn": 4, "id": "invites_discussion_of_relationship"}]}
    case = {"id": "e1", "dialogue": "e-d1", "target": 1,
            "labels": ["withdrawal.minimal_response"], "episode": episode,
            "turns": [{"role": r, "text": t} for r, t in turns]}
    code, out, _ = run(capsys, "eval", _jsonl(tmp_path / "e.jsonl", case), "--json")
    assert code == 0
    (report,) = json.loads(out)
    assert report["kind"] == "episodes" and report["cases"] == 1
    assert report["detectors"][-1] == "episodes.rules.v1"
    assert report["accuracy"]["gold_markers_and_repairs"] == 1.0
