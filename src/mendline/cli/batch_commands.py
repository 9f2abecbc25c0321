"""``mendline batch``: analyse an archive of transcripts into result files, here or on Spark."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mendline.cli.common import (
    EXIT_INPUT,
    EXIT_PARTIAL,
    ClientLabelOpt,
    JsonOption,
    TherapistOpt,
    app,
    err,
    print_json,
    table,
)

__all__: list[str] = []


@app.command()
def batch(
    source: Annotated[
        Path,
        typer.Argument(
            help="An archive folder (one sub-folder per client, named with its code) or a "
            "CSV manifest (columns: file, client, session, date, therapist, client_label, "
            "planned_sessions, termination_from).",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Output folder for the results (new).")],
    engine: Annotated[
        str, typer.Option(help="Where to run: 'local' (worker processes) or 'spark'.")
    ] = "local",
    workers: Annotated[
        int | None, typer.Option(help="Worker processes for the local engine (default: all cores).")
    ] = None,
    master: Annotated[
        str,
        typer.Option(
            help="Spark master URL for --engine spark, e.g. local[4] or spark://host:7077."
        ),
    ] = "local[*]",
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace the output folder if it exists.")
    ] = False,
    therapist: TherapistOpt = None,
    client_label: ClientLabelOpt = None,
    as_json: JsonOption = False,
) -> None:
    """Analyse many clients' transcripts into OUT/analyses.jsonl and OUT/sessions.csv.

    Each client's sessions are analysed in order, so an episode left open at the end of one
    session can be picked up in the next. Nothing is stored in the database, and the output
    folder appears only when every file has been analysed or reported.
    """
    from mendline.batch import run_batch

    summary = run_batch(
        source,
        out,
        engine=engine,
        workers=workers,
        master=master,
        overwrite=overwrite,
        therapist=therapist or (),
        client_label=client_label or (),
        progress=_show_progress if sys.stderr.isatty() else None,
    )
    if as_json:
        print_json(
            {
                "out": str(summary.out),
                "clients": summary.clients,
                "sessions": summary.sessions,
                "analysed": summary.analysed,
                "markers": summary.markers,
                "episodes": summary.episodes,
                "errors": summary.errors,
            }
        )
    else:
        table(
            [
                (
                    summary.clients,
                    summary.sessions,
                    summary.analysed,
                    len(summary.errors),
                    summary.markers,
                    summary.episodes,
                    summary.out,
                )
            ],
            ["clients", "sessions", "analysed", "errors", "markers", "episodes", "results in"],
        )
    for message in summary.errors:
        err(message)
    if summary.errors:
        err(
            f"{summary.analysed} of {summary.sessions} sessions analysed; "
            f"{len(summary.errors)} could not be."
        )
        raise typer.Exit(EXIT_PARTIAL if summary.analysed else EXIT_INPUT)


def _show_progress(done: int, total: int) -> None:
    typer.echo(f"\rAnalysing: {done} of {total} sessions", err=True, nl=done == total)
