"""What a batch run will analyse: clients, each with its sessions in order.

A client's sessions are analysed one after another, because an episode left open at the end of
one session can be picked up at the start of the next (``SessionContext.open_episodes``). So the
unit of parallel work is a client, never a single file, and every engine (in-process, process
pool, Spark) runs the same ``ClientJob`` through the same function. Planning reads no
transcript: every problem with the archive's layout or a manifest is reported, naming the line
and field, before anything is analysed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mendline.errors import InputError
from mendline.importing import TRANSCRIPT_SUFFIXES, date_in_name
from mendline.transcript import Role

__all__ = ["SessionJob", "ClientJob", "plan_archive", "plan_manifest", "MANIFEST_COLUMNS"]

# Columns a manifest may have; ``file`` and ``client`` are required.
MANIFEST_COLUMNS = (
    "file",  # transcript path, relative to the manifest's folder or absolute
    "client",  # client code
    "session",  # session number (all of a client's rows, or none)
    "date",  # YYYY-MM-DD
    "therapist",  # speaker label(s) of the therapist, separated by ";"
    "client_label",  # speaker label(s) of the client, separated by ";"
    "planned_sessions",  # planned number of sessions (sets the termination stage)
    "termination_from",  # session number from which ending is being discussed
)
_REQUIRED = ("file", "client")


@dataclass(frozen=True, slots=True)
class SessionJob:
    """One transcript to analyse: ``path`` is read, ``file`` is how results name it."""

    path: str
    file: str
    number: int | None = None
    date: dt.date | None = None
    roles: tuple[tuple[str, Role], ...] = ()


@dataclass(frozen=True, slots=True)
class ClientJob:
    """A client's sessions in the order they happened; ``client`` is None for loose files."""

    client: str | None
    sessions: tuple[SessionJob, ...]
    settings: Mapping[str, int] = field(default_factory=dict)  # stage settings, as stored


def _roles(therapist: Iterable[str], client: Iterable[str]) -> tuple[tuple[str, Role], ...]:
    pairs = [(label, Role.THERAPIST) for label in therapist]
    pairs += [(label, Role.CLIENT) for label in client]
    return tuple(pairs)


def _is_transcript(path: Path) -> bool:
    return (
        path.is_file()
        and path.suffix.lower() in TRANSCRIPT_SUFFIXES
        and not path.name.startswith(".")
    )


def _in_order(sessions: list[SessionJob]) -> tuple[SessionJob, ...]:
    """Number undated-and-unnumbered sessions by date (from the name), then by name."""
    ordered = sorted(sessions, key=lambda s: (s.date or dt.date.max, Path(s.file).name))
    return tuple(
        SessionJob(s.path, s.file, i, s.date, s.roles) for i, s in enumerate(ordered, start=1)
    )


def plan_archive(
    root: str | os.PathLike[str],
    *,
    therapist: Iterable[str] = (),
    client_label: Iterable[str] = (),
) -> list[ClientJob]:
    """An archive folder: each sub-folder is a client (its name the client code).

    A client's sessions are numbered in the order of the date in their file names
    (``2026-03-04`` or ``20260304``), then by name. Transcript files directly in the folder are
    analysed on their own, without a client or session number.
    """
    base = Path(root)
    if not base.is_dir():
        raise InputError(f"{base}: not a folder; give an archive folder or a manifest .csv file")
    roles = _roles(therapist, client_label)
    jobs: list[ClientJob] = []
    for folder in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = sorted(f for f in folder.iterdir() if _is_transcript(f))
        if files:
            sessions = [
                SessionJob(str(f), f"{folder.name}/{f.name}", None, date_in_name(f), roles)
                for f in files
            ]
            jobs.append(ClientJob(folder.name, _in_order(sessions)))
    for f in sorted(f for f in base.iterdir() if _is_transcript(f)):
        jobs.append(ClientJob(None, (SessionJob(str(f), f.name, None, None, roles),)))
    if not jobs:
        suffixes = ", ".join(sorted(TRANSCRIPT_SUFFIXES))
        raise InputError(
            f"{base}: no transcripts found; put each client's files ({suffixes}) in a folder "
            "named with the client's code"
        )
    return jobs


def _cell(row: Mapping[str, str | None], name: str) -> str:
    return (row.get(name) or "").strip()


