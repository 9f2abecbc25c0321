"""Build Mendline's bundled demo caseload from dialogue written by hand.

    python tools/build_demo.py

The dialogue lives in ``tools/demo_dialogue/<client>/<NN>.txt``, one turn a line, written
by a person; this script only adds what a recording tool would add: plausible timing, the
cue splitting of each tool, and the file layout of each export format (Zoom and Teams
WebVTT, WhisperX JSON, plain text). It also writes ``manifest.json`` from the caseload
facts below (dates, attendance, feedback forms), so the files and the manifest cannot drift.

Dialogue syntax:

    T: therapist turn            C: client turn
    @4.5 C: ...                  extra seconds of silence before this turn
    @-1.2 C: ...                 starts 1.2 s before the previous turn ends (overlap)
    ===                          part of the hour left out of the excerpt (time jumps here)
    [[  ...  ]]                  keep these turns continuous: no added time jumps inside
    # comment                    ignored

A client turn that opens with ``[silence 6s]`` also waits those seconds before it starts.
Output is deterministic: timing noise comes from a generator seeded with the file name.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path(__file__).resolve().parent / "demo_dialogue"
OUT = ROOT / "src" / "mendline" / "demo"

EXTENSIONS = {"zoom": ".transcript.vtt", "teams": ".vtt", "txt": ".txt", "whisperx": ".json"}


# --------------------------------------------------------------------------- caseload facts

def _srs(session: int, date: str, items: list[float]) -> dict:
    return {"instrument": "SRS", "date": date, "session": session, "items": items}


def _wai(session: int, date: str, items: list[int]) -> dict:
    return {"instrument": "WAI-SR", "date": date, "session": session, "items": items, "scale": 5}


def _psq(who: str, session: int, date: str, rupture: bool, intensity=None, resolution=None):
    return {
        "instrument": f"PSQ-{who}",
        "date": date,
        "session": session,
        "items": {"rupture": rupture, "intensity": intensity, "resolution": resolution},
    }


ALDER_DATES = ["2026-01-07", "2026-01-14", "2026-01-21", "2026-01-28", "2026-02-04",
               "2026-02-18", "2026-02-25", "2026-03-04"]
BIRCH_DATES = ["2026-01-12", "2026-01-19", "2026-01-26", "2026-02-02", "2026-02-09",
               "2026-02-16", "2026-02-23", "2026-03-02"]
CEDAR_DATES = ["2026-01-13", "2026-01-20", "2026-01-27", "2026-02-03", "2026-02-12",
               "2026-02-17", "2026-02-24"]

CLIENTS = [
    {
        "code": "C-ALDER",
        "dir": "alder",
        "display_name": "Elliot (demo)",
        "therapist_label": "Simone Varga",
        "client_label": "Elliot",
        "client_rate": [2.7, 2.7, 2.5, 2.4, 2.2, 2.1, 2.0, 2.1],  # words per second
        "latency": [1.0, 1.0, 1.3, 1.6, 2.0, 2.4, 2.6, 2.3],  # multiplies response gaps
        "formats": ["whisperx", "txt", "zoom", "zoom", "whisperx", "zoom", "zoom", "whisperx"],
        "dates": ALDER_DATES,
        "minutes": [50, 50, 49, 50, 48, 38, 49, 50],
        "settings": {"planned_sessions": None},
        "attendance": [
            {"date": d, "status": "attended", "minutes_late": None} for d in ALDER_DATES[:5]
        ]
        + [
            {"date": "2026-02-11", "status": "missed", "minutes_late": None},
            {"date": "2026-02-18", "status": "late", "minutes_late": 12},
            {"date": "2026-02-25", "status": "attended", "minutes_late": None},
            {"date": "2026-03-04", "status": "attended", "minutes_late": None},
        ],
        "measures": [
            _srs(1, ALDER_DATES[0], [9.6, 9.4, 9.5, 9.5]),
            _srs(2, ALDER_DATES[1], [9.7, 9.5, 9.4, 9.6]),
            _srs(3, ALDER_DATES[2], [9.5, 9.2, 9.3, 9.4]),
            _srs(4, ALDER_DATES[3], [9.4, 9.0, 9.1, 9.2]),
            _srs(5, ALDER_DATES[4], [10.0, 10.0, 10.0, 10.0]),
            _srs(6, ALDER_DATES[5], [9.1, 8.6, 8.8, 8.9]),
            _srs(7, ALDER_DATES[6], [8.9, 8.2, 8.4, 8.5]),
            _srs(8, ALDER_DATES[7], [8.8, 8.0, 8.1, 8.3]),
            _wai(1, ALDER_DATES[0], [4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4]),
            _wai(4, ALDER_DATES[3], [4, 4, 4, 3, 4, 3, 4, 4, 4, 3, 3, 4]),
            _wai(8, ALDER_DATES[7], [3, 3, 4, 3, 3, 3, 4, 3, 3, 3, 2, 3]),
            _psq("client", 6, ALDER_DATES[5], False),
            _psq("therapist", 6, ALDER_DATES[5], True, 2, 2),
            _psq("client", 8, ALDER_DATES[7], True, 2, 3),
            _psq("therapist", 8, ALDER_DATES[7], True, 3, 3),
        ],
    },
    {
        "code": "C-BIRCH",
        "dir": "birch",
        "display_name": "Marisol (demo)",
        "therapist_label": "Daniel Osei",
        "client_label": "Marisol",
        "client_rate": [2.8, 2.8, 2.8, 2.9, 3.0, 2.8, 2.7, 2.8],
        "latency": [1.0, 0.9, 1.0, 0.9, 0.8, 1.0, 1.1, 1.0],
        "formats": ["teams", "teams", "whisperx", "teams", "teams", "whisperx", "teams", "txt"],
        "dates": BIRCH_DATES,
        "minutes": [50, 50, 50, 49, 52, 50, 50, 50],
        "settings": {"planned_sessions": 8},
        "attendance": [
            {"date": d, "status": "attended", "minutes_late": None} for d in BIRCH_DATES
        ],
        "measures": [
            _srs(1, BIRCH_DATES[0], [9.0, 8.8, 8.8, 9.0]),
            _srs(2, BIRCH_DATES[1], [9.2, 9.0, 8.9, 9.1]),
            _srs(3, BIRCH_DATES[2], [9.0, 8.6, 8.2, 8.7]),
            _srs(4, BIRCH_DATES[3], [9.2, 9.0, 8.9, 9.1]),
            _srs(5, BIRCH_DATES[4], [7.2, 6.5, 5.8, 6.6]),
            _srs(6, BIRCH_DATES[5], [9.3, 9.0, 9.1, 9.2]),
            _srs(7, BIRCH_DATES[6], [9.4, 9.2, 9.3, 9.3]),
            _srs(8, BIRCH_DATES[7], [9.7, 9.5, 9.6, 9.7]),
            _wai(1, BIRCH_DATES[0], [3, 3, 4, 3, 3, 3, 4, 3, 3, 3, 3, 3]),
            _wai(5, BIRCH_DATES[4], [2, 2, 3, 3, 3, 2, 3, 3, 3, 2, 3, 2]),
            _wai(8, BIRCH_DATES[7], [4, 5, 5, 4, 5, 4, 5, 4, 4, 4, 5, 4]),
            _psq("client", 3, BIRCH_DATES[2], True, 2, 2),
            _psq("therapist", 3, BIRCH_DATES[2], False),
            _psq("client", 5, BIRCH_DATES[4], True, 4, 4),
            _psq("therapist", 5, BIRCH_DATES[4], True, 4, 4),
            _psq("client", 7, BIRCH_DATES[6], True, 2, 4),
            _psq("therapist", 7, BIRCH_DATES[6], True, 3, 4),
        ],
    },
    {
        "code": "C-CEDAR",
        "dir": "cedar",
        "display_name": "Priya (demo)",
        "therapist_label": "Hannah Lindqvist",
        "client_label": "Priya",
        "client_rate": [2.7, 2.8, 2.7, 2.8, 2.7, 2.8, 2.7],
        "latency": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
        "formats": ["zoom", "txt", "teams", "zoom", "whisperx", "zoom", "txt"],
        "dates": CEDAR_DATES,
        "minutes": [50, 50, 49, 50, 50, 50, 49],
        "settings": {"planned_sessions": None},
        "attendance": [
            {"date": d, "status": "attended", "minutes_late": None} for d in CEDAR_DATES
        ],
        "measures": [
            _srs(1, CEDAR_DATES[0], [9.4, 9.2, 9.3, 9.4]),
            _srs(2, CEDAR_DATES[1], [9.6, 9.4, 9.3, 9.5]),
            _srs(3, CEDAR_DATES[2], [9.5, 9.6, 9.2, 9.6]),
            _srs(4, CEDAR_DATES[3], [9.7, 9.5, 9.6, 9.7]),
            _srs(5, CEDAR_DATES[4], [9.6, 9.2, 9.0, 9.4]),
            _srs(6, CEDAR_DATES[5], [9.8, 9.6, 9.7, 9.7]),
            _srs(7, CEDAR_DATES[6], [9.8, 9.7, 9.6, 9.8]),
            _wai(1, CEDAR_DATES[0], [4, 4, 4, 4, 5, 4, 4, 4, 4, 4, 4, 4]),
            _wai(4, CEDAR_DATES[3], [5, 4, 5, 4, 5, 5, 5, 4, 5, 4, 5, 4]),
            _wai(7, CEDAR_DATES[6], [5, 5, 5, 5, 5, 4, 5, 5, 5, 4, 5, 5]),
            _psq("client", 5, CEDAR_DATES[4], False),
            _psq("therapist", 5, CEDAR_DATES[4], True, 1, 5),
        ],
    },
]

CLINICIAN = {"username": "demo", "display_name": "Demo Clinician"}


# --------------------------------------------------------------------------- dialogue

@dataclass
class Turn:
    who: str  # "T" or "C"
    text: str
    extra_gap_s: float | None = None
    skip_before: bool = False
    continuous: bool = False  # inside [[ ]]: part of one unbroken exchange


@dataclass
class Timed:
    speaker: str
    text: str
    start_s: float
    end_s: float


_LINE = re.compile(r"^(?:@(-?\d+(?:\.\d+)?)\s+)?([TC]):\s*(.+)$")
_SILENCE = re.compile(r"\[silence (\d+(?:\.\d+)?)s\]")
_LEADING_SILENCE = re.compile(r"^\[silence (\d+(?:\.\d+)?)s\]\s*")


def read_dialogue(path: Path) -> list[Turn]:
    turns: list[Turn] = []
    skip = False
    hold = opening = False
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line == "===":
            skip = True
            continue
        if line in ("[[", "]]"):
            hold = line == "[["
            opening = hold
            continue
        m = _LINE.match(line)
        if not m:
            raise SystemExit(f"{path}:{n}: expected 'T: ...', 'C: ...', '@N C: ...' or '==='")
        gap = float(m.group(1)) if m.group(1) else None
        if skip and m.group(2) != "T":
            raise SystemExit(f"{path}:{n}: a time jump must come before a therapist turn")
        if turns and turns[-1].who == m.group(2):
            raise SystemExit(f"{path}:{n}: two turns in a row by one speaker would merge into one")
        turns.append(Turn(m.group(2), m.group(3).strip(), gap, skip, hold and not opening))
        skip = opening = False
    return turns


def _spoken_words(text: str) -> int:
    text = re.sub(r"\[[^\]]*\]|\([^)]*\)", " ", text)
    return len(re.findall(r"[A-Za-z0-9']+", text))


def _annotation_seconds(text: str) -> float:
    seconds = sum(float(s) for s in _SILENCE.findall(_LEADING_SILENCE.sub("", text)))
    seconds += 4.5 * text.count("(long pause)") + 2.0 * text.count("(pause)")
    seconds += 1.0 * text.count("[laughs]") + 1.2 * text.count("[sighs]")
    return seconds


JUMPS_PER_SESSION = 11  # the excerpt's left-out stretches: enough that no 5-minute span is empty


def _spread_skips(turns: list[Turn], skips: list[int], wanted: int) -> list[int]:
    """Add time jumps, evenly through the excerpt, to the ones written in the dialogue.

    A jump only goes where the therapist speaks after a client turn of some length, so the
    client's own response times (what engagement measures read) are never stretched, and
    no jump follows a backchannel ("Mm-hmm.") in the middle of an explanation.
    """
    candidates = [i for i in range(1, len(turns))
                  if turns[i].who == "T" and turns[i - 1].who == "C" and i not in skips
                  and not turns[i].continuous and _spoken_words(turns[i - 1].text) >= 8]
    chosen = set(skips)
    for k in range(1, wanted - len(skips) + 1):
        if not candidates:
            break
        aim = k * len(turns) / (wanted - len(skips) + 1)
        best = min(candidates, key=lambda i: abs(i - aim))
        chosen.add(best)
        candidates.remove(best)
    return sorted(chosen)


def time_turns(turns: list[Turn], names: dict[str, str], rate_c: float, latency: float,
               minutes: float, rng: random.Random) -> list[Timed]:
    """Give each turn a start and end, then stretch the left-out parts to fill the hour."""
    clock = rng.uniform(2.0, 6.0)
    timed: list[Timed] = []
    skips: list[int] = []
    prev_end = clock
    for i, t in enumerate(turns):
        rate = rate_c if t.who == "C" else rng.uniform(2.5, 2.8)
        words = _spoken_words(t.text)
        dur = words / rate * rng.uniform(0.9, 1.12) + _annotation_seconds(t.text) + 0.35
        dur = max(dur, 0.7)
        if t.who == "C":
            gap = rng.uniform(0.4, 1.5) * latency
        else:
            gap = rng.uniform(0.3, 1.2)
        lead = _LEADING_SILENCE.match(t.text)
        if lead:
            gap += float(lead.group(1))
        if t.extra_gap_s is not None:
            gap = t.extra_gap_s if t.extra_gap_s < 0 else gap + t.extra_gap_s
        if t.skip_before:
            skips.append(i)
        start = max(0.5, prev_end + gap)
        end = start + dur
        timed.append(Timed(names[t.who], t.text, start, end))
        prev_end = end
    target = minutes * 60 - rng.uniform(15, 40)
    spare = target - prev_end
    authored = set(skips)
    skips = _spread_skips(turns, skips, JUMPS_PER_SESSION)
    if spare > 0 and skips:
        weights = [rng.uniform(0.7, 1.3) * (1.2 if i in authored else 1.0) for i in skips]
        total = sum(weights)
        shift = 0.0
        k = 0
        for i, item in enumerate(timed):
            if k < len(skips) and i == skips[k]:
                shift += spare * weights[k] / total
                k += 1
            item.start_s += shift
            item.end_s += shift
    return timed


# --------------------------------------------------------------------------- cue splitting

_SENTENCE = re.compile(r"(?<=[.!?…])\s+(?=\S)|(?<=—)\s+(?=\S)")


def split_turn(text: str, seconds: float, max_s: float) -> list[tuple[str, float]]:
    """Split one turn into cues of at most about ``max_s`` seconds at sentence breaks,
    as Zoom and Teams do; returns (text, share of the turn's duration)."""
    if seconds <= max_s:
        return [(text, 1.0)]
    pieces = _SENTENCE.split(text)
    per_char = seconds / max(len(text), 1)
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current} {piece}".strip()
        if current and len(candidate) * per_char > max_s:
            chunks.append(current)
            current = piece
        else:
            current = candidate
    if current:
        chunks.append(current)
    total = sum(len(c) for c in chunks)
    return [(c, len(c) / total) for c in chunks]


