"""Client records from the store into tracking: histories, caseload, imports, FHIR export.

Synthetic histories only: the demo caseload (invented) and analyses built in tests/store.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from mendline import store as repository
from mendline.analysis.result import Engagement
from mendline.client_records import (
    caseload,
    client_histories,
    client_history,
    client_timeline,
    export_measures_fhir,
    history_fingerprints,
    import_attendance,
    import_measures,
    measure_record,
    tracking_settings_from,
)
from mendline.demo_caseload import load_demo
from mendline.errors import InputError
from mendline.store import Store
from mendline.tracking import parse_fhir_json
from tests.store.factories import make_analysis, make_engagement, make_transcript

ME = "dr.test"
START = dt.date(2026, 1, 5)


def _engagement(wpt: float, share: float = 0.5) -> Engagement:
    return make_engagement().model_copy(update={
        "client_turns": 40, "therapist_turns": 40, "client_words_per_turn_median": wpt,
        "client_word_share": share, "client_minimal_turn_rate": 0.1,
        "response_latency_median_s": 1.0, "long_pauses": 1,
    })


def _stored_client(store: Store, code: str, words: list[float], *, version: str = "0.1.0",
                   outcome: str = "resolved") -> None:
    """A client with one session a week; each session's client replies have ``words``."""
    repository.get_or_create_clinician(store, ME)
    for i, wpt in enumerate(words, start=1):
        t = make_transcript(seed=f"{code}-{i}")
        analysis = make_analysis(t, version=version, outcome=outcome)
        analysis = analysis.model_copy(update={"engagement": _engagement(wpt)})
        repository.import_session(store, clinician=ME, client_code=code, transcript=t,
                                  analysis=analysis, number=i,
                                  date=START + dt.timedelta(weeks=i - 1))


def _count(store: Store, code: str) -> tuple[int, int]:
    return (len(repository.list_attendance(store, clinician=ME, client_code=code)),
            len(repository.list_measures(store, clinician=ME, client_code=code)))


# ------------------------------------------------------------------------- the demo


def test_demo_timelines_tell_each_clients_story(store: Store) -> None:
    load_demo(store, ME)
    alder = client_timeline(store, ME, "C-ALDER")
    kinds = {a.kind for a in alder.alerts}
    assert "withdrawal_trend" in kinds  # quieter than usual, or a slow drift
    assert any(s.quieter or s.drift for s in alder.sessions)
    missed = [a for a in alder.attendance if a.id == "withdrawal.missed_session"]
    assert [a.date for a in missed] == ["2026-02-11"]
    # the demo stores WAI-SR on a "5" scale and PSQ with short keys: all forms reach tracking
    assert len(alder.measures) == 15 and not alder.notes
    assert {m.instrument for m in alder.measures} == {"SRS", "WAI-SR", "PSQ-client",
                                                      "PSQ-therapist"}

    cedar = client_timeline(store, ME, "C-CEDAR")
    assert "withdrawal_trend" not in {a.kind for a in cedar.alerts}
    assert cedar.attendance == []  # steady attendance: no withdrawal signal

    birch = client_timeline(store, ME, "C-BIRCH")
    assert [s.stage for s in birch.sessions][-2:] == ["termination", "termination"]
    repository.update_client_settings(store, clinician=ME, code="C-BIRCH", planned_sessions=10)
    birch = client_timeline(store, ME, "C-BIRCH")
    ending = [a for a in birch.alerts if a.kind == "termination_approaching"]
    assert ending and "2 of 10 planned sessions" in ending[0].reason

    ranked = caseload(store, ME)
    assert [e.rank for e in ranked] == [1, 2, 3]
    assert {e.client for e in ranked} == {"C-ALDER", "C-BIRCH", "C-CEDAR"}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_demo_caseload_ranks_the_withdrawing_client_above_the_steady_one(store: Store) -> None:
    load_demo(store, ME)
    order = [e.client for e in caseload(store, ME)]
    assert order.index("C-ALDER") < order.index("C-CEDAR")


# ------------------------------------------------------------- synthetic histories


