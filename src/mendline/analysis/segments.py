"""3RS-style segments: the session cut into 5-minute windows, each rated per family.

3RS coders divide a session into 5-minute segments and rate, per segment, how much each kind
of rupture strained the collaboration, 1-5 (3RS; Eubanks, Muran & Safran, 2015). Without
timestamps, 40 utterances stand in for 5 minutes (roughly the turn rate of a talk-therapy
hour: ~600 utterances in 60 minutes gives ~50 per 5 minutes; 40 errs towards finer segments).
"""

from __future__ import annotations

from collections.abc import Sequence

from mendline.analysis.result import Episode, Marker, Segment
from mendline.transcript import Transcript
from mendline.vocabulary import Family

__all__ = ["SEGMENT_S", "SEGMENT_UTTERANCES", "significance", "segment_session"]

SEGMENT_S = 300.0
SEGMENT_UTTERANCES = 40


def significance(confidences: Sequence[float]) -> int:
    """0 when nothing was found; otherwise 1-5 from the summed confidence of the markers.

    One clear marker rates 2, a cluster of several rates 4-5: a strain that recurs within five
    minutes weighs more on the collaboration than a single moment.
    """
    total = sum(confidences)
    if total <= 0:
        return 0
    for level, upper in ((1, 0.75), (2, 1.5), (3, 2.5), (4, 4.0)):
        if total < upper:
            return level
    return 5


def _windows(transcript: Transcript) -> list[tuple[int, int, float | None, float | None]]:
    """(first utterance, last utterance, start_s, end_s) per segment."""
    utts = transcript.utterances
    if not utts:
        return []
    if not transcript.has_timestamps:
        return [
            (i, min(i + SEGMENT_UTTERANCES, len(utts)) - 1, None, None)
            for i in range(0, len(utts), SEGMENT_UTTERANCES)
        ]
    bucket_of: list[int] = []
    last = 0
    for u in utts:  # an utterance without a time stays with the one before it
        if u.start_s is not None:
            last = int(max(0.0, u.start_s) // SEGMENT_S)
        bucket_of.append(last)
    windows = []
    start = 0
    for i in range(1, len(utts) + 1):
        if i == len(utts) or bucket_of[i] != bucket_of[start]:
            b = bucket_of[start]
            windows.append((start, i - 1, b * SEGMENT_S, (b + 1) * SEGMENT_S))
            start = i
    return windows


def segment_session(
    transcript: Transcript, markers: Sequence[Marker], episodes: Sequence[Episode] = ()
) -> list[Segment]:
    segments = []
    for n, (first, last, start_s, end_s) in enumerate(_windows(transcript)):
        inside = [m for m in markers if first <= m.utterance <= last]
        by_family = {
            f: significance([m.confidence for m in inside if m.family == f.value]) for f in Family
        }
        ending_here = [e.resolution for e in episodes if first <= e.end_utterance <= last]
        segments.append(
            Segment(
                index=n,
                start_s=start_s,
                end_s=end_s,
                start_utterance=first,
                end_utterance=last,
                withdrawal_significance=by_family[Family.WITHDRAWAL],
                confrontation_significance=by_family[Family.CONFRONTATION],
                resolution=max(ending_here, default=0),
            )
        )
    return segments
