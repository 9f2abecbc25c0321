from __future__ import annotations

import pytest

from mendline.stage import StageSettings, stage_for
from mendline.vocabulary import Stage


@pytest.mark.parametrize(
    ("number", "settings", "expected"),
    [
        (1, StageSettings(), Stage.EARLY),
        (4, StageSettings(), Stage.EARLY),
        (5, StageSettings(), Stage.MIDDLE),
        (12, StageSettings(), Stage.MIDDLE),
        (13, StageSettings(), Stage.LATE),
        (7, StageSettings(planned_sessions=8), Stage.TERMINATION),
        (6, StageSettings(planned_sessions=8), Stage.MIDDLE),
        (9, StageSettings(termination_from=9), Stage.TERMINATION),
        (3, StageSettings(early_until=2, middle_until=6), Stage.MIDDLE),
        (7, StageSettings(early_until=2, middle_until=6), Stage.LATE),
    ],
)
def test_stage_for(number: int, settings: StageSettings, expected: Stage) -> None:
    assert stage_for(number, settings) is expected


@pytest.mark.parametrize(
    "kwargs", [{"early_until": 0}, {"early_until": 5, "middle_until": 5}, {"planned_sessions": 0}]
)
def test_impossible_stage_settings_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        StageSettings(**kwargs)
