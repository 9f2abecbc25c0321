"""``mendline eval``'s library: loading coded cases, splitting, scoring against baselines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mendline.errors import InputError
from mendline.evaluation import (
    case_transcript,
    evaluate,
    evaluate_file,
    keyword_baseline,
    load_cases,
    split_of,
)
from mendline.transcript import AnnotationKind, Role

CASES = [
    {"id": "a1", "dialogue": "d1", "turns": [
        {"role": "therapist", "text": "How did you feel when she left?"},
        {"role": "client", "text": "I don't know."}],
     "target": 1, "labels": ["withdrawal.minimal_response"]},
    {"id": "a2", "dialogue": "d2", "turns": [
        {"role": "therapist", "text": "When was the appointment?"},
        {"role": "client", "text": "Tuesday."}],
     "target": 1, "labels": [], "hard_negative": "withdrawal.minimal_response"},
    {"id": "a3", "dialogue": "d3", "turns": [
        {"role": "therapist", "text": "I wonder if you felt let down."},
        {"role": "client", "text": "You're not listening to me at all."}],
     "target": 1, "labels": ["confrontation.complaint_about_therapist"]},
    {"id": "a4", "turns": [
        {"role": "therapist", "text": "What was the weekend like?"},
        {"role": "client", "text": "[laughs] We went to the coast and it was lovely.",
         "start": 3.0, "end": 6.5}],
     "target": 1, "labels": []},
    {"id": "a5", "dialogue": "d5", "turns": [
        {"role": "client", "text": "You never listen to me."},
        {"role": "therapist", "text": "You're right, I missed that. Can you tell me again?"}],
     "target": 1, "labels": ["acknowledges_contribution", "withdrawal.denial"]},
]


def _write(tmp_path: Path, rows: list[object] | list[str], name: str = "cases.jsonl") -> Path:
    path = tmp_path / name
    lines = [r if isinstance(r, str) else json.dumps(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_load_cases_reads_the_documented_format(tmp_path: Path) -> None:
    cases = load_cases(_write(tmp_path, CASES))
    assert [c.id for c in cases] == ["a1", "a2", "a3", "a4", "a5"]
    assert cases[3].dialogue == "a4"  # no dialogue: the case id stands in
    assert cases[1].hard_negative == "withdrawal.minimal_response"
    assert cases[0].target_role == "client" and cases[4].target_role == "therapist"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("{not json", "line 2: not valid JSON"),
        ("[1, 2]", "line 2: expected a JSON object"),
        (json.dumps({"id": "x", "turns": [], "target": 0, "labels": []}), "'turns'"),
        (json.dumps({"id": "x", "turns": [{"role": "client", "text": "hi"}], "target": 3,
                     "labels": []}), "'target'"),
        (json.dumps({"id": "x", "turns": [{"role": "doctor", "text": "hi"}], "target": 0,
                     "labels": []}), "role"),
        (json.dumps({"id": "x", "turns": [{"role": "client", "text": "hi"}], "target": 0,
                     "labels": "withdrawal.denial"}), "'labels'"),
        (json.dumps({"id": "x", "turns": [{"role": "client", "text": "hi", "start": "soon"}],
                     "target": 0, "labels": []}), "start"),
    ],
)
def test_bad_lines_name_file_and_line(tmp_path: Path, line: str, expected: str) -> None:
    path = _write(tmp_path, [json.dumps(CASES[0]), line])
    with pytest.raises(InputError) as err:
        load_cases(path)
    assert str(path) in str(err.value) and expected in str(err.value)
    assert "don't know" not in str(err.value)  # never transcript text in messages


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load_cases(tmp_path / "nope.jsonl")


def test_split_is_stable_and_roughly_70_15_15() -> None:
    assert split_of("w-d001") == split_of("w-d001")
    counts = {"train": 0, "dev": 0, "test": 0}
    for i in range(3000):
        counts[split_of(f"dialogue-{i}")] += 1
    assert 0.66 < counts["train"] / 3000 < 0.74
    assert 0.12 < counts["dev"] / 3000 < 0.18
    assert 0.12 < counts["test"] / 3000 < 0.18


def test_case_becomes_a_transcript_with_roles_timing_and_annotations(tmp_path: Path) -> None:
    case = load_cases(_write(tmp_path, CASES))[3]
    t = case_transcript(case)
    u = t.utterances[1]
    assert u.role is Role.CLIENT and (u.start_s, u.end_s) == (3.0, 6.5)
    assert [a.kind for a in u.annotations] == [AnnotationKind.LAUGHS]
    assert {s.role for s in t.speakers} == {Role.THERAPIST, Role.CLIENT}


def test_evaluate_scores_markers_and_baselines(tmp_path: Path) -> None:
    report = evaluate(load_cases(_write(tmp_path, CASES)))
    assert report.scored == 4  # the therapist target waits for a strategy detector
    assert report.skipped == {"therapist targets (no detector)": 1}
    s = report.system
    assert s.per_id["withdrawal.minimal_response"].tp == 1
    assert s.per_id["confrontation.complaint_about_therapist"].tp == 1
    assert s.per_family["withdrawal"].fp == 0
    assert s.confusion["none"]["none"] == 2
    assert s.hard_negatives == {"withdrawal.minimal_response": [1, 0]}
    names = [b.name for b in report.baselines]
    assert names[0] == "keyword list" and any("VADER" in n for n in names)
    doc = json.loads(report.to_json())
    assert doc["system"]["per_family"]["confrontation"]["recall"] == 1.0
    assert "macro_f1" in doc["system"] and doc["scored"] == 4
    table = report.format_table()
    assert "macro-F1" in table and "Confusion" in table and "keyword list" in table


def test_evaluate_file_names_its_source(tmp_path: Path) -> None:
    path = _write(tmp_path, CASES)
    report = evaluate_file(path, split=None)
    assert report.source == str(path) and report.to_dict()["scored"] == 4


def test_strategy_labels_are_scored_against_the_therapist_vocabulary(tmp_path: Path) -> None:
    def predictor(t: object, target: int) -> set[str]:
        return {"acknowledges_contribution"}

    report = evaluate(load_cases(_write(tmp_path, CASES)), strategy_predictor=predictor)
    assert report.scored == 5
    assert report.system.per_id["acknowledges_contribution"].tp == 1
    # a marker id on a therapist target is outside that role's vocabulary: not scored
    assert report.skipped == {"labels outside the role's vocabulary": 1}


def test_split_filter_and_unknown_split(tmp_path: Path) -> None:
    cases = load_cases(_write(tmp_path, CASES))
    kept = evaluate(cases, split="test").cases
    assert kept == sum(split_of(c.dialogue) == "test" for c in cases)
    with pytest.raises(InputError, match="split"):
        evaluate(cases, split="holdout")


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("I don't know.", {"withdrawal.minimal_response"}),
        ("These worksheets again.", {"confrontation.complaint_about_activities"}),
        ("We went to the coast.", set()),
    ],
)
def test_keyword_baseline(text: str, ids: set[str]) -> None:
    assert keyword_baseline(text) == ids


def test_a_family_the_coder_did_not_label_is_not_scored(tmp_path: Path) -> None:
    # a complaint in a file coded for withdrawal only: flagging it is neither right nor wrong
    complaint = {**CASES[2], "labels": [], "families": ["withdrawal"]}
    both = {**CASES[2], "id": "b", "dialogue": "d9", "labels": []}
    report = evaluate(load_cases(_write(tmp_path, [complaint])))
    assert "confrontation" not in report.system.per_family
    assert report.system.per_family["withdrawal"].fp == 0
    assert report.system.rupture.fp == 0
    strict = evaluate(load_cases(_write(tmp_path, [both], name="both.jsonl")))
    assert strict.system.per_family["confrontation"].fp == 1


def test_families_must_name_marker_families(tmp_path: Path) -> None:
    path = _write(tmp_path, [{**CASES[0], "families": ["anger"]}])
    with pytest.raises(InputError, match="'families'"):
        load_cases(path)


def test_episode_turns_become_cases_of_running_conversation(tmp_path: Path) -> None:
    # Coded episodes label every marker and repair in the dialogue, so each client turn (and
    # each therapist turn) is a case of its own: what a coder found there, or nothing.
    from mendline.evaluation_repairs import load_episode_cases, turn_cases

    turns = [{"role": "therapist", "text": "Shall we look at the diary?"},
             {"role": "client", "text": "Sure."},
             {"role": "therapist", "text": "How did Tuesday feel?"},
             {"role": "client", "text": "Fine. Whatever you think."},
             {"role": "therapist", "text": "I may have pushed the diary on you. Did I?"},
             {"role": "client", "text": "A bit, yes. I hate writing it all down."}]
    episode = {"start": 3, "end": 5, "family": "withdrawal", "outcome": "resolved",
               "resolution": 4, "significance": 2,
               "markers": [{"turn": 3, "id": "withdrawal.minimal_response"},
                           {"turn": 3, "id": "withdrawal.deferential_appeasing"}],
               "repairs": [{"turn": 4, "id": "acknowledges_contribution"}]}
    two_sessions = {"id": "e2", "dialogue": "ed2", "target": 1, "labels": [],
                    "turns": [{**t, "session": 1} for t in turns[:2]],
                    "episode": {**episode, "start": 1, "end": 1, "markers": [],
                                "repairs": []}}
    path = _write(tmp_path, [{"id": "e1", "dialogue": "ed1", "turns": turns, "target": 3,
                              "labels": ["withdrawal.minimal_response"], "episode": episode},
                             two_sessions], "episodes.jsonl")
    episodes = load_episode_cases(path)

    client = turn_cases(episodes, "client")
    assert [(c.target, c.labels) for c in client] == [
        (1, ()),
        (3, ("withdrawal.minimal_response", "withdrawal.deferential_appeasing")),
        (5, ())]
    assert all(len(c.turns) == c.target + 1 and c.dialogue == "ed1" and c.families is None
               for c in client)  # the context up to the turn; the episode's split
    therapist = turn_cases(episodes, "therapist")
    assert [(c.target, c.labels) for c in therapist] == [
        (2, ()), (4, ("acknowledges_contribution",))]
