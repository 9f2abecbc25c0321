"""The inputs of ``track_client``: one client's sessions, attendance and self-report forms.

Plain frozen dataclasses, built by the store (or by tests and the benchmark) and never
touched by I/O. A ``SessionRecord`` carries only what tracking needs from a stored
``SessionAnalysis`` (engagement, marker ids and confidences, episode outcomes), so the
batch runner can ship thousands of them cheaply.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from mendline.analysis.result import Engagement, SessionAnalysis
from mendline.stage import StageSettings
from mendline.tracking.instruments import check_items, instrument
from mendline.tracking.settings import TrackingSettings
from mendline.vocabulary import Outcome

__all__ = [
    "AttendanceStatus",
    "AttendanceRecord",
    "MeasureRecord",
    "MarkerHit",
    "EpisodeRecord",
    "SessionRecord",
    "ClientHistory",
]


class AttendanceStatus(StrEnum):
    ATTENDED = "attended"
    MISSED = "missed"  # no-show
    CANCELLED = "cancelled"  # cancelled in good time, by either side
    LATE_CANCELLED = "late_cancelled"
    LATE = "late"  # attended, but arrived late


@dataclass(frozen=True, slots=True)
class AttendanceRecord:
    date: dt.date
    status: AttendanceStatus
    minutes_late: int | None = None

    def __post_init__(self) -> None:
        if self.minutes_late is not None and self.minutes_late < 0:
            raise ValueError("minutes_late cannot be negative")


@dataclass(frozen=True, slots=True)
class MeasureRecord:
    """One completed form: scores by neutral item key (see ``instruments.py``).

    Construction validates and normalises the scores (numbers become floats, items come in
    the instrument's order), so an invalid form cannot reach ``track_client``.
    """

    instrument: str  # "SRS", "ORS", "WAI-SR", "PSQ-client", "PSQ-therapist"
    date: dt.date
    items: Mapping[str, float | bool | None] = field(hash=False)
    scale: str | None = None  # None: the instrument's usual scale
    session: int | None = None  # session number, when the form belongs to a session

    def __post_init__(self) -> None:
        inst = instrument(self.instrument)
        scale = self.scale or inst.default_scale
        object.__setattr__(self, "instrument", inst.name)
        object.__setattr__(self, "scale", scale)
        object.__setattr__(self, "items", check_items(inst, dict(self.items), scale))


@dataclass(frozen=True, slots=True)
class MarkerHit:
    id: str  # a vocabulary marker id, e.g. "withdrawal.minimal_response"
    confidence: float = 1.0

    @property
    def family(self) -> str:
        return self.id.split(".", 1)[0]


_UNRESOLVED = {Outcome.UNRESOLVED.value, Outcome.NO_REPAIR_ATTEMPTED.value}


@dataclass(frozen=True, slots=True)
class EpisodeRecord:
    family: str  # "withdrawal" | "confrontation"
    outcome: str  # an Outcome value
    significance: int = 3  # 1-5
    resolution: int = 1  # 1-5
    open_at_end: bool = False

    @property
    def unresolved(self) -> bool:
        """Not repaired, or still open when the session ended."""
        return self.outcome in _UNRESOLVED or self.open_at_end


@dataclass(frozen=True, slots=True)
class SessionRecord:
    number: int
    date: dt.date | None
    engagement: Engagement
    markers: tuple[MarkerHit, ...] = ()
    episodes: tuple[EpisodeRecord, ...] = ()

    def __post_init__(self) -> None:
        if self.number < 1:
            raise ValueError("session numbers start at 1")

    @classmethod
    def from_analysis(
        cls,
        analysis: SessionAnalysis,
        *,
        number: int | None = None,
        date: dt.date | None = None,
    ) -> SessionRecord:
        """Take what tracking needs from a stored analysis; number/date override its own."""
        info = analysis.session
        num = number if number is not None else info.number
        if num is None:
            raise ValueError("the analysis has no session number; pass number=")
        when = date
        if when is None and info.date:
            when = dt.date.fromisoformat(info.date[:10])
        return cls(
            number=num,
            date=when,
            engagement=analysis.engagement,
            markers=tuple(MarkerHit(m.id, m.confidence) for m in analysis.markers),
            episodes=tuple(
                EpisodeRecord(e.family, e.outcome, e.significance, e.resolution, e.open_at_end)
                for e in analysis.episodes
            ),
        )


@dataclass(frozen=True, slots=True)
class ClientHistory:
    client: str  # the clinician's pseudonymous client code
    sessions: tuple[SessionRecord, ...] = ()
    attendance: tuple[AttendanceRecord, ...] = ()
    measures: tuple[MeasureRecord, ...] = ()
    stage: StageSettings = field(default_factory=StageSettings)
    settings: TrackingSettings = field(default_factory=TrackingSettings)
    display_name: str | None = None  # used in reasons ("Sam's replies ..."); else the code

    def __post_init__(self) -> None:
        numbers = [s.number for s in self.sessions]
        if len(set(numbers)) != len(numbers):
            dup = next(n for n in numbers if numbers.count(n) > 1)
            raise ValueError(f"client {self.client}: session {dup} appears more than once")
        object.__setattr__(self, "sessions", tuple(sorted(self.sessions, key=_number)))
        object.__setattr__(self, "attendance", tuple(sorted(self.attendance, key=_date)))
        object.__setattr__(self, "measures", tuple(sorted(self.measures, key=_measure_key)))

    @property
    def name(self) -> str:
        return self.display_name or self.client


def _number(s: SessionRecord) -> int:
    return s.number


def _date(a: AttendanceRecord) -> dt.date:
    return a.date


def _measure_key(m: MeasureRecord) -> tuple[dt.date, int]:
    return (m.date, m.session or 0)
