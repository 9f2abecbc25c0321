"""The bundled demo caseload is complete, consistent and tells the stories its README promises.

These are the things a clinician trying ``mendline demo`` would notice if they were wrong:
a missing file, sessions out of order, a form score out of range, a client whose transcripts
cannot be read, or measures that contradict the story the demo is meant to show.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

import mendline.demo

DEMO = Path(mendline.demo.__file__).parent
MANIFEST = json.loads((DEMO / "manifest.json").read_text(encoding="utf-8"))
CLIENTS = {c["code"]: c for c in MANIFEST["clients"]}
SESSIONS = [(c["code"], s) for c in MANIFEST["clients"] for s in c["sessions"]]
STATUSES = {"attended", "missed", "cancelled", "late_cancelled", "late"}


def _kind(path: Path) -> str:
    """The export format, judged from the file's content rather than the manifest."""
    text = path.read_text(encoding="utf-8")
    if text.startswith("WEBVTT"):
        return "teams" if "<v " in text else "zoom"
    if text.lstrip().startswith("{"):
        return "whisperx" if "segments" in json.loads(text) else "json"
    return "txt"


def _srs_totals(code: str) -> dict[int, float]:
    return {
        m["session"]: round(sum(m["items"]), 1)
        for m in CLIENTS[code]["measures"]
        if m["instrument"] == "SRS"
    }


def test_manifest_top_level() -> None:
    assert MANIFEST["clinician"]["username"] == "demo"
    assert MANIFEST["clinician"]["display_name"]
    assert len(CLIENTS) == len(MANIFEST["clients"]) == 3


@pytest.mark.parametrize("code", sorted(CLIENTS))
def test_sessions_are_numbered_in_date_order(code: str) -> None:
    sessions = CLIENTS[code]["sessions"]
    numbers = [s["number"] for s in sessions]
    dates = [date.fromisoformat(s["date"]) for s in sessions]
    assert 7 <= len(sessions) <= 9
    assert len(set(numbers)) == len(numbers)
    assert numbers == sorted(numbers)
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    assert all(d.year == 2026 for d in dates)


@pytest.mark.parametrize(("code", "session"), SESSIONS, ids=[s["file"] for _, s in SESSIONS])
def test_session_file_exists_and_roles_name_one_of_each(code: str, session: dict) -> None:
    path = DEMO / session["file"]
    assert path.is_file()
    assert sorted(session["roles"].values()) == ["client", "therapist"]
    assert session.get("format", _kind(path)) == _kind(path)


@pytest.mark.parametrize("code", sorted(CLIENTS))
def test_attendance_is_valid_and_covers_every_session(code: str) -> None:
    client = CLIENTS[code]
    records = client["attendance"]
    assert all(r["status"] in STATUSES for r in records)
    for r in records:
        date.fromisoformat(r["date"])
        if r["status"] == "late":
            assert isinstance(r["minutes_late"], int) and r["minutes_late"] > 0
        else:
            assert r["minutes_late"] is None
    came = {r["date"] for r in records if r["status"] in {"attended", "late"}}
    assert came == {s["date"] for s in client["sessions"]}


@pytest.mark.parametrize("code", sorted(CLIENTS))
def test_measures_are_in_range_and_tied_to_a_session(code: str) -> None:
    client = CLIENTS[code]
    by_number = {s["number"]: s["date"] for s in client["sessions"]}
    for m in client["measures"]:
        assert by_number[m["session"]] == m["date"]
        items = m["items"]
        if m["instrument"] == "SRS":
            assert len(items) == 4 and all(0 <= x <= 10 for x in items)
        elif m["instrument"] == "WAI-SR":
            assert m["scale"] in (5, 7) and len(items) == 12
            assert all(isinstance(x, int) and 1 <= x <= m["scale"] for x in items)
        elif m["instrument"] in ("PSQ-client", "PSQ-therapist"):
            assert isinstance(items["rupture"], bool)
            for key in ("intensity", "resolution"):
                value = items[key]
                assert (value is None) if not items["rupture"] else (1 <= value <= 5)
        else:
            pytest.fail(f"unexpected instrument {m['instrument']!r}")
    srs_sessions = [m["session"] for m in client["measures"] if m["instrument"] == "SRS"]
    assert sorted(srs_sessions) == sorted(by_number)


