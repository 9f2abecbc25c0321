"""A batch run's output folder, written whole or not at all.

``OUT/analyses.jsonl`` holds one line per session (``work.Record``: the full session-analysis
JSON, or the error that stopped it); ``OUT/sessions.csv`` one summary row per session for a
spreadsheet or a statistics package. Both are written into a hidden sibling folder that is
renamed to ``OUT`` only when the run has finished, so an interrupted or failed run leaves no
half-written results behind. Every engine writes through ``write_results``, so the files do
not depend on where the analysis ran.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mendline.batch.work import Record
from mendline.errors import InputError
from mendline.vocabulary import Family, Outcome

__all__ = ["BatchSummary", "SESSION_COLUMNS", "check_output", "write_results", "read_results"]

ANALYSES, SESSIONS = "analyses.jsonl", "sessions.csv"

SESSION_COLUMNS = (
    "client",
    "session",
    "date",
    "file",
    "status",
    "stage",
    "duration_min",
    "client_words",
    "client_word_share",
    *(f"{f.value}_markers" for f in Family),
    "repairs",
    "metacommunication",
    "episodes",
    *(o.value for o in Outcome),
    "open_at_end",
    "error",
)


@dataclass(slots=True)
class BatchSummary:
    """What a run did, for the command's table and exit code."""

    out: Path
    clients: int = 0
    sessions: int = 0
    errors: list[str] = field(default_factory=list)
    markers: int = 0
    episodes: int = 0

    @property
    def analysed(self) -> int:
        return self.sessions - len(self.errors)


def check_output(out: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Refuse an output folder that exists (unless ``overwrite``) before any work starts."""
    target = Path(out)
    if target.exists() and not overwrite:
        raise InputError(f"{target}: already exists; choose a new output folder or add --overwrite")
    if target.exists() and not target.is_dir():
        raise InputError(f"{target}: exists and is not a folder")
    parent = target.absolute().parent
    if not parent.is_dir():
        raise InputError(f"{parent}: no such folder for the output")
    return target


def session_row(record: Record) -> dict[str, object]:
    """The ``sessions.csv`` row of one record: counts a researcher compares across sessions."""
    row: dict[str, object] = {c: "" for c in SESSION_COLUMNS}
    row.update(
        client=record["client"] or "",
        session=record["session"] or "",
        date=record["date"] or "",
        file=record["file"],
        status=record["status"],
        error=record["error"] or "",
    )
    analysis = record["analysis"]
    if analysis is None:
        return row
    eng = analysis["engagement"]
    duration = analysis["session"]["duration_s"]
    share = eng["client_word_share"]
    row.update(
        stage=analysis["session"]["stage"] or "",
        duration_min=round(duration / 60, 1) if duration else "",
        client_words=eng["client_words"],
        client_word_share=round(share, 3) if share is not None else "",
        repairs=len(analysis["repairs"]),
        metacommunication=sum(r["metacommunication"] for r in analysis["repairs"]),
        episodes=len(analysis["episodes"]),
        open_at_end=sum(e["open_at_end"] for e in analysis["episodes"]),
    )
    for f in Family:
        row[f"{f.value}_markers"] = sum(m["family"] == f.value for m in analysis["markers"])
    for o in Outcome:
        row[o.value] = sum(e["outcome"] == o.value for e in analysis["episodes"])
    return row


def write_results(
    out: str | os.PathLike[str],
    records: Iterable[Record],
    *,
    overwrite: bool = False,
    progress: Callable[[int], None] | None = None,
) -> BatchSummary:
    """Stream ``records`` into ``out``; the folder appears only once they are all written.

    ``progress`` is called with the number of sessions written so far.
    """
    target = check_output(out, overwrite=overwrite)
    parent = target.absolute().parent
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=parent))
    summary = BatchSummary(out=target)
    clients: set[str | None] = set()
    try:
        with (
            open(staging / ANALYSES, "w", encoding="utf-8") as analyses,
            open(staging / SESSIONS, "w", encoding="utf-8", newline="") as sessions,
        ):
            table = csv.DictWriter(sessions, fieldnames=SESSION_COLUMNS)
            table.writeheader()
            for record in records:
                analyses.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
                analyses.write("\n")
                table.writerow(session_row(record))
                summary.sessions += 1
                clients.add(record["client"] or f"\0{record['file']}")
                if record["error"]:
                    summary.errors.append(record["error"])
                else:
                    summary.markers += len(record["analysis"]["markers"])
                    summary.episodes += len(record["analysis"]["episodes"])
                if progress:
                    progress(summary.sessions)
        if target.exists():  # --overwrite: the old results go only when the new ones are whole
            shutil.rmtree(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    summary.clients = len(clients)
    return summary


def read_results(out: str | os.PathLike[str]) -> Iterator[Record]:
    """The records of a finished run, in the order they were written."""
    path = Path(out) / ANALYSES
    try:
        handle = open(path, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read batch results ({exc.strerror})") from None
    with handle:
        for line in handle:
            yield json.loads(line)
