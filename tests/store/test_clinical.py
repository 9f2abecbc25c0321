"""Attendance, measures, feedback on markers and repairs, and supervision comments."""

from __future__ import annotations

import datetime as dt

import pytest

from mendline.errors import InputError, NotFound
from mendline.store import (
    add_attendance,
    add_comment,
    add_feedback,
    add_measure,
    get_or_create_client,
    get_or_create_clinician,
    import_session,
    share_client,
)
from tests.store.factories import make_analysis, make_transcript

DAY = dt.date(2025, 2, 3)


@pytest.fixture
def lee(store):
    clinician = get_or_create_clinician(store, "dr.lee")
    get_or_create_client(store, clinician=clinician, code="A17")
    return clinician


@pytest.fixture
def analysis_id(store, lee) -> int:
    transcript = make_transcript(6)
    return import_session(store, clinician=lee, client_code="A17", transcript=transcript,
                          analysis=make_analysis(transcript)).analysis_id


def test_attendance_is_one_record_per_day(store, lee) -> None:
    first = add_attendance(store, clinician=lee, client_code="A17", date=DAY, status="late",
                           minutes_late=12, source="csv:attendance.csv")
    second = add_attendance(store, clinician=lee, client_code="A17", date=DAY,
                            status="attended", source="csv:attendance.csv")
    assert second.id == first.id
    assert (second.status, second.minutes_late) == ("attended", None)


@pytest.mark.parametrize(
    ("status", "minutes_late", "message"),
    [("no_show", None, "status: expected one of attended, missed"),
     ("late", -5, "minutes_late")],
)
def test_attendance_fields_are_checked(store, lee, status, minutes_late, message) -> None:
    with pytest.raises(InputError, match=message):
        add_attendance(store, clinician=lee, client_code="A17", date=DAY, status=status,
                       minutes_late=minutes_late)


@pytest.mark.parametrize(
    ("instrument", "items", "total", "scale"),
    [
        ("SRS", [9.1, 8.7, 9.5, 9.0], 36.3, "total"),
        ("ORS", {"individually": 6.0, "interpersonally": 5.5, "socially": 7.0,
                 "overall": 6.1}, 24.6, "total"),
        ("WAI-SR", [4, 5, 3, 4, 4, 5, 3, 4, 4, 5, 4, 4], None, None),
        ("PSQ-client", [1, 0, 2], 3.0, None),
    ],
)
def test_measures_are_stored(store, lee, analysis_id, instrument, items, total, scale) -> None:
    measure = add_measure(store, clinician=lee, client_code="A17", instrument=instrument,
                          date=DAY, items=items, total=total, scale=scale, session_number=1)
    assert (measure.instrument, measure.items, measure.total, measure.scale) == (
        instrument, items, total, scale)
    assert measure.session_id is not None


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"instrument": "BDI"}, InputError, "instrument: expected one of SRS"),
        ({"session_number": 7}, NotFound, "no session 7"),
        ({"client_code": "NOPE"}, NotFound, "no client"),
    ],
)
def test_measure_problems_are_named(store, lee, kwargs, error, message) -> None:
    args = {"clinician": lee, "client_code": "A17", "instrument": "SRS", "date": DAY,
            "items": [9, 9, 9, 9]} | kwargs
    with pytest.raises(error, match=message):
        add_measure(store, **args)


