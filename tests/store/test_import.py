"""Importing sessions: round trip, recognising a file imported before, numbers, atomicity."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from mendline.errors import NotFound, StoreError
from mendline.store import (
    get_or_create_clinician,
    get_session,
    import_session,
    list_clients,
    list_sessions,
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
from tests.store.factories import make_analysis, make_transcript

COUNTED = (ClientRow, SessionRow, UtteranceRow, AnalysisRow, MarkerRow, RepairRow, EpisodeRow)


def _counts(store) -> dict[str, int]:
    with store.transaction() as s:
        return {t.__tablename__: s.scalar(select(func.count()).select_from(t)) for t in COUNTED}


@pytest.fixture
def lee(store):
    return get_or_create_clinician(store, "dr.lee", display_name="Dr Lee")


def _import(store, clinician, transcript, **kwargs):
    analysis = kwargs.pop("analysis", None) or make_analysis(transcript)
    return import_session(store, clinician=clinician, client_code=kwargs.pop("code", "A17"),
                          transcript=transcript, analysis=analysis, **kwargs)


def test_import_round_trip(store, lee) -> None:
    transcript = make_transcript(8)
    analysis = make_analysis(transcript)
    result = import_session(store, clinician=lee, client_code="A17", transcript=transcript,
                            analysis=analysis, date=dt.date(2025, 3, 4))
    assert result.created and result.analysis_added
    assert result.session.number == 1
    assert result.session.imported_at.tzinfo is not None

    stored = get_session(store, clinician="dr.lee", client_code="A17", number=1)
    assert stored.utterances == tuple(
        u.__class__(u.index, u.speaker, u.role, u.text, u.start_s, u.end_s, u.annotations)
        for u in transcript.utterances
    )
    assert stored.session.date == dt.date(2025, 3, 4)
    assert stored.session.sha256 == transcript.sha256
    assert stored.session.duration_s == transcript.duration_s
    back = stored.analysis()
    assert back is not None
    assert back.markers == analysis.markers and back.episodes == analysis.episodes
    assert back.engagement == analysis.engagement
    assert (back.session.client, back.session.number, back.session.date) == ("A17", 1,
                                                                           "2025-03-04")
    assert [c.code for c in list_clients(store, lee)] == ["A17"]


def test_same_file_twice_is_recognised_not_duplicated(store, lee) -> None:
    transcript = make_transcript(6)
    first = _import(store, lee, transcript)
    before = _counts(store)
    again = _import(store, lee, transcript)
    assert not again.created and not again.analysis_added
    assert again.session == first.session and again.analysis_id == first.analysis_id
    assert _counts(store) == before


def test_same_file_for_another_client_is_a_separate_session(store, lee) -> None:
    transcript = make_transcript(6)
    _import(store, lee, transcript, code="A17")
    other = _import(store, lee, transcript, code="B02")
    assert other.created and other.session.number == 1


def test_newer_analyzer_adds_an_analysis_to_the_stored_session(store, lee) -> None:
    transcript = make_transcript(6)
    _import(store, lee, transcript, analysis=make_analysis(transcript, version="0.1.0"))
    rerun = _import(store, lee, transcript, analysis=make_analysis(transcript, version="0.2.0"))
    assert not rerun.created and rerun.analysis_added
    newest = get_session(store, clinician=lee, client_code="A17", number=1)
    assert newest.analyzer_version == "0.2.0"
    older = get_session(store, clinician=lee, client_code="A17", number=1,
                        analyzer_version="0.1.0")
    assert older.analyzer_version == "0.1.0"
    assert _counts(store)["markers"] == 2


@pytest.mark.parametrize(
    ("explicit", "expected"),
    [([None, None, None], [1, 2, 3]), ([3, None, None], [3, 4, 5]), ([2, 1, None], [2, 1, 3])],
)
def test_numbers_default_to_the_next_free_one(store, lee, explicit, expected) -> None:
    got = [
        _import(store, lee, make_transcript(4, seed=str(i)), number=n).session.number
        for i, n in enumerate(explicit)
    ]
    assert got == expected
    assert [s.number for s in list_sessions(store, clinician=lee, client_code="A17")] == sorted(
        expected)


def test_taken_number_is_refused_with_a_clear_message(store, lee) -> None:
    _import(store, lee, make_transcript(4, seed="x"), number=2)
    before = _counts(store)
    with pytest.raises(StoreError, match=r"already has a session 2 .* none to use 3"):
        _import(store, lee, make_transcript(4, seed="y"), number=2)
    assert _counts(store) == before


def test_analysis_of_another_file_is_refused(store, lee) -> None:
    transcript = make_transcript(4, seed="one")
    other = make_analysis(make_transcript(4, seed="two"))
    with pytest.raises(StoreError, match="different file"):
        _import(store, lee, transcript, analysis=other)


def _bad_family(t):
    return make_analysis(t, marker_family="sideways")


def _bad_outcome(t):
    return make_analysis(t, outcome="sort_of")


def _duplicate_utterance_index(t):
    return make_analysis(t)


@pytest.mark.parametrize(
    ("spoil_transcript", "make_bad_analysis", "constraint"),
    [
        (False, _bad_family, "family"),
        (False, _bad_outcome, "outcome"),
        (True, _duplicate_utterance_index, "utterances"),
    ],
)
def test_failure_mid_import_leaves_nothing_behind(
    store, lee, spoil_transcript, make_bad_analysis, constraint
) -> None:
    transcript = make_transcript(6, seed="bad")
    if spoil_transcript:
        from dataclasses import replace

        us = list(transcript.utterances)
        us[-1] = replace(us[-1], index=us[0].index)
        transcript = replace(transcript, utterances=tuple(us))
    _import(store, lee, make_transcript(4, seed="good"), code="A17")
    before = _counts(store)
    with pytest.raises(StoreError, match="could not save") as caught:
        _import(store, lee, transcript, code="NEW1", analysis=make_bad_analysis(transcript))
    assert constraint in str(caught.value)
    for u in transcript.utterances:  # never transcript text in messages
        assert u.text not in str(caught.value)
    assert _counts(store) == before
    assert [c.code for c in list_clients(store, lee)] == ["A17"]


@pytest.mark.parametrize(
    ("clinician", "code", "number", "message"),
    [
        ("nobody", "A17", 1, "no clinician"),
        ("dr.lee", "ZZZ", 1, "no client"),
        ("dr.lee", "A17", 9, "has no session 9"),
    ],
)
def test_missing_things_are_not_found(store, lee, clinician, code, number, message) -> None:
    _import(store, lee, make_transcript(4))
    with pytest.raises(NotFound, match=message):
        get_session(store, clinician=clinician, client_code=code, number=number)


def test_clients_are_private_to_their_clinician(store, lee) -> None:
    _import(store, lee, make_transcript(4))
    get_or_create_clinician(store, "dr.kim")
    assert list_clients(store, "dr.kim") == []
    with pytest.raises(NotFound):
        get_session(store, clinician="dr.kim", client_code="A17", number=1)


def test_repository_calls_can_share_one_transaction(store, lee) -> None:
    with pytest.raises(RuntimeError), store.transaction() as s:
        _import(s, lee, make_transcript(4, seed="p"))
        _import(s, lee, make_transcript(4, seed="q"))
        raise RuntimeError("the caller gives up")
    assert _counts(store)["sessions"] == 0
