"""Batch analysis of transcript archives: on this machine or on Apache Spark.

``plan`` turns an archive folder (one sub-folder per client) or a CSV manifest into
``ClientJob``s; an engine runs ``work.analyse_client`` on each — the same reading, roles and
``analyze_session`` as ``mendline import`` — and ``output.write_results`` writes the output
folder whole or not at all. Nothing is stored in the database: batch results are files for
research and audit.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from mendline.batch.output import BatchSummary, check_output, read_results, write_results
from mendline.batch.plan import ClientJob, SessionJob, plan_archive, plan_manifest
from mendline.batch.work import Record, analyse_client
from mendline.errors import InputError

__all__ = [
    "ENGINES",
    "BatchSummary",
    "ClientJob",
    "Record",
    "SessionJob",
    "analyse_client",
    "plan",
    "plan_archive",
    "plan_manifest",
    "read_results",
    "run_batch",
    "run_jobs",
    "session_count",
    "check_output",
]

ENGINES = ("local", "spark")


def plan(
    source: str | os.PathLike[str],
    *,
    therapist: Iterable[str] = (),
    client_label: Iterable[str] = (),
) -> list[ClientJob]:
    """Jobs from an archive folder or a ``.csv`` manifest (whose rows name their own roles)."""
    path = Path(source)
    if path.suffix.lower() == ".csv":
        if list(therapist) or list(client_label):
            raise InputError(
                f"{path}: with a manifest, give speaker labels in its 'therapist' and "
                "'client_label' columns instead of --therapist/--client-label"
            )
        return plan_manifest(path)
    return plan_archive(path, therapist=therapist, client_label=client_label)


def run_batch(
    source: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    engine: str = "local",
    workers: int | None = None,
    master: str = "local[*]",
    overwrite: bool = False,
    therapist: Iterable[str] = (),
    client_label: Iterable[str] = (),
    progress: Callable[[int, int], None] | None = None,
) -> BatchSummary:
    """Plan, analyse and write: every input problem is reported before the first analysis.

    ``progress(done, total)`` is called once planning has counted the sessions, then after
    each session.
    """
    check_output(out, overwrite=overwrite)
    jobs = plan(source, therapist=therapist, client_label=client_label)
    total = session_count(jobs)
    if progress:
        progress(0, total)
    return run_jobs(
        jobs,
        out,
        engine=engine,
        workers=workers,
        master=master,
        overwrite=overwrite,
        progress=(lambda done: progress(done, total)) if progress else None,
    )


def run_jobs(
    jobs: Sequence[ClientJob],
    out: str | os.PathLike[str],
    *,
    engine: str = "local",
    workers: int | None = None,
    master: str = "local[*]",
    overwrite: bool = False,
    progress: Callable[[int], None] | None = None,
) -> BatchSummary:
    """Analyse planned ``jobs`` on ``engine`` and write the output folder whole.

    The engines are generators: nothing starts until ``write_results`` has checked ``out``.
    """
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if workers is not None and workers < 1:
        raise InputError("--workers must be 1 or more")
    records: Iterator[Record]
    if engine == "spark":
        from mendline.batch.spark import run_spark

        records = run_spark(jobs, master=master)
    else:
        from mendline.batch.local import run_local

        records = run_local(jobs, workers=workers)
    return write_results(out, records, overwrite=overwrite, progress=progress)


def session_count(jobs: Iterable[ClientJob]) -> int:
    return sum(len(job.sessions) for job in jobs)
