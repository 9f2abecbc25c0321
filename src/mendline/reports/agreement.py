"""Agreement between two sets of codes: Cohen's kappa for labels, ICC for segment ratings.

``agreement(a_path, b_path)`` compares two coders' JSON Lines files in the labelled-case
format (DESIGN.md), matched by case id and target. Per family and per id it gives Cohen's
kappa (Cohen, 1960) on "present / absent" at each matched target; for episode cases the
kappa on the outcome category; and for segment cases that carry ``"ratings"`` (e.g.
``{"withdrawal_significance": 2, "confrontation_significance": 0, "resolution": 1}``) the
intraclass correlations ICC(2,1) and ICC(3,1) (Shrout & Fleiss, 1979), the statistics 3RS
reliability studies report (ICC .85-.98 for frequencies; Eubanks et al., 2019).

``agreement_with_clinician(inputs)`` does the same between Mendline and the clinician's
confirmations and corrections stored as feedback.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mendline.errors import InputError
from mendline.evaluation import load_cases
from mendline.reports.inputs import ReportInputs
from mendline.vocabulary import MARKERS, STRATEGIES

__all__ = ["Kappa", "Icc", "AgreementReport", "cohen_kappa", "icc", "agreement",
           "agreement_from_cases", "agreement_with_clinician", "FAMILIES"]

FAMILIES = ("withdrawal", "confrontation", "any_rupture", "repair")


@dataclass(frozen=True, slots=True)
class Kappa:
    kappa: float | None  # None when both coders used one category only (undefined)
    n: int
    observed: float | None  # proportion of agreement
    expected: float | None  # agreement expected by chance
    a_positive: int = 0
    b_positive: int = 0

    def as_dict(self) -> dict[str, float | int | None]:
        return {"kappa": self.kappa, "n": self.n, "observed": self.observed,
                "expected": self.expected, "a_positive": self.a_positive,
                "b_positive": self.b_positive}


@dataclass(frozen=True, slots=True)
class Icc:
    icc2_1: float | None  # two-way random, absolute agreement, single rater
    icc3_1: float | None  # two-way mixed, consistency, single rater
    n: int  # targets (segments)
    k: int  # raters

    def as_dict(self) -> dict[str, float | int | None]:
        return {"icc2_1": self.icc2_1, "icc3_1": self.icc3_1, "n": self.n, "k": self.k}


def cohen_kappa(a: Sequence[object], b: Sequence[object]) -> Kappa:
    """Cohen's kappa for two coders' categories on the same items."""
    if len(a) != len(b):
        raise ValueError("both coders must rate the same items")
    n = len(a)
    if n == 0:
        return Kappa(None, 0, None, None)
    cats = sorted({*a, *b}, key=str)
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pe = sum((list(a).count(c) / n) * (list(b).count(c) / n) for c in cats)
    kappa = None if pe >= 1.0 else (po - pe) / (1.0 - pe)
    pos_a = sum(1 for x in a if x is True)
    pos_b = sum(1 for y in b if y is True)
    return Kappa(kappa, n, po, pe, pos_a, pos_b)


def icc(ratings: np.ndarray | Sequence[Sequence[float]]) -> Icc:
    """ICC(2,1) and ICC(3,1) for an n-targets x k-raters matrix (Shrout & Fleiss, 1979)."""
    y = np.asarray(ratings, dtype=float)
    if y.ndim != 2:
        raise ValueError("ratings must be a targets x raters matrix")
    n, k = y.shape
    if n < 2 or k < 2:
        return Icc(None, None, n, k)
    grand = y.mean()
    ss_rows = k * float(((y.mean(axis=1) - grand) ** 2).sum())
    ss_cols = n * float(((y.mean(axis=0) - grand) ** 2).sum())
    ss_total = float(((y - grand) ** 2).sum())
    ss_err = ss_total - ss_rows - ss_cols
    ms_r = ss_rows / (n - 1)
    ms_c = ss_cols / (k - 1)
    ms_e = ss_err / ((n - 1) * (k - 1))
    d3 = ms_r + (k - 1) * ms_e
    d2 = d3 + k * (ms_c - ms_e) / n
    icc3 = (ms_r - ms_e) / d3 if d3 > 0 else None
    icc2 = (ms_r - ms_e) / d2 if d2 > 0 else None
    return Icc(icc2, icc3, n, k)


@dataclass
class AgreementReport:
    a_name: str
    b_name: str
    a_cases: int
    b_cases: int
    matched: int
    families: dict[str, Kappa] = field(default_factory=dict)
    ids: dict[str, Kappa] = field(default_factory=dict)
    outcome: Kappa | None = None
    ratings: dict[str, Icc] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({
            "a": self.a_name, "b": self.b_name, "a_cases": self.a_cases,
            "b_cases": self.b_cases, "matched": self.matched,
            "families": {k: v.as_dict() for k, v in self.families.items()},
            "ids": {k: v.as_dict() for k, v in self.ids.items()},
            "outcome": self.outcome.as_dict() if self.outcome else None,
            "ratings": {k: v.as_dict() for k, v in self.ratings.items()},
            "notes": self.notes,
        }, indent=2)

    def format_table(self) -> str:
        def num(x: float | None) -> str:
            return "  n/a" if x is None else f"{x:5.2f}"

        lines = [f"Agreement: {self.a_name} vs {self.b_name}",
                 f"cases: {self.a_cases} vs {self.b_cases}, matched by id and target: "
                 f"{self.matched}", "",
                 f"{'label':44} {'kappa':>5} {'agree':>5} {'n':>5} {'A+':>4} {'B+':>4}"]
        for name, k in [*self.families.items(), *self.ids.items()]:
            lines.append(f"{name:44} {num(k.kappa)} {num(k.observed)} {k.n:5d} "
                         f"{k.a_positive:4d} {k.b_positive:4d}")
        if self.outcome is not None:
            lines.append(f"{'episode outcome':44} {num(self.outcome.kappa)} "
                         f"{num(self.outcome.observed)} {self.outcome.n:5d}")
        if self.ratings:
            lines += ["", f"{'segment rating':44} {'ICC(2,1)':>8} {'ICC(3,1)':>8} {'n':>5}"]
            for name, r in self.ratings.items():
                lines.append(f"{name:44} {num(r.icc2_1):>8} {num(r.icc3_1):>8} {r.n:5d}")
        lines += ["", "Kappa: Cohen (1960); ICC: Shrout & Fleiss (1979). Human 3RS coders reach "
                  "ICC .85-.98 (Eubanks et al., 2019).", *self.notes]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class _Unit:
    role: str
    labels: frozenset[str]
    outcome: str | None = None
    ratings: dict[str, float] | None = None


def _load_units(path: str | Path) -> dict[tuple[str, int], _Unit]:
    cases = load_cases(path)  # validates the format, with file and line in errors
    raw = [json.loads(line) for line in Path(path).read_text("utf-8").splitlines()
           if line.strip()]
    out: dict[tuple[str, int], _Unit] = {}
    for case, obj in zip(cases, raw, strict=True):
        ratings = obj.get("ratings")
        if ratings is not None and not (isinstance(ratings, dict) and all(
                isinstance(v, int | float) and not isinstance(v, bool)
                for v in ratings.values())):
            raise InputError(f"{path}, line {case.line}: 'ratings' must map names to numbers")
        episode = obj.get("episode")
        outcome = episode.get("outcome") if isinstance(episode, dict) else None
        key = (case.id, case.target)
        if key in out:
            raise InputError(f"{path}, line {case.line}: case {case.id!r} target "
                             f"{case.target} appears twice")
        out[key] = _Unit(case.target_role, frozenset(case.labels), outcome, ratings)
    return out


def _family_sets(labels: Iterable[str]) -> dict[str, bool]:
    ls = set(labels)
    w = any(x.startswith("withdrawal.") for x in ls)
    c = any(x.startswith("confrontation.") for x in ls)
    return {"withdrawal": w, "confrontation": c, "any_rupture": w or c,
            "repair": any(x in STRATEGIES for x in ls)}


def agreement_from_cases(a: dict[tuple[str, int], _Unit], b: dict[tuple[str, int], _Unit],
                         a_name: str = "A", b_name: str = "B") -> AgreementReport:
    keys = sorted(set(a) & set(b))
    rep = AgreementReport(a_name, b_name, len(a), len(b), len(keys))
    if len(keys) < len(a) or len(keys) < len(b):
        rep.notes.append(f"{len(a) - len(keys)} case(s) only in {a_name}, "
                         f"{len(b) - len(keys)} only in {b_name}: left out.")
    client = [k for k in keys if a[k].role == "client"]
    therapist = [k for k in keys if a[k].role == "therapist"]
    for fam in FAMILIES:
        units = therapist if fam == "repair" else client
        if units:
            rep.families[fam] = cohen_kappa([_family_sets(a[k].labels)[fam] for k in units],
                                            [_family_sets(b[k].labels)[fam] for k in units])
    used = sorted({x for k in keys for x in (a[k].labels | b[k].labels)})
    for vid in used:
        units = client if vid in MARKERS else therapist if vid in STRATEGIES else keys
        rep.ids[vid] = cohen_kappa([vid in a[k].labels for k in units],
                                   [vid in b[k].labels for k in units])
    both = [k for k in keys if a[k].outcome is not None and b[k].outcome is not None]
    if both:
        rep.outcome = cohen_kappa([a[k].outcome for k in both], [b[k].outcome for k in both])
    rated = [k for k in keys if a[k].ratings and b[k].ratings]
    names = sorted({n for k in rated for n in (a[k].ratings or {}) if n in (b[k].ratings or {})})
    for name in names:
        rows = [((a[k].ratings or {})[name], (b[k].ratings or {})[name]) for k in rated
                if name in (a[k].ratings or {}) and name in (b[k].ratings or {})]
        rep.ratings[name] = icc(rows)
    return rep


def agreement(a_path: str | Path, b_path: str | Path) -> AgreementReport:
    """Agreement between two coders' labelled-case files (``mendline agreement A B``)."""
    return agreement_from_cases(_load_units(a_path), _load_units(b_path),
                                Path(a_path).name, Path(b_path).name)


