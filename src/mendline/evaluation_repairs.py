"""Score the repair detector and the episode judgement against coded cases.

Two kinds of case, both in the labelled-data format of DESIGN.md:

- **strategy cases** (``corpora/repairs/strategies.jsonl``): a therapist target turn whose
  ``labels`` are strategy ids. Scored per id (precision, recall, F1) and as one
  *metacommunication* class (the four exploratory ids together: a turn is positive when it
  holds any of them).
- **episode cases** (``corpora/repairs/episodes.jsonl``): a whole exchange with an
  ``"episode": {"start", "end", "family", "outcome", "resolution", "significance",
  "markers": [{"turn", "id"}], "repairs": [{"turn", "id"}]}``. Scored on the outcome
  (accuracy and a confusion table), end to end (Mendline's own markers and repairs) and
  with the gold markers and repairs given, which isolates the outcome judgement itself.
  Turns may carry ``"session"``; an exchange over two sessions is analysed as two, the
  first one's open episodes handed to the second, as ``mendline`` does for a client.

Splits come from ``mendline.evaluation.split_of`` (the dialogue hash), so train/dev/test are
the same everywhere.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from mendline.analysis.episodes import DETECTOR, build_episodes
from mendline.analysis.markers import DEFAULT_DETECTOR, detect_markers
from mendline.analysis.repairs import detect_repairs, detector_name
from mendline.analysis.result import Episode, Marker, Repair
from mendline.errors import InputError
from mendline.evaluation import Case, Prf, case_transcript, load_cases, split_of
from mendline.transcript import Transcript
from mendline.vocabulary import MARKERS, METACOMMUNICATION, STRATEGIES, Outcome

__all__ = [
    "EpisodeCase",
    "Report",
    "load_episode_cases",
    "turn_cases",
    "evaluate_strategies",
    "evaluate_episodes",
    "predict_strategies",
]

_SPLITS = ("train", "dev", "test")
_OUTCOMES = tuple(o.value for o in Outcome)
_NONE = "no_episode"


@dataclass(frozen=True, slots=True)
class EpisodeCase:
    case: Case
    episode: dict


def load_episode_cases(path: str | Path) -> list[EpisodeCase]:
    """Cases with an ``episode`` object; a bad one raises ``InputError`` naming its line."""
    cases = load_cases(path)
    raw = {n: line for n, line in enumerate(
        Path(path).read_text(encoding="utf-8").splitlines(), start=1)}
    out = []
    for c in cases:
        ep = json.loads(raw[c.line]).get("episode")
        if not isinstance(ep, dict):
            raise InputError(f"{path}, line {c.line}: field 'episode' must be an object")
        if ep.get("outcome") not in _OUTCOMES:
            raise InputError(f"{path}, line {c.line}: episode.outcome must be one of "
                             f"{', '.join(_OUTCOMES)}")
        for key in ("start", "end"):
            if not isinstance(ep.get(key), int):
                raise InputError(f"{path}, line {c.line}: episode.{key} must be a turn index")
        out.append(EpisodeCase(c, ep))
    return out


def turn_cases(cases: Sequence[EpisodeCase], role: str) -> list[Case]:
    """Every ``role`` turn ("client" or "therapist") of coded episodes as a case of its own,
    labelled with the markers (or repairs) coded on that turn.

    Episode writers code every marker and every repair in the dialogue, so these are turns of
    running conversation at the rate ruptures really come, which is what a clinician's own
    transcripts look like; the marker and strategy corpora are instead rich in look-alikes.
    Each case keeps its episode's ``dialogue``, so it falls in the same split. Exchanges over
    two sessions (turns with ``session``) are left out, and so is a first turn with nothing
    before it.
    """
    key = "markers" if role == "client" else "repairs"
    out = []
    for ec in cases:
        gold: dict[int, list[str]] = {}
        for item in ec.episode.get(key, []):
            gold.setdefault(item["turn"], []).append(item["id"])
        for i, turn in enumerate(ec.case.turns):
            if turn["role"] == role and i > 0 and "session" not in turn:
                out.append(replace(ec.case, turns=ec.case.turns[:i + 1], target=i,
                                   labels=tuple(gold.get(i, ())), hard_negative=None,
                                   id=f"{ec.case.id}:{i}", families=None))
    return out


def _chosen(items: Sequence, split: str | None, key) -> list:
    if split is not None and split not in _SPLITS:
        raise InputError(f"split must be one of {', '.join(_SPLITS)}, not {split!r}")
    return [x for x in items if split is None or split_of(key(x)) == split]


# ---------------------------------------------------------------- report


@dataclass(slots=True)
class Report:
    """Figures for one evaluation: per-id scores or outcome accuracy, with a text table."""

    kind: str  # "strategies" | "episodes"
    source: str
    split: str | None
    cases: int
    per_id: dict[str, Prf] = field(default_factory=dict)
    metacommunication: Prf = field(default_factory=Prf)
    any_repair: Prf = field(default_factory=Prf)
    hard_negatives: dict[str, list[int]] = field(default_factory=dict)
    accuracy: dict[str, float] = field(default_factory=dict)  # mode -> outcome accuracy
    confusion: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    resolution_mae: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # the versioned names of the detectors whose output was scored (markers, then repairs)
    detectors: list[str] = field(default_factory=list)

    @property
    def macro_f1(self) -> float:
        scored = [p.f1 for p in self.per_id.values() if p.support or p.fp]
        return sum(scored) / len(scored) if scored else 0.0

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_dict(self) -> dict:
        d: dict = {"kind": self.kind, "source": self.source, "split": self.split,
                   "cases": self.cases, "detectors": self.detectors, "notes": self.notes}
        if self.kind == "strategies":
            d.update(macro_f1=round(self.macro_f1, 4),
                     metacommunication=self.metacommunication.as_dict(),
                     any_repair=self.any_repair.as_dict(),
                     per_id={k: v.as_dict() for k, v in self.per_id.items()},
                     hard_negatives={k: {"cases": n, "flagged": f}
                                     for k, (n, f) in sorted(self.hard_negatives.items())})
        else:
            d.update(accuracy={k: round(v, 4) for k, v in self.accuracy.items()},
                     resolution_mae={k: round(v, 3) for k, v in self.resolution_mae.items()},
                     confusion=self.confusion)
        return d

    def format_table(self) -> str:
        return _format_strategies(self) if self.kind == "strategies" else _format_episodes(self)


# ---------------------------------------------------------------- strategies


def predict_strategies(t: Transcript, target: int) -> set[str]:
    """Strategy ids Mendline finds on turn ``target`` (markers found by Mendline too)."""
    return {r.id for r in detect_repairs(t, detect_markers(t)) if r.utterance == target}


def evaluate_strategies(
    cases: Sequence[Case], *, split: str | None = None, source: str = "<cases>"
) -> Report:
    """Per-strategy and metacommunication P/R/F1 over the therapist-target cases."""
    chosen = [c for c in _chosen(cases, split, lambda c: c.dialogue)
              if c.target_role == "therapist"]
    report = Report("strategies", source, split, len(chosen),
                    per_id={sid: Prf() for sid in STRATEGIES},
                    detectors=[DEFAULT_DETECTOR, detector_name()])
    skipped = 0
    for case in chosen:
        gold = {lab for lab in case.labels if lab in STRATEGIES}
        skipped += len(case.labels) - len(gold)
        pred = predict_strategies(case_transcript(case), case.target)
        for sid, prf in report.per_id.items():
            prf.add(sid in gold, sid in pred)
        report.metacommunication.add(bool(gold & METACOMMUNICATION),
                                     bool(pred & METACOMMUNICATION))
        report.any_repair.add(bool(gold), bool(pred))
        if case.hard_negative and not gold:
            n = report.hard_negatives.setdefault(case.hard_negative, [0, 0])
            n[0] += 1
            n[1] += case.hard_negative in pred
    if skipped:
        report.notes.append(f"{skipped} labels outside the strategy vocabulary were not scored")
    return report


# ---------------------------------------------------------------- episodes


def _sessions(case: Case) -> list[tuple[int | None, Case, int]]:
    """The case cut at session boundaries: (session, sub-case, offset of its first turn)."""
    parts: list[tuple[int | None, list[dict], int]] = []
    for i, turn in enumerate(case.turns):
        s = turn.get("session")
        if not parts or s != parts[-1][0]:
            parts.append((s, [], i))
        parts[-1][1].append(turn)
    return [(s, replace(case, turns=tuple(ts), target=0), off) for s, ts, off in parts]


def _gold_markers(t: Transcript, ep: dict, offset: int) -> list[Marker]:
    out = []
    for g in ep.get("markers", []):
        k = g["turn"] - offset
        if 0 <= k < len(t.utterances) and g["id"] in MARKERS:
            text = t.utterances[k].text
            m = MARKERS[g["id"]]
            out.append(Marker(utterance=k, id=g["id"], family=m.family.value, type=m.type,
                              confidence=0.9, evidence=text, span=(0, len(text)), why="gold",
                              detector="gold"))
    return sorted(out, key=lambda m: m.utterance)


def _gold_repairs(t: Transcript, ep: dict, offset: int) -> list[Repair]:
    out = []
    for g in ep.get("repairs", []):
        k = g["turn"] - offset
        if 0 <= k < len(t.utterances) and g["id"] in STRATEGIES:
            text = t.utterances[k].text
            out.append(Repair(utterance=k, id=g["id"], metacommunication=g["id"] in
                              METACOMMUNICATION, confidence=0.9, evidence=text,
                              span=(0, len(text)), why="gold", detector="gold"))
    return sorted(out, key=lambda r: r.utterance)


def predict_episode(ec: EpisodeCase, gold_inputs: bool = False) -> Episode | None:
    """Mendline's episode for the case: the one overlapping the gold span, best match first."""
    ep = ec.episode
    carried: tuple[Episode, ...] = ()
    prev_session: int | None = None
    found: list[tuple[Episode, int]] = []
    for session, sub, offset in _sessions(ec.case):
        t = case_transcript(sub)
        if gold_inputs:
            markers, repairs = _gold_markers(t, ep, offset), _gold_repairs(t, ep, offset)
        else:
            markers = detect_markers(t)
            repairs = detect_repairs(t, markers)
        eps = build_episodes(t, markers, repairs, carried=carried, carried_session=prev_session)
        found += [(e, offset) for e in eps]
        carried = tuple(e for e in eps if e.open_at_end)
        prev_session = session
    lo, hi = ep["start"], ep["end"]

    def rank(item: tuple[Episode, int]) -> tuple[int, int, int]:
        e, off = item
        a, b = e.start_utterance + off, e.end_utterance + off
        overlap = max(0, min(b, hi) - max(a, lo) + 1)
        return (overlap > 0, e.family == ep.get("family"), overlap)

    hits = [x for x in found if rank(x)[0]]
    if not hits:
        return None
    # An exchange picked up next session is judged by the episode that carries it on.
    cont = [e for e, _ in hits if e.continues_from is not None]
    if cont:
        return cont[-1]
    return max(hits, key=rank)[0]


