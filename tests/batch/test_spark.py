"""The Spark engine in local mode: the same files as the local engine, from the same jobs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mendline.batch import ClientJob, run_jobs
from tests.batch.conftest import copy_demo_client, spark_or_skip
from tests.test_cli import run


def test_spark_writes_exactly_what_the_local_engine_writes(
    demo_jobs: list[ClientJob], demo_results: Path, tmp_path: Path
) -> None:
    spark_or_skip()
    # Two clients: one of them carries an open episode from its seventh session to its eighth.
    jobs = [j for j in demo_jobs if j.client in ("C-ALDER", "C-BIRCH")]
    summary = run_jobs(jobs, tmp_path / "spark", engine="spark", master="local[2]")
    assert summary.sessions == 16 and not summary.errors
    for name in ("analyses.jsonl", "sessions.csv"):
        ours = (tmp_path / "spark" / name).read_text(encoding="utf-8").splitlines()
        local = (demo_results / name).read_text(encoding="utf-8").splitlines()
        assert ours == local[: len(ours)]  # the demo's clients are planned in this order


def test_spark_from_the_command_reports_a_bad_file_like_the_local_engine(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    spark_or_skip()
    archive = tmp_path / "archive"
    copy_demo_client("cedar", archive / "C-3", limit=2)
    (archive / "C-3" / "2026-01-01_empty.txt").write_text("")
    code, _, err = run(capsys, "batch", str(archive), "--out", str(tmp_path / "r"),
                       "--engine", "spark", "--master", "local[2]")
    assert code == 3
    assert "C-3/2026-01-01_empty.txt" in err and "2 of 3 sessions analysed" in err
    assert "Traceback" not in err


def test_spark_start_up_prints_only_what_a_user_can_act_on(tmp_path: Path) -> None:
    spark_or_skip()
    # A fresh process, so the JVM starts here with Mendline's logging settings.
    archive = tmp_path / "archive"
    copy_demo_client("cedar", archive / "C-3", limit=1)
    done = subprocess.run(
        [sys.executable, "-m", "mendline", "batch", str(archive), "--out", str(tmp_path / "r"),
         "--engine", "spark", "--master", "local[1]"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len((tmp_path / "r" / "analyses.jsonl").read_text(encoding="utf-8").splitlines()) == 1
    for noise in ("log4j profile", "resolves to a loopback address", "setLogLevel",
                  "native-hadoop", "Traceback"):
        assert noise not in done.stderr


def test_a_detector_chosen_on_the_driver_runs_on_the_executors(
    demo_jobs: list[ClientJob], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spark_or_skip()
    from mendline.batch.spark import run_spark, spark_session

    monkeypatch.setenv("MENDLINE_REPAIR_DETECTOR", "repairs.lr.v1")
    spark = spark_session("local[1]")
    try:
        # what a cluster's executors are started with (they do not share the driver's
        # environment); in local mode the records below show it reached the workers
        assert spark.conf.get("spark.executorEnv.MENDLINE_REPAIR_DETECTOR") == "repairs.lr.v1"
        jobs = [j for j in demo_jobs if j.client == "C-CEDAR"]
        records = list(run_spark(jobs, session=spark))
    finally:
        spark.stop()
    assert records and all(r["status"] == "ok" for r in records)
    detectors = {d for r in records for d in r["analysis"]["detectors"]}
    assert {d for d in detectors if d.startswith("repairs.")} == {"repairs.lr.v1"}
