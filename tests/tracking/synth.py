"""Synthetic session series for the tracking tests (all numbers invented)."""

from __future__ import annotations

import datetime as dt
import random

from mendline.analysis.result import Engagement
from mendline.tracking import EpisodeRecord, MarkerHit, SessionRecord

START = dt.date(2024, 1, 8)


def engagement(
    wpt: float = 20.0,
    share: float = 0.5,
    minimal: float = 0.15,
    latency: float | None = 1.0,
    pauses: int = 1,
    turns: int = 40,
) -> Engagement:
    client_words = int(wpt * turns)
    return Engagement(
        duration_s=3000.0,
        therapist_words=int(client_words * (1 - share) / share) if share else 0,
        client_words=client_words,
        other_words=0,
        therapist_turns=turns,
        client_turns=turns,
        other_turns=0,
        client_word_share=share,
        client_words_per_turn_median=wpt,
        client_words_per_turn_iqr=6.0,
        client_minimal_turn_rate=minimal,
        client_backchannels=2,
        client_minimal_replies=int(minimal * turns),
        therapist_questions=12,
        therapist_open_questions=6,
        therapist_closed_questions=6,
        response_latency_median_s=latency,
        response_latency_p90_s=None if latency is None else latency * 2,
        long_pauses=pauses,
        overlaps=1,
        nonverbal={},
    )


def session(
    number: int,
    eng: Engagement | None = None,
    *,
    markers: tuple[str, ...] = (),
    episodes: tuple[EpisodeRecord, ...] = (),
) -> SessionRecord:
    return SessionRecord(
        number=number,
        date=START + dt.timedelta(weeks=number - 1),
        engagement=eng or engagement(),
        markers=tuple(MarkerHit(m, 0.8) for m in markers),
        episodes=episodes,
    )


def noisy_series(
    seed: int, n: int = 20, factor: object = None, base_wpt: float = 20.0
) -> tuple[SessionRecord, ...]:
    """Noisy sessions; ``factor(i)`` < 1 makes session i quieter (shorter, slower)."""
    rng = random.Random(seed)
    out = []
    for i in range(1, n + 1):
        f = factor(i) if callable(factor) else 1.0
        wpt = max(1.0, rng.gauss(base_wpt, base_wpt * 0.15) * f)
        share = min(0.9, max(0.05, rng.gauss(0.5, 0.05) * (0.5 + 0.5 * f)))
        minimal = min(1.0, max(0.0, rng.gauss(0.15, 0.04) / f))
        latency = max(0.1, rng.gauss(1.0, 0.15) / f)
        pauses = sum(rng.random() < 1.5 / f / 40 for _ in range(40))
        eng = engagement(
            round(wpt, 1), round(share, 3), round(minimal, 3), round(latency, 2), pauses
        )
        out.append(session(i, eng))
    return tuple(out)
