"""Attendance: CSV import (native or an EHR export via a column mapping) and the
relationship-level withdrawal signals it carries.

Missed sessions and late cancellations are withdrawal markers outside the words (3RS;
Eubanks, Muran & Safran, 2015; clinical.md); they weigh more when they follow a session
whose strain was not resolved. Parsing validates the whole file before returning, so the
caller can write all of it in one transaction or nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from mendline.tracking._csv import decode, fail, parse_date, rows
from mendline.tracking.records import AttendanceRecord, AttendanceStatus, SessionRecord
from mendline.tracking.result import AttendanceSignal
from mendline.tracking.settings import AttendanceSettings

__all__ = [
    "ColumnMapping",
    "NATIVE",
    "SIMPLEPRACTICE_LIKE",
    "THERAPYNOTES_LIKE",
    "PRESETS",
    "normalise_status_word",
    "parse_attendance_csv",
    "attendance_signals",
]

_A, _M, _C, _LC, _L = (
    AttendanceStatus.ATTENDED,
    AttendanceStatus.MISSED,
    AttendanceStatus.CANCELLED,
    AttendanceStatus.LATE_CANCELLED,
    AttendanceStatus.LATE,
)


def normalise_status_word(word: str) -> str:
    """'No-Show' -> 'no show', 'Late_Cancel' -> 'late cancel': case, dashes, spaces."""
    return re.sub(r"[\s_\-]+", " ", word.strip().lower())


_NATIVE_WORDS = {normalise_status_word(s.value): s for s in AttendanceStatus}


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Which columns hold what, and what the export's status words mean.

    ``statuses`` maps status words (compared after ``normalise_status_word``) to ours;
    Mendline's own words are always understood. Rows whose status is in ``ignore`` (for
    example future "Scheduled" appointments) are skipped, not refused.
    """

    name: str
    date: str = "date"
    status: str = "status"
    minutes_late: str | None = "minutes_late"
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)
    statuses: dict[str, AttendanceStatus] = field(default_factory=dict, hash=False)
    ignore: frozenset[str] = frozenset()

    def status_of(self, word: str) -> AttendanceStatus | None:
        """Our status for an export's word; None when the row is to be skipped.

        Raises KeyError for a word neither mapped nor ignored.
        """
        w = normalise_status_word(word)
        if w in {normalise_status_word(i) for i in self.ignore}:
            return None
        mapped = {normalise_status_word(k): v for k, v in self.statuses.items()}
        if w in mapped:
            return mapped[w]
        return _NATIVE_WORDS[w]

    def known_words(self) -> list[str]:
        return sorted(set(_NATIVE_WORDS) | {normalise_status_word(k) for k in self.statuses})


NATIVE = ColumnMapping(name="mendline")

# Presets for common EHR appointment exports. The column names and status words are
# plausible guesses that could not be checked against the products offline: adjust them
# to the headers of your own export (docs/tracking.md).
_US_DATES = ("%m/%d/%Y", "%m/%d/%y", "%Y-%m-%d")
SIMPLEPRACTICE_LIKE = ColumnMapping(
    name="simplepractice",
    date="Date",
    status="Status",
    minutes_late=None,
    date_formats=_US_DATES,
    statuses={
        "Show": _A,
        "Attended": _A,
        "No Show": _M,
        "Late Canceled": _LC,
        "Late Cancelled": _LC,
        "Late Cancel": _LC,
        "Canceled": _C,
        "Cancelled": _C,
        "Clinician Canceled": _C,
        "Late": _L,
    },
    ignore=frozenset({"Scheduled", "Pending"}),
)
THERAPYNOTES_LIKE = ColumnMapping(
    name="therapynotes",
    date="Appointment Date",
    status="Appointment Status",
    minutes_late=None,
    date_formats=_US_DATES,
    statuses={
        "Show": _A,
        "Checked Out": _A,
        "No-Show": _M,
        "No Show": _M,
        "Late Cancellation": _LC,
        "Late Cancel": _LC,
        "Cancelled": _C,
        "Canceled": _C,
        "Cancelled by Clinician": _C,
        "Late": _L,
    },
    ignore=frozenset({"Scheduled", "Rescheduled"}),
)
PRESETS: dict[str, ColumnMapping] = {
    m.name: m for m in (NATIVE, SIMPLEPRACTICE_LIKE, THERAPYNOTES_LIKE)
}


