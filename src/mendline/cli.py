"""The ``mendline`` command: a thin shell over the library.

Each command parses options, calls one library function and formats the result. Data goes to
stdout (a readable table, or JSON with ``--json``); messages go to stderr. Errors a user can act
on are printed as one line, never as a traceback.

Exit codes: 0 success; 1 an unexpected internal error; 2 invalid input or usage (a file that
cannot be read, an unknown client, a bad option); 3 a batch import where some files were
imported and some were not.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from mendline import __version__
from mendline.errors import MendlineError, RolesUnresolved

__all__ = ["app", "main"]

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_PARTIAL = 0, 1, 2, 3

app = typer.Typer(
    name="mendline",
    help="Find alliance ruptures and repairs in therapy session transcripts. Local only.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="MENDLINE_DB",
        help="Database URL or SQLite file path (default: a private file in your data folder).",
        show_envvar=True,
    ),
]
ClinicianOption = Annotated[
    str | None,
    typer.Option(
        "--clinician",
        envvar="MENDLINE_CLINICIAN",
        help="Whose caseload (default: your login name).",
        show_envvar=True,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _clinician(name: str | None) -> str:
    return name or getpass.getuser() or "local"


def _open(db: str | None, clinician: str | None = None):  # noqa: ANN202 - lazy import
    """Open the store; with a clinician, make sure this local user has an account."""
    from mendline.store import get_or_create_clinician, open_store

    store = open_store(db)
    if clinician is not None:
        get_or_create_clinician(store, clinician)
    return store


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> None:
    cells = [[("" if c is None else str(c)) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    typer.echo(line.rstrip())
    typer.echo("  ".join("-" * w for w in widths))
    for r in cells:
        typer.echo("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise MendlineError(f"--date {value!r}: expected a date like 2026-03-14") from None


def _roles(therapist: list[str] | None, client: list[str] | None):  # noqa: ANN202
    from mendline.importing import explicit_roles

    return explicit_roles(therapist or (), client or ())


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mendline {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Mendline reads session transcripts and shows where the working alliance strained and
    how it was repaired. Nothing leaves this machine."""


TherapistOpt = Annotated[
    list[str] | None,
    typer.Option("--therapist", help="Speaker label of the therapist (as in the transcript)."),
]
ClientOpt = Annotated[
    list[str] | None,
    typer.Option("--client", help="Speaker label of a client; repeat for couples and families."),
]


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

    transcript = read_with_roles(file, _roles(therapist, client))
    result = analyze_session(transcript, SessionContext(number=session))
    if as_json:
        _print_json(result.model_dump(mode="json"))
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
    client_label: Annotated[
        list[str] | None,
        typer.Option("--client-label", help="Speaker label of a client in the transcript."),
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
    clinician: ClinicianOption = None,
) -> None:
    """Import transcripts for a client: each file is read, analysed and stored in one step."""
    from mendline.importing import import_file, import_files, transcript_files

    store = _open(db)
    roles = _roles(therapist, client_label)
    who = _clinician(clinician)
    paths = transcript_files(files)
    if len(paths) == 1:
        outcomes = [
            import_file(
                store,
                paths[0],
                clinician=who,
                client_code=client_code,
                number=session,
                date=_parse_date(date),
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
        _print_json([o.__dict__ for o in outcomes])
    else:
        _table(
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
        _err(o.error or "")
    if failed:
        ok = len(outcomes) - len(failed)
        _err(f"{ok} of {len(outcomes)} files imported; {len(failed)} could not be read.")
        raise typer.Exit(EXIT_PARTIAL if ok else EXIT_INPUT)


@app.command()
def clients(as_json: JsonOption = False, db: DbOption = None, clinician: ClinicianOption = None):
    """List your clients."""
    from mendline import store as repository

    who = _clinician(clinician)
    st = _open(db, who)
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
        _print_json(rows)
        return
    if not rows:
        _err("No clients yet. Import a transcript with: mendline import FILE --client CODE")
    _table(
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

    who = _clinician(clinician)
    st = _open(db, who)
    repository.get_client(st, clinician=who, code=client_code)  # NotFound names the code
    rows = repository.list_sessions(st, clinician=who, client_code=client_code)
    if as_json:
        _print_json([_plain(r) for r in rows])
        return
    _table(
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
        _open(db), clinician=_clinician(clinician), client_code=client_code, number=number
    )
    if stored.analysis_json is None:
        raise MendlineError(f"session {number} of {client_code} has no stored analysis")
    if as_json:
        _print_json(stored.analysis_json)
        return
    typer.echo(render_analysis_text(SessionAnalysis.model_validate(stored.analysis_json)))


@app.command()
def demo(db: DbOption = None, clinician: ClinicianOption = None) -> None:
    """Load the bundled synthetic caseload (3 invented clients) so you can try Mendline."""
    from mendline.demo_caseload import load_demo

    summary = load_demo(_open(db), _clinician(clinician))
    for line in summary.lines():
        typer.echo(line)
    _err("Next: mendline clients   ·   mendline sessions C-ALDER   ·   mendline show C-ALDER 1")


@app.command("eval")
def eval_(
    file: Annotated[Path, typer.Argument(help="Labelled cases, JSON Lines (see README).")],
    as_json: JsonOption = False,
    split: Annotated[
        str | None, typer.Option(help="Score only this split: train, dev or test.")
    ] = None,
) -> None:
    """Score Mendline (and two baselines) on labelled cases."""
    from mendline.evaluation import evaluate_file

    report = evaluate_file(file, split=split)
    if as_json:
        _print_json(report.to_json())
    else:
        typer.echo(report.format_table())


def _plain(obj: Any) -> Any:
    import dataclasses

    if dataclasses.is_dataclass(obj):
        return dataclasses.asdict(obj)
    return obj


def _describe_roles(exc: RolesUnresolved) -> None:
    _err(f"error: {exc}")
    _err("Speakers in this transcript:")
    for label, sample in exc.speakers.items():
        _err(f"  {label!r}: “{sample}”")
    names = list(exc.speakers)
    if len(names) >= 2:
        _err(f"For example: --therapist {names[0]!r} --client {names[1]!r}")


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the app and turn errors into one line and an exit code."""
    logging.basicConfig(level=os.environ.get("MENDLINE_LOG", "WARNING").upper(), stream=sys.stderr)
    run: Callable[..., Any] = app
    try:
        code = run(args=list(argv) if argv is not None else None, standalone_mode=False)
    except RolesUnresolved as exc:
        _describe_roles(exc)
        sys.exit(EXIT_INPUT)
    except MendlineError as exc:
        _err(f"error: {exc}")
        sys.exit(EXIT_INPUT)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        _err("Stopped.")
        sys.exit(130)
    except OSError as exc:  # a file that vanished or cannot be written: name it, no traceback
        _err(f"error: {exc.filename or 'file'}: {exc.strerror or type(exc).__name__}")
        sys.exit(EXIT_INPUT)
    except Exception as exc:  # the last line of defence: no traceback reaches the user
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if os.environ.get("MENDLINE_DEBUG"):
            raise
        _err(
            f"error: Mendline stopped unexpectedly ({type(exc).__name__}). Nothing was "
            "half-written. Set MENDLINE_DEBUG=1 to see details, and please report it."
        )
        sys.exit(EXIT_INTERNAL)
    sys.exit(code if isinstance(code, int) else EXIT_OK)
