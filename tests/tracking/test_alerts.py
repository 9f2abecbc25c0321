"""Alerts, the ranked caseload, and the timeline's JSON."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from mendline.stage import StageSettings
from mendline.tracking import (
    AttendanceRecord,
    AttendanceStatus,
    ClientHistory,
    EpisodeRecord,
    MeasureRecord,
    rank_caseload,
    track_client,
)
from mendline.tracking.alerts import KIND_ORDER, next_step
from tests.tracking.synth import engagement, session

UNRESOLVED_W = EpisodeRecord("withdrawal", "no_repair_attempted", significance=2)
UNRESOLVED_C = EpisodeRecord("confrontation", "unresolved", significance=3)


def quiet_history(code: str) -> ClientHistory:
    sessions = tuple(session(i) for i in range(1, 6)) + (
        session(6, engagement(wpt=8, share=0.3, minimal=0.5, latency=2.4)),
    )
    return ClientHistory(code, sessions)


@pytest.mark.parametrize(
    ("episodes", "severity", "words"),
    [
        ((UNRESOLVED_W,), "medium", "a moment of strain (moving away)"),
        ((UNRESOLVED_C,), "high", "a moment of strain (pushing back)"),
        ((UNRESOLVED_W, UNRESOLVED_C), "high", "2 moments of strain (pushing back and moving"),
        ((EpisodeRecord("withdrawal", "resolved", open_at_end=True),), "medium", "moving away"),
    ],
)
def test_unresolved_episode_alert(
    episodes: tuple[EpisodeRecord, ...], severity: str, words: str
) -> None:
    timeline = track_client(ClientHistory("C-1", (session(1), session(2, episodes=episodes))))
    (alert,) = [a for a in timeline.alerts if a.kind == "unresolved_episode"]
    assert alert.severity == severity and words in alert.reason
    assert alert.evidence.sessions == [2]
    assert alert.next_step.startswith("Consider")


def test_old_unresolved_episodes_do_not_alert() -> None:
    sessions = (session(1, episodes=(UNRESOLVED_C,)),) + tuple(session(i) for i in range(2, 5))
    assert track_client(ClientHistory("C-1", sessions)).alerts == []


def test_two_quiet_sessions_in_a_row_raise_the_severity() -> None:
    quiet = engagement(wpt=8, share=0.3, minimal=0.5, latency=2.4)
    sessions = tuple(session(i) for i in range(1, 7)) + (session(7, quiet), session(8, quiet))
    (alert,) = track_client(ClientHistory("C-1", sessions, display_name="Sam")).alerts
    assert (alert.kind, alert.severity) == ("withdrawal_trend", "high")
    assert alert.reason.startswith("Sessions 7 and 8 were both quieter than usual for Sam.")
    assert alert.evidence.values["signal"] == "quieter_than_usual"


@pytest.mark.parametrize(
    ("planned", "last", "expected"),
    [(10, 8, True), (10, 7, False), (10, 10, False), (None, 8, False)],
)
def test_termination_approaching(planned: int | None, last: int, expected: bool) -> None:
    history = ClientHistory(
        "C-1",
        tuple(session(i) for i in range(1, last + 1)),
        stage=StageSettings(planned_sessions=planned),
    )
    kinds = [a.kind for a in track_client(history).alerts]
    assert ("termination_approaching" in kinds) is expected


def test_srs_and_wai_alerts_use_the_latest_form() -> None:
    d = session(2).date or dt.date.min
    keys = ("srs.relationship", "srs.goals_topics", "srs.approach_method", "srs.overall")
    forms = (
        MeasureRecord("SRS", d - dt.timedelta(weeks=1), dict.fromkeys(keys, 10)),
        MeasureRecord("SRS", d, dict(zip(keys, (8, 9, 9, 9), strict=True))),
        MeasureRecord("WAI-SR", d - dt.timedelta(weeks=1), {f"wai.{i}": 5 for i in range(1, 13)}),
        MeasureRecord("WAI-SR", d, {f"wai.{i}": 4 for i in range(1, 13)}),
    )
    alerts = track_client(ClientHistory("C-1", (session(1), session(2)), measures=forms)).alerts
    srs = [a for a in alerts if a.kind == "srs_flag"]
    assert len(srs) == 1 and "went from 40 to 35" in srs[0].reason
    assert any(a.kind == "wai_drop" for a in alerts)


def test_caseload_ranking_order() -> None:
    missed = AttendanceRecord(dt.date(2024, 3, 1), AttendanceStatus.MISSED)
    rupture_then_missed = ClientHistory(
        "C-A", (session(1), session(2, episodes=(UNRESOLVED_C,))), attendance=(missed,)
    )
    confrontation_only = ClientHistory("C-B", (session(1), session(2, episodes=(UNRESOLVED_C,))))
    two_medium = ClientHistory(
        "C-C",
        (session(1), session(2, episodes=(UNRESOLVED_W,)), session(3, episodes=(UNRESOLVED_W,))),
    )
    one_medium = ClientHistory("C-D", (session(1), session(2, episodes=(UNRESOLVED_W,))))
    quiet = quiet_history("C-E")
    calm = ClientHistory("C-F", (session(1), session(2)))
    ending = ClientHistory(
        "C-G", tuple(session(i) for i in range(1, 9)), stage=StageSettings(planned_sessions=10)
    )
    entries = rank_caseload(
        track_client(h)
        for h in (
            calm,
            ending,
            one_medium,
            quiet,
            two_medium,
            confrontation_only,
            rupture_then_missed,
        )
    )
    assert [e.client for e in entries] == ["C-A", "C-B", "C-C", "C-D", "C-E", "C-G", "C-F"]
    assert [e.rank for e in entries] == list(range(1, 8))
    assert entries[0].counts == {"high": 2, "medium": 0, "low": 0}
    assert entries[0].alerts[0].kind == "missed_after_rupture"
    assert entries[-1].top_severity is None


def test_timeline_json_is_plain_and_complete() -> None:
    history = quiet_history("C-1")
    data = track_client(history).model_dump(mode="json")
    text = json.dumps(data)
    assert json.loads(text) == data
    assert data["tracker_version"] == "tracking.v1"
    assert data["next_stage"] == "middle"
    assert len(data["sessions"]) == 6 and len(data["baselines"]) == 5
    last = data["sessions"][-1]
    assert last["quieter"]["id"] == "withdrawal.quieter_than_usual"
    assert {d["metric"] for d in last["deviations"]} >= {"client_words_per_turn_median"}


def test_marker_summaries_count_per_family() -> None:
    s = session(
        1, markers=("withdrawal.denial", "withdrawal.denial", "confrontation.control_pressure")
    )
    entry = track_client(ClientHistory("C-1", (s,))).sessions[0]
    assert (entry.markers.withdrawal, entry.markers.confrontation) == (2, 1)
    assert entry.markers.by_id == {"withdrawal.denial": 2, "confrontation.control_pressure": 1}


def test_every_alert_kind_has_a_next_step() -> None:
    assert all(next_step(kind, None, "Sam") for kind in KIND_ORDER)


def test_duplicate_session_numbers_are_refused() -> None:
    with pytest.raises(ValueError, match="session 2 appears more than once"):
        ClientHistory("C-1", (session(2), session(2)))


def test_every_threshold_is_documented() -> None:
    import dataclasses
    from pathlib import Path

    from mendline.tracking import settings

    doc = (Path(__file__).parents[2] / "docs" / "tracking.md").read_text("utf-8")
    groups = (
        settings.BaselineSettings,
        settings.MeasureSettings,
        settings.AttendanceSettings,
        settings.GapSettings,
        settings.AlertSettings,
    )
    missing = [f.name for g in groups for f in dataclasses.fields(g) if f"`{f.name}`" not in doc]
    assert missing == []