def test_caseload_ranks_a_client_going_quiet_above_a_steady_one(store: Store) -> None:
    _stored_client(store, "S-STEADY", [20, 21, 19, 20, 22, 20, 21, 20])
    _stored_client(store, "S-QUIET", [20, 21, 19, 20, 22, 20, 8, 7])
    repository.add_attendance(store, clinician=ME, client_code="S-QUIET",
                              date=START + dt.timedelta(weeks=8), status="missed")
    ranked = caseload(store, ME)
    assert [e.client for e in ranked] == ["S-QUIET", "S-STEADY"]
    assert caseload(store, ME, batch=1) == ranked  # read in batches, same answer
    quiet = ranked[0]
    assert quiet.top_severity == "high"
    trend = next(a for a in quiet.alerts if a.kind == "withdrawal_trend")
    assert "8" in trend.reason or "7" in trend.reason  # names the value that moved
    assert ranked[1].alerts == []


def test_each_session_counts_once_with_its_newest_analysis(store: Store) -> None:
    _stored_client(store, "S-A", [20, 20, 20])
    t = make_transcript(seed="S-A-3")  # the same file again, analysed by a newer version
    newer = make_analysis(t, version="0.2.0").model_copy(update={"engagement": _engagement(5)})
    repository.import_session(store, clinician=ME, client_code="S-A", transcript=t,
                              analysis=newer, number=3)
    history, notes = client_history(store, ME, "S-A")
    assert [s.number for s in history.sessions] == [1, 2, 3]
    assert history.sessions[-1].engagement.client_words_per_turn_median == 5
    assert notes == []


def test_histories_of_two_clinicians_clients_with_one_code_stay_apart(store: Store) -> None:
    _stored_client(store, "S-SAME", [20, 20, 20])
    repository.get_or_create_clinician(store, "dr.other")
    t = make_transcript(seed="other-1")
    repository.import_session(store, clinician="dr.other", client_code="S-SAME", transcript=t,
                              analysis=make_analysis(t), number=1)
    mine = repository.get_client(store, clinician=ME, code="S-SAME")
    theirs = repository.get_client(store, clinician="dr.other", code="S-SAME")
    with store.transaction() as s:
        read = client_histories(s, [mine, theirs])
        assert client_histories(s, []) == {}
    assert [len(read[c.id][0].sessions) for c in (mine, theirs)] == [3, 1]
    assert read[mine.id] == client_history(store, ME, "S-SAME")


@pytest.mark.parametrize(
    ("change", "changes_fingerprint"),
    [
        ("nothing", False),
        ("attendance replaced", True),
        ("form added", True),
        ("session re-analysed", True),
        ("settings", True),
    ],
)
def test_fingerprint_follows_what_the_history_is_built_from(
    store: Store, change: str, changes_fingerprint: bool
) -> None:
    _stored_client(store, "S-F", [20, 20])
    day = START + dt.timedelta(weeks=2)
    repository.add_attendance(store, clinician=ME, client_code="S-F", date=day,
                              status="attended")

    def mark() -> tuple:
        client = repository.get_client(store, clinician=ME, code="S-F")
        with store.transaction() as s:
            return history_fingerprints(s, [client])[client.id]

    before = mark()
    if change == "attendance replaced":
        repository.add_attendance(store, clinician=ME, client_code="S-F", date=day,
                                  status="missed")
    elif change == "form added":
        repository.add_measure(store, clinician=ME, client_code="S-F", instrument="SRS",
                               date=day, items=[9.0, 9.0, 9.0, 9.0])
    elif change == "session re-analysed":
        t = make_transcript(seed="S-F-2")
        repository.import_session(store, clinician=ME, client_code="S-F", transcript=t,
                                  analysis=make_analysis(t, version="0.2.0"), number=2)
    elif change == "settings":
        repository.update_client_settings(store, clinician=ME, code="S-F", planned_sessions=6)
    assert (mark() != before) is changes_fingerprint


def test_client_settings_reach_stage_and_tracking(store: Store) -> None:
    _stored_client(store, "S-B", [20, 20])
    repository.update_client_settings(store, clinician=ME, code="S-B", planned_sessions=3)
    history, _ = client_history(store, ME, "S-B")
    assert history.stage.planned_sessions == 3
    assert client_timeline(store, ME, "S-B").next_stage == "termination"


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (None, 36.0),
        ({"tracking": {"measures": {"srs_total_cutoff": 35}}}, 35.0),
    ],
)
def test_tracking_settings_from_stored_settings(stored: dict | None, expected: float) -> None:
    assert tracking_settings_from(stored).measures.srs_total_cutoff == expected