def test_caseload_uses_all_four_formats_and_each_client_at_least_two() -> None:
    kinds = {code: {_kind(DEMO / s["file"]) for s in CLIENTS[code]["sessions"]} for code in CLIENTS}
    assert set().union(*kinds.values()) == {"zoom", "teams", "whisperx", "txt"}
    assert all(len(k) >= 2 for k in kinds.values())


@pytest.mark.parametrize(
    ("story", "check"),
    [
        ("withdrawing client drifts down from 38 to about 33",
         lambda: _srs_totals("C-ALDER")[1] >= 38 and _srs_totals("C-ALDER")[8] <= 34),
        ("withdrawing client gives one perfect 40 while going quiet",
         lambda: list(_srs_totals("C-ALDER").values()).count(40.0) == 1),
        ("withdrawing client misses one session and is late to one",
         lambda: sorted(r["status"] for r in CLIENTS["C-ALDER"]["attendance"]
                        if r["status"] != "attended") == ["late", "missed"]),
        ("confrontation dips at session 5 and recovers",
         lambda: min(_srs_totals("C-BIRCH"), key=_srs_totals("C-BIRCH").get) == 5
         and _srs_totals("C-BIRCH")[8] > _srs_totals("C-BIRCH")[4]),
        ("confrontation client has a planned ending",
         lambda: CLIENTS["C-BIRCH"]["settings"]["planned_sessions"]
         == len(CLIENTS["C-BIRCH"]["sessions"])),
        ("steady client stays between 37 and 39",
         lambda: all(37 <= t <= 39 for t in _srs_totals("C-CEDAR").values())),
    ],
)
def test_measures_tell_the_readme_story(story: str, check) -> None:
    assert check(), story


def test_one_client_reported_a_rupture_their_therapist_did_not() -> None:
    gaps = []
    for code, client in CLIENTS.items():
        psq = {(m["instrument"], m["session"]): m["items"]["rupture"]
               for m in client["measures"] if m["instrument"].startswith("PSQ")}
        for (instrument, number), said in psq.items():
            if instrument == "PSQ-client" and said and psq.get(("PSQ-therapist", number)) is False:
                gaps.append((code, number))
    assert gaps == [("C-BIRCH", 3)]


@pytest.mark.parametrize(("code", "session"), SESSIONS, ids=[s["file"] for _, s in SESSIONS])
def test_every_transcript_reads_with_manifest_roles(code: str, session: dict) -> None:
    ingest = pytest.importorskip("mendline.ingest")
    read_transcript = getattr(ingest, "read_transcript", None)
    if read_transcript is None:
        pytest.skip("mendline.ingest.read_transcript is not available yet")
    from mendline.transcript import Role

    roles = {label: Role(role) for label, role in session["roles"].items()}
    transcript = read_transcript(DEMO / session["file"], roles=roles)
    assert {s.label: s.role for s in transcript.speakers if s.label in roles} == roles
    client_turns = [u for u in transcript.utterances if u.role is Role.CLIENT]
    therapist_turns = [u for u in transcript.utterances if u.role is Role.THERAPIST]
    assert len(client_turns) >= 25
    assert len(therapist_turns) >= 20
    assert 45 <= len(transcript.utterances) <= 110
    if transcript.has_timestamps:
        late = {r["date"]: r["minutes_late"] or 0 for r in CLIENTS[code]["attendance"]}
        expected_min = 50 - late.get(session["date"], 0)
        assert abs(transcript.duration_s / 60 - expected_min) <= 4
