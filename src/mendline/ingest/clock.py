"""Clock strings to seconds: the one place every format's timestamps are read."""

from __future__ import annotations

import re

__all__ = ["parse_clock", "clock_to_seconds"]

_CLOCK = re.compile(r"^(?:(\d+):)?(\d+):(\d+(?:[.,]\d+)?)$")


def parse_clock(value: str) -> float:
    """``1:02:03.5`` / ``01:02,500`` / ``0:0:3.120`` → seconds.

    For strings a format's own pattern has already matched; anything else raises ValueError.
    """
    seconds = clock_to_seconds(value)
    if seconds is None:
        raise ValueError("not a clock time")
    return seconds


def clock_to_seconds(value: str) -> float | None:
    """Seconds in ``"62.5"``, ``"1:02.5"``, ``"00:01:02.500"`` or ``"0:0:5,280"``; else None."""
    text = value.strip()
    try:
        return float(text.replace(",", "."))
    except ValueError:
        pass
    match = _CLOCK.match(text)
    if match is None:
        return None
    hours, minutes, seconds = match.groups()
    total = int(minutes) * 60 + float(seconds.replace(",", "."))
    if hours is not None:
        total += int(hours) * 3600
    return total
