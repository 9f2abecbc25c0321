"""Agreement statistics against hand-computed textbook values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mendline.errors import InputError
from mendline.reports.agreement import agreement, cohen_kappa, icc

# Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges.
SHROUT_FLEISS = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9],
                 [6, 2, 4, 7]]


def test_icc_matches_shrout_and_fleiss() -> None:
    r = icc(SHROUT_FLEISS)
    assert r.icc2_1 == pytest.approx(0.29, abs=0.005)
    assert r.icc3_1 == pytest.approx(0.71, abs=0.005)


@pytest.mark.parametrize(
    ("yy", "yn", "ny", "nn", "expected"),
    [
        (20, 5, 10, 15, 0.4),  # po .70, pe .50 (a common textbook example)
        (45, 15, 25, 15, 0.1304),  # po .60, pe .54
        (10, 0, 0, 10, 1.0),
    ],
)
def test_cohen_kappa(yy: int, yn: int, ny: int, nn: int, expected: float) -> None:
    a = [True] * yy + [True] * yn + [False] * ny + [False] * nn
    b = [True] * yy + [False] * yn + [True] * ny + [False] * nn
    assert cohen_kappa(a, b).kappa == pytest.approx(expected, abs=1e-3)


def test_kappa_is_undefined_when_both_coders_use_one_category() -> None:
    assert cohen_kappa([False] * 5, [False] * 5).kappa is None


def _write(path: Path, cases: list[dict]) -> Path:
    path.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    return path


def _case(cid: str, labels: list[str], ratings: dict | None = None, role: str = "client") -> dict:
    turns = [{"role": "therapist", "text": "How was that?"}, {"role": role, "text": "Fine."}]
    case = {"id": cid, "turns": turns, "target": 1, "labels": labels}
    if ratings:
        case["ratings"] = ratings
    return case


def test_two_coders_files(tmp_path: Path) -> None:
    w, c = "withdrawal.minimal_response", "confrontation.rejects_intervention"
    a = _write(tmp_path / "a.jsonl", [
        _case("1", [w], {"withdrawal_significance": 2}), _case("2", [w],
                                                              {"withdrawal_significance": 3}),
        _case("3", [], {"withdrawal_significance": 0}), _case("4", [c],
                                                             {"withdrawal_significance": 1}),
        _case("only-a", [w]),
    ])
    b = _write(tmp_path / "b.jsonl", [
        _case("1", [w], {"withdrawal_significance": 2}), _case("2", [],
                                                              {"withdrawal_significance": 2}),
        _case("3", [], {"withdrawal_significance": 0}), _case("4", [c],
                                                             {"withdrawal_significance": 1}),
    ])
    rep = agreement(a, b)
    assert rep.matched == 4 and rep.a_cases == 5
    # withdrawal: A yes yes no no, B yes no no no -> po .75, pe .5 -> kappa .5
    assert rep.families["withdrawal"].kappa == pytest.approx(0.5)
    assert rep.families["confrontation"].kappa == pytest.approx(1.0)
    assert rep.ids[w].kappa == pytest.approx(0.5)
    assert rep.ratings["withdrawal_significance"].n == 4
    table = rep.format_table()
    assert "withdrawal.minimal_response" in table and "ICC(2,1)" in table
    assert json.loads(rep.to_json())["families"]["withdrawal"]["kappa"] == pytest.approx(0.5)
    assert any("only in a.jsonl" in n for n in rep.notes)


def test_a_bad_line_names_the_file_and_line(tmp_path: Path) -> None:
    good = _write(tmp_path / "good.jsonl", [_case("1", [])])
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(_case("1", [])) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.jsonl, line 2"):
        agreement(good, bad)
