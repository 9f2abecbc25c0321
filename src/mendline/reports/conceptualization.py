"""Case conceptualization: patterns across a client's sessions, offered as questions.

Which markers recur, which therapist moves and which topics (content words of the
therapist turn just before a marker) tend to come first, and how repair attempts went,
with prompts that invite a link to the client's relational patterns (Safran & Muran,
2000: ruptures often replay a relational pattern, and exploring that link is part of the
repair). Descriptions only, in plain words: no diagnostic or pathologising language
(``tests/reports`` checks the output against a denylist).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from mendline.analysis.acts import Act, classify_therapist_turn, content_words
from mendline.reports.deid import Deidentifier
from mendline.reports.inputs import SessionInput
from mendline.vocabulary import MARKERS, STRATEGIES

__all__ = ["Pattern", "Conceptualization", "conceptualize", "MOVE_WORDS"]

MOVE_WORDS = {
    Act.OPEN_QUESTION: "an open question",
    Act.CLOSED_QUESTION: "a closed question",
    Act.FEELING_QUESTION: "a question about feelings",
    Act.RELATIONSHIP_QUESTION: "a question about the relationship",
    Act.SUGGESTION: "a suggestion or task",
    Act.INTERPRETATION: "an interpretation",
    Act.REFLECTION: "a reflection",
    Act.EXPLANATION: "an explanation",
    Act.OTHER: "another kind of turn",
}
_WORD = re.compile(r"[A-Za-z][a-z'’]+")
_PLACEHOLDER_WORDS = frozenset({"person", "place", "client", "therapist", "date", "shifted",
                                "phone", "email", "address"})


@dataclass(frozen=True, slots=True)
class Pattern:
    marker_id: str
    label: str
    family: str
    sessions: tuple[int, ...]
    count: int
    moves: tuple[tuple[str, int], ...]  # what the therapist turn before it did, most often first
    topics: tuple[str, ...]  # content words of those therapist turns, most often first


@dataclass(frozen=True, slots=True)
class Conceptualization:
    sessions: int
    patterns: tuple[Pattern, ...]  # markers seen in two or more sessions
    one_offs: tuple[tuple[str, int], ...]  # (label, session) for markers seen once
    repairs: tuple[str, ...]  # sentences about how repair attempts went
    prompts: tuple[str, ...]
    summary: str


def _previous_therapist_text(s: SessionInput, index: int) -> str | None:
    utts = s.analysis.utterances
    for i in range(index - 1, max(-1, index - 4), -1):
        if utts[i].role == "therapist":
            return utts[i].text
    return None


def _topic_words(text: str) -> list[str]:
    """Readable content words (the analysis's own stop list decides what counts)."""
    return [w.lower() for w in _WORD.findall(text)
            if len(w) > 3 and content_words(w) and w.lower() not in _PLACEHOLDER_WORDS]


def conceptualize(sessions: tuple[SessionInput, ...] | list[SessionInput],
                  deid: Deidentifier | None = None) -> Conceptualization:
    """Recurring markers, what came before them and how repairs went, across sessions.

    With ``deid``, topic words are taken from de-identified therapist turns, so no name
    or place can surface as a "topic".
    """
    by_id: dict[str, list[tuple[int, str | None]]] = {}
    for s in sessions:
        for m in s.analysis.markers:
            before = _previous_therapist_text(s, m.utterance)
            if before is not None and deid is not None:
                before = deid.text(before)
            by_id.setdefault(m.id, []).append((s.number, before))
    patterns, one_offs = [], []
    for mid, hits in sorted(by_id.items(), key=lambda kv: (-len({n for n, _ in kv[1]}), kv[0])):
        nums = tuple(sorted({n for n, _ in hits}))
        label = MARKERS[mid].label if mid in MARKERS else mid
        if len(nums) < 2:
            one_offs.append((label, nums[0]))
            continue
        moves = Counter(MOVE_WORDS[classify_therapist_turn(t).kind] for _, t in hits if t)
        topics = Counter(w for _, t in hits if t for w in set(_topic_words(t)))
        patterns.append(Pattern(
            mid, label, mid.split(".", 1)[0], nums, len(hits),
            tuple(moves.most_common(3)),
            tuple(w for w, c in topics.most_common(6) if c >= 2),
        ))
    repairs = _repair_lines(sessions)
    prompts = _prompts(patterns)
    n = len(sessions)
    if patterns:
        summary = (f"Across {n} session(s), {len(patterns)} kind(s) of marker came back in more "
                   "than one session. Recurring moments are worth a look because they may "
                   "show a pattern between the two of you, not because anything went wrong.")
    else:
        summary = (f"Across {n} session(s), no kind of marker came back in more than one "
                   "session.")
    return Conceptualization(n, tuple(patterns), tuple(one_offs), repairs, prompts, summary)


def _repair_lines(sessions: tuple[SessionInput, ...] | list[SessionInput]) -> tuple[str, ...]:
    outcome_by_strategy: dict[str, Counter[str]] = {}
    outcomes: Counter[str] = Counter()
    for s in sessions:
        a = s.analysis
        for e in a.episodes:
            outcomes[e.outcome] += 1
            for i in e.repairs:
                if i < len(a.repairs):
                    outcome_by_strategy.setdefault(a.repairs[i].id, Counter())[e.outcome] += 1
    if not outcomes:
        return ("No rupture-and-repair episodes were found across these sessions.",)
    lines = [
        "Episodes so far: " + ", ".join(
            f"{c} {o.replace('_', ' ')}" for o, c in outcomes.most_common()) + "."
    ]
    for sid, c in sorted(outcome_by_strategy.items(), key=lambda kv: -sum(kv[1].values())):
        label = STRATEGIES[sid].label if sid in STRATEGIES else sid
        went = ", ".join(f"{k} {o.replace('_', ' ')}" for o, k in c.most_common())
        lines.append(f"\u201c{label}\u201d was part of {sum(c.values())} episode(s): {went}.")
    return tuple(lines)


def _prompts(patterns: list[Pattern]) -> tuple[str, ...]:
    out = []
    fams = {p.family for p in patterns}
    for p in patterns[:3]:
        move = p.moves[0][0] if p.moves else None
        lead = f"\u201c{p.label}\u201d came up in sessions {', '.join(map(str, p.sessions))}"
        lead += f", most often after {move}." if move else "."
        out.append(lead + " What might the client be protecting at those moments, and is it "
                   "something they do with other people who matter to them?")
    if "withdrawal" in fams:
        out.append("When the client moves away, how do others in their life usually respond, "
                   "and how do you find yourself responding?")
    if "confrontation" in fams:
        out.append("When the client pushes back, what do they seem to need from you that they "
                   "may not have had from others?")
    if not out:
        out.append("What keeps the collaboration steady with this client, and what would you "
                   "want to notice early if it began to strain?")
    return tuple(out[:5])