@pytest.mark.parametrize(
    ("stored", "named"),
    [
        ({"tracking": {"measurs": {}}}, "tracking.measurs"),
        ({"tracking": {"measures": {"srs_cutof": 35}}}, "tracking.measures.srs_cutof"),
        ({"tracking": {"baseline": {"min_history": 1}}}, "tracking.baseline"),
    ],
)
def test_bad_tracking_settings_are_named(stored: dict, named: str) -> None:
    with pytest.raises(InputError, match=named.replace(".", r"\.")):
        tracking_settings_from(stored)


@pytest.mark.parametrize(
    ("instrument", "items", "scale", "key", "value"),
    [
        ("SRS", [9.1, 8.7, 9.0, 9.2], None, "srs.overall", 9.2),
        ("WAI-SR", [4] * 12, "5", "wai.12", 4.0),
        ("WAI-SR", [6] * 12, "7", "wai.1", 6.0),
        ("PSQ-client", {"rupture": True, "intensity": 2, "resolution": None}, None,
         "psq.rupture", True),
        ("psq-therapist", {"psq.rupture": False}, None, "psq.intensity", None),
    ],
)
def test_stored_form_shapes_become_tracking_records(
    instrument: str, items: object, scale: str | None, key: str, value: object
) -> None:
    m = measure_record(instrument, START, items, scale)
    assert m.items[key] == value


