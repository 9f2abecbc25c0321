"""Stage-aware guidance: what a clinician might say or ask after a rupture episode.

Four kinds, from the practice steps in clinical.md:

- ``metacommunication``: a plain, tentative line that invites a look at what happened between
  client and therapist, matched to the stage (early: is this what you hoped for? middle: is
  this too much right now? termination: what is it like that this is ending?), the family
  and, where one is written, the marker;
- ``check_in``: asking how a repair conversation itself felt, and again later;
- ``link_to_pattern``: a prompt for a later session to wonder, tentatively, whether the
  moment is familiar from elsewhere (change-oriented moves help more later; Eubanks,
  Burckell & Goldfried, 2018);
- ``reflection``: a question for the clinician that asks about the relationship before the
  technique ("what was happening between you just before it?").

The lines live in ``data/guidance/lines.json`` (written in-house; each variant carries a
``why`` citing its principle). The variant is chosen by a hash of client, session, episode
and kind, so re-running an analysis gives the same wording.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from mendline.analysis.result import Episode, Guidance, Marker, Repair
from mendline.vocabulary import Outcome, Stage

__all__ = ["KINDS", "LINES_RESOURCE", "Line", "lines", "carried_over_lines", "choose",
           "guidance_for"]

LINES_RESOURCE = "data/guidance/lines.json"
KINDS = ("metacommunication", "check_in", "link_to_pattern", "reflection")
_NEEDS_WORK = frozenset({Outcome.UNRESOLVED.value, Outcome.PARTIALLY_RESOLVED.value,
                         Outcome.NO_REPAIR_ATTEMPTED.value})
# Without a session number the stage is unknown; the middle-stage lines are the most general.
_DEFAULT_STAGE = Stage.MIDDLE.value


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    why: str
    markers: tuple[str, ...] = ()  # written for these markers; empty = any in the family


@lru_cache(maxsize=1)
def _raw() -> dict:
    return json.loads(resources.files("mendline").joinpath(LINES_RESOURCE).read_text("utf-8"))


def lines(kind: str, stage: str, family: str) -> tuple[Line, ...]:
    """Every variant of ``kind`` for ``stage`` and ``family`` (general and marker-specific)."""
    entries = _raw()["lines"][kind][stage][family]
    return tuple(Line(e["text"], e["why"], tuple(e.get("markers", ()))) for e in entries)


def carried_over_lines() -> tuple[Line, ...]:
    return tuple(Line(e["text"], e["why"]) for e in _raw()["carried_over"])


def choose(variants: Sequence[Line], *key: object) -> Line:
    """One variant, the same one every time for the same key (no randomness, no clock)."""
    digest = hashlib.sha256("|".join(str(k) for k in key).encode("utf-8")).hexdigest()
    return variants[int(digest[:8], 16) % len(variants)]


def _pick(kind: str, stage: str, episode: Episode, marker_ids: set[str], client: str | None,
          session: int | None, used: set[str]) -> Guidance:
    """A variant for the episode; one not yet used in this session when there is one left."""
    pool = lines(kind, stage, episode.family)
    specific = [v for v in pool if v.markers and marker_ids & set(v.markers)]
    general = [v for v in pool if not v.markers]
    candidates = specific or general
    fresh = [v for v in candidates if v.text not in used] or candidates
    line = choose(fresh, client, session, episode.id, kind)
    used.add(line.text)
    return Guidance(episode=episode.id, kind=kind, text=line.text, why=line.why)


def guidance_for(
    episodes: Sequence[Episode],
    markers: Sequence[Marker],
    repairs: Sequence[Repair],
    *,
    stage: str | None,
    client: str | None = None,
    session: int | None = None,
    carried: Sequence[Episode] = (),
) -> list[Guidance]:
    """Guidance for each episode of a session and for the next session.

    - unresolved, partly resolved or unaddressed episodes get a metacommunication line and a
      reflection prompt, and, from the middle stage on (or when the strain carries over from
      an earlier session), a link-to-pattern prompt;
    - any episode with a repair attempt but no check-in gets a check-in line (for now or next
      time), resolved ones included: a repair is worth checking on again later;
    - open episodes from the previous session that this one did not pick up get a line to
      open the next conversation with (``episode`` is ``None``).
    """
    st = stage or _DEFAULT_STAGE
    out: list[Guidance] = []
    used: set[str] = set()
    for ep in episodes:
        ids = {markers[k].id for k in ep.markers if 0 <= k < len(markers)}
        strategies = {repairs[k].id for k in ep.repairs if 0 <= k < len(repairs)}
        if ep.outcome in _NEEDS_WORK:
            out.append(_pick("metacommunication", st, ep, ids, client, session, used))
        if ep.repairs and "checks_in_after_repair" not in strategies:
            out.append(_pick("check_in", st, ep, ids, client, session, used))
        if ep.outcome in _NEEDS_WORK and (st != Stage.EARLY.value
                                          or ep.continues_from is not None):
            out.append(_pick("link_to_pattern", st, ep, ids, client, session, used))
        if ep.outcome in _NEEDS_WORK:
            out.append(_pick("reflection", st, ep, ids, client, session, used))
    picked = {e.continues_from.episode for e in episodes if e.continues_from is not None}
    for ep in carried:
        if ep.id not in picked:
            line = choose(carried_over_lines(), client, session, "carried", ep.id)
            out.append(Guidance(episode=None, kind="metacommunication", text=line.text,
                                why=line.why))
    return out