def evaluate_episodes(
    cases: Sequence[EpisodeCase], *, split: str | None = None, source: str = "<cases>"
) -> Report:
    """Outcome accuracy and confusion, end to end and with gold markers and repairs."""
    chosen = _chosen(cases, split, lambda ec: ec.case.dialogue)
    report = Report("episodes", source, split, len(chosen),
                    detectors=[DEFAULT_DETECTOR, detector_name(), DETECTOR])
    for mode, gold_inputs in (("end_to_end", False), ("gold_markers_and_repairs", True)):
        right = 0
        err = 0
        table: dict[str, dict[str, int]] = {}
        for ec in chosen:
            pred = predict_episode(ec, gold_inputs)
            gold = ec.episode["outcome"]
            got = pred.outcome if pred is not None else _NONE
            right += got == gold
            if pred is not None and isinstance(ec.episode.get("resolution"), int):
                err += abs(pred.resolution - ec.episode["resolution"])
            else:
                err += 4
            row = table.setdefault(gold, {})
            row[got] = row.get(got, 0) + 1
        report.accuracy[mode] = right / len(chosen) if chosen else 0.0
        report.resolution_mae[mode] = err / len(chosen) if chosen else 0.0
        report.confusion[mode] = table
    return report


# ---------------------------------------------------------------- text rendering


