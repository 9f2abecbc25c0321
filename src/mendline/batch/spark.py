"""Running a batch on Apache Spark, for archives bigger than one machine.

Spark distributes the planned clients over its executors; each executor's Python worker runs
the same ``work.analyse_client`` as the local engines, and the driver streams the records back
(``toLocalIterator``, one partition at a time) into the same output writer. So a cluster and a
laptop give the same files. Transcripts are read by the executors from ``SessionJob.path``: on a
cluster the archive must be on storage every worker mounts at the same path.

Only Spark's own logging is kept (at WARN), and it never sees transcript text: records travel as
pickled Python objects, not log lines. In local mode Spark binds to the loopback interface and
its web UI is off, so nothing listens beyond this machine.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from importlib import resources
from typing import Any

from mendline.analysis.embeddings import THREADS_ENV
from mendline.analysis.markers import DETECTOR_ENV as MARKER_DETECTOR_ENV
from mendline.analysis.repairs import DETECTOR_ENV as REPAIR_DETECTOR_ENV
from mendline.batch.plan import ClientJob
from mendline.batch.work import Record, analyse_client
from mendline.errors import MendlineError

__all__ = ["run_spark", "spark_session"]

_LOG_CONFIG = "data/spark/log4j2.properties"


def spark_session(master: str = "local[*]") -> Any:
    """A Spark session for ``master`` ("local[2]", "spark://host:7077", "yarn", ...)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise MendlineError(
            "the Spark engine needs PySpark and Java 17+: pip install 'mendline[spark]'"
        ) from None
    builder = SparkSession.builder.master(master).appName("mendline-batch")
    # Executors' Python workers fill the cores: one encoder thread each (embeddings._threads).
    builder = builder.config(f"spark.executorEnv.{THREADS_ENV}", "1")
    # A detector chosen on the driver runs on every executor too, so a cluster writes what
    # the local engine writes (executors on other hosts do not see the driver's environment).
    for name in (MARKER_DETECTOR_ENV, REPAIR_DETECTOR_ENV):
        if chosen := os.environ.get(name, "").strip():
            builder = builder.config(f"spark.executorEnv.{name}", chosen)
    builder = builder.config("spark.ui.enabled", "false").config(
        "spark.ui.showConsoleProgress", "false"
    )
    # The driver logs warnings only, in one short line each (without this, Spark prints its
    # start-up notes before any setLogLevel could apply).
    log_config = resources.files("mendline").joinpath(_LOG_CONFIG)
    if isinstance(log_config, os.PathLike) and os.path.isfile(log_config):
        builder = builder.config(
            "spark.driver.extraJavaOptions",
            f"-Dlog4j2.configurationFile={os.fspath(log_config)}",
        )
    if master.startswith("local"):
        # Workers run this interpreter (which has Mendline installed), not whatever
        # "python3" is first on PATH: PySpark reads PYSPARK_PYTHON for local workers and
        # ignores spark.pyspark.python there (measured with a virtual environment that was
        # not activated: workers ran the system Python and could not import Mendline).
        # The driver listens on loopback only. Naming the loopback address up front also
        # spares the user Spark's warning that the host name resolves to it.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = builder.config("spark.driver.host", "127.0.0.1").config(
            "spark.driver.bindAddress", "127.0.0.1"
        )
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - Java missing or the cluster unreachable
        raise MendlineError(
            f"could not start Spark with master {master!r} ({type(exc).__name__}); check that "
            "Java 17+ is installed (JAVA_HOME) and the master URL is right"
        ) from None
    session.sparkContext.setLogLevel("WARN")
    return session


def run_spark(
    jobs: Sequence[ClientJob], *, master: str = "local[*]", session: Any = None
) -> Iterator[Record]:
    """Analyse ``jobs`` on Spark; records come back in planned order.

    ``session`` reuses a running Spark session (tests, notebooks); otherwise one is started for
    ``master`` and stopped at the end.
    """
    own = session is None
    spark = spark_session(master) if own else session
    try:
        sc = spark.sparkContext
        # One client per partition up to the cluster's parallelism: a client's sessions must
        # run in order, so a client is never split.
        slices = max(1, min(len(jobs), sc.defaultParallelism * 4))
        rdd = sc.parallelize(list(jobs), slices).flatMap(analyse_client)
        yield from rdd.toLocalIterator()
    finally:
        if own:
            spark.stop()
