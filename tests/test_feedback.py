"""Clinician feedback: judgements stored with who and when, precision, the coded-set export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mendline import store as repository
from mendline.analysis.result import Marker, SessionAnalysis
from mendline.errors import InputError, NotFound
from mendline.evaluation import load_cases
from mendline.feedback import (
    EXPORT_SOURCE,
    export_feedback,
    feedback_precision,
    give_feedback,
    judgements,
)
from mendline.store import Store
from tests.store.factories import make_analysis, make_transcript

ME = "dr.test"
CODE = "F-1"

# (client utterance, marker id) in the stored analysis, in order: markers 0..3
MARKERS = (
    (1, "withdrawal.minimal_response"),
    (1, "withdrawal.abstract_communication"),
    (3, "confrontation.complaint_about_progress"),
    (5, "withdrawal.denial"),
)


def _analysis(seed: str) -> tuple[object, SessionAnalysis]:
    t = make_transcript(8, seed=seed)
    base = make_analysis(t)
    markers = [
        Marker(utterance=u, id=mid, family=mid.split(".")[0], type=mid.split(".")[1],
               confidence=0.7, evidence=t.utterances[u].text[:4], span=(0, 4),
               why="A test cue.", detector="rules.v1")
        for u, mid in MARKERS
    ]
    return t, base.model_copy(update={"markers": markers, "episodes": []})


@pytest.fixture
def session(store: Store) -> Store:
    repository.get_or_create_clinician(store, ME)
    t, analysis = _analysis("fb")
    repository.import_session(store, clinician=ME, client_code=CODE, transcript=t,
                              analysis=analysis, number=1)
    return store


def _give(store: Store, kind: str, index: int, action: str, label: str | None = None,
          who: str = ME, code: str = CODE) -> None:
    give_feedback(store, who, code, 1, kind=kind, index=index, action=action, label=label,
                  note="checked in supervision")


def test_feedback_round_trip(session: Store, tmp_path: Path) -> None:
    store = session
    _give(store, "marker", 0, "reject")
    _give(store, "marker", 0, "confirm")  # a change of mind: the latest word counts
    _give(store, "marker", 1, "relabel", "withdrawal.content_affect_split")
    _give(store, "marker", 2, "reject")
    _give(store, "repair", 0, "confirm")

    stored = repository.list_feedback(store, clinician=ME, client_code=CODE)
    assert len(stored) == 5  # nothing is overwritten
    assert all(f.note == "checked in supervision" and f.created_at for f in stored)
    assert {j.index for j in judgements(store, ME) if j.kind == "marker"} == {0, 1, 2}

    rows = {(r.kind, r.id): r for r in feedback_precision(store, ME)}
    assert rows[("marker", "withdrawal.minimal_response")].precision == 1.0
    assert rows[("marker", "withdrawal.abstract_communication")].relabelled == 1
    assert rows[("marker", "withdrawal.abstract_communication")].precision == 0.0
    assert rows[("marker", "confrontation.complaint_about_progress")].rejected == 1
    assert rows[("repair", "invites_discussion_of_relationship")].precision == 1.0
    assert ("marker", "withdrawal.denial") not in rows  # never reviewed: not counted

    cases = list(export_feedback(store, ME))
    path = tmp_path / "coded.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    loaded = {c.id: c for c in load_cases(path)}
    by_target = {c["id"]: c for c in cases}
    assert set(loaded) == {f"{CODE}-s1-u1", f"{CODE}-s1-u2", f"{CODE}-s1-u3"}
    assert loaded[f"{CODE}-s1-u1"].labels == (
        "withdrawal.content_affect_split", "withdrawal.minimal_response")
    assert loaded[f"{CODE}-s1-u3"].labels == ()  # rejected: corrected to no marker
    assert loaded[f"{CODE}-s1-u2"].labels == ("invites_discussion_of_relationship",)
    assert loaded[f"{CODE}-s1-u2"].target_role == "therapist"
    u3 = by_target[f"{CODE}-s1-u3"]
    assert u3["source"] == EXPORT_SOURCE
    assert len(u3["turns"]) == 4 and u3["target"] == 3  # three turns of context
    assert u3["turns"][3]["role"] == "client"


def test_an_utterance_with_unreviewed_markers_is_not_exported(session: Store) -> None:
    _give(session, "marker", 0, "confirm")  # marker 1 on the same utterance is not reviewed
    assert list(export_feedback(session, ME)) == []


def test_precision_is_per_clinician(session: Store) -> None:
    store = session
    other = "dr.other"
    repository.get_or_create_clinician(store, other)
    t, analysis = _analysis("other")
    repository.import_session(store, clinician=other, client_code=CODE, transcript=t,
                              analysis=analysis, number=1)
    _give(store, "marker", 0, "confirm")
    _give(store, "marker", 0, "reject", who=other)
    mine = {r.id: r.precision for r in feedback_precision(store, ME)}
    theirs = {r.id: r.precision for r in feedback_precision(store, other)}
    assert mine == {"withdrawal.minimal_response": 1.0}
    assert theirs == {"withdrawal.minimal_response": 0.0}


@pytest.mark.parametrize(
    ("kind", "index", "action", "label", "error", "message"),
    [
        ("marker", 9, "confirm", None, NotFound, "markers 0 to 3; no marker 9"),
        ("repair", 3, "reject", None, NotFound, "no repair 3"),
        ("marker", 0, "relabel", None, InputError, "needs the right marker id"),
        ("marker", 0, "relabel", "withdrawal.sulking", InputError, "not a known marker id"),
        ("marker", 0, "relabel", "acknowledges_contribution", InputError, "not a known marker"),
        ("marker", 0, "relabel", "withdrawal.missed_session", InputError, "not a known marker"),
        ("repair", 0, "relabel", "withdrawal.denial", InputError, "not a known repair strategy"),
        ("marker", 0, "relabel", "withdrawal.minimal_response", InputError, "use confirm"),
        ("marker", 0, "confirm", "withdrawal.denial", InputError, "only a relabel"),
        ("marker", 0, "approve", None, InputError, "expected one of confirm, reject, relabel"),
        ("episode", 0, "confirm", None, InputError, "marker or repair"),
    ],
)
def test_invalid_feedback_is_refused_and_nothing_is_stored(
    session: Store, kind: str, index: int, action: str, label: str | None,
    error: type[Exception], message: str,
) -> None:
    with pytest.raises(error, match=message):
        give_feedback(session, ME, CODE, 1, kind=kind, index=index, action=action, label=label)
    assert repository.list_feedback(session, clinician=ME, client_code=CODE) == []


@pytest.mark.parametrize(
    ("code", "number", "message"),
    [("F-1", 2, "no session 2"), ("NOPE", 1, "no client")],
)
def test_feedback_on_something_missing_says_what(
    session: Store, code: str, number: int, message: str
) -> None:
    with pytest.raises(NotFound, match=message):
        give_feedback(session, ME, code, number, kind="marker", index=0, action="confirm")
