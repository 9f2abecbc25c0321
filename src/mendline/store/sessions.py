"""Sessions: importing a transcript with its analysis, listing and reading them back.

``import_session`` is one transaction: the client (created on first import), the session,
its utterances, the analysis and its markers, repairs and episodes are all stored, or none
of them is. A file is recognised by its SHA-256 per client, so importing it again returns
the stored session instead of a copy. Rows are written with bulk inserts (one executemany
per table) so a 60-minute session stays well under the 200 ms budget on SQLite.
"""

from __future__ import annotations

from datetime import date as Date
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from mendline.analysis.result import SessionAnalysis
from mendline.errors import NotFound, StoreError
from mendline.store._support import (
    ClinicianRef,
    StoreOrSession,
    check_code,
    client_row,
    clinician_row,
    ensure_client_row,
    to_summary,
    unit_of_work,
)
from mendline.store.models import (
    AnalysisRow,
    ClientRow,
    EpisodeRow,
    MarkerRow,
    RepairRow,
    SessionRow,
    UtteranceRow,
)
from mendline.store.records import ImportResult, SessionSummary, StoredSession
from mendline.transcript import Annotation, AnnotationKind, Role, Transcript, Utterance

__all__ = ["import_session", "list_sessions", "get_session", "next_session_number"]


def import_session(
    store: StoreOrSession,
    *,
    clinician: ClinicianRef,
    client_code: str,
    transcript: Transcript,
    analysis: SessionAnalysis,
    number: int | None = None,
    date: Date | None = None,
) -> ImportResult:
    """Store a transcript and its analysis as the client's next (or ``number``-th) session.

    ``number`` defaults to the analysis's own session number, else the next free one;
    ``date`` to the analysis's session date. The client is created if new. Importing the
    same file (same SHA-256) for the same client again returns the stored session with
    ``created=False``; its analysis is added only if no analysis of that analyzer version
    is stored yet (so a re-run with a newer analyzer can be compared).
    """
    if analysis.session.source.sha256 != transcript.sha256:
        raise StoreError(
            f"the analysis was made from a different file than the transcript "
            f"(sha256 {analysis.session.source.sha256[:12]}… vs {transcript.sha256[:12]}…); "
            "analyse this transcript again before importing"
        )
    if number is not None and number < 1:
        raise StoreError(f"session number: expected a whole number from 1, got {number}")
    code = check_code(client_code)
    wanted_number = number if number is not None else analysis.session.number
    when = date if date is not None else _parse_date(analysis.session.date)
    with unit_of_work(store) as s:
        owner = clinician_row(s, clinician)
        client = ensure_client_row(s, owner, code, None)
        existing = s.scalar(
            select(SessionRow).where(
                SessionRow.client_id == client.id, SessionRow.source_sha256 == transcript.sha256
            )
        )
        if existing is not None:
            analysis_id, added = _add_analysis_if_new(s, existing, client, analysis)
            return ImportResult(to_summary(existing, client.code), False, analysis_id, added)
        chosen = _choose_number(s, client, wanted_number)
        row = SessionRow(
            client_id=client.id,
            number=chosen,
            date=when,
            source_sha256=transcript.sha256,
            format=transcript.format,
            language=transcript.language,
            duration_s=transcript.duration_s,
        )
        s.add(row)
        s.flush()
        _insert_utterances(s, row.id, transcript)
        analysis_id = _insert_analysis(s, row, client, analysis)
        return ImportResult(to_summary(row, client.code), True, analysis_id, True)


def next_session_number(s: Session, client_id: int) -> int:
    highest = s.scalar(select(func.max(SessionRow.number)).where(SessionRow.client_id == client_id))
    return (highest or 0) + 1


def list_sessions(
    store: StoreOrSession, *, clinician: ClinicianRef, client_code: str
) -> list[SessionSummary]:
    """The client's sessions in number order."""
    with unit_of_work(store) as s:
        client = client_row(s, clinician_row(s, clinician), client_code)
        rows = s.scalars(
            select(SessionRow).where(SessionRow.client_id == client.id).order_by(SessionRow.number)
        )
        return [to_summary(r, client.code) for r in rows]


def get_session(
    store: StoreOrSession,
    *,
    clinician: ClinicianRef,
    client_code: str,
    number: int,
    analyzer_version: str | None = None,
) -> StoredSession:
    """One session with its utterances and its newest analysis (or that of a version)."""
    with unit_of_work(store) as s:
        client = client_row(s, clinician_row(s, clinician), client_code)
        row = s.scalar(
            select(SessionRow).where(SessionRow.client_id == client.id,
                                     SessionRow.number == number)
        )
        if row is None:
            raise NotFound(f"client {client.code!r} has no session {number}")
        utterances = tuple(
            _to_utterance(u)
            for u in s.scalars(
                select(UtteranceRow)
                .where(UtteranceRow.session_id == row.id)
                .order_by(UtteranceRow.index)
            )
        )
        query = select(AnalysisRow).where(AnalysisRow.session_id == row.id)
        if analyzer_version is not None:
            query = query.where(AnalysisRow.analyzer_version == analyzer_version)
        chosen = s.scalar(query.order_by(AnalysisRow.created_at.desc(), AnalysisRow.id.desc()))
        if chosen is None and analyzer_version is not None:
            raise NotFound(
                f"session {number} of client {client.code!r} has no analysis by "
                f"analyzer version {analyzer_version!r}"
            )
        return StoredSession(
            session=to_summary(row, client.code),
            utterances=utterances,
            analysis_id=chosen.id if chosen else None,
            analyzer_version=chosen.analyzer_version if chosen else None,
            analysis_json=chosen.result if chosen else None,
        )