@pytest.mark.parametrize(
    ("instrument", "items", "message"),
    [
        ("SRS", [9, 9, 9], "4 items"),
        ("SRS", [9, 9, 11, 9], "srs.approach_method is 11"),
        ("PHQ-9", [1], "unknown instrument"),
    ],
)
def test_forms_that_do_not_fit_are_refused(instrument: str, items: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        measure_record(instrument, START, items)


# ------------------------------------------------------------------------ importing

GOOD_CSV = (
    "date,status,minutes_late\n"
    "2026-01-05,attended,\n"
    "2026-01-12,missed,\n"
    "2026-01-19,late,15\n"
)
SIMPLEPRACTICE_CSV = (
    "Client,Date,Status\n"
    "x,01/05/2026 10:00 AM,Show\n"
    "x,01/12/2026 10:00 AM,No Show\n"
    "x,01/19/2026,Late Canceled\n"
    "x,01/26/2026,Scheduled\n"
)
ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
    "BEGIN:VEVENT\r\nDTSTART:20260105T100000\r\nSUMMARY:Session\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nDTSTART:20260112T100000\r\nSUMMARY:Session - no show\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nDTSTART:20300101T100000\r\nSUMMARY:Session\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


@pytest.mark.parametrize(
    ("name", "content", "preset", "fmt", "statuses"),
    [
        ("att.csv", GOOD_CSV, "mendline", "csv", ["attended", "missed", "late"]),
        ("export.csv", SIMPLEPRACTICE_CSV, "simplepractice", "csv",
         ["attended", "missed", "late_cancelled"]),
        ("calendar.ics", ICS, "mendline", "ics", ["attended", "missed"]),
    ],
)
def test_attendance_files_import_whole_and_twice_is_harmless(
    store: Store, tmp_path: Path, name: str, content: str, preset: str, fmt: str,
    statuses: list[str],
) -> None:
    _stored_client(store, "S-C", [20])
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    first = import_attendance(store, ME, "S-C", path, preset=preset, until=dt.date(2026, 6, 1))
    assert (first.format, first.added, first.updated) == (fmt, len(statuses), 0)
    again = import_attendance(store, ME, "S-C", path, preset=preset, until=dt.date(2026, 6, 1))
    assert (again.added, again.updated) == (0, len(statuses))
    stored = repository.list_attendance(store, clinician=ME, client_code="S-C")
    assert [a.status for a in stored] == statuses


@pytest.mark.parametrize(
    ("content", "where", "detail"),
    [
        (GOOD_CSV + "2026-01-26,vanished,\n", "line 5", "unknown status 'vanished'"),
        ("date,status\n2026-01-05,attended\n2026-01-12,missed\n2026-01-19,gone fishing\n",
         "line 4", "unknown status"),
        ("date,status\n2026-01-05,attended\n2026-13-40,missed\n", "line 3", "does not parse"),
        ("date,status\n2026-01-05,attended\n2026-01-05,missed\n", "line 3", "second record"),
        ("date,status,minutes_late\n2026-01-05,late,-3\n", "line 2", "negative"),
    ],
)
def test_a_bad_attendance_file_names_its_line_and_writes_nothing(
    store: Store, tmp_path: Path, content: str, where: str, detail: str
) -> None:
    _stored_client(store, "S-D", [20])
    repository.add_attendance(store, clinician=ME, client_code="S-D", date=START,
                              status="attended")
    before = _count(store, "S-D")
    path = tmp_path / "visits.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as e:
        import_attendance(store, ME, "S-D", path)
    assert str(e.value).startswith(f"visits.csv, {where}:")
    assert detail in str(e.value)
    assert _count(store, "S-D") == before


MEASURES_CSV = (
    "date,instrument,session,srs.relationship,srs.goals_topics,srs.approach_method,srs.overall,"
    "psq.rupture,psq.intensity,psq.resolution\n"
    "2026-01-05,SRS,1,9.5,9,8.7,9.2,,,\n"
    "2026-01-05,PSQ-client,1,,,,,yes,3,2\n"
)


def _bundle(score: int) -> str:
    def srs(day: str, value: int) -> dict:
        return {
            "resourceType": "QuestionnaireResponse",
            "questionnaire": "urn:mendline:questionnaire:srs", "status": "completed",
            "authored": day,
            "item": [{"linkId": k, "answer": [{"valueInteger": v}]} for k, v in (
                ("srs.relationship", 9), ("srs.goals_topics", 9),
                ("srs.approach_method", value), ("srs.overall", 9))],
        }

    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": srs("2026-01-05", 9)}, {"resource": srs("2026-01-12", score)}]})


@pytest.mark.parametrize(
    ("name", "content", "fmt", "forms"),
    [
        ("forms.csv", MEASURES_CSV, "csv", 2),
        ("forms.json", _bundle(8), "fhir", 2),
    ],
)
def test_measure_files_import_and_twice_is_harmless(
    store: Store, tmp_path: Path, name: str, content: str, fmt: str, forms: int
) -> None:
    _stored_client(store, "S-E", [20])
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    first = import_measures(store, ME, "S-E", path)
    assert (first.format, first.added, first.skipped) == (fmt, forms, 0)
    again = import_measures(store, ME, "S-E", path)
    assert (again.added, again.skipped) == (0, forms)
    assert len(client_timeline(store, ME, "S-E").measures) == forms


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("forms.json", _bundle(12),
         "forms.json, $.entry[1].resource.item[2].answer[0]: srs.approach_method is 12"),
        ("forms.csv", MEASURES_CSV + "2026-01-12,SRS,,9,9,9,\n", "forms.csv, line 4"),
        ("forms.csv", MEASURES_CSV.replace(",SRS,1,", ",SRS,7,"),
         "session 7 is not stored"),
    ],
)
def test_a_bad_measures_file_names_the_place_and_writes_nothing(
    store: Store, tmp_path: Path, name: str, content: str, message: str
) -> None:
    _stored_client(store, "S-F", [20])
    before = _count(store, "S-F")
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as e:
        import_measures(store, ME, "S-F", path)
    assert message in str(e.value)
    assert _count(store, "S-F") == before


def test_fhir_export_reads_back_as_the_same_forms(store: Store, tmp_path: Path) -> None:
    load_demo(store, ME)
    bundle = export_measures_fhir(store, ME, "C-ALDER")
    assert bundle["resourceType"] == "Bundle"
    assert {e["resource"]["subject"]["identifier"]["value"] for e in bundle["entry"]} == {
        "C-ALDER"}
    back = parse_fhir_json(json.dumps(bundle), "export.json")
    history, _ = client_history(store, ME, "C-ALDER")
    assert back == history.measures
    path = tmp_path / "export.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    assert import_measures(store, ME, "C-ALDER", path).skipped == len(back)
