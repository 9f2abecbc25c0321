"""Score Mendline against coded transcripts: ``mendline eval FILE.jsonl``.

A case is one labelled turn in a few turns of context (DESIGN.md, "Labeled data format"):

    {"id": "w-0001", "dialogue": "w-d001", "turns": [{"role": "therapist", "text": "..."},
     {"role": "client", "text": "...", "start": 12.0, "end": 14.5}], "target": 1,
     "labels": ["withdrawal.minimal_response"], "hard_negative": null}

Labels are scored against the vocabulary of the target's role: marker ids for a client
turn, strategy ids for a therapist turn (scored once a strategy detector is passed in).
Two naive baselines run in the same process so the figures have something to stand beside:
a keyword list, and "VADER compound <= -0.05 means rupture" (Hutto & Gilbert, 2014).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mendline.analysis.markers import DEFAULT_DETECTOR, detect_markers
from mendline.errors import InputError
from mendline.ingest.annotations import find_annotations
from mendline.transcript import Role, RoleSource, Speaker, Transcript, Utterance
from mendline.vocabulary import MARKERS, STRATEGIES, TRANSCRIPT_MARKERS

__all__ = [
    "Case",
    "Prf",
    "Scores",
    "EvalReport",
    "load_cases",
    "split_of",
    "case_transcript",
    "evaluate",
    "evaluate_file",
    "keyword_baseline",
    "FAMILIES",
]

FAMILIES = ("withdrawal", "confrontation")
_SPLITS = ("train", "dev", "test")


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    dialogue: str
    turns: tuple[dict, ...]
    target: int
    labels: tuple[str, ...]
    hard_negative: str | None = None
    line: int = 0
    author: str = ""  # who wrote or coded the case; lets a check leave one writer out
    # the marker families the coder labelled (None: both). A file coded for withdrawal only
    # says nothing about confrontation, so a confrontation flag there is neither right nor
    # wrong and is not scored.
    families: tuple[str, ...] | None = None

    def covers_family(self, family: str) -> bool:
        """Whether the coder labelled marker family ``family`` in this case."""
        return self.families is None or family in self.families

    def covers(self, label: str) -> bool:
        """Whether the coder labelled ``label``'s family in this case (any non-marker: yes)."""
        return label not in MARKERS or self.covers_family(label.split(".", 1)[0])

    @property
    def target_role(self) -> str:
        return str(self.turns[self.target]["role"])


def _bad(path: str, line: int, detail: str) -> InputError:
    return InputError(f"{path}, line {line}: {detail}")


def _parse_case(obj: object, path: str, line: int) -> Case:
    if not isinstance(obj, dict):
        raise _bad(path, line, "expected a JSON object per line")
    turns = obj.get("turns")
    if not isinstance(turns, list) or not turns:
        raise _bad(path, line, "field 'turns' must be a non-empty list")
    for k, t in enumerate(turns):
        if not isinstance(t, dict) or not isinstance(t.get("text"), str):
            raise _bad(path, line, f"turns[{k}] must be an object with a string 'text'")
        if t.get("role") not in ("therapist", "client", "other"):
            raise _bad(path, line, f"turns[{k}].role must be 'therapist', 'client' or 'other'")
        for key in ("start", "end"):
            if t.get(key) is not None and not isinstance(t[key], int | float):
                raise _bad(path, line, f"turns[{k}].{key} must be a number of seconds")
    target = obj.get("target")
    if not isinstance(target, int) or isinstance(target, bool) or not 0 <= target < len(turns):
        raise _bad(path, line, f"field 'target' must be an index into turns (0-{len(turns) - 1})")
    labels = obj.get("labels")
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise _bad(path, line, "field 'labels' must be a list of id strings ([] for none)")
    cid = obj.get("id")
    if not isinstance(cid, str | int):
        raise _bad(path, line, "field 'id' must be a string")
    dialogue = obj.get("dialogue")
    hn = obj.get("hard_negative")
    author = obj.get("author")
    families = obj.get("families")
    if families is not None and (not isinstance(families, list) or not families
                                 or not set(families) <= set(FAMILIES)):
        raise _bad(path, line, "field 'families', when given, must list marker families "
                   f"({', '.join(FAMILIES)})")
    return Case(id=str(cid), dialogue=str(dialogue) if dialogue is not None else str(cid),
                turns=tuple(turns), target=target, labels=tuple(labels),
                hard_negative=hn if isinstance(hn, str) else None, line=line,
                author=str(author) if isinstance(author, str | int) else "",
                families=tuple(families) if families is not None else None)