def _cues(timed: list[Timed], max_s: float) -> list[tuple[int, int, Timed]]:
    out: list[tuple[int, int, Timed]] = []
    for turn_no, t in enumerate(timed):
        span = t.end_s - t.start_s
        at = t.start_s
        for k, (text, share) in enumerate(split_turn(t.text, span, max_s)):
            end = at + span * share
            out.append((turn_no, k, Timed(t.speaker, text, at, end)))
            at = end
    return out


def _ts(seconds: float) -> str:
    ms = round(seconds * 1000)
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


# --------------------------------------------------------------------------- writers

def write_zoom(timed: list[Timed], rng: random.Random) -> str:
    lines = ["WEBVTT", ""]
    for n, (_, _, c) in enumerate(_cues(timed, rng.uniform(8.0, 12.0)), 1):
        lines += [str(n), f"{_ts(c.start_s)} --> {_ts(c.end_s)}", f"{c.speaker}: {c.text}", ""]
    return "\n".join(lines)


def write_teams(timed: list[Timed], rng: random.Random) -> str:
    guid = uuid.UUID(int=rng.getrandbits(128), version=4)
    lines = ["WEBVTT", ""]
    base = rng.randint(3, 40)
    for turn_no, k, c in _cues(timed, 14.0):
        lines += [
            f"{guid}/{base + turn_no}-{k}",
            f"{_ts(c.start_s)} --> {_ts(c.end_s)}",
            f"<v {c.speaker}>{c.text}</v>",
            "",
        ]
    return "\n".join(lines)


