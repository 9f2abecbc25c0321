"""Self-report forms: CSV entry, scores, and the flags practice uses.

Flags and their sources: SRS total at or below 36, any item below 9, a drop of 1 point
from the previous form, and a run of 40/40 (possibly reluctance to criticise) (Duncan,
Miller et al., 2003; the 1-point drop is the OpenFIT/Miller practice rule). ORS below 25
is the clinical range, 5 points is reliable change (Miller et al., 2003). WAI-SR Goal /
Task / Bond subscales (Hatcher & Gillaspy, 2006); a drop from the previous form is the
actionable signal. PSQ rupture items (Muran et al., 2009). All thresholds are in
``MeasureSettings``.
"""

from __future__ import annotations

from mendline.tracking._csv import decode, fail, parse_date, rows
from mendline.tracking.instruments import INSTRUMENTS, instrument
from mendline.tracking.records import MeasureRecord
from mendline.tracking.result import MeasureFlag, MeasureResult
from mendline.tracking.settings import MeasureSettings

__all__ = ["parse_measures_csv", "score", "assess_measures"]

_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


def parse_measures_csv(data: bytes | str, source: str) -> tuple[MeasureRecord, ...]:
    """Every form in a measures CSV, or InputError naming the file and line.

    Columns: ``date`` (YYYY-MM-DD), ``instrument`` (SRS, ORS, WAI-SR, PSQ-client,
    PSQ-therapist), optional ``session`` and ``scale``, then one column per item key
    (``srs.relationship`` ...). A row fills only its own instrument's items.
    """
    text = decode(data, source)
    out: list[MeasureRecord] = []
    item_columns = {k for i in INSTRUMENTS.values() for k in i.items}
    for line, row in rows(text, source):
        where = f"line {line}"
        for col in ("date", "instrument"):
            if col not in row:
                raise fail(source, "line 1", f"missing column {col!r}")
        unknown = [c for c in row if c and c not in item_columns | _META]
        if unknown:
            raise fail(source, "line 1", f"unknown column {unknown[0]!r}")
        day = parse_date(row["date"], ("%Y-%m-%d",))
        if day is None:
            raise fail(source, where, f"date {row['date']!r} does not parse; expected YYYY-MM-DD")
        try:
            inst = instrument(row["instrument"])
        except ValueError as e:
            raise fail(source, where, str(e)) from None
        session = None
        if row.get("session"):
            if not row["session"].isdigit() or int(row["session"]) < 1:
                raise fail(source, where, f"session {row['session']!r} is not a session number")
            session = int(row["session"])
        items: dict[str, float | bool | None] = {}
        for key, cell in row.items():
            if key in _META or not cell:
                continue
            if key not in inst.items:
                raise fail(source, where, f"{key} belongs to another form, not {inst.name}")
            items[key] = _cell(cell, key in inst.boolean, key, source, where)
        try:
            out.append(MeasureRecord(inst.name, day, items, row.get("scale") or None, session))
        except ValueError as e:
            raise fail(source, where, str(e)) from None
    return tuple(out)


_META = {"date", "instrument", "session", "scale"}


def _cell(cell: str, boolean: bool, key: str, source: str, where: str) -> float | bool:
    if boolean:
        w = cell.lower()
        if w in _YES:
            return True
        if w in _NO:
            return False
        raise fail(source, where, f"{key} is {cell!r}; expected yes or no")
    try:
        return float(cell)
    except ValueError:
        raise fail(source, where, f"{key} is {cell!r}; expected a number") from None


def score(m: MeasureRecord) -> tuple[float | None, dict[str, float], str | None]:
    """(total, subscales, band) of one form."""
    inst = instrument(m.instrument)
    if not inst.totalled:
        return None, {}, None
    nums = [float(v) for v in m.items.values() if isinstance(v, float)]
    total = round(sum(nums), 2)
    subs = {
        name: round(sum(float(m.items[k] or 0) for k in keys), 2)
        for name, keys in inst.subscales.items()
    }
    band = None
    if inst.name == "WAI-SR" and m.scale == "1-5":
        # practice bands, not published norms (clinical.md)
        band = "weak" if total <= 35 else "moderate" if total <= 47 else "strong"
    return total, subs, band


