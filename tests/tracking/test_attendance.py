"""Attendance CSV (native and EHR presets), ICS, and the withdrawal signals they carry."""

from __future__ import annotations

import datetime as dt

import pytest

from mendline.errors import InputError
from mendline.tracking import (
    SIMPLEPRACTICE_LIKE,
    THERAPYNOTES_LIKE,
    AttendanceRecord,
    AttendanceStatus,
    ClientHistory,
    ColumnMapping,
    EpisodeRecord,
    parse_attendance_csv,
    parse_attendance_ics,
    track_client,
)
from tests.tracking.synth import session

A = AttendanceStatus

NATIVE_CSV = """date,status,minutes_late
2024-01-08,attended,
2024-01-15,late,12
2024-01-22,missed,

2024-01-29,late_cancelled,
2024-02-05,cancelled,
"""


def test_native_csv() -> None:
    records = parse_attendance_csv(NATIVE_CSV, "attendance.csv")
    assert [(r.date.day, r.status, r.minutes_late) for r in records] == [
        (8, A.ATTENDED, None),
        (15, A.LATE, 12),
        (22, A.MISSED, None),
        (29, A.LATE_CANCELLED, None),
        (5, A.CANCELLED, None),
    ]


def test_bytes_with_bom_are_read() -> None:
    data = ("\ufeff" + NATIVE_CSV).encode("utf-8")
    assert len(parse_attendance_csv(data, "a.csv")) == 5


@pytest.mark.parametrize(
    ("mapping", "text"),
    [
        (
            SIMPLEPRACTICE_LIKE,
            "Client,Date,Time,Status\nX,01/08/2024,10:00 AM,Show\nX,01/15/2024,10:00 AM,"
            "No Show\nX,01/22/2024,10:00 AM,Late Canceled\nX,01/29/2024,10:00 AM,Canceled\n"
            "X,02/05/2024,10:00 AM,Scheduled\n",
        ),
        (
            THERAPYNOTES_LIKE,
            "Appointment Date,Appointment Status\n1/8/2024 10:00,Checked Out\n"
            "1/15/2024 10:00,No-Show\n1/22/2024,Late Cancellation\n1/29/2024,cancelled\n"
            "2/5/2024,Scheduled\n",
        ),
    ],
    ids=["simplepractice", "therapynotes"],
)
def test_ehr_presets_map_status_words(mapping: ColumnMapping, text: str) -> None:
    records = parse_attendance_csv(text, "export.csv", mapping)
    assert [r.status for r in records] == [A.ATTENDED, A.MISSED, A.LATE_CANCELLED, A.CANCELLED]
    assert records[0].date == dt.date(2024, 1, 8)


@pytest.mark.parametrize(
    ("text", "where", "expected"),
    [
        ("date,status\n2024-01-08,attended\n2024-13-01,missed\n", "line 3", "does not parse"),
        ("date,status\n2024-01-08,attended\n2024-01-15,went home\n", "line 3", "unknown status"),
        ("date,status,minutes_late\n2024-01-08,late,ten\n", "line 2", "not a whole number"),
        ("date,status,minutes_late\n2024-01-08,late,-3\n", "line 2", "negative"),
        ("date,status\n2024-01-08,attended,extra\n", "line 2", "cells but the header"),
        ("date,status\n2024-01-08,attended\n\n2024-01-08,missed\n", "line 4", "second record"),
        ("day,status\n2024-01-08,attended\n", "line 1", "missing column 'date'"),
        ('date,status\n2024-01-08,attended\n"2024-01-15,missed\n', "line 3", "not valid CSV"),
    ],
)
def test_bad_rows_name_file_and_line(text: str, where: str, expected: str) -> None:
    with pytest.raises(InputError) as e:
        parse_attendance_csv(text, "attendance.csv")
    message = str(e.value)
    assert message.startswith(f"attendance.csv, {where}")
    assert expected in message


def test_empty_file_is_refused() -> None:
    with pytest.raises(InputError, match="empty"):
        parse_attendance_csv("", "a.csv")


