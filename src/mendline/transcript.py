"""The transcript model every layer shares: who said what, when, with what non-verbal cues.

``Utterance.text`` keeps everything as written in the source, annotations included
(``"[laughs] it's fine"``), so that evidence quotes are exact substrings. Annotations are
also listed as typed ``Annotation`` objects with their character span, and ``words``
excludes them: a ``[laughs]`` is kept, but never counted as a word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum

__all__ = [
    "Role",
    "RoleSource",
    "AnnotationKind",
    "Annotation",
    "Utterance",
    "Speaker",
    "Transcript",
    "count_words",
]


class Role(StrEnum):
    THERAPIST = "therapist"
    CLIENT = "client"
    OTHER = "other"


class RoleSource(StrEnum):
    """Where a speaker's role came from, in order of authority."""

    EXPLICIT = "explicit"  # --therapist / --client options, or the web role step
    SAVED = "saved"  # the clinician's saved mapping of display names
    LABEL = "label"  # a role word in the label ("Therapist", "T", "Client")
    HEURISTIC = "heuristic"  # question rate, who opens, who speaks more


class AnnotationKind(StrEnum):
    LAUGHS = "laughs"
    PAUSE = "pause"
    SILENCE = "silence"
    INAUDIBLE = "inaudible"
    CROSSTALK = "crosstalk"
    CRYING = "crying"
    SIGHS = "sighs"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Annotation:
    """A non-verbal event written into the transcript, e.g. ``[silence 5s]``.

    ``span`` is the [start, end) character range of the annotation in ``Utterance.text``.
    """

    kind: AnnotationKind
    span: tuple[int, int]
    duration_s: float | None = None


_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*", re.UNICODE)


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


@dataclass(frozen=True, slots=True)
class Utterance:
    """One speaker's turn: consecutive cues of the same speaker merged, start and end kept."""

    index: int
    speaker: str
    role: Role
    text: str
    start_s: float | None = None
    end_s: float | None = None
    annotations: tuple[Annotation, ...] = ()
    line: int | None = None  # first source line (or cue number) for messages
    # Derived once: analysis asks for these thousands of times per session.
    _spoken: str = field(init=False, repr=False, compare=False, default="")
    _words: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        spoken = self.text
        if self.annotations:
            chars = list(self.text)
            for a in self.annotations:
                for i in range(a.span[0], a.span[1]):
                    chars[i] = " "
            spoken = "".join(chars)
        object.__setattr__(self, "_spoken", spoken)
        object.__setattr__(self, "_words", count_words(spoken))

    @property
    def spoken_text(self) -> str:
        """The text with annotations blanked out (same length, so spans still line up)."""
        return self._spoken

    @property
    def words(self) -> int:
        return self._words


@dataclass(frozen=True, slots=True)
class Speaker:
    label: str
    role: Role
    source: RoleSource
    confidence: float  # 1.0 for explicit/saved/label; the heuristic's own estimate otherwise


@dataclass(frozen=True, slots=True)
class Transcript:
    utterances: tuple[Utterance, ...]
    speakers: tuple[Speaker, ...]
    format: str  # "vtt", "srt", "txt", "json", "jsonl", "docx" (with a flavour, e.g. "vtt.zoom")
    sha256: str
    source: str = "<memory>"
    language: str | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def duration_s(self) -> float | None:
        ends = [u.end_s for u in self.utterances if u.end_s is not None]
        starts = [u.start_s for u in self.utterances if u.start_s is not None]
        if not ends or not starts:
            return None
        return max(ends) - min(0.0, min(starts))

    @property
    def has_timestamps(self) -> bool:
        return any(u.start_s is not None for u in self.utterances)

    def role_of(self, label: str) -> Role:
        for s in self.speakers:
            if s.label == label:
                return s.role
        raise KeyError(label)

    @property
    def role_confidence(self) -> float:
        """The least certain speaker's role confidence: what decides whether to ask."""
        return min((s.confidence for s in self.speakers), default=0.0)

    def with_roles(
        self, roles: dict[str, Role], source: RoleSource = RoleSource.EXPLICIT
    ) -> Transcript:
        """A copy with some speakers' roles set; utterances follow their speaker."""
        speakers = tuple(
            Speaker(s.label, roles[s.label], source, 1.0) if s.label in roles else s
            for s in self.speakers
        )
        by_label = {s.label: s.role for s in speakers}
        utterances = tuple(replace(u, role=by_label[u.speaker]) for u in self.utterances)
        return replace(self, speakers=speakers, utterances=utterances)
