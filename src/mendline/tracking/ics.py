"""Attendance from an iCalendar (.ics) export of one client's appointments.

A small parser of RFC 5545 written here rather than a dependency: it needs only line
unfolding, VEVENT blocks, DTSTART, STATUS, SUMMARY, CATEGORIES and one private property.
The status of each appointment is read, in order, from:
1. ``X-MENDLINE-ATTENDANCE`` (our own words or a mapping's words), then
2. words in SUMMARY or CATEGORIES ("no show", "late cancel", "missed", "arrived late"), then
3. ``STATUS:CANCELLED`` (cancelled), else the appointment counts as attended.
Appointments after ``until`` (the caller's "today") are skipped: a future appointment has
no attendance yet. Recurring events (RRULE) are refused, because expanding them with
their exceptions correctly is beyond this parser: export individual appointments.
"""

from __future__ import annotations

import datetime as dt
import re

from mendline.tracking._csv import decode, fail
from mendline.tracking.attendance import NATIVE, ColumnMapping, normalise_status_word
from mendline.tracking.records import AttendanceRecord, AttendanceStatus

__all__ = ["parse_attendance_ics"]

# Summary/category words, longest first so "late cancel" wins over "late".
_WORDS: tuple[tuple[str, AttendanceStatus], ...] = (
    ("late cancellation", AttendanceStatus.LATE_CANCELLED),
    ("late cancelled", AttendanceStatus.LATE_CANCELLED),
    ("late canceled", AttendanceStatus.LATE_CANCELLED),
    ("late cancel", AttendanceStatus.LATE_CANCELLED),
    ("no show", AttendanceStatus.MISSED),
    ("missed", AttendanceStatus.MISSED),
    ("did not attend", AttendanceStatus.MISSED),
    ("dna", AttendanceStatus.MISSED),
    ("cancelled", AttendanceStatus.CANCELLED),
    ("canceled", AttendanceStatus.CANCELLED),
    ("arrived late", AttendanceStatus.LATE),
    ("late arrival", AttendanceStatus.LATE),
)
_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})(T\d{6}Z?)?$")


def _unfold(text: str) -> list[tuple[int, str]]:
    """Content lines with the physical line each starts on (RFC 5545 section 3.1)."""
    out: list[tuple[int, str]] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        if raw[:1] in (" ", "\t") and out:
            out[-1] = (out[-1][0], out[-1][1] + raw[1:])
        elif raw.strip():
            out.append((n, raw))
    return out


def _split(line: str) -> tuple[str, dict[str, str], str]:
    head, _, value = line.partition(":")
    name, *params = head.split(";")
    pairs = dict(p.split("=", 1) for p in params if "=" in p)
    return name.upper(), {k.upper(): v for k, v in pairs.items()}, value


def _status_from_words(text: str) -> AttendanceStatus | None:
    w = " " + normalise_status_word(text) + " "
    for word, status in _WORDS:
        if f" {word} " in w or w.strip() == word:
            return status
    return None


def parse_attendance_ics(
    data: bytes | str,
    source: str,
    *,
    until: dt.date | None = None,
    mapping: ColumnMapping = NATIVE,
) -> tuple[AttendanceRecord, ...]:
    """Every appointment in the calendar as an attendance record, or InputError.

    DTSTART's date is taken as written (a UTC time ending in Z keeps its UTC date).
    """
    text = decode(data, source)
    lines = _unfold(text)
    if not lines or lines[0][1].strip().upper() != "BEGIN:VCALENDAR":
        raise fail(source, "line 1", "not an iCalendar file; expected BEGIN:VCALENDAR")
    out: list[AttendanceRecord] = []
    seen: dict[dt.date, int] = {}
    event: dict[str, tuple[int, dict[str, str], str]] | None = None
    start_line = 0
    for n, line in lines:
        name, params, value = _split(line)
        if name == "BEGIN" and value.upper() == "VEVENT":
            if event is not None:
                raise fail(source, f"line {n}", "a VEVENT begins inside another VEVENT")
            event, start_line = {}, n
        elif name == "END" and value.upper() == "VEVENT":
            if event is None:
                raise fail(source, f"line {n}", "END:VEVENT without BEGIN:VEVENT")
            record = _record(event, source, start_line, until, mapping)
            event = None
            if record is None:
                continue
            if record.date in seen:
                raise fail(
                    source,
                    f"line {start_line}",
                    f"a second appointment on {record.date} (first at line {seen[record.date]})",
                )
            seen[record.date] = start_line
            out.append(record)
        elif event is not None and name not in event:
            event[name] = (n, params, value)
    if event is not None:
        raise fail(source, f"line {start_line}", "VEVENT is not closed by END:VEVENT")
    return tuple(sorted(out, key=lambda r: r.date))


def _record(
    event: dict[str, tuple[int, dict[str, str], str]],
    source: str,
    start_line: int,
    until: dt.date | None,
    mapping: ColumnMapping,
) -> AttendanceRecord | None:
    if "RRULE" in event:
        raise fail(
            source,
            f"line {event['RRULE'][0]}",
            "recurring events (RRULE) are not supported; export individual appointments",
        )
    if "DTSTART" not in event:
        raise fail(source, f"line {start_line}", "VEVENT has no DTSTART")
    n, _, value = event["DTSTART"]
    m = _DATE.match(value.strip())
    day = None
    if m:
        try:
            day = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            day = None
    if day is None:
        raise fail(
            source, f"line {n}", f"DTSTART {value!r} does not parse; expected YYYYMMDD[THHMMSS]"
        )
    if until is not None and day > until:
        return None
    status: AttendanceStatus | None = None
    if "X-MENDLINE-ATTENDANCE" in event:
        xn, _, word = event["X-MENDLINE-ATTENDANCE"]
        try:
            status = mapping.status_of(word)
        except KeyError:
            raise fail(
                source,
                f"line {xn}",
                f"unknown status {word!r}; expected one of {', '.join(mapping.known_words())}",
            ) from None
        if status is None:
            return None
    if status is None:
        for key in ("SUMMARY", "CATEGORIES"):
            if key in event and (found := _status_from_words(event[key][2])):
                status = found
                break
    if status is None:
        ev_status = event.get("STATUS", (0, {}, ""))[2].strip().upper()
        status = (
            AttendanceStatus.CANCELLED if ev_status == "CANCELLED" else AttendanceStatus.ATTENDED
        )
    return AttendanceRecord(day, status)
