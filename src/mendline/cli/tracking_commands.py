"""Commands across sessions: caseload, timeline, attendance, measures, client settings, feedback.

Thin shells over ``mendline.client_records`` and ``mendline.feedback``: each parses its
options, calls one library function and prints a table (or JSON with ``--json``) on stdout;
messages go to stderr.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mendline.cli.common import (
    ClinicianOption,
    DbOption,
    JsonOption,
    app,
    clinician_name,
    err,
    open_store_for,
    parse_date,
    plain,
    print_json,
    table,
)
from mendline.errors import MendlineError

if TYPE_CHECKING:
    from mendline.tracking import ClientHistory, ClientTimeline
    from mendline.tracking.result import Alert

__all__: list[str] = []

attendance_app = typer.Typer(help="Record and import attendance (missed, late, cancelled).",
                             no_args_is_help=True)
measures_app = typer.Typer(help="Record, import and export self-report forms (SRS, WAI-SR...).",
                           no_args_is_help=True)
client_app = typer.Typer(help="A client's settings (planned sessions, ending).",
                         no_args_is_help=True)
app.add_typer(attendance_app, name="attendance")
app.add_typer(measures_app, name="measures")
app.add_typer(client_app, name="client")

ClientArg = Annotated[str, typer.Argument(metavar="CLIENT", help="The client's code, e.g. C-104.")]
_REASON_WIDTH = 72


def _short(text: str, width: int = _REASON_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


# ------------------------------------------------------------------ caseload, timeline


@app.command()
def caseload(as_json: JsonOption = False, db: DbOption = None,
             clinician: ClinicianOption = None) -> None:
    """Your clients, the one that most needs a look first, with the reason."""
    from mendline.client_records import caseload as rank

    who = clinician_name(clinician)
    entries = rank(open_store_for(db, who), who)
    if as_json:
        print_json([e.model_dump(mode="json") for e in entries])
        return
    if not entries:
        err("No clients yet. Try: mendline demo")
        return
    rows = []
    for e in entries:
        top = e.alerts[0] if e.alerts else None
        rows.append((
            e.rank, e.client,
            f"{top.severity} · {top.kind}: {_short(top.reason)}" if top else "nothing to flag",
            len(e.alerts),
            f"{e.last_session} ({e.last_session_date})" if e.last_session else "",
        ))
    table(rows, ["#", "client", "top alert", "alerts", "last session"])
    err("Details: mendline timeline CLIENT")


@app.command()
def timeline(client_code: ClientArg, as_json: JsonOption = False, db: DbOption = None,
             clinician: ClinicianOption = None) -> None:
    """A client's sessions against their own usual, attendance, forms and current alerts."""
    from mendline.client_records import load_timeline

    who = clinician_name(clinician)
    history, t = load_timeline(open_store_for(db, who), who, client_code)
    if as_json:
        print_json(t.model_dump(mode="json"))
        return
    typer.echo(f"{t.display_name or t.client} ({t.client}) · next session: {t.next_stage} stage")
    typer.echo("")
    table(_timeline_rows(history, t),
          ["session", "date", "stage", "words/turn (usual)", "quieter", "markers W/C",
           "episodes (unresolved)", "SRS", "attendance"])
    if t.gaps:
        typer.echo("")
        typer.echo("Where the forms and the conversation tell different stories:")
        table(
            [
                (g.session or "", g.date, f"{g.left.source}: {g.left.summary}",
                 f"{g.right.source}: {g.right.summary}")
                for g in t.gaps
            ],
            ["session", "date", "one view", "the other view"],
        )
    typer.echo("")
    if not t.alerts:
        typer.echo("Nothing to flag right now.")
    for i, a in enumerate(t.alerts, start=1):
        _print_alert(i, a)
    for note in t.notes:
        err(f"note: {note}")


def _timeline_rows(history: ClientHistory, t: ClientTimeline) -> list[tuple[Any, ...]]:
    attendance = {a.date.isoformat(): a for a in history.attendance}
    srs = {m.session: m for m in t.measures if m.instrument == "SRS" and m.session is not None}
    srs_by_date = {m.date: m for m in t.measures if m.instrument == "SRS"}
    rows: list[tuple[str, tuple[Any, ...]]] = []
    for s in t.sessions:
        wpt = s.metrics.get("client_words_per_turn_median")
        dev = next((d for d in s.deviations if d.metric == "client_words_per_turn_median"), None)
        words = "" if wpt is None else f"{wpt:g}"
        if dev is not None:
            words += f" ({dev.baseline.band_low:.0f}–{dev.baseline.band_high:.0f})"
        quieter = "yes" if s.quieter else ("drift" if s.drift else "")
        form = srs.get(s.number) or (srs_by_date.get(s.date) if s.date else None)
        srs_text = "" if form is None or form.total is None else (
            f"{form.total:g}" + ("*" if form.flags else ""))
        a = attendance.get(s.date or "")
        att = "" if a is None else a.status.value + (
            f" {a.minutes_late} min" if a.minutes_late else "")
        eps = f"{s.episodes.total} ({s.episodes.unresolved})" if s.episodes.total else "0"
        rows.append((s.date or "", (s.number, s.date, s.stage, words, quieter,
                                    f"{s.markers.withdrawal}/{s.markers.confrontation}", eps,
                                    srs_text, att)))
    session_days = {s.date for s in t.sessions if s.date}
    for day, a in attendance.items():
        if day not in session_days and a.status.value != "attended":
            rows.append((day, ("–", day, "", "", "", "", "", "", a.status.value)))
    rows.sort(key=lambda r: (r[0] == "", r[0]))
    return [r for _, r in rows]


