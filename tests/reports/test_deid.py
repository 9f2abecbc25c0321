"""De-identification: what is replaced, consistently, and what the clinician is shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mendline.reports.deid import Deidentifier, find_identifiers

CASES = Path(__file__).with_name("deid_cases.jsonl")


@pytest.mark.parametrize(
    ("text", "kind", "original"),
    [
        ("Call me on (555) 123-4567 tonight.", "phone", "(555) 123-4567"),
        ("Write to sam.r@example.com please.", "email", "sam.r@example.com"),
        ("My MRN is 00412345.", "id", "00412345"),
        ("Her SSN is 123-45-6789.", "id", "123-45-6789"),
        ("I live at 42 Maple Street now.", "address", "42 Maple Street"),
        ("Dr. Okafor said so.", "person", "Dr. Okafor"),
        ("My cousin Ingrid moved.", "person", "Ingrid"),
        ("We moved from Tbilisi last year.", "place", "Tbilisi"),
        ("It was in Denver.", "place", "Denver"),
    ],
)
def test_identifiers_are_found(text: str, kind: str, original: str) -> None:
    found = find_identifiers(text)
    assert [(f.kind, f.text) for f in found] == [(kind, original)]


@pytest.mark.parametrize(
    "text",
    [
        "I don't know. It was fine, I guess. Monday was long.",
        "In March things got worse, and by May I wasn't sleeping.",
        "I rated it 7/10 but honestly it felt like a 4.",
        "May I say something? Will you listen?",
        "Christmas was quiet. Mum cooked and Dad watched TV.",
    ],
)
def test_ordinary_words_are_left_alone(text: str) -> None:
    assert find_identifiers(text) == []


def test_same_name_same_placeholder_and_one_offset_for_dates() -> None:
    d = Deidentifier(client_names=("Tobias",), therapist_names=("Nadia Brook",),
                     date_offset_days=7)
    a = d.text("Tobias saw my friend Rachel Green on 2026-01-05.")
    b = d.text("Later Rachel called. Nadia asked about January 10, 2026.")
    assert a == "[CLIENT] saw my friend [PERSON 1] on 2026-01-12."
    assert b == "Later [PERSON 1] called. [THERAPIST] asked about January 17, 2026."
    assert d.iso("2026-01-05") == "2026-01-12"


def test_replacements_list_originals_for_the_clinician_only() -> None:
    d = Deidentifier(date_offset_days=3)
    d.text("My sister Ana lives in Denver; call 415-555-0142.")
    d.text("Ana again.")
    by_kind = {r.kind: r for r in d.replacements()}
    assert by_kind["person"].originals == ("Ana",) and by_kind["person"].count == 2
    assert by_kind["place"].placeholder == "[PLACE 1]"
    assert by_kind["phone"].originals == ("415-555-0142",)


def test_learning_a_name_once_replaces_it_everywhere() -> None:
    d = Deidentifier(date_offset_days=1)
    d.learn(["Ilse always says that.", "I told my sister Ilse."])
    assert d.text("Ilse always says that.") == "[PERSON 1] always says that."


def test_offset_is_random_per_export_and_never_zero() -> None:
    offsets = {Deidentifier().offset.days for _ in range(20)}
    assert 0 not in offsets and len(offsets) > 1
    assert all(30 <= abs(o) <= 365 for o in offsets)


def test_case_set_is_well_formed() -> None:
    cases = [json.loads(line) for line in CASES.read_text("utf-8").splitlines()]
    assert len(cases) >= 60
    kinds = {s["kind"] for c in cases for s in c["spans"]}
    assert {"person", "place", "date", "phone", "email", "address", "id"} <= kinds
    for c in cases:
        for s in c["spans"]:
            assert 0 <= s["start"] < s["end"] <= len(c["text"])
    assert sum(1 for c in cases if not c["spans"]) >= 10  # passages with nothing to find
