"""Commands that produce files for others to read: report, export, agreement.

Anything that leaves the clinician's machine is de-identified by default, and the list of what
was replaced is shown first. Every export is written to the audit log (who, what, when).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from mendline.cli.common import (
    ClinicianOption,
    DbOption,
    JsonOption,
    app,
    clinician_name,
    err,
    open_store_for,
    print_json,
)
from mendline.errors import MendlineError

__all__: list[str] = []

NoDeid = Annotated[
    bool,
    typer.Option(
        "--no-deidentify",
        help="Keep names, places and dates (only for files that stay with you).",
    ),
]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Write without asking.")]


def _confirm(question: str, yes: bool) -> None:
    """Ask on an interactive terminal; scripts (no terminal) proceed, as with --yes."""
    if yes or not sys.stdin.isatty():
        return
    if not typer.confirm(question, err=True):
        raise typer.Abort()


@app.command()
def report(
    client_code: Annotated[str, typer.Argument(metavar="CLIENT")],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write.")],
    session: Annotated[int | None, typer.Option(help="One session only.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="html, pdf or md.")] = "html",
    no_deidentify: NoDeid = False,
    yes: YesOption = False,
    db: DbOption = None,
    clinician: ClinicianOption = None,
) -> None:
    """Write a supervision-preparation report for a client or one session."""
    from mendline import store as repository
    from mendline.reports import load_report_inputs, render_report

    who = clinician_name(clinician)
    st = open_store_for(db, who)
    built = render_report(
        load_report_inputs(st, who, client_code), session, fmt, deidentify=not no_deidentify
    )
    if built.replacements:
        err("De-identified before writing (please check nothing identifying is left):")
        for r in built.replacements:
            shown = ", ".join(r.originals[:5]) + (" …" if len(r.originals) > 5 else "")
            err(f"  {r.placeholder:<14} {r.kind:<9} ×{r.count}  ({shown})")
    _confirm(f"Write {out}?", yes)
    try:
        out.write_bytes(built.data)
    except OSError as exc:
        raise MendlineError(f"{out}: cannot write the report ({exc.strerror})") from None
    repository.record_audit(
        st,
        actor=who,
        action=f"export.report.{fmt}",
        object=f"client:{client_code}" + (f"/session:{session}" if session else ""),
        detail="deidentified" if not no_deidentify else "identified",
    )
    err(f"Wrote {out} ({len(built.data):,} bytes).")


@app.command()
def export(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the CSV tables.")],
    clients: Annotated[
        list[str] | None, typer.Argument(metavar="[CLIENT]...", help="Default: all.")
    ] = None,
    include_text: Annotated[
        bool, typer.Option("--include-text", help="Add the (de-identified) utterance text.")
    ] = False,
    no_deidentify: NoDeid = False,
    db: DbOption = None,
    clinician: ClinicianOption = None,
) -> None:
    """Write research tables (markers, 3RS segments, episodes) as CSV with vocabulary ids."""
    from mendline import store as repository
    from mendline.reports import export_tables

    who = clinician_name(clinician)
    st = open_store_for(db, who)
    tables = export_tables(
        st, who, clients or None, include_text=include_text, deidentify=not no_deidentify
    )
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in tables.items():
            (out / name).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise MendlineError(f"{out}: cannot write the tables ({exc.strerror})") from None
    repository.record_audit(
        st,
        actor=who,
        action="export.tables",
        object="clients:" + (",".join(clients) if clients else "all"),
        detail=("with text" if include_text else "ids only")
        + (", identified" if no_deidentify else ""),
    )
    for name in tables:
        typer.echo(str(out / name))


@app.command()
def agreement(
    a: Annotated[
        Path | None, typer.Argument(help="First coder's cases (JSON Lines).")
    ] = None,
    b: Annotated[Path | None, typer.Argument(help="Second coder's cases (JSON Lines).")] = None,
    client_code: Annotated[
        str | None,
        typer.Option(
            "--client", help="Instead: Mendline against your own confirmations for a client."
        ),
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
    clinician: ClinicianOption = None,
) -> None:
    """Agreement: Cohen's kappa per family and id (and ICC for segment ratings), between two
    coders' files, or between Mendline and your confirmations (--client)."""
    from mendline import reports

    if client_code is not None:
        if a is not None or b is not None:
            raise MendlineError("give either two files or --client, not both")
        who = clinician_name(clinician)
        result = reports.agreement_with_clinician(
            reports.load_report_inputs(open_store_for(db, who), who, client_code)
        )
    elif a is not None and b is not None:
        result = reports.agreement(a, b)
    else:
        raise MendlineError("give two coders' files (A.jsonl B.jsonl), or --client CODE")
    if as_json:
        print_json(json.loads(result.to_json()))
    else:
        typer.echo(result.format_table())
