"""Reading a transcript file, analysing it and storing it: the one path every front end uses.

The CLI's ``import`` and ``demo`` commands and the web upload all call ``import_file``, so a
session imported from any of them has the same roles, the same analysis and the same rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from mendline import store as repository
from mendline.analysis.result import Episode
from mendline.analysis.session import SessionContext, analyze_session
from mendline.errors import MendlineError, RolesUnresolved
from mendline.ingest import read_transcript
from mendline.ingest.roles import ROLE_CONFIDENCE_THRESHOLD, speaker_samples
from mendline.stage import stage_settings_from
from mendline.store import Store
from mendline.transcript import Role, RoleSource, Transcript

__all__ = [
    "ImportOutcome",
    "resolve_roles",
    "read_with_roles",
    "import_file",
    "import_files",
    "transcript_files",
    "date_in_name",
]

log = logging.getLogger(__name__)

TRANSCRIPT_SUFFIXES = frozenset({".vtt", ".srt", ".txt", ".json", ".jsonl", ".docx"})


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    path: str
    client: str
    number: int | None
    created: bool  # False when the same file was already stored for this client
    markers: int
    error: str | None = None


def explicit_roles(therapist: Iterable[str] = (), clients: Iterable[str] = ()) -> dict[str, Role]:
    roles = {name: Role.THERAPIST for name in therapist}
    roles.update({name: Role.CLIENT for name in clients})
    return roles


def resolve_roles(transcript: Transcript) -> Transcript:
    """Stop, with each speaker and a sample line, when roles are too uncertain to analyse.

    A wrong therapist/client assignment would turn every finding upside down, so below the
    threshold Mendline asks rather than guesses.
    """
    if transcript.role_confidence >= ROLE_CONFIDENCE_THRESHOLD:
        return transcript
    raise RolesUnresolved(
        transcript.source,
        "cannot tell for sure who is the therapist and who is the client; "
        "name them with --therapist NAME and --client NAME",
        speaker_samples(transcript),
    )


def read_with_roles(
    path: str | os.PathLike[str],
    roles: Mapping[str, Role] | None = None,
    saved_roles: Mapping[str, Role] | None = None,
) -> Transcript:
    transcript = read_transcript(path, roles=roles or None, saved_roles=saved_roles or None)
    unknown = set(roles or ()) - {s.label for s in transcript.speakers}
    if unknown:
        known = ", ".join(repr(s.label) for s in transcript.speakers)
        raise RolesUnresolved(
            transcript.source,
            f"no speaker called {', '.join(repr(u) for u in sorted(unknown))} in this "
            f"transcript; the speakers are {known}",
            speaker_samples(transcript),
        )
    return resolve_roles(transcript)


def import_file(
    store: Store,
    path: str | os.PathLike[str],
    *,
    clinician: str,
    client_code: str,
    number: int | None = None,
    date: dt.date | None = None,
    roles: Mapping[str, Role] | None = None,
) -> ImportOutcome:
    """Read, analyse and store one transcript in one transaction.

    The file is read and its roles resolved before anything is written; then the client, the
    session, its analysis and the confirmed speaker mapping are written together or not at all.
    """
    repository.get_or_create_clinician(store, clinician)
    saved = repository.load_speaker_mapping(store, clinician)
    transcript = read_with_roles(path, roles, saved)
    with store.transaction() as tx:
        client = repository.get_or_create_client(tx, clinician=clinician, code=client_code)
        taken = [
            s.number
            for s in repository.list_sessions(tx, clinician=clinician, client_code=client_code)
        ]
        if number is None:  # the next free number, so the analysis knows the stage
            number = max(taken, default=0) + 1
        previous = max((n for n in taken if n < number), default=None)
        open_episodes = _open_episodes(tx, clinician, client_code, previous)
        analysis = analyze_session(
            transcript,
            SessionContext(
                client=client_code,
                number=number,
                date=date,
                stage_settings=stage_settings_from(client.settings),
                open_episodes=open_episodes,
                open_episodes_session=previous if open_episodes else None,
            ),
        )
        result = repository.import_session(
            tx,
            clinician=clinician,
            client_code=client_code,
            transcript=transcript,
            analysis=analysis,
            number=number,
            date=date,
        )
        confirmed = {
            s.label: s.role for s in transcript.speakers if s.source is RoleSource.EXPLICIT
        }
        if confirmed:
            repository.save_speaker_mapping(tx, clinician, confirmed)
    log.info("imported session %s (created=%s)", result.session.number, result.created)
    return ImportOutcome(
        path=str(path),
        client=client_code,
        number=result.session.number,
        created=result.created,
        markers=len(analysis.markers),
    )


def _open_episodes(
    tx: Store | Session, clinician: str, client_code: str, number: int | None
) -> tuple[Episode, ...]:
    """Episodes still open at the end of session ``number``, for the next one to pick up."""
    if number is None:
        return ()
    stored = repository.get_session(tx, clinician=clinician, client_code=client_code, number=number)
    if stored.analysis_json is None:
        return ()
    return tuple(e for e in stored.analysis().episodes if e.open_at_end)


def transcript_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Expand folders to the transcript files inside them, sorted by name."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.suffix.lower() in TRANSCRIPT_SUFFIXES))
        else:
            out.append(p)
    return out


def import_files(
    store: Store,
    paths: Iterable[str | os.PathLike[str]],
    *,
    clinician: str,
    client_code: str,
    dates: Mapping[Path, dt.date] | None = None,
    roles: Mapping[str, Role] | None = None,
    progress: Callable[[Path], None] | None = None,
) -> list[ImportOutcome]:
    """Import several files, each in its own transaction, numbered in date order.

    One bad file is reported in its outcome and the others still import.
    """
    files = transcript_files(paths)
    dates = dict(dates or {})
    for f in files:
        dates.setdefault(f, date_in_name(f))
    files.sort(key=lambda f: (dates[f] or _modified_date(f), f.name))
    outcomes = []
    for f in files:
        try:
            outcomes.append(
                import_file(
                    store,
                    f,
                    clinician=clinician,
                    client_code=client_code,
                    date=dates.get(f),
                    roles=roles,
                )
            )
        except MendlineError as exc:
            outcomes.append(ImportOutcome(str(f), client_code, None, False, 0, str(exc)))
        if progress:
            progress(f)
    return outcomes


def date_in_name(path: Path) -> dt.date | None:
    """A date written in the file name (2026-03-04 or 20260304), as exporters often do."""
    m = re.search(r"(20\d\d)-?(\d\d)-?(\d\d)", path.name)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    return None


def _modified_date(path: Path) -> dt.date:
    try:
        return dt.date.fromtimestamp(path.stat().st_mtime)
    except OSError:  # reported as an ingest error when the file is read
        return dt.date.max