def write_whisperx(timed: list[Timed], codes: dict[str, str]) -> str:
    segments = [
        {
            "start": round(c.start_s, 3),
            "end": round(c.end_s, 3),
            "text": " " + c.text,
            "speaker": codes[c.speaker],
        }
        for _, _, c in _cues(timed, 7.0)
    ]
    return json.dumps({"segments": segments, "language": "en"}, ensure_ascii=False)


def write_txt(timed: list[Timed], date: str, names: list[str], number: int) -> str:
    head = [f"Session {number} transcript", f"Date: {date}", f"Attendees: {', '.join(names)}", ""]
    body = [f"{t.speaker}: {t.text}\n" for t in timed]
    return "\n".join(head) + "\n" + "\n".join(body)


# --------------------------------------------------------------------------- main

def build() -> dict:
    manifest_clients = []
    for client in CLIENTS:
        folder = OUT / client["dir"]
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
        names = {"T": client["therapist_label"], "C": client["client_label"]}
        sessions = []
        for idx, fmt in enumerate(client["formats"]):
            number = idx + 1
            date = client["dates"][idx]
            src = SOURCE / client["dir"] / f"{number:02d}.txt"
            rng = random.Random(f"{client['code']}-{number}")
            turns = read_dialogue(src)
            timed = time_turns(turns, names, client["client_rate"][idx], client["latency"][idx],
                               client["minutes"][idx], rng)
            name = f"{date}_session{number:02d}{EXTENSIONS[fmt]}"
            if fmt == "zoom":
                text = write_zoom(timed, rng)
            elif fmt == "teams":
                text = write_teams(timed, rng)
            elif fmt == "whisperx":
                order: list[str] = []
                for t in timed:
                    if t.speaker not in order:
                        order.append(t.speaker)
                codes = {label: f"SPEAKER_{i:02d}" for i, label in enumerate(order)}
                text = write_whisperx(timed, codes)
            else:
                text = write_txt(timed, date, [names["T"], names["C"]], number)
            (folder / name).write_text(text + "\n", encoding="utf-8")
            if fmt == "whisperx":
                roles = {codes[names["T"]]: "therapist", codes[names["C"]]: "client"}
            else:
                roles = {names["T"]: "therapist", names["C"]: "client"}
            sessions.append({"number": number, "date": date, "file": f"{client['dir']}/{name}",
                             "format": fmt, "roles": roles})
        manifest_clients.append({
            "code": client["code"],
            "display_name": client["display_name"],
            "therapist_label": client["therapist_label"],
            "settings": client["settings"],
            "sessions": sessions,
            "attendance": client["attendance"],
            "measures": client["measures"],
        })
    manifest = {"clinician": CLINICIAN, "clients": manifest_clients}
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


if __name__ == "__main__":
    result = build()
    for c in result["clients"]:
        print(c["code"], len(c["sessions"]), "sessions")