def load_cases(path: str | Path) -> list[Case]:
    """Read a JSONL file of labelled cases; a bad line raises ``InputError`` naming it."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"{name}: cannot read the file ({e.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(f"{name}: expected UTF-8 text") from None
    cases = []
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as e:
            raise _bad(name, n, f"not valid JSON (column {e.colno})") from None
        cases.append(_parse_case(obj, name, n))
    return cases


def split_of(dialogue_id: str) -> str:
    """'train', 'dev' or 'test' (about 70/15/15) from a stable hash of the dialogue id."""
    bucket = int(hashlib.sha256(dialogue_id.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "train" if bucket < 70 else "dev" if bucket < 85 else "test"


def case_transcript(case: Case) -> Transcript:
    """The case's turns as a Transcript (speakers from the roles, annotations found)."""
    utterances = []
    labels: dict[str, Role] = {}
    for i, t in enumerate(case.turns):
        role = Role(t["role"])
        speaker = str(t.get("speaker") or role.value.capitalize())
        labels.setdefault(speaker, role)
        utterances.append(Utterance(
            index=i, speaker=speaker, role=role, text=t["text"],
            start_s=float(t["start"]) if t.get("start") is not None else None,
            end_s=float(t["end"]) if t.get("end") is not None else None,
            annotations=find_annotations(t["text"])))
    speakers = tuple(Speaker(k, r, RoleSource.EXPLICIT, 1.0) for k, r in labels.items())
    digest = hashlib.sha256(json.dumps(case.turns, sort_keys=True).encode()).hexdigest()
    return Transcript(tuple(utterances), speakers, "jsonl.case", digest, source=case.id,
                      language="en")


# ---------------------------------------------------------------- scoring


@dataclass(slots=True)
class Prf:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, gold: bool, pred: bool) -> None:
        self.tp += gold and pred
        self.fp += pred and not gold
        self.fn += gold and not pred

    def as_dict(self) -> dict[str, float | int]:
        return {"support": self.support, "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4)}


def _family_cell(ids: Iterable[str]) -> str:
    fams = {i.split(".", 1)[0] for i in ids if i in MARKERS}
    if not fams:
        return "none"
    return fams.pop() if len(fams) == 1 else "both"


@dataclass(slots=True)
class Scores:
    """Figures for one system (Mendline or a baseline) over the scored cases."""

    name: str
    per_id: dict[str, Prf] = field(default_factory=dict)
    per_family: dict[str, Prf] = field(default_factory=dict)
    rupture: Prf = field(default_factory=Prf)  # any marker vs none
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    hard_negatives: dict[str, list[int]] = field(default_factory=dict)  # id -> [n, flagged]
    id_level: bool = True

    def add(self, case: Case, gold: set[str], pred: set[str], vocab: Sequence[str]) -> None:
        # flags of a family the coder did not label are not scored
        gold = {g for g in gold if case.covers(g)}
        pred = {p for p in pred if case.covers(p)}
        if self.id_level:
            for mid in vocab:
                if case.covers(mid):
                    self.per_id.setdefault(mid, Prf()).add(mid in gold, mid in pred)
            for fam in FAMILIES:
                if not case.covers_family(fam):
                    continue
                self.per_family.setdefault(fam, Prf()).add(
                    any(g.startswith(fam + ".") for g in gold),
                    any(p.startswith(fam + ".") for p in pred))
            row = self.confusion.setdefault(_family_cell(gold), {})
            cell = _family_cell(pred)
            row[cell] = row.get(cell, 0) + 1
        self.rupture.add(bool(gold), bool(pred))
        if case.hard_negative and not gold:
            n = self.hard_negatives.setdefault(case.hard_negative, [0, 0])
            n[0] += 1
            n[1] += (case.hard_negative in pred) if self.id_level else bool(pred)

    @property
    def macro_f1(self) -> float:
        scored = [p.f1 for p in self.per_id.values() if p.support or p.fp]
        return sum(scored) / len(scored) if scored else 0.0

    @property
    def family_macro_f1(self) -> float:
        scored = [p.f1 for p in self.per_family.values() if p.support or p.fp]
        return sum(scored) / len(scored) if scored else 0.0

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "macro_f1": round(self.macro_f1, 4) if self.id_level else None,
            "family_macro_f1": round(self.family_macro_f1, 4) if self.id_level else None,
            "rupture": self.rupture.as_dict(),
            "per_family": {k: v.as_dict() for k, v in self.per_family.items()},
            "per_id": {k: v.as_dict() for k, v in self.per_id.items()},
            "confusion": self.confusion,
            "hard_negatives": {k: {"cases": n, "flagged": f}
                               for k, (n, f) in sorted(self.hard_negatives.items())},
        }


