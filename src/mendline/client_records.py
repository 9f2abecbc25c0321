"""One client's records, from the store into tracking and back: the glue around ``track_client``.

``client_history`` reads what ``track_client`` needs (one analysis per session, attendance,
forms, the client's stage and tracking settings) in one read transaction;
``client_timeline`` and ``caseload`` run the pure tracking functions over it. This is the
one place stored rows become tracking records: the web app reads through
``client_histories`` (many clients, any owners, already access-checked by the caller) and
keys its timeline cache by ``history_fingerprints``. Importers
validate a whole attendance or measures file with the tracking parsers *before* writing,
then write every row in one transaction, so a bad file writes nothing (issue 5, item 8).

Which analysis stands for a session: the newest stored one (by when it was stored), the
same one ``mendline show`` and ``get_session`` use, so the timeline and the session view
never disagree. Sessions are read from the analysis's summary columns (engagement, marker
ids and confidences, episode outcomes), never from the session content, so building a
caseload does not touch transcript text. Those summary columns, attendance and forms are
read from the store's tables directly (read-only, inside the store's own transaction), a
batch of clients per query, because the per-client readers cost a dozen queries a client
and the caseload has to scale to thousands of clients.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mendline import store as repository
from mendline.analysis.result import Engagement
from mendline.errors import InputError
from mendline.stage import stage_settings_from
from mendline.store import Store
from mendline.store.models import (
    AnalysisRow,
    AttendanceRow,
    EpisodeRow,
    MarkerRow,
    MeasureRow,
    SessionRow,
)
from mendline.tracking import (
    PRESETS,
    AttendanceRecord,
    AttendanceStatus,
    CaseloadEntry,
    ClientHistory,
    ClientTimeline,
    ColumnMapping,
    EpisodeRecord,
    MarkerHit,
    MeasureRecord,
    SessionRecord,
    TrackingSettings,
    parse_attendance_csv,
    parse_attendance_ics,
    parse_fhir_json,
    parse_measures_csv,
    rank_caseload,
    to_fhir_bundle,
    track_client,
)
from mendline.tracking.attendance import normalise_status_word
from mendline.tracking.instruments import instrument
from mendline.tracking.measures import score

__all__ = [
    "ClientFields",
    "ImportSummary",
    "client_history",
    "client_histories",
    "history_fingerprints",
    "track_history",
    "client_timeline",
    "load_timeline",
    "caseload",
    "measure_record",
    "parse_item_list",
    "tracking_settings_from",
    "add_attendance_record",
    "add_measure_record",
    "import_attendance",
    "import_measures",
    "export_measures_fhir",
]


_T = TypeVar("_T")


class ClientFields(Protocol):
    """What the readers need of a client: ``store.Client`` and the web's ``ClientRef`` fit."""

    @property
    def id(self) -> int: ...
    @property
    def code(self) -> str: ...
    @property
    def display_name(self) -> str | None: ...
    @property
    def settings(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import did. ``skipped``: forms already stored (importing twice is harmless)."""

    client: str
    kind: str  # "attendance" | "measures"
    format: str  # "csv" | "ics" | "fhir"
    added: int
    updated: int = 0  # attendance days that already had a record (replaced)
    skipped: int = 0


# ---------------------------------------------------------------------------- reading


def client_history(store: Store, clinician: str, code: str) -> tuple[ClientHistory, list[str]]:
    """The client's ``ClientHistory`` and notes about stored records that could not be used.

    Everything is read in one transaction, so the history is a consistent snapshot.
    """
    with store.transaction() as s:
        client = repository.get_client(s, clinician=clinician, code=code)
        return client_histories(s, [client])[client.id]


def client_timeline(store: Store, clinician: str, code: str) -> ClientTimeline:
    """``track_client`` over the stored history, with notes about anything left out."""
    return load_timeline(store, clinician, code)[1]


def load_timeline(store: Store, clinician: str, code: str) -> tuple[ClientHistory, ClientTimeline]:
    """The history and its timeline, for views that show both (e.g. attendance per session)."""
    history, notes = client_history(store, clinician, code)
    return history, track_history(history, notes)


def caseload(store: Store, clinician: str, *, batch: int = 200) -> list[CaseloadEntry]:
    """The clinician's clients ranked by what most needs a look (``rank_caseload``).

    Records are read ``batch`` clients at a time (a handful of queries per batch rather
    than per client) and timelines are streamed into the ranking, so memory stays flat
    with the size of the caseload.
    """
    clients = repository.list_clients(store, clinician)

    def timelines() -> Iterator[ClientTimeline]:
        for chunk in _chunks(clients, batch):
            with store.transaction() as s:
                histories = client_histories(s, chunk)
            for history, notes in histories.values():
                yield track_history(history, notes)

    return rank_caseload(timelines())


def track_history(history: ClientHistory, notes: Sequence[str] = ()) -> ClientTimeline:
    """``track_client`` over a history, with the reader's notes (records left out) appended."""
    timeline = track_client(history)
    if notes:
        timeline = timeline.model_copy(update={"notes": [*timeline.notes, *notes]})
    return timeline


def client_histories(
    s: Session, clients: Sequence[ClientFields]
) -> dict[int, tuple[ClientHistory, list[str]]]:
    """Client id -> (history, notes on records left out), for several clients in a few queries.

    The clients may belong to different clinicians (a supervisor's shared caseload). The
    caller decides who may see what: only the given clients' rows are read.
    """
    ids = [c.id for c in clients]
    if not ids:
        return {}
    notes: dict[int, list[str]] = {i: [] for i in ids}
    sessions = _session_records(s, ids, notes)
    attendance: dict[int, list[AttendanceRecord]] = {i: [] for i in ids}
    for cid, day, status, late in s.execute(
        select(AttendanceRow.client_id, AttendanceRow.date, AttendanceRow.status,
               AttendanceRow.minutes_late)
        .where(AttendanceRow.client_id.in_(ids)).order_by(AttendanceRow.date)
    ):
        attendance[cid].append(AttendanceRecord(day, AttendanceStatus(status), late))
    measures: dict[int, list[MeasureRecord]] = {i: [] for i in ids}
    for cid, name, day, items, scale, number in s.execute(
        select(MeasureRow.client_id, MeasureRow.instrument, MeasureRow.date, MeasureRow.items,
               MeasureRow.scale, SessionRow.number)
        .outerjoin(SessionRow, SessionRow.id == MeasureRow.session_id)
        .where(MeasureRow.client_id.in_(ids)).order_by(MeasureRow.date, MeasureRow.id)
    ):
        try:
            measures[cid].append(measure_record(name, day, items, scale, number))
        except InputError as e:
            notes[cid].append(f"A stored {name} form of {day} was left out: {e}")
    out: dict[int, tuple[ClientHistory, list[str]]] = {}
    for c in clients:
        settings = dict(c.settings)
        history = ClientHistory(
            client=c.code,
            sessions=tuple(sessions.get(c.id, ())),
            attendance=tuple(attendance[c.id]),
            measures=tuple(measures[c.id]),
            stage=stage_settings_from(settings),
            settings=tracking_settings_from(settings),
            display_name=c.display_name,
        )
        out[c.id] = (history, notes[c.id])
    return out


def history_fingerprints(s: Session, clients: Sequence[ClientFields]) -> dict[int, tuple[Any, ...]]:
    """Per client, a cheap summary that changes whenever ``client_histories``' result does.

    For caches of timelines (``track_client`` is pure). Sessions and forms are only ever
    added (or re-analysed, which adds an analysis id); attendance may be replaced in
    place, so its rows themselves are part of the summary.
    """
    ids = [c.id for c in clients]
    if not ids:
        return {}
    out: dict[int, list[Any]] = {
        c.id: [c.display_name, repr(sorted(c.settings.items(), key=lambda kv: kv[0]))]
        for c in clients
    }
    for cid, n, top in s.execute(
        select(SessionRow.client_id, func.count(AnalysisRow.id), func.max(AnalysisRow.id))
        .join(AnalysisRow, AnalysisRow.session_id == SessionRow.id)
        .where(SessionRow.client_id.in_(ids)).group_by(SessionRow.client_id)
    ):
        out[cid] += ["s", n, top]
    for cid, n, top in s.execute(
        select(MeasureRow.client_id, func.count(MeasureRow.id), func.max(MeasureRow.id))
        .where(MeasureRow.client_id.in_(ids)).group_by(MeasureRow.client_id)
    ):
        out[cid] += ["m", n, top]
    for cid, day, status, late in s.execute(
        select(AttendanceRow.client_id, AttendanceRow.date, AttendanceRow.status,
               AttendanceRow.minutes_late)
        .where(AttendanceRow.client_id.in_(ids)).order_by(AttendanceRow.date)
    ):
        out[cid] += [day, status, late]
    return {cid: tuple(v) for cid, v in out.items()}


def _session_records(
    s: Session, client_ids: list[int], notes: dict[int, list[str]]
) -> dict[int, list[SessionRecord]]:
    """Per client, one ``SessionRecord`` per session that has an analysis (its newest)."""
    rows = s.execute(
        select(SessionRow.client_id, SessionRow.id, SessionRow.number, SessionRow.date,
               AnalysisRow.id, AnalysisRow.engagement)
        .join(AnalysisRow, AnalysisRow.session_id == SessionRow.id)
        .where(SessionRow.client_id.in_(client_ids))
        .order_by(SessionRow.client_id, SessionRow.number, AnalysisRow.created_at.desc(),
                  AnalysisRow.id.desc())
    ).all()
    chosen: dict[int, tuple[int, int, dt.date | None, int, Any]] = {}
    for client_id, session_id, number, date, analysis_id, engagement in rows:
        chosen.setdefault(session_id, (client_id, number, date, analysis_id, engagement))
    ids = [v[3] for v in chosen.values()]
    markers: dict[int, list[MarkerHit]] = {a: [] for a in ids}
    episodes: dict[int, list[EpisodeRecord]] = {a: [] for a in ids}
    for chunk in _chunks(ids, 500):
        for aid, vocab_id, confidence in s.execute(
            select(MarkerRow.analysis_id, MarkerRow.vocab_id, MarkerRow.confidence)
            .where(MarkerRow.analysis_id.in_(chunk)).order_by(MarkerRow.ordinal)
        ):
            markers[aid].append(MarkerHit(vocab_id, confidence))
        for aid, fam, outcome, sig, res, open_end in s.execute(
            select(EpisodeRow.analysis_id, EpisodeRow.family, EpisodeRow.outcome,
                   EpisodeRow.significance, EpisodeRow.resolution, EpisodeRow.open_at_end)
            .where(EpisodeRow.analysis_id.in_(chunk)).order_by(EpisodeRow.episode)
        ):
            episodes[aid].append(EpisodeRecord(fam, outcome, sig, res, bool(open_end)))
    out: dict[int, list[SessionRecord]] = {}
    for client_id, number, date, aid, engagement in chosen.values():
        try:
            eng = Engagement.model_validate(engagement)
        except ValidationError:
            notes[client_id].append(f"Session {number} was left out: its stored analysis is "
                                    "from an older version; analyse it again to include it.")
            continue
        out.setdefault(client_id, []).append(SessionRecord(
            number=number, date=date, engagement=eng, markers=tuple(markers[aid]),
            episodes=tuple(episodes[aid])))
    return out


def _chunks(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# ------------------------------------------------------------------ settings and forms

_SETTING_GROUPS = {f.name: f.type for f in dataclasses.fields(TrackingSettings)}


def tracking_settings_from(settings: Mapping[str, Any] | None) -> TrackingSettings:
    """Tracking thresholds from a client's stored settings; defaults where none are stored.

    Stored as ``settings["tracking"] = {"measures": {"srs_total_cutoff": 35}, ...}``: a
    group of ``TrackingSettings`` (baseline, measures, attendance, gaps, alerts) and the
    field names of that group. Unknown names are refused so a typo never silently keeps
    the default.
    """
    raw = (settings or {}).get("tracking") or {}
    if not isinstance(raw, Mapping):
        raise InputError("client settings: tracking: expected an object of setting groups")
    base = TrackingSettings()
    changes: dict[str, Any] = {}
    for group, values in raw.items():
        if group not in _SETTING_GROUPS:
            raise InputError(f"client settings: tracking.{group}: unknown group; expected "
                             f"{', '.join(_SETTING_GROUPS)}")
        current = getattr(base, group)
        known = {f.name for f in dataclasses.fields(current)}
        if not isinstance(values, Mapping):
            raise InputError(f"client settings: tracking.{group}: expected an object")
        unknown = sorted(set(values) - known)
        if unknown:
            raise InputError(f"client settings: tracking.{group}.{unknown[0]}: unknown setting; "
                             f"expected {', '.join(sorted(known))}")
        try:
            changes[group] = dataclasses.replace(current, **dict(values))
        except (TypeError, ValueError) as e:
            raise InputError(f"client settings: tracking.{group}: {e}") from None
    return dataclasses.replace(base, **changes)


_SCALE_ALIASES = {"5": "1-5", "7": "1-7", "10": "0-10"}


def measure_record(
    name: str,
    date: dt.date,
    items: Any,
    scale: str | None = None,
    session: int | None = None,
) -> MeasureRecord:
    """A stored or entered form as tracking's ``MeasureRecord``; ``InputError`` if it does not fit.

    Accepted item shapes: a list in the instrument's item order (``[9.1, 8.7, 9.0, 9.2]``),
    or a mapping keyed by item key, with or without the instrument prefix (``rupture`` or
    ``psq.rupture``). A scale may be written ``5`` / ``7`` for ``1-5`` / ``1-7``.
    """
    try:
        inst = instrument(name)
        prefix = inst.items[0].split(".", 1)[0]
        if isinstance(items, list | tuple):
            if len(items) != len(inst.items):
                raise ValueError(f"{inst.name} has {len(inst.items)} items; got {len(items)}")
            keyed = dict(zip(inst.items, items, strict=True))
        elif isinstance(items, Mapping):
            keyed = {(k if "." in k else f"{prefix}.{k}"): v for k, v in items.items()}
        else:
            raise ValueError("items: expected a list of scores or scores by item key")
        keyed = {k: (float(v) if isinstance(v, int) and not isinstance(v, bool) else v)
                 for k, v in keyed.items()}
        norm = _SCALE_ALIASES.get(str(scale), str(scale)) if scale is not None else None
        return MeasureRecord(inst.name, date, keyed, norm, session)
    except ValueError as e:
        raise InputError(str(e)) from None


_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


def parse_item_list(name: str, text: str) -> list[float | bool | None]:
    """``"9.1,8.7,9.0,9.2"`` (or ``"yes,3,2"`` for a PSQ) as item values in item order.

    A blank entry is an unanswered optional item. ``InputError`` names the position.
    """
    try:
        inst = instrument(name)
    except ValueError as e:
        raise InputError(f"--instrument: {e}") from None
    cells = [c.strip() for c in text.split(",")]
    if len(cells) != len(inst.items):
        raise InputError(f"--items: {inst.name} has {len(inst.items)} items "
                         f"({', '.join(inst.items)}); got {len(cells)} values")
    out: list[float | bool | None] = []
    for key, cell in zip(inst.items, cells, strict=True):
        if not cell:
            out.append(None)
        elif key in inst.boolean:
            if cell.lower() not in _YES | _NO:
                raise InputError(f"--items: {key} is {cell!r}; expected yes or no")
            out.append(cell.lower() in _YES)
        else:
            try:
                out.append(float(cell))
            except ValueError:
                raise InputError(f"--items: {key} is {cell!r}; expected a number") from None
    return out


# ------------------------------------------------------------------------- writing


def add_attendance_record(
    store: Store,
    clinician: str,
    code: str,
    *,
    date: dt.date,
    status: str,
    minutes_late: int | None = None,
) -> AttendanceRecord:
    """Record one appointment (status words as in the attendance CSV); replaces that day's."""
    words = {normalise_status_word(s.value): s for s in AttendanceStatus}
    chosen = words.get(normalise_status_word(status))
    if chosen is None:
        raise InputError(f"--status {status!r}: expected one of "
                         f"{', '.join(s.value for s in AttendanceStatus)}")
    if minutes_late is not None and minutes_late < 0:
        raise InputError("--minutes-late: expected 0 or more minutes")
    record = AttendanceRecord(date, chosen, minutes_late)
    repository.add_attendance(store, clinician=clinician, client_code=code, date=date,
                              status=chosen.value, minutes_late=minutes_late, source="manual")
    return record


def add_measure_record(store: Store, clinician: str, code: str, record: MeasureRecord) -> None:
    """Store one validated form (scores only) for the client."""
    with store.transaction() as s:
        _check_sessions(s, clinician, code, [record], "the form")
        _write_measure(s, clinician, code, record)


def import_attendance(
    store: Store,
    clinician: str,
    code: str,
    path: str | Path,
    *,
    preset: str = "mendline",
    mapping: ColumnMapping | None = None,
    until: dt.date | None = None,
) -> ImportSummary:
    """Import an attendance CSV (Mendline's columns or an EHR preset) or an ICS calendar.

    The whole file is checked first; then every record is written in one transaction, so
    a file with one bad row writes nothing. ``until`` (today) skips future calendar
    appointments. A day that already has a record is replaced, so importing twice is safe.
    """
    data, source = _read(path)
    if mapping is None:
        if preset not in PRESETS:
            raise InputError(f"--preset {preset!r}: expected one of {', '.join(PRESETS)}")
        mapping = PRESETS[preset]
    if _is_ics(path, data):
        fmt, records = "ics", parse_attendance_ics(data, source, until=until, mapping=mapping)
    else:
        fmt, records = "csv", parse_attendance_csv(data, source, mapping)
    added = updated = 0
    with store.transaction() as s:
        known = {a.date for a in repository.list_attendance(s, clinician=clinician,
                                                            client_code=code)}
        for r in records:
            repository.add_attendance(s, clinician=clinician, client_code=code, date=r.date,
                                      status=r.status.value, minutes_late=r.minutes_late,
                                      source=f"import:{fmt}")
            updated += r.date in known
            added += r.date not in known
    return ImportSummary(code, "attendance", fmt, added, updated)


def import_measures(store: Store, clinician: str, code: str, path: str | Path) -> ImportSummary:
    """Import self-report forms from a measures CSV or FHIR R4 QuestionnaireResponse JSON.

    Checked whole before anything is written (including that every session number is a
    stored session of this client), then written in one transaction. A form identical to
    one already stored (same instrument, date, session and scores) is skipped.
    """
    data, source = _read(path)
    if _is_json(path, data):
        fmt, records = "fhir", parse_fhir_json(data, source)
    else:
        fmt, records = "csv", parse_measures_csv(data, source)
    added = skipped = 0
    with store.transaction() as s:
        _check_sessions(s, clinician, code, records, source)
        stored = set()
        for m in repository.list_measures(s, clinician=clinician, client_code=code):
            try:
                stored.add(_identity(measure_record(m.instrument, m.date, m.items, m.scale,
                                                    m.session_number)))
            except InputError:
                continue
        for r in records:
            if _identity(r) in stored:
                skipped += 1
                continue
            _write_measure(s, clinician, code, r)
            stored.add(_identity(r))
            added += 1
    return ImportSummary(code, "measures", fmt, added, skipped=skipped)


def export_measures_fhir(store: Store, clinician: str, code: str) -> dict[str, Any]:
    """The client's forms as a FHIR R4 ``collection`` Bundle of QuestionnaireResponses.

    The client code is the subject identifier; forms that do not fit tracking's rules
    (none should) are left out.
    """
    history, _ = client_history(store, clinician, code)
    return to_fhir_bundle(list(history.measures), subject=history.client)


def _write_measure(s: Session, clinician: str, code: str, r: MeasureRecord) -> None:
    total, _, _ = score(r)
    repository.add_measure(s, clinician=clinician, client_code=code, instrument=r.instrument,
                           date=r.date, items=dict(r.items), total=total, scale=r.scale,
                           session_number=r.session)


def _identity(r: MeasureRecord) -> tuple[Any, ...]:
    return (r.instrument, r.date, r.session, r.scale, tuple(r.items.items()))


def _check_sessions(s: Session, clinician: str, code: str, records: Sequence[MeasureRecord],
                    source: str) -> None:
    wanted = {r.session for r in records if r.session is not None}
    if not wanted:
        repository.get_client(s, clinician=clinician, code=code)  # NotFound names the code
        return
    have = {x.number for x in repository.list_sessions(s, clinician=clinician,
                                                       client_code=code)}
    for i, r in enumerate(records, start=1):
        if r.session is not None and r.session not in have:
            where = source if len(records) == 1 else f"{source}, form {i}"
            raise InputError(
                f"{where} ({r.instrument} of {r.date}): session {r.session} is not stored for "
                f"client {code!r}; import that session first or leave the session out"
            )


def _read(path: str | Path) -> tuple[bytes, str]:
    p = Path(path)
    try:
        return p.read_bytes(), p.name
    except FileNotFoundError:
        raise InputError(f"{p}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{p}: is a folder; expected a file") from None
    except OSError as e:
        raise InputError(f"{p}: cannot read the file ({e.strerror})") from None


def _head(data: bytes) -> bytes:
    return data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")


def _is_ics(path: str | Path, data: bytes) -> bool:
    return Path(path).suffix.lower() in {".ics", ".ical"} or _head(data).upper().startswith(
        b"BEGIN:VCALENDAR")


def _is_json(path: str | Path, data: bytes) -> bool:
    return Path(path).suffix.lower() == ".json" or _head(data)[:1] in (b"{", b"[")

