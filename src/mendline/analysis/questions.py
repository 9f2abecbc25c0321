"""Questions in therapist turns: where they are and whether they invite elaboration.

One source for this rule: engagement metrics count open vs closed questions with it, and the
marker detector uses it to decide whether a short reply was a reply to an invitation to say
more ("How was that for you?") or to a factual question ("When was that?").
"""

from __future__ import annotations

import re

from mendline.analysis.lexicon import folded

__all__ = ["question_sentences", "sentence_spans", "is_open_question", "is_question_turn"]

_SENTENCE = re.compile(r"[^.?!…]*[?]+|[^.?!…]+[.!…]*", re.UNICODE)

# Openers that invite the client to elaborate. "Tell me", "say more" and "I wonder" are
# requests phrased without a question mark; they count when they end in "?" or stand alone.
# A name or a word first ("Lily, can you tell me about food?", "Right, how many?") changes
# neither kind of question.
_LEAD = (r"^\s*(?:(?:and|so|but|um|uh|okay|ok|well|mm|hmm|yeah)[,\s]+)*"
         r"(?:[\w'-]+,\s+(?:(?:and|so|but|um|uh|okay|ok|well)[,\s]+)*)?")
_OPEN_START = folded(
    _LEAD +
    r"(?:what|how|why|in what way|tell me|say more|can you (?:say|tell|talk|describe|help me)|"
    r"could you (?:say|tell|talk|describe|help me)|would you (?:say|tell|talk|describe)|"
    r"what's|whats|how's|hows|describe|walk me through|i wonder|i'm wondering|im wondering|"
    r"help me understand)\b",
)
# Closed questions that are really invitations ("Do you want to say more about that?").
_OPEN_CLOSED_FORM = folded(
    r"\b(?:say more|tell me more|talk (?:more )?about|what (?:that|it) was like|"
    r"how (?:that|it) felt|what (?:comes up|happens for you)|more about)\b",
)
# Factual closed questions: when, where, who, how many/much/long/often.
_FACTUAL = folded(
    _LEAD +
    r"(?:when|where|who|which|how (?:many|much|long|often|old|far))\b",
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence of ``text``, split the same way as the questions."""
    return [m.span() for m in _SENTENCE.finditer(text) if m.end() > m.start()]


# Automatic transcripts and chat often carry no question marks ("how did it go with your
# daughter at the weekend"). There, a question is found by its syntax: a wh-word followed by an
# auxiliary or "about" ("what did you", "how was it", "what's been", "what about"), or an
# inverted auxiliary and pronoun opening a clause ("can you say", "did you go"). Free relatives
# in statements ("what you said", "how it went") have no inversion and do not match.
_AUX = (r"(?:do|does|did|is|are|was|were|has|have|had|can|could|would|will|should|"
        r"might|may)")
_SUBJECT = r"(?:you|it|that|this|he|she|they|we|there|things|your|the|i)"
# The question starts at the match, or for an inverted auxiliary at group "aux" (an opening
# "and", "so", ... is left out).
_UNPUNCTUATED_QUESTION = folded(
    rf"\b(?:what|how|why|where|when|who|which)(?:'s|s)?\s+(?:{_AUX}\s+{_SUBJECT}|been|about|"
    rf"else|happens|happened|comes up|came up|makes|made|goes|went|{_AUX}n'?t)\b|"
    rf"\b(?:what|how)(?:'s|s)\b|\b(?:can|could|would|will) you (?:say|tell|talk|describe|"
    rf"help|give|try|think|remember|put)\b|"
    rf"(?:^|\b(?:and|so|but|okay|ok|um|uh|well|right|then)\s+)(?P<aux>{_AUX}(?:n'?t)?\s+"
    rf"{_SUBJECT}\b)")


def question_sentences(text: str) -> list[str]:
    """The sentences of ``text`` that end in a question mark.

    A turn with no question mark whose last clause runs unpunctuated to the end (an
    automatic transcript) has its last question found by syntax instead: the text from the
    last interrogative opening on.
    """
    if "?" in text:
        return [s.strip() for s in _SENTENCE.findall(text) if s.strip().endswith("?")]
    last = None
    for m in _UNPUNCTUATED_QUESTION.finditer(text):
        last = m
    if last is None or any(c in text[last.end():] for c in ".!…"):
        return []
    start = last.start("aux") if last.group("aux") is not None else last.start()
    return [text[start:].strip()]


def is_open_question(sentence: str) -> bool:
    """True when the question invites elaboration rather than a fact or a yes/no."""
    if _FACTUAL.match(sentence):
        return False
    return bool(_OPEN_START.match(sentence) or _OPEN_CLOSED_FORM.search(sentence))


def is_question_turn(text: str) -> bool:
    return bool(question_sentences(text))
