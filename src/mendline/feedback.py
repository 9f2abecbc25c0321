"""Clinician feedback: confirm, reject or relabel a marker or repair; precision; a coded set.

The clinician is the judge of whether a marker fits (DESIGN.md: Mendline's output is
something "a clinician confirms or corrects"). Each judgement is stored with who and
when (``store.add_feedback``); nothing is overwritten, and the clinician's *latest*
judgement of an item is the one that counts, so changing one's mind is allowed.

- Precision per marker (or strategy) id, for one clinician:
  confirmed / (confirmed + rejected + relabelled away). Items never reviewed do not count.
- ``export_feedback`` turns reviewed utterances into JSON Lines cases in the DESIGN.md
  labelled-data format, so a practice can build its own coded set and score Mendline on
  it with ``mendline eval``. See docs/feedback.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mendline import store as repository
from mendline.errors import InputError, NotFound
from mendline.store import Feedback, Store
from mendline.store.models import (
    AnalysisRow,
    ClientRow,
    FeedbackRow,
    MarkerRow,
    RepairRow,
    SessionRow,
)
from mendline.vocabulary import STRATEGIES, TRANSCRIPT_MARKERS

__all__ = [
    "ACTIONS",
    "KINDS",
    "CONTEXT_TURNS",
    "EXPORT_SOURCE",
    "Judgement",
    "PrecisionRow",
    "give_feedback",
    "judgements",
    "feedback_precision",
    "export_feedback",
]

ACTIONS = ("confirm", "reject", "relabel")
KINDS = ("marker", "repair")
CONTEXT_TURNS = 3  # turns before the target in an exported case, as in corpora/
EXPORT_SOURCE = "clinician feedback"


@dataclass(frozen=True, slots=True)
class Judgement:
    """A clinician's latest word on one marker or repair of one stored analysis."""

    client: str
    session: int
    analysis_id: int
    kind: str  # "marker" | "repair"
    index: int  # position in the analysis's markers / repairs
    utterance: int
    predicted: str  # the id the analysis gave
    action: str  # "confirm" | "reject" | "relabel"
    new_label: str | None
    at: dt.datetime

    @property
    def label(self) -> str | None:
        """The id the clinician holds true for this item (None: no such moment)."""
        if self.action == "confirm":
            return self.predicted
        if self.action == "relabel":
            return self.new_label
        return None


@dataclass(frozen=True, slots=True)
class PrecisionRow:
    kind: str
    id: str
    confirmed: int
    rejected: int
    relabelled: int  # relabelled away to another id

    @property
    def reviewed(self) -> int:
        return self.confirmed + self.rejected + self.relabelled

    @property
    def precision(self) -> float | None:
        return self.confirmed / self.reviewed if self.reviewed else None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "confirmed": self.confirmed,
                "rejected": self.rejected, "relabelled": self.relabelled,
                "reviewed": self.reviewed,
                "precision": None if self.precision is None else round(self.precision, 4)}


def give_feedback(
    store: Store,
    clinician: str,
    code: str,
    number: int,
    *,
    kind: str,
    index: int,
    action: str,
    label: str | None = None,
    note: str | None = None,
) -> tuple[Feedback, str]:
    """Store a judgement of item ``index`` (0-based, as in ``show --json``) of a session's
    newest analysis; returns the stored feedback and the item's predicted id.

    A relabel needs ``label``: a transcript marker id for a marker, a strategy id for a
    repair, and different from the item's own id (use confirm for that).
    """
    if kind not in KINDS:
        raise InputError(f"item kind: expected marker or repair, got {kind!r}")
    if action not in ACTIONS:
        raise InputError(f"action: expected one of {', '.join(ACTIONS)}, got {action!r}")
    stored = repository.get_session(store, clinician=clinician, client_code=code, number=number)
    if stored.analysis_json is None or stored.analysis_id is None:
        raise NotFound(f"session {number} of client {code!r} has no stored analysis")
    items = stored.analysis_json.get(f"{kind}s") or []
    if not 0 <= index < len(items):
        have = f"{kind}s 0 to {len(items) - 1}" if items else f"no {kind}s"
        raise NotFound(f"session {number} of client {code!r} has {have}; no {kind} {index}")
    predicted = str(items[index]["id"])
    if action == "relabel":
        known = TRANSCRIPT_MARKERS if kind == "marker" else tuple(STRATEGIES)
        if label is None:
            raise InputError(f"--label: a relabel needs the right {kind} id")
        if label not in known:
            what = "marker" if kind == "marker" else "repair strategy"
            raise InputError(f"--label {label!r}: not a known {what} id; expected one of "
                             f"{', '.join(known)}")
        if label == predicted:
            raise InputError(f"--label {label!r} is already this {kind}'s id; use confirm")
    elif label is not None:
        raise InputError("--label: only a relabel takes a label")
    if note is not None and not note.strip():
        note = None
    saved = repository.add_feedback(store, clinician=clinician, analysis_id=stored.analysis_id,
                                    item_kind=kind, item_index=index, action=action,
                                    new_label=label, note=note)
    return saved, predicted


