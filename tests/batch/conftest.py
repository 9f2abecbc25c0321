"""Batch fixtures: the bundled demo caseload written out as an archive manifest.

The demo's three invented clients (23 sessions, Zoom, Teams, WhisperX and plain-text exports)
are what a practice would hand to ``mendline batch``; ``mendline demo`` imports the same files
one by one, so the two paths can be compared session by session.
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest

from mendline.batch import ClientJob, plan_manifest, run_jobs
from mendline.batch.output import read_results
from mendline.demo_caseload import demo_manifest

DEMO = Path(__import__("mendline.demo", fromlist=["_"]).__file__).parent


def write_demo_manifest(path: Path, clients: tuple[str, ...] | None = None) -> Path:
    """A manifest of the demo caseload with each session's number, date and speaker roles."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["file", "client", "session", "date", "therapist", "client_label", "planned_sessions"]
        )
        for c in demo_manifest()["clients"]:
            if clients is not None and c["code"] not in clients:
                continue
            for s in c["sessions"]:
                by_role = {role: label for label, role in s["roles"].items()}
                out.writerow(
                    [
                        DEMO / s["file"],
                        c["code"],
                        s["number"],
                        s["date"],
                        by_role["therapist"],
                        by_role["client"],
                        c["settings"].get("planned_sessions") or "",
                    ]
                )
    return path


def copy_demo_client(folder: str, to: Path, limit: int | None = None) -> Path:
    """One demo client's transcripts (the first ``limit`` of them) as an archive sub-folder."""
    to.mkdir(parents=True, exist_ok=True)
    for f in sorted(f for f in (DEMO / folder).iterdir() if f.is_file())[:limit]:
        shutil.copy(f, to / f.name)
    return to


@pytest.fixture(scope="session")
def demo_jobs(tmp_path_factory: pytest.TempPathFactory) -> list[ClientJob]:
    return plan_manifest(write_demo_manifest(tmp_path_factory.mktemp("manifest") / "demo.csv"))


@pytest.fixture(scope="session")
def demo_results(demo_jobs: list[ClientJob], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo caseload analysed by the local engine with two worker processes."""
    out = tmp_path_factory.mktemp("batch") / "results"
    run_jobs(demo_jobs, out, engine="local", workers=2)
    return out


def spark_or_skip() -> None:
    """Skip without PySpark or Java, unless ``MENDLINE_REQUIRE_SPARK=1`` (CI): then fail."""
    missing = None
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing = "PySpark is not installed"
    if missing is None and not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        missing = "Java is not installed"
    if missing is None:
        return
    if os.environ.get("MENDLINE_REQUIRE_SPARK") == "1":
        pytest.fail(f"MENDLINE_REQUIRE_SPARK=1 but {missing}", pytrace=False)
    pytest.skip(f"{missing}; the Spark engine is tested where it is installed")


__all__ = ["write_demo_manifest", "copy_demo_client", "read_results", "spark_or_skip"]