@pytest.mark.parametrize(
    ("kind", "action", "new_label"),
    [
        ("marker", "confirm", None),
        ("marker", "reject", None),
        ("marker", "relabel", "withdrawal.deferential_appeasing"),
        ("repair", "relabel", "acknowledges_contribution"),
    ],
)
def test_feedback_is_recorded(store, lee, analysis_id, kind, action, new_label) -> None:
    feedback = add_feedback(store, clinician=lee, analysis_id=analysis_id, item_kind=kind,
                            item_index=0, action=action, new_label=new_label,
                            note="Felt more like appeasing to me.")
    assert (feedback.item_kind, feedback.action, feedback.new_label) == (kind, action, new_label)
    assert feedback.created_at.tzinfo is not None


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"action": "relabel", "new_label": None}, InputError, "new_label"),
        ({"action": "relabel", "new_label": "acknowledges_contribution"}, InputError,
         "known marker id"),
        ({"action": "confirm", "new_label": "withdrawal.denial"}, InputError,
         "only a relabel"),
        ({"item_kind": "episode"}, InputError, "item_kind"),
        ({"item_index": 5}, NotFound, "no marker number 5"),
        ({"clinician": "dr.kim"}, NotFound, "no analysis"),
    ],
)
def test_feedback_problems_are_named(store, lee, analysis_id, kwargs, error, message) -> None:
    get_or_create_clinician(store, "dr.kim")
    args = {"clinician": lee, "analysis_id": analysis_id, "item_kind": "marker",
            "item_index": 0, "action": "confirm"} | kwargs
    with pytest.raises(error, match=message):
        add_feedback(store, **args)


def test_supervisor_may_comment_once_shared(store, lee, analysis_id) -> None:
    get_or_create_clinician(store, "dr.sup", role="supervisor")
    with pytest.raises(NotFound):
        add_comment(store, author="dr.sup", owner=lee, client_code="A17", body="Nice repair.")
    share_client(store, clinician=lee, code="A17", supervisor="dr.sup")
    comment = add_comment(store, author="dr.sup", owner=lee, client_code="A17",
                          body="Nice repair here.", session_number=1, utterance=3)
    assert (comment.body, comment.utterance) == ("Nice repair here.", 3)
    feedback = add_feedback(store, clinician="dr.sup", analysis_id=analysis_id,
                            item_kind="repair", item_index=0, action="confirm")
    assert feedback.action == "confirm"


def test_readers_list_records_with_session_numbers(store, lee, analysis_id) -> None:
    from mendline.store import list_attendance, list_comments, list_feedback, list_measures

    later = DAY + dt.timedelta(days=7)
    add_attendance(store, clinician=lee, client_code="A17", date=later, status="missed")
    add_attendance(store, clinician=lee, client_code="A17", date=DAY, status="attended")
    add_measure(store, clinician=lee, client_code="A17", instrument="SRS", date=DAY,
                items=[9, 9, 8.5, 9], total=35.5, session_number=1)
    add_feedback(store, clinician=lee, analysis_id=analysis_id, item_kind="marker",
                 item_index=0, action="confirm", note="yes, that was the moment")
    add_comment(store, author=lee, owner=lee, client_code="A17", body="look at 12:30",
                session_number=1)

    assert [(a.date, a.status) for a in list_attendance(store, clinician=lee,
                                                         client_code="A17")] == [
        (DAY, "attended"), (later, "missed")]
    [m] = list_measures(store, clinician=lee, client_code="A17")
    assert (m.instrument, m.total, m.session_number) == ("SRS", 35.5, 1)
    [f] = list_feedback(store, clinician=lee, client_code="A17")
    assert (f.action, f.session_number, f.note) == ("confirm", 1, "yes, that was the moment")
    [c] = list_comments(store, clinician=lee, client_code="A17")
    assert (c.body, c.session_number) == ("look at 12:30", 1)


def test_readers_hide_other_clinicians_clients(store, lee) -> None:
    from mendline.store import list_attendance, list_measures

    other = get_or_create_clinician(store, "dr.other")
    sup = get_or_create_clinician(store, "sup.kim", role="supervisor")
    for viewer in (other, sup):
        for reader in (list_attendance, list_measures):
            with pytest.raises(NotFound):
                reader(store, clinician=viewer, client_code="A17", owner=lee)
    share_client(store, clinician=lee, code="A17", supervisor=sup)
    assert list_attendance(store, clinician=sup, client_code="A17", owner=lee) == []