def _row(name: str, p: Prf, width: int) -> str:
    return f"  {name:<{width}} {p.precision:6.2f} {p.recall:6.2f} {p.f1:6.2f} {p.support:7d}"


def _format_strategies(r: Report) -> str:
    width = 36
    lines = [f"Repair strategies: {r.source}" + (f" ({r.split} split)" if r.split else ""),
             f"{r.cases} therapist turns scored ({', '.join(r.detectors)})",
             f"  {'':<{width}} {'prec':>6} {'recall':>6} {'F1':>6} {'support':>7}"]
    for sid, p in r.per_id.items():
        lines.append(_row(sid, p, width))
    lines.append("  " + "-" * (width + 29))
    lines.append(_row("metacommunication (4 ids as one)", r.metacommunication, width))
    lines.append(_row("any repair vs none", r.any_repair, width))
    lines.append(f"  macro-F1 over ids {r.macro_f1:.3f}")
    if r.hard_negatives:
        lines += ["", "Hard negatives flagged as the strategy they resemble"]
        for sid, (n, f) in sorted(r.hard_negatives.items()):
            lines.append(f"  {sid:<38} {f:4d} of {n:4d} ({f / n:.0%})")
    lines += [f"note: {n}" for n in r.notes]
    return "\n".join(lines)


_SHORT = re.compile(r"_")


def _format_episodes(r: Report) -> str:
    cols = (*_OUTCOMES, _NONE)
    lines = [f"Episode outcomes: {r.source}" + (f" ({r.split} split)" if r.split else ""),
             f"{r.cases} episodes scored ({', '.join(r.detectors)})"]
    for mode, acc in r.accuracy.items():
        lines += ["", f"== {mode.replace('_', ' ')}: accuracy {acc:.3f}, resolution MAE "
                      f"{r.resolution_mae[mode]:.2f}",
                  "  gold down, predicted across",
                  "  " + f"{'':<22}" + "".join(f"{_SHORT.sub(' ', c)[:12]:>13}" for c in cols)]
        for g in _OUTCOMES:
            row = r.confusion[mode].get(g, {})
            if row:
                lines.append("  " + f"{g:<22}" + "".join(f"{row.get(c, 0):>13}" for c in cols))
    lines += [f"note: {n}" for n in r.notes]
    return "\n".join(lines)
