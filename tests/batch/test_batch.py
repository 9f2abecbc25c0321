"""Batch analysis: planning an archive, the local engines, the output folder and the command."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from mendline.batch import ClientJob, plan, plan_archive, plan_manifest, run_batch, run_jobs
from mendline.batch.output import SESSION_COLUMNS, read_results, write_results
from mendline.demo_caseload import load_demo
from mendline.errors import InputError
from mendline.store import get_session, open_store
from tests.batch.conftest import copy_demo_client
from tests.test_cli import run

ME = "dr.batch"


# --- planning -------------------------------------------------------------------------


def test_archive_folders_are_clients_and_sessions_follow_the_dates_in_file_names(
    tmp_path: Path,
) -> None:
    a = tmp_path / "C-7"
    a.mkdir()
    for name in ("2026-02-10 session.vtt", "20260105-intake.txt", "2026-01-20_s2.srt"):
        (a / name).write_text("x")
    (a / "notes.pdf").write_text("x")  # not a transcript: left out
    (a / ".2026-01-01.vtt").write_text("x")  # hidden: left out
    (tmp_path / "loose.vtt").write_text("x")
    jobs = plan_archive(tmp_path, therapist=["Dr Ames"])
    assert [j.client for j in jobs] == ["C-7", None]
    sessions = jobs[0].sessions
    assert [(s.number, s.file) for s in sessions] == [
        (1, "C-7/20260105-intake.txt"),
        (2, "C-7/2026-01-20_s2.srt"),
        (3, "C-7/2026-02-10 session.vtt"),
    ]
    assert sessions[0].roles[0][0] == "Dr Ames"
    assert [(s.number, s.file) for s in jobs[1].sessions] == [(None, "loose.vtt")]


def test_an_archive_without_transcripts_says_how_to_lay_one_out(tmp_path: Path) -> None:
    (tmp_path / "C-1").mkdir()
    with pytest.raises(InputError, match="no transcripts found; put each client's files"):
        plan_archive(tmp_path)


def _manifest(tmp_path: Path, text: str) -> Path:
    (tmp_path / "s1.vtt").write_text("x")
    (tmp_path / "s2.vtt").write_text("x")
    path = tmp_path / "m.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("file,session\ns1.vtt,1\n", "line 1: the header needs the column(s) client"),
        ("file,client,therapy\ns1.vtt,C-1,x\n", "line 1: unknown column(s) therapy"),
        ("file,client\ns1.vtt,\n", "line 2, field 'client': empty"),
        ("file,client\nmissing.vtt,C-1\n", "line 2, field 'file': no such file 'missing.vtt'"),
        (
            "file,client,date\ns1.vtt,C-1,14/03/2026\n",
            "line 2, field 'date': '14/03/2026' is not a date",
        ),
        (
            "file,client,session\ns1.vtt,C-1,two\n",
            "line 2, field 'session': 'two' is not a whole number",
        ),
        (
            "file,client,session\ns1.vtt,C-1,1\ns2.vtt,C-1,1\n",
            "line 3, field 'session': client C-1 already has session 1 on line 2",
        ),
        (
            "file,client,session\ns1.vtt,C-1,1\ns2.vtt,C-1,\n",
            "line 3, field 'session': empty, but other rows for client C-1 have session numbers",
        ),
        (
            "file,client\ns1.vtt,C-1\ns1.vtt,C-2\n",
            "line 3, field 'file': 's1.vtt' is already on line 2",
        ),
        (
            "file,client,planned_sessions\ns1.vtt,C-1,12\ns2.vtt,C-1,10\n",
            "line 3, field 'planned_sessions': 10 differs from 12",
        ),
        ("file,client\n", "lists no sessions"),
    ],
)
def test_a_manifest_problem_names_its_line_and_field(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _manifest(tmp_path, text)
    with pytest.raises(InputError) as exc:
        plan_manifest(path)
    assert message in str(exc.value)
    assert str(path) in str(exc.value)


def test_a_manifest_orders_sessions_and_carries_roles_and_stage_settings(tmp_path: Path) -> None:
    path = _manifest(
        tmp_path,
        "\ufefffile,client,date,therapist,client_label,planned_sessions\n"
        "s2.vtt,C-1,2026-03-10,Dr Ames,Pat;Lee,6\n"
        "s1.vtt,C-1,2026-03-03,Dr Ames,Pat;Lee,\n"
        "\n",
    )
    (job,) = plan_manifest(path)
    assert [(s.number, s.file) for s in job.sessions] == [(1, "s1.vtt"), (2, "s2.vtt")]
    assert [label for label, _ in job.sessions[0].roles] == ["Dr Ames", "Pat", "Lee"]
    assert job.settings == {"planned_sessions": 6}


def test_speaker_options_do_not_mix_with_a_manifest(tmp_path: Path) -> None:
    path = _manifest(tmp_path, "file,client\ns1.vtt,C-1\n")
    with pytest.raises(InputError, match="'therapist' and 'client_label' columns"):
        plan(path, therapist=["Dr Ames"])


# --- analysis -------------------------------------------------------------------------


def test_batch_gives_each_session_the_analysis_an_import_stores(
    demo_results: Path, tmp_path: Path
) -> None:
    """Same roles, stage, dates and carried-over episodes as ``mendline demo`` (one by one)."""
    store = open_store(str(tmp_path / "demo.db"))
    load_demo(store, ME)
    records = list(read_results(demo_results))
    assert len(records) == 23 and all(r["status"] == "ok" for r in records)
    for r in records:
        stored = get_session(store, clinician=ME, client_code=r["client"], number=r["session"])
        assert r["analysis"] == stored.analysis().model_dump(mode="json"), (
            r["client"],
            r["session"],
        )
    # The demo's eighth session picks up an episode left open at the end of the seventh.
    alder8 = next(r for r in records if (r["client"], r["session"]) == ("C-ALDER", 8))
    carried = [e["continues_from"] for e in alder8["analysis"]["episodes"] if e["continues_from"]]
    assert carried and carried[0]["session"] == 7
    # Termination stage from the manifest's planned number of sessions.
    birch = [r["analysis"]["session"]["stage"] for r in records if r["client"] == "C-BIRCH"]
    assert birch[-2:] == ["termination", "termination"]


def test_one_process_and_a_pool_write_the_same_files(
    demo_jobs: list[ClientJob], demo_results: Path, tmp_path: Path
) -> None:
    alder = [j for j in demo_jobs if j.client == "C-ALDER"]
    run_jobs(alder, tmp_path / "one", workers=1)
    pooled = [
        line
        for line in (demo_results / "analyses.jsonl").read_text().splitlines()
        if json.loads(line)["client"] == "C-ALDER"
    ]
    assert (tmp_path / "one" / "analyses.jsonl").read_text().splitlines() == pooled


def test_sessions_csv_counts_what_each_analysis_found(demo_results: Path) -> None:
    with open(demo_results / "sessions.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == SESSION_COLUMNS
    for row, record in zip(rows, read_results(demo_results), strict=True):
        a = record["analysis"]
        assert (row["client"], int(row["session"])) == (record["client"], record["session"])
        assert int(row["withdrawal_markers"]) == sum(
            m["family"] == "withdrawal" for m in a["markers"]
        )
        assert int(row["metacommunication"]) == sum(r["metacommunication"] for r in a["repairs"])
        assert int(row["unresolved"]) == sum(e["outcome"] == "unresolved" for e in a["episodes"])
        assert row["stage"] == a["session"]["stage"]


def test_a_bad_file_is_reported_and_the_clients_other_sessions_still_run(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    copy_demo_client("birch", archive / "C-9")
    (archive / "C-9" / "2026-01-01_broken.vtt").write_bytes(b"WEBVTT\n\n\x00\x01\x02binary")
    seen: list[tuple[int, int]] = []
    summary = run_batch(archive, tmp_path / "out", workers=1,
                        progress=lambda done, total: seen.append((done, total)))
    assert seen == [(n, 9) for n in range(10)]  # counted before the first analysis
    records = list(read_results(tmp_path / "out"))
    assert records[0]["file"] == "C-9/2026-01-01_broken.vtt" and records[0]["status"] == "error"
    assert records[0]["error"].startswith("C-9/2026-01-01_broken.vtt: ")
    assert records[0]["analysis"] is None
    assert all(r["status"] == "ok" for r in records[1:]) and len(records) == 9
    assert summary.analysed == 8 and summary.errors == [records[0]["error"]]


def test_an_interrupted_run_leaves_no_output_folder(tmp_path: Path, demo_results: Path) -> None:
    def interrupted():
        for i, record in enumerate(read_results(demo_results)):
            if i == 3:
                raise KeyboardInterrupt
            yield record

    with pytest.raises(KeyboardInterrupt):
        write_results(tmp_path / "out", interrupted())
    assert list(tmp_path.iterdir()) == []


def test_overwrite_replaces_old_results_only_when_the_new_ones_are_whole(
    tmp_path: Path, demo_results: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("earlier run")
    with pytest.raises(InputError, match="already exists"):
        write_results(out, read_results(demo_results))
    assert (out / "old.txt").exists()
    write_results(out, read_results(demo_results), overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == ["analyses.jsonl", "sessions.csv"]


# --- the command ----------------------------------------------------------------------


def test_batch_command_reports_and_exits_3_when_some_files_fail(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    copy_demo_client("birch", archive / "C-9")
    (archive / "C-9" / "2026-01-01_empty.txt").write_text("")
    code, out, err = run(
        capsys, "batch", str(archive), "--out", str(tmp_path / "r"), "--workers", "1", "--json"
    )
    assert code == 3
    data = json.loads(out)
    assert (data["clients"], data["sessions"], data["analysed"]) == (1, 9, 8)
    assert "C-9/2026-01-01_empty.txt" in err and "8 of 9 sessions analysed" in err
    assert "Traceback" not in err


def test_batch_command_refuses_an_existing_output_before_analysing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "r").mkdir()
    code, _, err = run(capsys, "batch", str(tmp_path), "--out", str(tmp_path / "r"))
    assert code == 2
    assert "already exists; choose a new output folder or add --overwrite" in err


def test_batch_command_names_an_unknown_engine(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    copy_demo_client("birch", tmp_path / "a" / "C-9")
    code, _, err = run(
        capsys, "batch", str(tmp_path / "a"), "--out", str(tmp_path / "r"), "--engine", "cluster"
    )
    assert code == 2 and "unknown engine 'cluster'; choose one of local, spark" in err
    assert not (tmp_path / "r").exists()
