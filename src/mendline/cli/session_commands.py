"""Commands on transcripts and sessions: analyze, import, clients, sessions, show, demo, eval."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mendline.cli.common import (
    EXIT_INPUT,
    EXIT_PARTIAL,
    ClientLabelOpt,
    ClientOpt,
    ClinicianOption,
    DbOption,
    JsonOption,
    TherapistOpt,
    app,
    clinician_name,
    err,
    open_store_for,
    parse_date,
    plain,
    print_json,
    roles_from,
    table,
)
from mendline.errors import MendlineError

__all__: list[str] = []


@app.command()
def analyze(
    file: Annotated[str, typer.Argument(help="Transcript file, or - for standard input.")],
    as_json: JsonOption = False,
    therapist: TherapistOpt = None,
    client: ClientOpt = None,
    session: Annotated[int | None, typer.Option(help="Session number (sets the stage).")] = None,
) -> None:
    """Analyse one transcript and print the result; nothing is stored."""
    from mendline.analysis.session import SessionContext, analyze_session
    from mendline.importing import read_with_roles

    transcript = read_with_roles(file, roles_from(therapist, client))
    result = analyze_session(transcript, SessionContext(number=session))
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    from mendline.presentation import render_analysis_text

    typer.echo(render_analysis_text(result))


@app.command("import")
def import_(
    files: Annotated[list[str], typer.Argument(help="Transcript files or folders.")],
    client_code: Annotated[str, typer.Option("--client", help="The client's code, e.g. C-104.")],
    session: Annotated[
        int | None, typer.Option(help="Session number (one file only; default: the next).")
    ] = None,
    date: Annotated[str | None, typer.Option(help="Session date, YYYY-MM-DD.")] = None,
    therapist: TherapistOpt = None,
    client_label: ClientLabelOpt = None,
    as_json: JsonOption = False,
    db: DbOption = None,
    clinician: ClinicianOption = None,
) -> None:
    """Import transcripts for a client: each file is read, analysed and stored in one step."""
    from mendline.importing import import_file, import_files, transcript_files

    store = open_store_for(db)
    roles = roles_from(therapist, client_label)
    who = clinician_name(clinician)
    paths = transcript_files(files)
    if len(paths) == 1:
        outcomes = [
            import_file(
                store,
                paths[0],
                clinician=who,
                client_code=client_code,
                number=session,
                date=parse_date(date),
                roles=roles,
            )
        ]
    else:
        if session is not None or date is not None:
            raise MendlineError("--session and --date apply to one file; several were given")
        with typer.progressbar(length=len(paths), label="Importing", file=sys.stderr) as bar:
            outcomes = import_files(
                store,
                paths,
                clinician=who,
                client_code=client_code,
                roles=roles,
                progress=lambda _p: bar.update(1),
            )
    if as_json:
        print_json([plain(o) for o in outcomes])
    else:
        table(
            [
                (
                    o.path,
                    o.number or "",
                    "error" if o.error else ("imported" if o.created else "already stored"),
                    o.markers if not o.error else "",
                )
                for o in outcomes
            ],
            ["file", "session", "status", "markers"],
        )
    failed = [o for o in outcomes if o.error]
    for o in failed:
        err(o.error or "")
    if failed:
        ok = len(outcomes) - len(failed)
        err(f"{ok} of {len(outcomes)} files imported; {len(failed)} could not be read.")
        raise typer.Exit(EXIT_PARTIAL if ok else EXIT_INPUT)


@app.command()
def clients(as_json: JsonOption = False, db: DbOption = None, clinician: ClinicianOption = None):
    """List your clients."""
    from mendline import store as repository

    who = clinician_name(clinician)
    st = open_store_for(db, who)
    rows = []
    for c in repository.list_clients(st, who):
        sessions = repository.list_sessions(st, clinician=who, client_code=c.code)
        dates = [s.date for s in sessions if s.date]
        rows.append(
            {
                "client": c.code,
                "display_name": c.display_name,
                "sessions": len(sessions),
                "last_session": max(dates).isoformat() if dates else None,
            }
        )
    if as_json:
        print_json(rows)
        return
    if not rows:
        err("No clients yet. Import a transcript with: mendline import FILE --client CODE")
    table(
        [(r["client"], r["display_name"], r["sessions"], r["last_session"]) for r in rows],
        ["client", "name", "sessions", "last session"],
    )


@app.command()
def sessions(
    client_code: Annotated[str, typer.Argument(metavar="CLIENT")],
    as_json: JsonOption = False,
    db: DbOption = None,
    clinician: ClinicianOption = None,
) -> None:
    """List a client's sessions."""
    from mendline import store as repository
    from mendline.presentation import clock

    who = clinician_name(clinician)
    st = open_store_for(db, who)
    repository.get_client(st, clinician=who, code=client_code)  # NotFound names the code
    rows = repository.list_sessions(st, clinician=who, client_code=client_code)
    if as_json:
        print_json([plain(r) for r in rows])
        return
    table(
        [(r.number, r.date, r.format, r.language, clock(r.duration_s)) for r in rows],
        ["session", "date", "format", "language", "length"],
    )


@app.command()
def show(
    client_code: Annotated[str, typer.Argument(metavar="CLIENT")],
    number: Annotated[int, typer.Argument(metavar="N")],
    as_json: JsonOption = False,
    db: DbOption = None,
    clinician: ClinicianOption = None,
) -> None:
    """Show one stored session's analysis."""
    from mendline import store as repository
    from mendline.analysis.result import SessionAnalysis
    from mendline.presentation import render_analysis_text

    stored = repository.get_session(
        open_store_for(db),
        clinician=clinician_name(clinician),
        client_code=client_code,
        number=number,
    )
    if stored.analysis_json is None:
        raise MendlineError(f"session {number} of {client_code} has no stored analysis")
    if as_json:
        print_json(stored.analysis_json)
        return
    typer.echo(render_analysis_text(SessionAnalysis.model_validate(stored.analysis_json)))


@app.command()
def demo(as_json: JsonOption = False, db: DbOption = None, clinician: ClinicianOption = None):
    """Load the bundled synthetic caseload (3 invented clients) so you can try Mendline."""
    from mendline.demo_caseload import load_demo

    summary = load_demo(open_store_for(db), clinician_name(clinician))
    if as_json:
        print_json(plain(summary))
        return
    for line in summary.lines():
        typer.echo(line)
    who = clinician_name(clinician)
    err("Next, in the terminal:  mendline caseload   ·   mendline timeline C-ALDER   ·   "
        "mendline show C-BIRCH 5")
    err(f"Or in the browser:      mendline user add {who}   (choose a password), then "
        "mendline serve")


@app.command("eval")
def eval_(
    file: Annotated[Path, typer.Argument(help="Labelled cases, JSON Lines (see README).")],
    as_json: JsonOption = False,
    split: Annotated[
        str | None, typer.Option(help="Score only this split: train, dev or test.")
    ] = None,
) -> None:
    """Score Mendline (and two baselines) on labelled cases."""
    from mendline.scoring import evaluate_path

    reports = evaluate_path(file, split=split)
    if as_json:
        print_json([r.to_dict() for r in reports])
    else:
        typer.echo("\n\n".join(r.format_table() for r in reports))