def _choose_number(s: Session, client: ClientRow, wanted: int | None) -> int:
    if wanted is None:
        return next_session_number(s, client.id)
    taken = s.scalar(
        select(SessionRow).where(SessionRow.client_id == client.id, SessionRow.number == wanted)
    )
    if taken is not None:
        raise StoreError(
            f"client {client.code!r} already has a session {wanted} (a different file, imported "
            f"{taken.imported_at:%Y-%m-%d}); give another number, or none to use "
            f"{next_session_number(s, client.id)}"
        )
    return wanted


def _insert_utterances(s: Session, session_id: int, transcript: Transcript) -> None:
    rows = [
        {
            "session_id": session_id,
            "index": u.index,
            "speaker": u.speaker,
            "role": str(u.role),
            "start_s": u.start_s,
            "end_s": u.end_s,
            "text": u.text,
            "annotations": [
                {"kind": str(a.kind), "span": list(a.span), "duration_s": a.duration_s}
                for a in u.annotations
            ],
        }
        for u in transcript.utterances
    ]
    if rows:
        s.execute(insert(UtteranceRow), rows)


def _add_analysis_if_new(
    s: Session, row: SessionRow, client: ClientRow, analysis: SessionAnalysis
) -> tuple[int, bool]:
    found = s.scalar(
        select(AnalysisRow.id).where(
            AnalysisRow.session_id == row.id,
            AnalysisRow.analyzer_version == analysis.analyzer_version,
        )
    )
    if found is not None:
        return found, False
    return _insert_analysis(s, row, client, analysis), True


def _insert_analysis(
    s: Session, row: SessionRow, client: ClientRow, analysis: SessionAnalysis
) -> int:
    # The database is authoritative for who/which/when; the stored JSON agrees with it.
    info = analysis.session.model_copy(
        update={"client": client.code, "number": row.number,
                "date": row.date.isoformat() if row.date else None}
    )
    result = analysis.model_copy(update={"session": info}).model_dump(mode="json")
    arow = AnalysisRow(
        session_id=row.id,
        analyzer_version=analysis.analyzer_version,
        schema_version=analysis.schema_version,
        detectors=list(analysis.detectors),
        engagement=analysis.engagement.model_dump(mode="json"),
        result=result,
    )
    s.add(arow)
    s.flush()
    markers = [
        {
            "analysis_id": arow.id, "ordinal": i, "utterance": m.utterance, "vocab_id": m.id,
            "family": m.family, "type": m.type, "confidence": m.confidence,
            "evidence": m.evidence, "span_start": m.span[0], "span_end": m.span[1],
            "why": m.why, "detector": m.detector,
        }
        for i, m in enumerate(analysis.markers)
    ]
    repairs = [
        {
            "analysis_id": arow.id, "ordinal": i, "utterance": r.utterance, "vocab_id": r.id,
            "metacommunication": r.metacommunication, "confidence": r.confidence,
            "evidence": r.evidence, "span_start": r.span[0], "span_end": r.span[1],
            "why": r.why, "detector": r.detector,
        }
        for i, r in enumerate(analysis.repairs)
    ]
    episodes = [
        {
            "analysis_id": arow.id, "episode": e.id, "family": e.family,
            "start_utterance": e.start_utterance, "end_utterance": e.end_utterance,
            "markers": list(e.markers), "repairs": list(e.repairs), "outcome": e.outcome,
            "resolution": e.resolution, "significance": e.significance,
            "open_at_end": e.open_at_end, "evidence": e.evidence,
        }
        for e in analysis.episodes
    ]
    for table, rows in ((MarkerRow, markers), (RepairRow, repairs), (EpisodeRow, episodes)):
        if rows:
            s.execute(insert(table), rows)
    return arow.id


def _to_utterance(row: UtteranceRow) -> Utterance:
    return Utterance(
        index=row.index,
        speaker=row.speaker,
        role=Role(row.role),
        text=row.text,
        start_s=row.start_s,
        end_s=row.end_s,
        annotations=tuple(_to_annotation(a) for a in row.annotations or ()),
    )


def _to_annotation(data: dict[str, Any]) -> Annotation:
    start, end = data["span"]
    return Annotation(AnnotationKind(data["kind"]), (int(start), int(end)), data.get("duration_s"))


def _parse_date(value: str | None) -> Date | None:
    if not value:
        return None
    try:
        return Date.fromisoformat(value[:10])
    except ValueError:
        raise StoreError(
            f"session date in the analysis: expected an ISO date (YYYY-MM-DD), got {value!r}"
        ) from None