ICS = """BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
DTSTART;TZID=Europe/London:20240108T100000
SUMMARY:Session C-1
END:VEVENT
BEGIN:VEVENT
DTSTART:20240115T100000Z
SUMMARY:Session C-1 - no
 -show
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:20240122
STATUS:CANCELLED
SUMMARY:Session
END:VEVENT
BEGIN:VEVENT
DTSTART:20240129T100000
CATEGORIES:Late cancel
END:VEVENT
BEGIN:VEVENT
DTSTART:20240205T100000
X-MENDLINE-ATTENDANCE:late
END:VEVENT
BEGIN:VEVENT
DTSTART:20240212T100000
SUMMARY:Session
END:VEVENT
END:VCALENDAR
"""


def test_ics_statuses_from_words_status_and_private_property() -> None:
    records = parse_attendance_ics(ICS, "cal.ics", until=dt.date(2024, 2, 6))
    assert [(r.date.day, r.status) for r in records] == [
        (8, A.ATTENDED),
        (15, A.MISSED),
        (22, A.CANCELLED),
        (29, A.LATE_CANCELLED),
        (5, A.LATE),
    ]  # the appointment after `until` has no attendance yet


@pytest.mark.parametrize(
    ("text", "where", "expected"),
    [
        ("BEGIN:VEVENT\n", "line 1", "not an iCalendar file"),
        ("BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT\n", "line 2", "no DTSTART"),
        (
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:2024-01-08\nEND:VEVENT\n",
            "line 3",
            "DTSTART '2024-01-08' does not parse",
        ),
        (
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20240230\nEND:VEVENT\n",
            "line 3",
            "does not parse",
        ),
        ("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20240108\n", "line 2", "not closed"),
        (
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20240108\nRRULE:FREQ=WEEKLY\nEND:VEVENT\n",
            "line 4",
            "RRULE",
        ),
        (
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20240108\nX-MENDLINE-ATTENDANCE:gone\n"
            "END:VEVENT\n",
            "line 4",
            "unknown status 'gone'",
        ),
    ],
)
def test_bad_ics_names_file_and_line(text: str, where: str, expected: str) -> None:
    with pytest.raises(InputError) as e:
        parse_attendance_ics(text, "cal.ics")
    assert str(e.value).startswith(f"cal.ics, {where}")
    assert expected in str(e.value)


UNRESOLVED = EpisodeRecord("confrontation", "unresolved", significance=4)


@pytest.mark.parametrize(
    ("episodes", "weight", "after", "kind", "severity"),
    [
        ((), 1.0, None, "missed_session", "low"),
        ((UNRESOLVED,), 2.0, 3, "missed_after_rupture", "high"),
        ((EpisodeRecord("withdrawal", "resolved"),), 1.0, None, "missed_session", "low"),
    ],
)
def test_missed_session_weighs_more_after_an_unresolved_episode(
    episodes: tuple[EpisodeRecord, ...],
    weight: float,
    after: int | None,
    kind: str,
    severity: str,
) -> None:
    sessions = (session(1), session(2), session(3, episodes=episodes))
    missed = AttendanceRecord(sessions[-1].date + dt.timedelta(weeks=1), A.MISSED)
    history = ClientHistory("C-3", sessions, attendance=(missed,), display_name="Kim")
    timeline = track_client(history)
    (signal,) = timeline.attendance
    assert signal.id == "withdrawal.missed_session"
    assert (signal.weight, signal.after_unresolved_session) == (weight, after)
    alert = next(a for a in timeline.alerts if a.kind == kind)
    assert alert.severity == severity
    assert "Kim did not come to the session on" in alert.reason


@pytest.mark.parametrize(
    ("record", "signal"),
    [
        (AttendanceRecord(dt.date(2024, 3, 1), A.CANCELLED), None),
        (AttendanceRecord(dt.date(2024, 3, 1), A.LATE_CANCELLED), "withdrawal.late_cancellation"),
        (AttendanceRecord(dt.date(2024, 3, 1), A.LATE, 20), "withdrawal.late_arrival"),
        (AttendanceRecord(dt.date(2024, 3, 1), A.LATE, 4), None),
        (AttendanceRecord(dt.date(2024, 3, 1), A.ATTENDED, 15), "withdrawal.late_arrival"),
    ],
)
def test_which_records_are_signals(record: AttendanceRecord, signal: str | None) -> None:
    timeline = track_client(ClientHistory("C-4", (session(1),), attendance=(record,)))
    assert [s.id for s in timeline.attendance] == ([signal] if signal else [])