def _print_alert(i: int, a: Alert) -> None:
    typer.echo(f"{i}. [{a.severity}] {a.kind}: {a.reason}")
    ev = a.evidence
    parts = []
    if ev.sessions:
        parts.append("sessions " + ", ".join(str(n) for n in ev.sessions))
    if ev.dates:
        parts.append("dates " + ", ".join(ev.dates))
    parts += [f"{k} {v}" for k, v in ev.values.items() if v is not None]
    if parts:
        typer.echo(f"   evidence: {'; '.join(parts)}")
    typer.echo(f"   next step: {a.next_step}")


# ---------------------------------------------------------------------------- attendance


@attendance_app.command("add")
def attendance_add(
    client_code: ClientArg,
    date: Annotated[str, typer.Option(help="The appointment's date, YYYY-MM-DD.")],
    status: Annotated[str, typer.Option(
        help="attended, missed, cancelled, late_cancelled or late.")],
    minutes_late: Annotated[int | None, typer.Option(help="How many minutes late.")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
    clinician: ClinicianOption = None,
) -> None:
    """Record how one appointment went (a second record for the same day replaces it)."""
    from mendline.client_records import add_attendance_record

    who = clinician_name(clinician)
    day = parse_date(date)
    assert day is not None
    r = add_attendance_record(open_store_for(db, who), who, client_code, date=day,
                              status=status, minutes_late=minutes_late)
    data = {"client": client_code, "date": r.date.isoformat(), "status": r.status.value,
            "minutes_late": r.minutes_late}
    if as_json:
        print_json(data)
    else:
        err(f"Recorded {client_code} on {data['date']}: {data['status']}.")


@attendance_app.command("import")
def attendance_import(
    client_code: ClientArg,
    file: Annotated[Path, typer.Argument(help="Attendance CSV or an .ics calendar.")],
    preset: Annotated[str, typer.Option(
        help="Column layout: mendline, simplepractice or therapynotes.")] = "mendline",
    as_json: JsonOption = False,
    db: DbOption = None,
    clinician: ClinicianOption = None,
) -> None:
    """Import attendance for a client: the whole file, or nothing if any row is invalid."""
    from mendline.client_records import import_attendance

    who = clinician_name(clinician)
    summary = import_attendance(open_store_for(db, who), who, client_code, file,
                                preset=preset, until=dt.date.today())
    _print_summary(summary, as_json)


def _print_summary(summary: Any, as_json: bool) -> None:
    if as_json:
        print_json(plain(summary))
        return
    extra = []
    if summary.updated:
        extra.append(f"{summary.updated} replaced")
    if summary.skipped:
        extra.append(f"{summary.skipped} already stored")
    more = f" ({', '.join(extra)})" if extra else ""
    typer.echo(f"{summary.client}: {summary.added} {summary.kind} records imported from "
               f"{summary.format.upper()}{more}.")


# ------------------------------------------------------------------------------ measures


@measures_app.command("add")
def measures_add(
    client_code: ClientArg,
    instrument: Annotated[str, typer.Option(
        help="SRS, ORS, WAI-SR, PSQ-client or PSQ-therapist.")],
    date: Annotated[str, typer.Option(help="The form's date, YYYY-MM-DD.")],
    items: Annotated[str, typer.Option(
        help="Scores in item order, comma-separated, e.g. 9.1,8.7,9.0,9.2 (PSQ: yes,3,2).")],
    session: Annotated[int | None, typer.Option(help="The session the form belongs to.")] = None,
    scale: Annotated[str | None, typer.Option(help="WAI-SR scale: 1-5 (default) or 1-7.")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
    clinician: ClinicianOption = None,
) -> None:
    """Record one completed form (scores only, never item wording)."""
    from mendline.client_records import add_measure_record, measure_record, parse_item_list

    who = clinician_name(clinician)
    day = parse_date(date)
    assert day is not None
    record = measure_record(instrument, day, parse_item_list(instrument, items), scale, session)
    add_measure_record(open_store_for(db, who), who, client_code, record)
    data = {"client": client_code, "instrument": record.instrument,
            "date": record.date.isoformat(), "session": record.session, "scale": record.scale,
            "items": dict(record.items)}
    if as_json:
        print_json(data)
    else:
        err(f"Recorded {record.instrument} for {client_code} on {data['date']}.")


@measures_app.command("import")
def measures_import(
    client_code: ClientArg,
    file: Annotated[Path, typer.Argument(help="Measures CSV or FHIR QuestionnaireResponse JSON.")],
    as_json: JsonOption = False,
    db: DbOption = None,
    clinician: ClinicianOption = None,
) -> None:
    """Import forms for a client: the whole file, or nothing if any form is invalid."""
    from mendline.client_records import import_measures

    who = clinician_name(clinician)
    _print_summary(import_measures(open_store_for(db, who), who, client_code, file), as_json)


@measures_app.command("export")
def measures_export(
    client_code: ClientArg,
    out: Annotated[Path, typer.Option("--out", help="Where to write the FHIR Bundle (.json).")],
    as_json: JsonOption = False,
    db: DbOption = None,
    clinician: ClinicianOption = None,
) -> None:
    """Write a client's forms as a FHIR R4 Bundle of QuestionnaireResponses."""
    from mendline.client_records import export_measures_fhir

    who = clinician_name(clinician)
    bundle = export_measures_fhir(open_store_for(db, who), who, client_code)
    out.write_text(json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    data = {"client": client_code, "forms": len(bundle["entry"]), "out": str(out)}
    if as_json:
        print_json(data)
    else:
        err(f"Wrote {data['forms']} forms for {client_code} to {out}.")


# -------------------------------------------------------------------------------- client


@client_app.command("set")
def client_set(
    client_code: ClientArg,
    planned_sessions: Annotated[int | None, typer.Option(
        help="How many sessions are planned in all (0 clears it).")] = None,
    termination_from: Annotated[int | None, typer.Option(
        help="The session from which the ending is being worked on (0 clears it).")] = None,
    tracking: Annotated[list[str] | None, typer.Option(
        "--tracking", metavar="GROUP.NAME=VALUE",
        help="A tracking threshold for this client, e.g. measures.srs_total_cutoff=35 "
             "(see docs/tracking.md); repeat for more; 'GROUP.NAME=' clears one.")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
    clinician: ClinicianOption = None,
) -> None:
    """Change a client's settings; the timeline's stages and alerts follow them."""
    from mendline.store import update_client_settings

    changes = {k: (None if v == 0 else v) for k, v in
               (("planned_sessions", planned_sessions), ("termination_from", termination_from))
               if v is not None}
    if any(v is not None and v < 0 for v in changes.values()):
        raise MendlineError("session numbers are whole numbers from 1 (0 clears the setting)")
    who = clinician_name(clinician)
    store = open_store_for(db, who)
    if tracking:
        from mendline.client_records import tracking_settings_from
        from mendline.store import get_client

        current = dict(get_client(store, clinician=who, code=client_code).settings)
        merged = _tracking_changes(dict(current.get("tracking") or {}), tracking)
        tracking_settings_from({"tracking": merged})  # refuses unknown names and bad values
        changes["tracking"] = merged or None
    if not changes:
        raise MendlineError(
            "nothing to change: give --planned-sessions, --termination-from or --tracking"
        )
    client = update_client_settings(store, clinician=who, code=client_code, **changes)
    if as_json:
        print_json({"client": client.code, "settings": dict(client.settings)})
    else:
        shown = ", ".join(f"{k} {v}" for k, v in client.settings.items()) or "defaults"
        err(f"{client.code}: {shown}.")


def _tracking_changes(current: dict[str, Any], assignments: list[str]) -> dict[str, Any]:
    """Apply ``GROUP.NAME=VALUE`` assignments (numbers or true/false; empty clears one)."""
    out = {group: dict(values) for group, values in current.items()}
    for item in assignments:
        key, sep, raw = item.partition("=")
        group, dot, name = key.strip().partition(".")
        if not sep or not dot or not group or not name:
            raise MendlineError(f"--tracking {item!r}: expected GROUP.NAME=VALUE, "
                                "e.g. measures.srs_total_cutoff=35")
        values = out.setdefault(group, {})
        raw = raw.strip()
        if not raw:
            values.pop(name, None)
        elif raw.lower() in ("true", "false"):
            values[name] = raw.lower() == "true"
        else:
            try:
                number = float(raw)
            except ValueError:
                raise MendlineError(f"--tracking {item!r}: expected a number, true or false")\
                    from None
            values[name] = int(number) if number.is_integer() else number
        if not values:
            out.pop(group)
    return out


# ------------------------------------------------------------------------------ feedback


@app.command()
def feedback(
    client_code: ClientArg,
    number: Annotated[int, typer.Argument(metavar="N", help="The session number.")],
    action: Annotated[str, typer.Argument(
        metavar="ACTION", help="confirm, reject, relabel, or list (show the item numbers).")],
    marker: Annotated[int | None, typer.Option(
        "--marker", help="Which marker: its number from 'list' (0 is the first).")] = None,
    repair: Annotated[int | None, typer.Option(
        "--repair", help="Which repair: its number from 'list' (0 is the first).")] = None,
    label: Annotated[str | None, typer.Option(
        help="For relabel: the right marker or strategy id.")] = None,
    note: Annotated[str | None, typer.Option(help="A note for yourself or supervision.")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
    clinician: ClinicianOption = None,
) -> None:
    """Confirm, reject or relabel a marker or repair Mendline found; stored with who and when."""
    who = clinician_name(clinician)
    store = open_store_for(db, who)
    if action == "list":
        _list_items(store, who, client_code, number, as_json)
        return
    from mendline.feedback import give_feedback

    if (marker is None) == (repair is None):
        raise MendlineError("give exactly one of --marker K or --repair K")
    kind, index = ("marker", marker) if marker is not None else ("repair", repair)
    assert index is not None
    saved, predicted = give_feedback(store, who, client_code, number, kind=kind, index=index,
                                     action=action, label=label, note=note)
    data = {"client": client_code, "session": number, "kind": kind, "index": index,
            "id": predicted, "action": saved.action, "label": saved.new_label,
            "by": who, "at": saved.created_at.isoformat(timespec="seconds")}
    if as_json:
        print_json(data)
        return
    what = {"confirm": "confirmed", "reject": "rejected",
            "relabel": f"relabelled as {saved.new_label}"}[saved.action]
    err(f"Session {number}, {kind} {index} ({predicted}): {what}. Thank you.")


def _list_items(store: Any, who: str, code: str, number: int, as_json: bool) -> None:
    from mendline.store import get_session

    stored = get_session(store, clinician=who, client_code=code, number=number)
    if stored.analysis_json is None:
        raise MendlineError(f"session {number} of {code} has no stored analysis")
    rows = [
        {"kind": kind, "index": i, "utterance": item["utterance"], "id": item["id"],
         "confidence": item["confidence"]}
        for kind in ("marker", "repair")
        for i, item in enumerate(stored.analysis_json.get(f"{kind}s") or [])
    ]
    if as_json:
        print_json(rows)
        return
    table([(r["kind"], r["index"], f"#{r['utterance']}", r["id"], f"{r['confidence']:.0%}")
           for r in rows], ["kind", "K", "utterance", "id", "confidence"])
    err(f"Then: mendline feedback {code} {number} confirm --marker K")


@app.command("feedback-precision")
def feedback_precision(as_json: JsonOption = False, db: DbOption = None,
                       clinician: ClinicianOption = None) -> None:
    """How often you confirmed each kind of marker and repair Mendline found."""
    from mendline.feedback import feedback_precision as precision

    who = clinician_name(clinician)
    rows = precision(open_store_for(db, who), who)
    if as_json:
        print_json([r.to_json() for r in rows])
        return
    if not rows:
        err("No feedback yet. Try: mendline feedback CLIENT N list")
        return
    table([(r.kind, r.id, r.confirmed, r.rejected, r.relabelled,
            "" if r.precision is None else f"{r.precision:.0%}") for r in rows],
          ["kind", "id", "confirmed", "rejected", "relabelled", "precision"])
    err("precision = confirmed / (confirmed + rejected + relabelled); your latest word on "
        "each item counts.")


@app.command("export-feedback")
def export_feedback(
    out: Annotated[Path | None, typer.Option(
        "--out", help="Write the cases here (.jsonl); default: standard output.")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
    clinician: ClinicianOption = None,
) -> None:
    """Your confirmed and corrected labels as JSON Lines cases, for 'mendline eval'."""
    from mendline.feedback import export_feedback as cases

    who = clinician_name(clinician)
    store = open_store_for(db, who)
    count = 0
    if out is None:
        for case in cases(store, who):
            typer.echo(json.dumps(case, ensure_ascii=False))
            count += 1
    else:
        with out.open("w", encoding="utf-8") as fh:
            for case in cases(store, who):
                fh.write(json.dumps(case, ensure_ascii=False) + "\n")
                count += 1
        if as_json:
            print_json({"cases": count, "out": str(out)})
    err(f"{count} cases exported. They contain session text: keep them as safe as the "
        "transcripts.")