def _int_cell(where: str, row: Mapping[str, str | None], name: str) -> int | None:
    raw = _cell(row, name)
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"{where}, field '{name}': {raw!r} is not a whole number") from None
    if value < 1:
        raise InputError(f"{where}, field '{name}': must be 1 or more")
    return value


def _labels(row: Mapping[str, str | None], name: str) -> list[str]:
    return [p.strip() for p in _cell(row, name).split(";") if p.strip()]


def plan_manifest(path: str | os.PathLike[str]) -> list[ClientJob]:
    """A CSV manifest: one row per session (see ``MANIFEST_COLUMNS``).

    Rows are checked as a whole before anything runs: a client numbers all its rows or none, a
    number is not used twice, every file exists, and a client's settings agree across rows.
    """
    manifest = Path(path)
    try:
        text = manifest.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"{manifest}: cannot read the manifest ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(
            f"{manifest}: the manifest is not UTF-8 text; save it as CSV UTF-8"
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise InputError(
            f"{manifest}, line 1: the header needs the column(s) {', '.join(missing)}; "
            f"known columns: {', '.join(MANIFEST_COLUMNS)}"
        )
    unknown = [c for c in header if c and c not in MANIFEST_COLUMNS]
    if unknown:
        raise InputError(
            f"{manifest}, line 1: unknown column(s) {', '.join(unknown)}; "
            f"known columns: {', '.join(MANIFEST_COLUMNS)}"
        )
    by_client: dict[str, list[tuple[int, SessionJob]]] = {}
    settings: dict[str, dict[str, int]] = {}
    seen_files: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        where = f"{manifest}, line {line}"
        if not any(_cell(row, c) for c in header):
            continue  # a blank line
        for name in _REQUIRED:
            if not _cell(row, name):
                raise InputError(f"{where}, field '{name}': empty")
        client = _cell(row, "client")
        file = _cell(row, "file")
        target = Path(file) if Path(file).is_absolute() else manifest.parent / file
        if not target.is_file():
            raise InputError(f"{where}, field 'file': no such file {file!r}")
        key = str(target.resolve())
        if key in seen_files:
            raise InputError(
                f"{where}, field 'file': {file!r} is already on line {seen_files[key]}"
            )
        seen_files[key] = line
        date = None
        if raw := _cell(row, "date"):
            try:
                date = dt.date.fromisoformat(raw)
            except ValueError:
                raise InputError(
                    f"{where}, field 'date': {raw!r} is not a date (YYYY-MM-DD)"
                ) from None
        number = _int_cell(where, row, "session")
        roles = _roles(_labels(row, "therapist"), _labels(row, "client_label"))
        for name in ("planned_sessions", "termination_from"):
            value = _int_cell(where, row, name)
            if value is None:
                continue
            earlier = settings.setdefault(client, {}).setdefault(name, value)
            if earlier != value:
                raise InputError(
                    f"{where}, field '{name}': {value} differs from {earlier} on an earlier row "
                    f"for client {client}"
                )
        by_client.setdefault(client, []).append(
            (line, SessionJob(str(target), file, number, date or date_in_name(target), roles))
        )
    if not by_client:
        raise InputError(f"{manifest}: the manifest lists no sessions")
    jobs = []
    for client in sorted(by_client):
        rows = by_client[client]
        numbered = [(line, s) for line, s in rows if s.number is not None]
        if numbered and len(numbered) != len(rows):
            line = next(line for line, s in rows if s.number is None)
            raise InputError(
                f"{manifest}, line {line}, field 'session': empty, but other rows for client "
                f"{client} have session numbers; number all of a client's rows or none"
            )
        if numbered:
            taken: dict[int, int] = {}
            for line, s in numbered:
                if s.number in taken:
                    raise InputError(
                        f"{manifest}, line {line}, field 'session': client {client} already has "
                        f"session {s.number} on line {taken[s.number]}"
                    )
                taken[s.number] = line  # type: ignore[index]
            sessions = tuple(sorted((s for _, s in rows), key=lambda s: s.number or 0))
        else:
            sessions = _in_order([s for _, s in rows])
        jobs.append(ClientJob(client, sessions, settings.get(client, {})))
    return jobs
