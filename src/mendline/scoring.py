"""What ``mendline eval FILE.jsonl`` runs: the evaluations the file's cases call for.

A file of client-target cases is scored for rupture markers, therapist-target cases for
resolution strategies, and cases carrying an ``episode`` object for episode outcomes; a file
may mix client and therapist targets.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

from mendline.evaluation import evaluate, load_cases
from mendline.evaluation_repairs import evaluate_episodes, evaluate_strategies, load_episode_cases

__all__ = ["ScoreReport", "evaluate_path"]


class ScoreReport(Protocol):
    def to_dict(self) -> dict: ...

    def format_table(self) -> str: ...


def _has_episodes(path: Path) -> bool:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip() and '"episode"' in line:
                try:
                    return isinstance(json.loads(line).get("episode"), dict)
                except (json.JSONDecodeError, AttributeError):
                    return False  # load_cases names the bad line
    return False


def evaluate_path(path: str | Path, *, split: str | None = None) -> list[ScoreReport]:
    p = Path(path)
    cases = load_cases(p)  # validates every line first, naming the bad one
    if _has_episodes(p):
        return [evaluate_episodes(load_episode_cases(p), split=split, source=str(p))]
    reports: list[ScoreReport] = []
    client = [c for c in cases if c.target_role == "client"]
    therapist = [c for c in cases if c.target_role == "therapist"]
    if client or not therapist:
        reports.append(evaluate(client, split=split, source=str(p)))
    if therapist:
        reports.append(evaluate_strategies(therapist, split=split, source=str(p)))
    return reports
