"""Real conversation data for the benchmarks, read from ``../shared/data`` (never copied).

MIBot (CC BY-SA 4.0; see its README there): 106 text conversations between smokers and a
motivational-interviewing counsellor bot, with whether the client liked the bot. It is
used to measure how often Mendline flags ordinary, real chat language, never for training
or tests.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from mendline.ingest.annotations import find_annotations
from mendline.transcript import Role, RoleSource, Speaker, Transcript, Utterance

ROOT = Path(__file__).resolve().parents[1]
MIBOT = ROOT.parent / "shared" / "data" / "mibot"


def as_transcript(turns: list[tuple[Role, str]], source: str) -> Transcript:
    """A two-party transcript from (role, text) turns, annotations read from the text."""
    us = tuple(Utterance(i, r.value.capitalize(), r, text, annotations=find_annotations(text))
               for i, (r, text) in enumerate(turns))
    speakers = (Speaker("Therapist", Role.THERAPIST, RoleSource.EXPLICIT, 1.0),
                Speaker("Client", Role.CLIENT, RoleSource.EXPLICIT, 1.0))
    return Transcript(us, speakers, "benchmark", "0" * 64, source=source, language="en")


def mibot_available() -> bool:
    return (MIBOT / "data.csv").is_file()


def mibot_sessions() -> list[tuple[str, bool, Transcript]]:
    """(participant id, liked the bot, transcript) for each conversation with a rating."""
    liked = {}
    with (MIBOT / "data.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            liked[row["ParticipantID"]] = row["LikedBot"].strip().upper() == "YES"
    out = []
    for path in sorted((MIBOT / "transcripts").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        turns: list[tuple[Role, str]] = []
        for u in doc["utterances"]:  # the counsellor's sentences arrive one by one: merge
            role = Role.THERAPIST if u["speaker"] == "counsellor" else Role.CLIENT
            if turns and turns[-1][0] is role:
                turns[-1] = (role, turns[-1][1] + " " + u["text"])
            else:
                turns.append((role, u["text"]))
        pid = doc["participant_id"]
        if pid in liked:
            out.append((pid, liked[pid], as_transcript(turns, pid)))
    return out