def assess_measures(
    measures: tuple[MeasureRecord, ...], name: str, settings: MeasureSettings
) -> list[MeasureResult]:
    """Score every form and flag it against the rules and the same instrument's last form."""
    out: list[MeasureResult] = []
    previous: dict[tuple[str, str | None], MeasureRecord] = {}
    first_ors: MeasureRecord | None = None
    srs_run = 0
    for m in measures:
        total, subs, band = score(m)
        prev = previous.get((m.instrument, m.scale))
        flags: list[MeasureFlag] = []
        if m.instrument == "SRS":
            srs_run = srs_run + 1 if total == 40 else 0
            flags = _srs_flags(m, total or 0.0, prev, srs_run, name, settings)
        elif m.instrument == "ORS":
            first_ors = first_ors or m
            flags = _ors_flags(total or 0.0, first_ors, m, name, settings)
        elif m.instrument == "WAI-SR" and prev is not None:
            flags = _wai_flags(m, total or 0.0, subs, prev, name, settings)
        elif m.instrument == "PSQ-client" and m.items["psq.rupture"] is True:
            flags = [_psq_flag(m, name)]
        previous[(m.instrument, m.scale)] = m
        out.append(
            MeasureResult(
                instrument=m.instrument,
                date=m.date.isoformat(),
                session=m.session,
                scale=m.scale or "",
                items=dict(m.items),
                total=total,
                subscales=subs,
                band=band,
                flags=flags,
            )
        )
    return out


def _srs_flags(
    m: MeasureRecord,
    total: float,
    prev: MeasureRecord | None,
    run: int,
    name: str,
    s: MeasureSettings,
) -> list[MeasureFlag]:
    flags = []
    low = total <= s.srs_total_cutoff if s.srs_cutoff_inclusive else total < s.srs_total_cutoff
    if low:
        flags.append(
            MeasureFlag(
                code="srs.total_low",
                severity="medium",
                reason=f"{name}'s session rating was {total:g} of 40, at or below the "
                f"{s.srs_total_cutoff:g} that often means something in the session did not fit.",
            )
        )
    lows = [k for k, v in m.items.items() if isinstance(v, float) and v < s.srs_item_cutoff]
    if lows:
        flags.append(
            MeasureFlag(
                code="srs.item_low",
                severity="medium",
                reason=f"{name} rated {_item_names(lows)} below {s.srs_item_cutoff:g} of 10.",
            )
        )
    if prev is not None:
        before = score(prev)[0] or 0.0
        if before - total >= s.srs_drop:
            flags.append(
                MeasureFlag(
                    code="srs.drop",
                    severity="medium",
                    reason=f"{name}'s session rating went from {before:g} to {total:g}.",
                )
            )
    if run >= s.srs_constant_run:
        flags.append(
            MeasureFlag(
                code="srs.constant_40",
                severity="low",
                reason=f"{name} has given a perfect 40 on the last {run} forms; some clients "
                "find it hard to say what is not working, so a perfect score is worth "
                "a gentle question too.",
            )
        )
    return flags


def _item_names(keys: list[str]) -> str:
    names = [k.split(".", 1)[1].replace("_", " and ") for k in keys]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _ors_flags(
    total: float, first: MeasureRecord, m: MeasureRecord, name: str, s: MeasureSettings
) -> list[MeasureFlag]:
    flags = []
    start = score(first)[0] or 0.0
    if first is not m and start - total >= s.ors_reliable_change:
        flags.append(
            MeasureFlag(
                code="ors.reliable_deterioration",
                severity="medium",
                reason=f"{name}'s wellbeing rating is {total:g}, down from {start:g} at the "
                f"first form: a change of {s.ors_reliable_change:g} or more is beyond "
                "ordinary ups and downs.",
            )
        )
    elif first is not m and total - start >= s.ors_reliable_change:
        flags.append(
            MeasureFlag(
                code="ors.reliable_improvement",
                severity="low",
                reason=f"{name}'s wellbeing rating rose from {start:g} to {total:g}.",
            )
        )
    if total < s.ors_cutoff:
        flags.append(
            MeasureFlag(
                code="ors.clinical_range",
                severity="low",
                reason=f"{name}'s wellbeing rating ({total:g}) is below {s.ors_cutoff:g}, "
                "the range where people usually seek help.",
            )
        )
    return flags


def _wai_flags(
    m: MeasureRecord,
    total: float,
    subs: dict[str, float],
    prev: MeasureRecord,
    name: str,
    s: MeasureSettings,
) -> list[MeasureFlag]:
    before, before_subs, _ = score(prev)
    before = before or 0.0
    if before - total < s.wai_drop_per_item * len(m.items) - 1e-9:
        return []
    fell = [k for k in subs if before_subs.get(k, 0.0) - subs[k] > 0]
    where = f" (mostly {', '.join(fell)})" if fell else ""
    return [
        MeasureFlag(
            code="wai.drop",
            severity="medium",
            reason=f"{name}'s alliance rating went from {before:g} to {total:g}{where}.",
        )
    ]


def _psq_flag(m: MeasureRecord, name: str) -> MeasureFlag:
    intensity, resolution = m.items.get("psq.intensity"), m.items.get("psq.resolution")
    detail = ""
    if isinstance(intensity, float) and isinstance(resolution, float):
        detail = f" (tension {intensity:g} of 5, resolved {resolution:g} of 5)"
    unresolved = isinstance(resolution, float) and resolution <= 2
    return MeasureFlag(
        code="psq.client_rupture",
        severity="medium" if unresolved else "low",
        reason=f"{name} noted some tension or a problem with the therapist{detail}.",
    )