def parse_attendance_csv(
    data: bytes | str, source: str, mapping: ColumnMapping = NATIVE
) -> tuple[AttendanceRecord, ...]:
    """Every row of an attendance CSV, or InputError naming the file and line.

    Nothing partial: the whole file is checked before anything is returned. Two rows for
    the same date are refused (the store keeps one record per client and day).
    """
    text = decode(data, source)
    out: list[AttendanceRecord] = []
    seen: dict[dt.date, int] = {}
    header_checked = False
    for line, row in rows(text, source):
        if not header_checked:
            needed = [mapping.date, mapping.status]
            missing = [c for c in needed if c not in row]
            if missing:
                raise fail(
                    source,
                    "line 1",
                    f"missing column {missing[0]!r}; expected columns "
                    f"{', '.join(needed)} (mapping {mapping.name!r})",
                )
            header_checked = True
        where = f"line {line}"
        day = parse_date(row[mapping.date], mapping.date_formats)
        if day is None:
            raise fail(
                source,
                where,
                f"date {row[mapping.date]!r} does not parse; expected "
                f"{' or '.join(_human(f) for f in mapping.date_formats)}",
            )
        try:
            status = mapping.status_of(row[mapping.status])
        except KeyError:
            raise fail(
                source,
                where,
                f"unknown status {row[mapping.status]!r}; expected one of "
                f"{', '.join(mapping.known_words())}",
            ) from None
        if status is None:
            continue
        minutes = _minutes(row.get(mapping.minutes_late or "", ""), source, where)
        if day in seen:
            raise fail(source, where, f"a second record for {day} (first on line {seen[day]})")
        seen[day] = line
        out.append(AttendanceRecord(day, status, minutes))
    return tuple(out)


def _minutes(cell: str, source: str, where: str) -> int | None:
    if not cell:
        return None
    try:
        value = int(cell)
    except ValueError:
        raise fail(source, where, f"minutes_late {cell!r} is not a whole number") from None
    if value < 0:
        raise fail(source, where, f"minutes_late {value} is negative")
    return value


def _human(fmt: str) -> str:
    return fmt.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD").replace("%y", "YY")


_IDS = {
    _M: "withdrawal.missed_session",
    _LC: "withdrawal.late_cancellation",
    _L: "withdrawal.late_arrival",
}


def attendance_signals(
    records: tuple[AttendanceRecord, ...],
    sessions: tuple[SessionRecord, ...],
    name: str,
    settings: AttendanceSettings,
) -> list[AttendanceSignal]:
    """Missed sessions, late cancellations and late arrivals as withdrawal signals.

    Cancelling in good time is ordinary life and is not a signal. A signal that comes
    after a session with an unresolved episode (the last dated session before it) is
    weighted by ``after_unresolved_factor``.
    """
    dated = sorted((s for s in sessions if s.date is not None), key=lambda s: s.date or dt.date.min)
    out: list[AttendanceSignal] = []
    for r in records:
        status = r.status
        if status is _A and (r.minutes_late or 0) >= settings.late_minutes:
            status = _L
        if status is _L and r.minutes_late is not None and r.minutes_late < settings.late_minutes:
            continue
        if status not in _IDS:
            continue
        weight = {
            _M: settings.missed_weight,
            _LC: settings.late_cancelled_weight,
            _L: settings.late_weight,
        }[status]
        before = [s for s in dated if s.date is not None and s.date < r.date]
        after_unresolved = None
        if before and any(e.unresolved for e in before[-1].episodes):
            after_unresolved = before[-1].number
            weight *= settings.after_unresolved_factor
        out.append(
            AttendanceSignal(
                id=_IDS[status],
                date=r.date.isoformat(),
                status=status.value,
                minutes_late=r.minutes_late,
                weight=weight,
                after_unresolved_session=after_unresolved,
                reason=_reason(status, r, name, after_unresolved),
            )
        )
    return out


def _reason(status: AttendanceStatus, r: AttendanceRecord, name: str, after: int | None) -> str:
    day = r.date.isoformat()
    if status is _M:
        text = f"{name} did not come to the session on {day}."
    elif status is _LC:
        text = f"{name} cancelled the session on {day} at short notice."
    elif r.minutes_late is not None:
        text = f"{name} arrived {r.minutes_late} minutes late on {day}."
    else:
        text = f"{name} arrived late on {day}."
    if after is not None:
        text += f" This came after session {after}, where a strain had not yet eased."
    return text