def judgements(store: Store, clinician: str) -> list[Judgement]:
    """The clinician's latest judgement of every item they reviewed, oldest first."""
    with store.transaction() as s:
        me = repository.get_clinician(s, clinician)
        latest: dict[tuple[int, str, int], Judgement] = {}
        for kind, table in (("marker", MarkerRow), ("repair", RepairRow)):
            for j in _rows(s, me.id, kind, table):
                latest[(j.analysis_id, j.kind, j.index)] = j  # rows come oldest first
    return sorted(latest.values(), key=lambda j: (j.at, j.analysis_id, j.kind, j.index))


def _rows(s: Session, clinician_id: int, kind: str, table: Any) -> Iterator[Judgement]:
    query = (
        select(FeedbackRow, table.vocab_id, table.utterance, SessionRow.number, ClientRow.code)
        .join(AnalysisRow, AnalysisRow.id == FeedbackRow.analysis_id)
        .join(SessionRow, SessionRow.id == AnalysisRow.session_id)
        .join(ClientRow, ClientRow.id == SessionRow.client_id)
        .join(table, (table.analysis_id == FeedbackRow.analysis_id)
              & (table.ordinal == FeedbackRow.item_index))
        .where(FeedbackRow.clinician_id == clinician_id, FeedbackRow.item_kind == kind)
        .order_by(FeedbackRow.created_at, FeedbackRow.id)
    )
    for f, vocab_id, utterance, number, code in s.execute(query):
        yield Judgement(code, number, f.analysis_id, kind, f.item_index, utterance, vocab_id,
                        f.action, f.new_label, f.created_at)


def feedback_precision(store: Store, clinician: str) -> list[PrecisionRow]:
    """Per predicted id: how often this clinician confirmed it, rejected it or relabelled it.

    Ordered markers first, then repairs, each by id.
    """
    counts: dict[tuple[str, str], list[int]] = {}
    for j in judgements(store, clinician):
        c = counts.setdefault((j.kind, j.predicted), [0, 0, 0])
        c[ACTIONS.index(j.action)] += 1
    return [PrecisionRow(kind, id_, *c) for (kind, id_), c in
            sorted(counts.items(), key=lambda kv: (KINDS.index(kv[0][0]), kv[0][1]))]


def export_feedback(store: Store, clinician: str) -> Iterator[dict[str, Any]]:
    """Reviewed utterances as labelled cases (DESIGN.md format), one dict per case.

    A case is exported only when *every* marker (client turn) or repair (therapist turn)
    the analysis found on that utterance has been reviewed, so its label set is complete:
    the confirmed ids plus the corrected ones; ``[]`` when all were rejected. The turns are
    the target utterance with up to ``CONTEXT_TURNS`` turns before it, from the stored
    transcript. Cases contain session text: keep the file as safe as the transcripts.
    """
    by_utterance: dict[tuple[str, int, int, int, str], list[Judgement]] = {}
    for j in judgements(store, clinician):
        key = (j.client, j.session, j.analysis_id, j.utterance, j.kind)
        by_utterance.setdefault(key, []).append(j)
    totals = _item_counts(store, {k[2] for k in by_utterance})
    newest: dict[tuple[str, int, int], tuple[int, list[Judgement]]] = {}
    for (code, number, aid, utt, kind), js in by_utterance.items():
        if totals.get((aid, kind, utt), 0) != len(js):
            continue  # some items on this utterance are not reviewed yet
        slot = (code, number, utt)
        if slot not in newest or newest[slot][0] < aid:
            newest[slot] = (aid, js)
    cached: dict[tuple[str, int], Any] = {}
    for (code, number, utt), (_, js) in sorted(newest.items()):
        if (code, number) not in cached:
            cached.clear()  # sessions come in order: keep one transcript in memory
            cached[(code, number)] = repository.get_session(
                store, clinician=clinician, client_code=code, number=number).utterances
        utterances = cached[(code, number)]
        if not 0 <= utt < len(utterances) or utterances[utt].index != utt:
            continue
        first = max(0, utt - CONTEXT_TURNS)
        turns = []
        for u in utterances[first : utt + 1]:
            turn: dict[str, Any] = {"role": u.role.value, "text": u.text}
            if u.start_s is not None:
                turn["start"] = u.start_s
            if u.end_s is not None:
                turn["end"] = u.end_s
            turns.append(turn)
        yield {
            "id": f"{code}-s{number}-u{utt}",
            "dialogue": f"{code}-s{number}",
            "turns": turns,
            "target": utt - first,
            "labels": sorted({j.label for j in js if j.label is not None}),
            "predicted": sorted({j.predicted for j in js}),
            "source": EXPORT_SOURCE,
            "reviewed_at": max(j.at for j in js).isoformat(timespec="seconds"),
        }


def _item_counts(store: Store, analysis_ids: set[int]) -> dict[tuple[int, str, int], int]:
    """How many markers / repairs each analysis found on each utterance."""
    out: dict[tuple[int, str, int], int] = {}
    if not analysis_ids:
        return out
    with store.transaction() as s:
        for kind, table in (("marker", MarkerRow), ("repair", RepairRow)):
            for aid, utt in s.execute(select(table.analysis_id, table.utterance)
                                      .where(table.analysis_id.in_(sorted(analysis_ids)))):
                out[(aid, kind, utt)] = out.get((aid, kind, utt), 0) + 1
    return out
