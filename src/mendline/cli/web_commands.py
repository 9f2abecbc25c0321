"""Commands for the web app: serve it, and manage its accounts."""

from __future__ import annotations

from typing import Annotated

import typer

from mendline.cli.common import DbOption, app, err, open_store_for
from mendline.errors import MendlineError

__all__: list[str] = []

user_app = typer.Typer(help="Accounts for the web app (clinician, supervisor, admin).")
app.add_typer(user_app, name="user")


def _web():  # noqa: ANN202 - the web extra is optional
    try:
        from mendline.web import accounts, server
    except ImportError as exc:
        raise MendlineError(
            f"the web app needs extra packages ({exc.name} is missing): "
            "pip install 'mendline[web]'"
        ) from None
    return accounts, server


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on. Only this computer by default.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    certfile: Annotated[
        str | None, typer.Option(help="TLS certificate (PEM), for a practice server.")
    ] = None,
    keyfile: Annotated[str | None, typer.Option(help="TLS private key (PEM).")] = None,
    db: DbOption = None,
) -> None:
    """Run the web app for clinicians and supervisors (http://127.0.0.1:8765 by default)."""
    _, server = _web()
    scheme = "https" if certfile else "http"
    err(f"Mendline is running at {scheme}://{host}:{port}/  (Ctrl+C to stop)")
    server.serve(host, port, db, ssl_certfile=certfile, ssl_keyfile=keyfile)


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Option(help="clinician, supervisor or admin.")] = "clinician",
    display_name: Annotated[str | None, typer.Option(help="Name shown in the app.")] = None,
    password: Annotated[
        str | None,
        typer.Option(
            envvar="MENDLINE_NEW_PASSWORD",
            help="Leave out to be asked (recommended: it stays out of your shell history).",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Create a web account; the first one should be an admin."""
    accounts, _ = _web()
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    user = accounts.add_user(open_store_for(db), username, password, role, display_name)
    err(f"Created {user.role} account {user.username!r}.")
