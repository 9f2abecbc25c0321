"""What every ``mendline`` command shares: the app, common options and output helpers.

Data goes to stdout (a readable table, or JSON with ``--json``); messages go to stderr.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import getpass
import json
from collections.abc import Sequence
from typing import Annotated, Any

import typer

from mendline import __version__
from mendline.errors import MendlineError

__all__ = [
    "EXIT_OK",
    "EXIT_INTERNAL",
    "EXIT_INPUT",
    "EXIT_PARTIAL",
    "app",
    "DbOption",
    "ClinicianOption",
    "JsonOption",
    "TherapistOpt",
    "ClientOpt",
    "ClientLabelOpt",
    "err",
    "clinician_name",
    "open_store_for",
    "print_json",
    "table",
    "parse_date",
    "roles_from",
    "plain",
]

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


def err(message: str) -> None:
    typer.echo(message, err=True)


def clinician_name(name: str | None) -> str:
    return name or getpass.getuser() or "local"


def open_store_for(db: str | None, clinician: str | None = None):  # noqa: ANN202 - lazy import
    """Open the store; with a clinician, make sure this local user has an account."""
    from mendline.store import get_or_create_clinician, open_store

    store = open_store(db)
    if clinician is not None:
        get_or_create_clinician(store, clinician)
    return store


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> None:
    cells = [[("" if c is None else str(c)) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    typer.echo(line.rstrip())
    typer.echo("  ".join("-" * w for w in widths))
    for r in cells:
        typer.echo("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise MendlineError(f"--date {value!r}: expected a date like 2026-03-14") from None


def roles_from(therapist: list[str] | None, client: list[str] | None):  # noqa: ANN202
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
ClientLabelOpt = Annotated[
    list[str] | None,
    typer.Option("--client-label", help="Speaker label of a client in the transcripts."),
]
ClientOpt = Annotated[
    list[str] | None,
    typer.Option("--client", help="Speaker label of a client; repeat for couples and families."),
]


def plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj):
        return dataclasses.asdict(obj)
    return obj
