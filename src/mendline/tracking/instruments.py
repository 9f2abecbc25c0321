"""The self-report instruments Mendline records, as neutral item keys and score ranges.

Only scores are stored, never item wording: the SRS and ORS item texts are copyrighted
(Duncan, Miller et al., 2003), and the WAI-SR and PSQ wording belongs to their authors.
Item keys name what an item is about in Mendline's own words (``srs.relationship``); the
clinician's licensed paper or electronic form supplies the wording.

Ranges and subscales: SRS and ORS, 4 visual-analogue items scored 0-10 (Duncan et al.,
2003; Miller et al., 2003); WAI-SR, 12 items 1-5 with Goal 4, 6, 8, 11, Task 1, 2, 10, 12
and Bond 3, 5, 7, 9 (Hatcher & Gillaspy, 2006), some sites use a 1-7 version; PSQ rupture
items, presence yes/no, intensity 1-5, resolution 1-5, in client and therapist versions
(Muran et al., 2009; wording approximate in our sources).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Instrument",
    "INSTRUMENTS",
    "SRS",
    "ORS",
    "WAI_SR",
    "PSQ_CLIENT",
    "PSQ_THERAPIST",
    "instrument",
    "check_items",
]


@dataclass(frozen=True, slots=True)
class Instrument:
    name: str  # as stored: "SRS", "ORS", "WAI-SR", "PSQ-client", "PSQ-therapist"
    slug: str  # for URLs and canonical names: "srs", "wai-sr"
    items: tuple[str, ...]
    scales: dict[str, tuple[float, float]]  # allowed scale name -> (low, high) per item
    default_scale: str
    subscales: dict[str, tuple[str, ...]]
    optional: frozenset[str] = frozenset()  # items that may be left blank
    boolean: frozenset[str] = frozenset()  # yes/no items
    integer: bool = True  # item scores are whole numbers (SRS/ORS allow one decimal)
    totalled: bool = True


SRS = Instrument(
    name="SRS",
    slug="srs",
    items=("srs.relationship", "srs.goals_topics", "srs.approach_method", "srs.overall"),
    scales={"0-10": (0.0, 10.0)},
    default_scale="0-10",
    subscales={},
    integer=False,
)
ORS = Instrument(
    name="ORS",
    slug="ors",
    items=("ors.individual", "ors.interpersonal", "ors.social", "ors.overall"),
    scales={"0-10": (0.0, 10.0)},
    default_scale="0-10",
    subscales={},
    integer=False,
)
WAI_SR = Instrument(
    name="WAI-SR",
    slug="wai-sr",
    items=tuple(f"wai.{i}" for i in range(1, 13)),
    scales={"1-5": (1.0, 5.0), "1-7": (1.0, 7.0)},
    default_scale="1-5",
    subscales={
        "goal": ("wai.4", "wai.6", "wai.8", "wai.11"),
        "task": ("wai.1", "wai.2", "wai.10", "wai.12"),
        "bond": ("wai.3", "wai.5", "wai.7", "wai.9"),
    },
)
_PSQ_ITEMS = ("psq.rupture", "psq.intensity", "psq.resolution")
PSQ_CLIENT = Instrument(
    name="PSQ-client",
    slug="psq-client",
    items=_PSQ_ITEMS,
    scales={"1-5": (1.0, 5.0)},
    default_scale="1-5",
    subscales={},
    optional=frozenset({"psq.intensity", "psq.resolution"}),
    boolean=frozenset({"psq.rupture"}),
    totalled=False,
)
PSQ_THERAPIST = Instrument(
    name="PSQ-therapist",
    slug="psq-therapist",
    items=_PSQ_ITEMS,
    scales={"1-5": (1.0, 5.0)},
    default_scale="1-5",
    subscales={},
    optional=frozenset({"psq.intensity", "psq.resolution"}),
    boolean=frozenset({"psq.rupture"}),
    totalled=False,
)

INSTRUMENTS: dict[str, Instrument] = {
    i.name: i for i in (SRS, ORS, WAI_SR, PSQ_CLIENT, PSQ_THERAPIST)
}
_BY_LOWER = {k.lower(): v for k, v in INSTRUMENTS.items()} | {
    i.slug: i for i in INSTRUMENTS.values()
}


def instrument(name: str) -> Instrument:
    """Look an instrument up by its stored name or slug, case-insensitively."""
    try:
        return _BY_LOWER[name.strip().lower()]
    except KeyError:
        raise ValueError(
            f"unknown instrument {name!r}; expected one of {', '.join(INSTRUMENTS)}"
        ) from None


def check_items(
    inst: Instrument, items: dict[str, float | bool | None], scale: str
) -> dict[str, float | bool | None]:
    """Validate one form's scores and return them in item order; ValueError says which item.

    Every item must be present (PSQ intensity and resolution may be blank), numbers must
    lie in the scale's range, and unknown keys are refused so a typo never silently drops
    a score.
    """
    if scale not in inst.scales:
        raise ValueError(
            f"{inst.name} scale {scale!r} is not supported; expected {', '.join(inst.scales)}"
        )
    unknown = sorted(set(items) - set(inst.items))
    if unknown:
        raise ValueError(
            f"{inst.name} has no item {unknown[0]!r}; expected {', '.join(inst.items)}"
        )
    low, high = inst.scales[scale]
    out: dict[str, float | bool | None] = {}
    for key in inst.items:
        value = items.get(key)
        if value is None:
            if key in inst.optional:
                out[key] = None
                continue
            raise ValueError(f"{inst.name} item {key} is missing")
        if key in inst.boolean:
            if not isinstance(value, bool):
                raise ValueError(f"{key} must be yes or no")
            out[key] = value
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{key} must be a number from {low:g} to {high:g}")
        if not low <= value <= high:
            raise ValueError(f"{key} is {value:g}; expected {low:g} to {high:g}")
        if inst.integer and value != int(value):
            raise ValueError(f"{key} is {value:g}; expected a whole number")
        out[key] = float(value)
    return out
