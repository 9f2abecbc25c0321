"""A synthetic 60-minute, two-speaker session (~9,000 words) written out in every format.

Used by the benchmarks only. The sentences are invented; a seeded generator varies them so the
parsers see realistic lengths and timing, not one repeated line.
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass

__all__ = ["Turn", "make_session", "render", "FORMATS"]

THERAPIST_LINES = [
    "How did that feel when it happened?",
    "What was that like for you, sitting there with it?",
    "I notice you went a bit quiet just now. What's happening for you?",
    "Can you say more about what you mean by that?",
    "That sounds really hard, and I can hear how tired you are of it.",
    "When was the last time you felt that way?",
    "So the idea of this exercise is to write the thought down before you react to it.",
    "I wonder if something I said didn't sit right with you.",
    "Let's slow down for a second and stay with that.",
    "What would you want me to understand about this?",
]
CLIENT_LINES = [
    "I don't know, it was just one of those weeks where everything piles up.",
    "Yeah.",
    "Honestly I think I was angry, but I didn't want to say it to her face.",
    "Um, I guess it felt like nobody was really listening to me at work.",
    "[laughs] It's fine, it's whatever, I'm used to it by now.",
    "Mm-hmm.",
    "I mean, I tried the worksheet, but I'm not sure it does anything for me.",
    "Last Tuesday. Right after the meeting with my manager.",
    "It's hard to put into words, like there's this weight on my chest every morning "
    "and I keep telling myself I should be over it already.",
    "Maybe. I don't know.",
    "My sister called and we talked for a long time about our dad, which was good actually.",
    "I feel like we keep going over the same thing and I'm not getting anywhere.",
]


@dataclass(frozen=True)
class Turn:
    speaker: str
    text: str
    start_s: float
    end_s: float


def make_session(seed: int = 7, target_words: int = 9000, duration_s: float = 3600.0):
    rng = random.Random(seed)
    turns: list[Turn] = []
    words = 0
    speakers = ("Dr Morgan Lee", "Sam Rivera")
    raw: list[tuple[str, str]] = []
    i = 0
    while words < target_words:
        speaker = speakers[i % 2]
        pool = THERAPIST_LINES if i % 2 == 0 else CLIENT_LINES
        n = rng.choice((1, 1, 2, 3))
        text = " ".join(rng.choice(pool) for _ in range(n))
        raw.append((speaker, text))
        words += len(text.split())
        i += 1
    per_word = duration_s / words * 0.85
    t = 1.0
    for speaker, text in raw:
        length = max(0.6, len(text.split()) * per_word)
        turns.append(Turn(speaker, text, round(t, 3), round(t + length, 3)))
        t += length + rng.uniform(0.2, 2.5)
    return turns


def _ts(s: float, sep: str = ".") -> str:
    ms = int(round(s * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    sec, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{sec:02d}{sep}{ms:03d}"


def _zoom_vtt(turns: list[Turn]) -> bytes:
    out = ["WEBVTT", ""]
    for n, t in enumerate(turns, 1):
        out += [str(n), f"{_ts(t.start_s)} --> {_ts(t.end_s)}", f"{t.speaker}: {t.text}", ""]
    return "\n".join(out).encode()


def _teams_vtt(turns: list[Turn]) -> bytes:
    out = ["WEBVTT", ""]
    for n, t in enumerate(turns):
        out += [
            f"3f2a9c1e-77b0-4d5e-9c21-0b8e5d{n:06d}/{n % 40}-0",
            f"{_ts(t.start_s)} --> {_ts(t.end_s)}",
            f"<v {t.speaker}>{t.text}</v>",
            "",
        ]
    return "\n".join(out).encode()


def _srt(turns: list[Turn]) -> bytes:
    out = []
    for n, t in enumerate(turns, 1):
        out += [str(n), f"{_ts(t.start_s, ',')} --> {_ts(t.end_s, ',')}",
                f"{t.speaker}: {t.text}", ""]
    return "\n".join(out).encode()


def _txt(turns: list[Turn]) -> bytes:
    lines = ["Session notes export", "Date: 2026-03-14", ""]
    lines += [f"{t.speaker}: {t.text}" for t in turns]
    return "\n".join(lines).encode()


def _whisperx(turns: list[Turn]) -> bytes:
    codes = {"Dr Morgan Lee": "SPEAKER_00", "Sam Rivera": "SPEAKER_01"}
    segs = [
        {"start": t.start_s, "end": t.end_s, "text": " " + t.text, "speaker": codes[t.speaker]}
        for t in turns
    ]
    return json.dumps({"segments": segs, "language": "en"}).encode()


def _docx(turns: list[Turn]) -> bytes:
    import docx

    d = docx.Document()
    for t in turns:
        m, s = divmod(int(t.start_s), 60)
        d.add_paragraph(f"{t.speaker}   {m}:{s:02d}")
        d.add_paragraph(t.text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


FORMATS = {
    "vtt.zoom": (".transcript.vtt", _zoom_vtt),
    "vtt.teams": (".vtt", _teams_vtt),
    "srt": (".srt", _srt),
    "txt": (".txt", _txt),
    "json.whisperx": (".json", _whisperx),
    "docx": (".docx", _docx),
}


def render(fmt: str, turns: list[Turn]) -> tuple[str, bytes]:
    suffix, fn = FORMATS[fmt]
    return suffix, fn(turns)