def agreement_with_clinician(inputs: ReportInputs) -> AgreementReport:
    """Mendline's markers against the clinician's confirmations and corrections.

    Units are the client turns of every session the clinician has reviewed (given any
    feedback on). Markers the clinician did not touch count as accepted, and a marker the
    clinician would have added cannot be recorded yet, so kappa here leans optimistic.
    """
    mendline: dict[tuple[str, int], _Unit] = {}
    clinician: dict[tuple[str, int], _Unit] = {}
    reviewed = {r.session for r in inputs.reflections if r.kind != "comment"}
    for s in inputs.sessions:
        if s.number not in reviewed:
            continue
        a = s.analysis
        mine: dict[int, set[str]] = {}
        theirs: dict[int, set[str]] = {}
        for i, m in enumerate(a.markers):
            mine.setdefault(m.utterance, set()).add(m.id)
            verdict = [r for r in inputs.reflections if r.session == s.number and
                       r.item_kind == "marker" and r.item_index == i]
            last = verdict[-1] if verdict else None
            if last is None or last.kind == "confirm":
                theirs.setdefault(m.utterance, set()).add(m.id)
            elif last.kind == "relabel" and last.new_label:
                theirs.setdefault(m.utterance, set()).add(last.new_label)
        for u in a.utterances:
            if u.role == "client":
                key = (f"session-{s.number}", u.index)
                mendline[key] = _Unit("client", frozenset(mine.get(u.index, ())))
                clinician[key] = _Unit("client", frozenset(theirs.get(u.index, ())))
    rep = agreement_from_cases(mendline, clinician, "Mendline", "clinician")
    rep.notes.append("Markers you did not review count as accepted; markers Mendline missed "
                     "cannot be recorded yet, so these figures lean optimistic.")
    return rep
