"""Analysing one client's sessions: the one function every batch engine runs.

``analyse_client`` reads each transcript, resolves its roles and calls ``analyze_session`` —
the same steps ``importing.import_file`` takes before it stores anything — and hands open
episodes from each session to the next. It returns plain dicts (picklable, JSON-ready) so the
process pool and Spark can ship them back unchanged, and it never raises: a file that cannot be
analysed becomes a record with a message naming the file, and the client's other sessions go on.
"""

from __future__ import annotations

import logging
from typing import Any

from mendline.analysis.result import Episode
from mendline.analysis.session import SessionContext, analyze_session
from mendline.batch.plan import ClientJob, SessionJob
from mendline.errors import IngestError, MendlineError
from mendline.importing import read_with_roles
from mendline.stage import stage_settings_from

__all__ = ["analyse_client", "Record"]

log = logging.getLogger(__name__)

Record = dict[str, Any]
"""One session's result: ``client``, ``session``, ``date``, ``file``, ``status`` ("ok" or
"error"), ``error`` (a message, or None) and ``analysis`` (the session-analysis JSON, or None)."""


def _record(job: ClientJob, s: SessionJob, analysis: dict | None, error: str | None) -> Record:
    return {
        "client": job.client,
        "session": s.number,
        "date": s.date.isoformat() if s.date else None,
        "file": s.file,
        "status": "error" if error else "ok",
        "error": error,
        "analysis": analysis,
    }


def analyse_client(job: ClientJob) -> list[Record]:
    """Every session of ``job`` in order, carrying open episodes to the next session."""
    settings = stage_settings_from(job.settings)
    records: list[Record] = []
    open_episodes: tuple[Episode, ...] = ()
    previous: int | None = None
    for s in job.sessions:
        try:
            transcript = read_with_roles(s.path, dict(s.roles) or None)
            analysis = analyze_session(
                transcript,
                SessionContext(
                    client=job.client,
                    number=s.number,
                    date=s.date,
                    stage_settings=settings,
                    open_episodes=open_episodes,
                    open_episodes_session=previous if open_episodes else None,
                ),
            )
        except MendlineError as exc:
            records.append(_record(job, s, None, _message(exc, s.file)))
            continue
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop an archive
            # The exception's text could quote the transcript, so only its type is kept.
            log.error("internal error analysing a batch file (%s)", type(exc).__name__)
            records.append(
                _record(
                    job,
                    s,
                    None,
                    f"{s.file}: internal error while analysing "
                    f"({type(exc).__name__}); please report it",
                )
            )
            continue
        open_episodes = tuple(e for e in analysis.episodes if e.open_at_end)
        previous = s.number
        records.append(_record(job, s, analysis.model_dump(mode="json"), None))
    return records


def _message(exc: MendlineError, file: str) -> str:
    """The reader's message, naming the file as the results name it (not its full path)."""
    if isinstance(exc, IngestError):
        place = f"{file}, {exc.where}" if exc.where else file
        return f"{place}: {exc.detail}"
    return f"{file}: {exc}"
