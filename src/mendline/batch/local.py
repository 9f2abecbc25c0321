"""Running a batch on this machine: in this process, or in a pool of worker processes.

Each worker process loads the detectors (and the embedding model) once and then analyses whole
clients (``work.analyse_client``). Results come back in the order the clients were planned, so
the output does not depend on which worker finished first.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from mendline.analysis.embeddings import THREADS_ENV
from mendline.batch.plan import ClientJob
from mendline.batch.work import Record, analyse_client
from mendline.errors import MendlineError

__all__ = ["run_local", "default_workers"]


def default_workers() -> int:
    """The cores this process may use (a container's limit, not the host's count)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _one_encoder_thread() -> None:
    """Workers already fill the cores: an encoder using two threads in each would fight."""
    os.environ[THREADS_ENV] = "1"


def run_local(jobs: Sequence[ClientJob], *, workers: int | None = None) -> Iterator[Record]:
    """Analyse ``jobs``; ``workers=1`` runs in this process (no pool): debugging, baselines."""
    n = min(workers or default_workers(), max(1, len(jobs)))
    if n == 1:
        for job in jobs:
            yield from analyse_client(job)
        return
    # "spawn": a fresh interpreter per worker, so nothing the parent has loaded or started
    # (threads, an ONNX session, a database connection) is copied into the workers.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=n, mp_context=context,
                             initializer=_one_encoder_thread) as pool:
        try:
            for records in pool.map(analyse_client, jobs):
                yield from records
        except BrokenProcessPool:
            raise MendlineError(
                "a worker process stopped unexpectedly (often: out of memory); nothing was "
                "written; try again with fewer --workers"
            ) from None
