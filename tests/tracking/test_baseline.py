"""Quieter than usual: each session against the client's own earlier sessions."""

from __future__ import annotations

import pytest

from mendline.tracking import ClientHistory, track_client
from mendline.tracking.baseline import assess_engagement
from mendline.tracking.robust import mad, median, quantile, t_cdf, theil_sen_slope
from mendline.tracking.settings import BaselineSettings
from tests.tracking.synth import engagement, noisy_series, session

S = BaselineSettings()


@pytest.mark.parametrize(
    ("t", "df", "expected"),
    [(0.0, 3, 0.5), (1.0, 1, 0.75), (3.0, 2, 0.952267), (-2.0, 4, 0.058058), (2.0, 7, 0.95719)],
)
def test_t_cdf_matches_tables(t: float, df: int, expected: float) -> None:
    assert t_cdf(t, df) == pytest.approx(expected, abs=1e-5)


def test_robust_helpers() -> None:
    assert median([3, 1, 2, 100]) == 2.5
    assert mad([1, 2, 3, 4, 100]) == 1
    assert quantile([1, 2, 3], 0.25) == 1.5
    assert theil_sen_slope([1, 2, 3, 4, 5], [10, 8, 6, 4, 40]) == pytest.approx(-2.0)


def test_first_sessions_have_no_baseline_yet() -> None:
    sessions = tuple(session(i) for i in range(1, 4)) + (session(4, engagement(wpt=5)),)
    report = assess_engagement(sessions[:3], "Sam", S)
    assert all(c.deviations == [] and c.quieter is None for c in report.sessions)
    assert "No baseline yet" in (report.sessions[2].note or "")
    assert len(report.baselines) == 5  # ready for session 4
    assert assess_engagement(sessions[:2], "Sam", S).baselines == []
    # the fourth session is the first compared, against sessions 1-3
    report = assess_engagement(sessions, "Sam", S)
    assert report.sessions[3].quieter is not None
    assert report.sessions[3].deviations[0].baseline.sessions == [1, 2, 3]


def test_sudden_drop_is_named_with_its_usual_range() -> None:
    usual = [18, 20, 24, 19, 22, 21]
    sessions = tuple(session(i + 1, engagement(wpt=w)) for i, w in enumerate(usual))
    sessions += (session(7, engagement(wpt=9, share=0.3, minimal=0.45, latency=2.5)),)
    timeline = track_client(ClientHistory("C-1", sessions, display_name="Sam"))
    q = timeline.sessions[-1].quieter
    assert q is not None and q.id == "withdrawal.quieter_than_usual"
    assert q.confidence > 0.9
    words = next(r for r in q.reasons if r.startswith("Sam's replies"))
    assert (
        words == "Sam's replies were about half as long as usual (median 9 words; usually 19–22)."
    )
    dev = {d.metric: d for d in timeline.sessions[-1].deviations}
    assert dev["client_words_per_turn_median"].z > 2.5
    assert dev["response_latency_median_s"].flagged
    assert timeline.alerts[0].kind == "withdrawal_trend"


def test_more_talkative_is_not_quieter() -> None:
    sessions = tuple(session(i) for i in range(1, 7)) + (
        session(7, engagement(wpt=60, share=0.8, minimal=0.0, latency=0.4, pauses=0)),
    )
    report = assess_engagement(sessions, "Sam", S)
    assert report.sessions[-1].quieter is None
    assert all(d.z < 0 for d in report.sessions[-1].deviations if d.metric != "long_pauses")


@pytest.mark.parametrize("seed", range(5))
def test_always_terse_client_is_not_flagged_for_being_terse(seed: int) -> None:
    # 4 words a reply, many minimal replies, slow to answer: every session
    sessions = noisy_series(seed, base_wpt=4.0)
    sessions = tuple(
        session(s.number, s.engagement.model_copy(update={"client_minimal_turn_rate": 0.6}))
        for s in sessions
    )
    report = assess_engagement(sessions, "Alex", S)
    assert [c.number for c in report.sessions if c.quieter] == []


def test_noisy_but_stable_clients_are_rarely_flagged() -> None:
    flagged = drifts = 0
    for seed in range(60):
        report = assess_engagement(noisy_series(seed), "Sam", S)
        flagged += sum(c.quieter is not None for c in report.sessions)
        drifts += sum(len(c.drift) for c in report.sessions)
    # 60 clients x 17 compared sessions = 1020 sessions
    assert flagged / 1020 < 0.02
    assert drifts / 60 < 0.2


@pytest.mark.parametrize("start", [5, 12])
def test_halved_replies_are_caught_at_once(start: int) -> None:
    caught = 0
    for seed in range(40):
        sessions = noisy_series(seed, factor=lambda i: 1.0 if i < start else 0.5)
        report = assess_engagement(sessions, "Sam", S)
        caught += report.sessions[start - 1].quieter is not None
    assert caught >= 36  # at least 90% on the very session it happens


def test_slow_drift_is_caught_by_cusum_not_by_single_sessions() -> None:
    # replies 3% shorter every session from session 6, other metrics steady
    wpts = [20, 21, 19, 20, 20] + [20 * (1 - 0.04 * k) for k in range(1, 13)]
    sessions = tuple(session(i + 1, engagement(wpt=round(w, 1))) for i, w in enumerate(wpts))
    timeline = track_client(ClientHistory("C-2", sessions, display_name="Robin"))
    drift = [d for s in timeline.sessions for d in s.drift]
    assert drift and drift[0].metric == "client_words_per_turn_median"
    assert drift[0].since_session >= 6
    assert "Since session" in drift[0].reason and "Robin's replies got shorter" in drift[0].reason
    trend = next(t for t in timeline.trends if t.metric == "client_words_per_turn_median")
    assert trend.direction == "quieter"
    assert trend.slope_per_session is not None and trend.slope_per_session < 0


def test_sessions_with_too_few_client_turns_are_not_compared() -> None:
    sessions = tuple(session(i) for i in range(1, 6)) + (session(6, engagement(wpt=2, turns=3)),)
    report = assess_engagement(sessions, "Sam", S)
    assert report.sessions[-1].quieter is None
    assert report.sessions[-1].note == "Too few client turns in this session to compare it."


def test_long_pauses_need_timestamps() -> None:
    sessions = tuple(session(i, engagement(latency=None, pauses=0)) for i in range(1, 6))
    sessions += (session(6, engagement(latency=None, pauses=9)),)
    report = assess_engagement(sessions, "Sam", S)
    assert all(d.metric != "long_pauses" for d in report.sessions[-1].deviations)
