"""Forms: ORS next to SRS, WAI-SR and PSQ; attendance files with the tracking presets."""

from __future__ import annotations

import html

import pytest

ORS = {"instrument": "ORS", "ors.individual": "6", "ors.interpersonal": "5.5",
       "ors.social": "7", "ors.overall": "6"}


def _cid(url: str) -> int:
    return int(url.split("/")[2])


def test_measures_page_offers_ors(alice_session):
    c, _, url = alice_session
    page = c.get(f"/clients/{_cid(url)}/measures/new").text
    assert "Outcome Rating Scale (ORS), 4 items, 0 to 10" in page
    assert page.count('name="ors.') == 4 and 'id="measure-ors"' in page


@pytest.mark.parametrize(("change", "ok"), [
    ({}, True),
    ({"ors.social": "10.5"}, False),
    ({"ors.overall": ""}, False),
    ({"ors.individual": "many"}, False),
])
def test_ors_entry(alice_session, change, ok):
    c, token, url = alice_session
    cid = _cid(url)
    r = c.post(f"/clients/{cid}/measures", data={"csrf_token": token, "date": "2026-01-21",
                                                 "session": "1", **ORS, **change})
    measures = c.get(f"/clients/{cid}.json").json()["measures"]
    if ok:
        assert r.status_code == 200
        assert measures[-1]["instrument"] == "ORS" and measures[-1]["total"] == 24.5
    else:
        assert r.status_code == 400 and not measures


def test_a_form_for_a_session_that_is_not_stored_is_refused(alice_session):
    c, token, url = alice_session
    r = c.post(f"/clients/{_cid(url)}/measures",
               data={"csrf_token": token, "date": "2026-01-21", "session": "9", **ORS})
    assert r.status_code == 400 and "session 9" in r.text


ICS = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
       b"BEGIN:VEVENT\r\nUID:a1\r\nDTSTART:20260128T150000Z\r\nSUMMARY:Session\r\n"
       b"STATUS:CONFIRMED\r\nEND:VEVENT\r\n"
       b"BEGIN:VEVENT\r\nUID:a2\r\nDTSTART:20260204T150000Z\r\nSUMMARY:No show\r\n"
       b"STATUS:CONFIRMED\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


@pytest.mark.parametrize(("preset", "name", "content", "statuses"), [
    ("mendline", "attendance.csv",
     b"date,status,minutes_late\n2026-01-28,late,12\n2026-02-04,attended,\n",
     ["late", "attended"]),
    ("simplepractice", "export.csv",
     b"Date,Status,Client\n01/28/2026,No Show,x\n02/04/2026,Show,x\n02/11/2026,Late Canceled,x\n"
     b"03/30/2026,Scheduled,x\n",
     ["missed", "attended", "late_cancelled"]),
    ("therapynotes", "appointments.csv",
     b"Appointment Date,Appointment Status\n01/28/2026,Checked Out\n02/04/2026,No-Show\n",
     ["attended", "missed"]),
    ("mendline", "calendar.ics", ICS, ["attended", "missed"]),
])
def test_attendance_import_with_presets(alice_session, preset, name, content, statuses):
    c, token, url = alice_session
    cid = _cid(url)
    r = c.post(f"/clients/{cid}/attendance/import", data={"csrf_token": token,
                                                          "preset": preset},
               files={"file": (name, content, "text/plain")})
    assert r.status_code == 200, r.text[-800:]
    rows = c.get(f"/clients/{cid}.json").json()["attendance"]
    assert [a["status"] for a in rows] == statuses
    assert all(a["source"].startswith("import:") for a in rows)


@pytest.mark.parametrize(("preset", "content", "says"), [
    ("mendline", b"date,status\n2026-01-28,attended\n2026-02-04,abducted\n", "line 3"),
    ("mendline", b"date,status\n2026-01-28,attended\n2026-01-28,missed\n", "a second record"),
    ("simplepractice", b"date,status\n2026-01-28,attended\n", "missing column 'Date'"),
    ("nonsense", b"date,status\n2026-01-28,attended\n", "expected one of"),
])
def test_a_bad_attendance_file_writes_nothing(alice_session, preset, content, says):
    c, token, url = alice_session
    cid = _cid(url)
    r = c.post(f"/clients/{cid}/attendance/import", data={"csrf_token": token,
                                                          "preset": preset},
               files={"file": ("bad.csv", content, "text/csv")})
    assert r.status_code == 400 and says in html.unescape(r.text)
    assert c.get(f"/clients/{cid}.json").json()["attendance"] == []


@pytest.mark.parametrize(("name", "content", "says"), [
    ("a.xlsx", b"PK\x03\x04", "expected a .csv or .ics file"),
    ("a.csv", b"date\x00status", "binary"),
])
def test_attendance_upload_is_type_checked(alice_session, name, content, says):
    c, token, url = alice_session
    r = c.post(f"/clients/{_cid(url)}/attendance/import", data={"csrf_token": token},
               files={"file": (name, content, "application/octet-stream")})
    assert r.status_code == 400 and says in r.text


def test_import_form_offers_the_presets(alice_session):
    c, _, url = alice_session
    page = c.get(f"/clients/{_cid(url)}").text
    for name in ("mendline", "simplepractice", "therapynotes"):
        assert f'<option value="{name}">' in page