@dataclass(slots=True)
class EvalReport:
    """The result of ``evaluate``: Mendline's figures and the baselines', side by side."""

    source: str
    split: str | None
    detector: str
    cases: int
    scored: int
    skipped: dict[str, int]
    system: Scores
    baselines: list[Scores]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The report as plain JSON-ready data (what ``--json`` prints)."""
        return {
            "source": self.source, "split": self.split, "detector": self.detector,
            "cases": self.cases, "scored": self.scored, "skipped": self.skipped,
            "system": self.system.as_dict(),
            "baselines": [b.as_dict() for b in self.baselines], "notes": self.notes,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def format_table(self) -> str:
        return _format(self)


# ---------------------------------------------------------------- baselines

# A naive keyword list (in-house): the words a newcomer might search a transcript for.
_KEYWORDS: dict[str, tuple[str, ...]] = {
    "withdrawal.denial": ("i'm fine", "it's fine", "doesn't matter", "didn't bother"),
    "withdrawal.minimal_response": ("i don't know", "i guess", "dunno"),
    "withdrawal.abstract_communication": ("people", "in general", "everyone"),
    "withdrawal.avoidant_storytelling": ("anyway", "by the way"),
    "withdrawal.deferential_appeasing": ("whatever you", "you're right", "you're the expert"),
    "withdrawal.content_affect_split": ("[laughs]", "haha"),
    "withdrawal.self_criticism_hopelessness": ("hopeless", "no point", "my fault"),
    "confrontation.complaint_about_therapist": ("you don't", "you never", "you're not"),
    "confrontation.rejects_intervention": ("that's not", "no,"),
    "confrontation.complaint_about_activities": ("worksheet", "homework", "exercise"),
    "confrontation.complaint_about_parameters": ("fee", "minutes", "cancel"),
    "confrontation.complaint_about_progress": ("not working", "not helping", "no progress"),
    "confrontation.defends_self": ("i did", "not my fault", "i tried"),
    "confrontation.control_pressure": ("just tell me", "stop asking"),
}


def keyword_baseline(text: str) -> set[str]:
    """Marker ids whose keyword appears in ``text`` (lower-cased, straight apostrophes)."""
    low = text.lower().replace("’", "'")
    return {mid for mid, words in _KEYWORDS.items() if any(w in low for w in words)}


def _vader() -> Callable[[str], float] | None:
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        return None
    analyzer = SentimentIntensityAnalyzer()
    return lambda text: float(analyzer.polarity_scores(text)["compound"])


# VADER's own documented cut-off for "negative" (Hutto & Gilbert, 2014; project README).
_VADER_NEGATIVE = -0.05


# ---------------------------------------------------------------- evaluate

Predictor = Callable[[Transcript, int], set[str]]


def _marker_predictor(detector: str) -> Predictor:
    def predict(t: Transcript, target: int) -> set[str]:
        return {m.id for m in detect_markers(t, detector) if m.utterance == target}
    return predict


def evaluate(
    cases: Sequence[Case],
    *,
    split: str | None = None,
    detector: str = DEFAULT_DETECTOR,
    strategy_predictor: Predictor | None = None,
    source: str = "<cases>",
) -> EvalReport:
    """Score the marker detector (and, when given, a strategy predictor) on ``cases``.

    ``split`` keeps only cases whose dialogue hashes to that split. Labels outside the
    vocabulary of the target's role are not scored and are counted in ``skipped``.
    """
    if split is not None and split not in _SPLITS:
        raise InputError(f"split must be one of {', '.join(_SPLITS)}, not {split!r}")
    chosen = [c for c in cases if split is None or split_of(c.dialogue) == split]
    predictors: dict[str, tuple[Sequence[str], Predictor | None]] = {
        "client": (TRANSCRIPT_MARKERS, _marker_predictor(detector)),
        "therapist": (tuple(STRATEGIES), strategy_predictor),
    }
    system = Scores("mendline " + detector)
    keyword = Scores("keyword list")
    vader_scores = Scores("VADER compound <= -0.05 (rupture yes/no only)", id_level=False)
    vader = _vader()
    skipped: dict[str, int] = {}
    notes: list[str] = []
    scored = 0
    for case in chosen:
        vocab, predict = predictors.get(case.target_role, ((), None))
        if predict is None:
            skipped[f"{case.target_role} targets (no detector)"] = (
                skipped.get(f"{case.target_role} targets (no detector)", 0) + 1)
            continue
        gold = {lab for lab in case.labels if lab in vocab}
        unknown = len(case.labels) - len(gold)
        if unknown:
            skipped["labels outside the role's vocabulary"] = (
                skipped.get("labels outside the role's vocabulary", 0) + unknown)
        t = case_transcript(case)
        scored += 1
        system.add(case, gold, predict(t, case.target), vocab)
        if case.target_role == "client":
            text = t.utterances[case.target].text
            keyword.add(case, gold, keyword_baseline(text), vocab)
            if vader is not None:
                vader_scores.add(case, gold, {"rupture"} if vader(text) <= _VADER_NEGATIVE
                                 else set(), vocab)
    baselines = [keyword]
    if vader is not None:
        baselines.append(vader_scores)
    else:
        notes.append("VADER baseline skipped: pip install vaderSentiment to run it")
    return EvalReport(source=source, split=split, detector=detector, cases=len(chosen),
                      scored=scored, skipped=skipped, system=system, baselines=baselines,
                      notes=notes)


def evaluate_file(path: str | Path, *, split: str | None = None,
                  detector: str = DEFAULT_DETECTOR) -> EvalReport:
    """``mendline eval FILE.jsonl``: load the cases and score them."""
    return evaluate(load_cases(path), split=split, detector=detector, source=str(path))


# ---------------------------------------------------------------- text rendering

_RE_ID = re.compile(r"^(withdrawal|confrontation)\.")


def _row(name: str, p: Prf, width: int) -> str:
    return (f"  {name:<{width}} {p.precision:6.2f} {p.recall:6.2f} {p.f1:6.2f} "
            f"{p.support:7d}")


def _format(r: EvalReport) -> str:
    width = max([len(k) for k in r.system.per_id] + [28])
    head = f"  {'':<{width}} {'prec':>6} {'recall':>6} {'F1':>6} {'support':>7}"
    lines = [f"Evaluation of {r.source}" + (f" ({r.split} split)" if r.split else ""),
             f"{r.scored} of {r.cases} cases scored; detector {r.detector}"]
    for what, n in r.skipped.items():
        lines.append(f"  not scored: {n} {what}")
    systems = [r.system, *r.baselines]
    for s in systems:
        lines.append("")
        lines.append(f"== {s.name}")
        lines.append(head)
        if s.id_level:
            for mid, p in s.per_id.items():
                if p.support or p.fp:
                    lines.append(_row(_RE_ID.sub(lambda m: m.group(1)[0] + ".", mid), p, width))
            lines.append("  " + "-" * (width + 29))
            for fam, p in s.per_family.items():
                lines.append(_row(f"family: {fam}", p, width))
        lines.append(_row("any rupture vs none", s.rupture, width))
        if s.id_level:
            lines.append(f"  macro-F1 over ids {s.macro_f1:.3f}; "
                         f"family macro-F1 {s.family_macro_f1:.3f}")
    cells = ("none", *FAMILIES, "both")
    lines += ["", f"Confusion (gold family down, {r.system.name} across)",
              "  " + f"{'':<14}" + "".join(f"{c:>14}" for c in cells)]
    for g in cells:
        row = r.system.confusion.get(g, {})
        if row:
            lines.append("  " + f"{g:<14}" + "".join(f"{row.get(c, 0):>14}" for c in cells))
    if r.system.hard_negatives:
        lines += ["", "Hard negatives flagged as the marker they resemble"]
        for mid, (n, f) in sorted(r.system.hard_negatives.items()):
            lines.append(f"  {mid:<44} {f:4d} of {n:4d} ({f / n:.0%})")
    lines += [f"note: {n}" for n in r.notes]
    return "\n".join(lines)
