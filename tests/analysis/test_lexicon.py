"""Folded patterns: the fast case-insensitive matching the phrase layers run on."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mendline.analysis.lexicon import Folded, folded, prefilter

PATTERNS = [
    r"\byou(?:'re| are) not (?:listening|hearing)\b",
    r"^\W*(?:fine|okay|whatever)\W*$",
    r"\b(?:what'?s the point|waste of time)\b",
    r"[\"“”]([^\"“”]{2,200})[\"“”]",
]


@pytest.mark.parametrize("source", PATTERNS)
@given(text=st.lists(st.sampled_from(
    [*"abcdefghijklmnopqrstuvwxyzYOUWHATİẞ' .,?!\"“”", "You're not listening",
     "WHAT'S THE POINT", "Fine."]), max_size=30).map("".join))
def test_folded_matches_exactly_where_ignorecase_does(source: str, text: str) -> None:
    plain = re.compile(source, re.IGNORECASE)
    fast = folded(source)
    assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)]
    a, b = fast.search(text), plain.search(text)
    assert (a and a.span()) == (b and b.span())


def test_a_pattern_with_its_own_capitals_is_not_folded() -> None:
    assert isinstance(folded(r"\bI\b"), re.Pattern)
    assert isinstance(folded(r"\bi\b"), Folded)
    assert folded(r"(?P<Who>you)").search("YOU").group("Who") == "YOU"


def test_text_whose_length_changes_when_lowered_keeps_true_offsets() -> None:
    text = "İstanbul: you never listen"  # "İ".lower() is two characters
    m = folded(r"you never listen").search(text)
    assert m is not None and text[m.start():m.end()] == "you never listen"


def test_prefilter_of_folded_cues_is_folded_and_case_blind() -> None:
    quick = prefilter([folded(p) for p in PATTERNS])
    assert quick is not None
    assert quick.search("WHAT'S THE POINT of this") and not quick.search("a nice day")
