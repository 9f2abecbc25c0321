"""The session-analysis JSON contract (DESIGN.md), as pydantic models.

``SessionAnalysis.model_dump(mode="json")`` is what ``mendline analyze --json`` prints and
what the web API returns. ``SCHEMA_VERSION`` bumps on any breaking change.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "SCHEMA_VERSION",
    "Source",
    "SessionInfo",
    "AnnotationOut",
    "UtteranceOut",
    "Marker",
    "Repair",
    "Contribution",
    "EpisodeRef",
    "Episode",
    "Engagement",
    "Segment",
    "Guidance",
    "SessionAnalysis",
]

SCHEMA_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(_Model):
    format: str
    sha256: str


class SessionInfo(_Model):
    client: str | None = None
    number: int | None = None
    date: str | None = None  # ISO date
    stage: str | None = None
    duration_s: float | None = None
    language: str | None = None
    source: Source


class AnnotationOut(_Model):
    kind: str
    span: tuple[int, int]
    duration_s: float | None = None


class UtteranceOut(_Model):
    index: int
    speaker: str
    role: str
    start: float | None = None
    end: float | None = None
    text: str
    annotations: list[AnnotationOut] = Field(default_factory=list)


class Marker(_Model):
    utterance: int
    id: str
    family: str
    type: str
    confidence: float
    evidence: str
    span: tuple[int, int]
    why: str
    detector: str  # versioned name of the detector that fired, e.g. "rules.v1"


class Repair(_Model):
    utterance: int
    id: str
    metacommunication: bool
    confidence: float
    evidence: str
    span: tuple[int, int]
    why: str
    detector: str


class Contribution(_Model):
    utterance: int
    id: str
    evidence: str
    why: str


class EpisodeRef(_Model):
    """Points at an episode of another session (the one an "about last time…" picks up)."""

    session: int | None  # that session's number, when known
    episode: int  # Episode.id within that session's analysis


class Episode(_Model):
    id: int
    family: str
    start_utterance: int
    end_utterance: int
    markers: list[int]  # indexes into SessionAnalysis.markers
    repairs: list[int]  # indexes into SessionAnalysis.repairs
    outcome: str
    resolution: int  # 1-5
    significance: int  # 1-5
    open_at_end: bool = False
    evidence: str = ""
    continues_from: EpisodeRef | None = None  # set when this session picks up an open episode


class Engagement(_Model):
    """Per-session engagement metrics; each is defined in docs/metrics.md."""

    duration_s: float | None
    therapist_words: int
    client_words: int
    other_words: int
    therapist_turns: int
    client_turns: int
    other_turns: int
    client_word_share: float | None
    client_words_per_turn_median: float | None
    client_words_per_turn_iqr: float | None
    client_minimal_turn_rate: float | None
    client_backchannels: int
    client_minimal_replies: int
    therapist_questions: int
    therapist_open_questions: int
    therapist_closed_questions: int
    response_latency_median_s: float | None
    response_latency_p90_s: float | None
    long_pauses: int
    overlaps: int
    nonverbal: dict[str, int]


class Segment(_Model):
    index: int
    start_s: float | None
    end_s: float | None
    start_utterance: int
    end_utterance: int
    withdrawal_significance: int  # 0 = absent, 1-5 as 3RS coders rate it
    confrontation_significance: int
    resolution: int  # 0 = nothing to resolve, 1-5 otherwise


class Guidance(_Model):
    episode: int | None
    kind: str  # "metacommunication" | "check_in" | "link_to_pattern" | "reflection"
    text: str
    why: str


class SessionAnalysis(_Model):
    schema_version: int = SCHEMA_VERSION
    analyzer_version: str
    detectors: list[str] = Field(default_factory=list)
    session: SessionInfo
    speakers: list[dict[str, str | float]] = Field(default_factory=list)
    utterances: list[UtteranceOut]
    markers: list[Marker] = Field(default_factory=list)
    repairs: list[Repair] = Field(default_factory=list)
    therapist_contributions: list[Contribution] = Field(default_factory=list)
    episodes: list[Episode] = Field(default_factory=list)
    engagement: Engagement
    segments: list[Segment] = Field(default_factory=list)
    guidance: list[Guidance] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # e.g. "transcript is mostly not English"
