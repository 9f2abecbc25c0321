"""Stage of therapy from the session number and the client's settings.

The stage table (early 1-4, middle 5-12, late from 13, termination for the planned last
sessions or once ending is being discussed) is practice guidance summarised in
clinical.md; the boundaries are per-client settings because services differ (brief CBT
may be 8 sessions, psychodynamic work open-ended).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mendline.vocabulary import Stage

__all__ = ["StageSettings", "stage_for", "stage_settings_from"]


@dataclass(frozen=True, slots=True)
class StageSettings:
    early_until: int = 4  # last session number of the early phase
    middle_until: int = 12  # last session number of the middle phase
    planned_sessions: int | None = None  # the planned total, when the treatment is time-limited
    termination_sessions: int = 2  # how many of the planned last sessions count as termination
    termination_from: int | None = None  # set when ending is being discussed from this session on

    def __post_init__(self) -> None:
        if not 1 <= self.early_until < self.middle_until:
            raise ValueError("stage boundaries must satisfy 1 <= early_until < middle_until")
        if self.planned_sessions is not None and self.planned_sessions < 1:
            raise ValueError("planned_sessions must be at least 1")


def stage_for(number: int, settings: StageSettings | None = None) -> Stage:
    """The stage of session ``number`` (1-based)."""
    s = settings or StageSettings()
    if number < 1:
        raise ValueError("session numbers start at 1")
    if s.termination_from is not None and number >= s.termination_from:
        return Stage.TERMINATION
    if s.planned_sessions is not None and number > s.planned_sessions - s.termination_sessions:
        return Stage.TERMINATION
    if number <= s.early_until:
        return Stage.EARLY
    if number <= s.middle_until:
        return Stage.MIDDLE
    return Stage.LATE


def stage_settings_from(settings: Mapping[str, Any] | None) -> StageSettings:
    """Stage settings from a client's stored settings.

    Stored keys: ``planned_sessions``, ``termination_from`` and ``stage_boundaries``
    (``{"middle": 5, "late": 13}``: the first session of each later phase).
    """
    s = dict(settings or {})
    bounds = s.get("stage_boundaries") or {}
    return StageSettings(
        early_until=int(bounds.get("middle", 5)) - 1,
        middle_until=int(bounds.get("late", 13)) - 1,
        planned_sessions=s.get("planned_sessions"),
        termination_from=s.get("termination_from"),
    )
