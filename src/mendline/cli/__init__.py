"""The ``mendline`` command: a thin shell over the library.

Each command parses options, calls one library function and formats the result. Data goes to
stdout (a readable table, or JSON with ``--json``); messages go to stderr. Errors a user can act
on are printed as one line, never as a traceback. Commands are grouped by noun in the modules
of this package; importing them registers them on ``app``.

Exit codes: 0 success; 1 an unexpected internal error; 2 invalid input or usage (a file that
cannot be read, an unknown client, a bad option); 3 a batch (``import`` of several files, or
``batch``) where some files were analysed and some were not.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from mendline.cli.common import EXIT_INPUT, EXIT_INTERNAL, app, err
from mendline.errors import MendlineError, RolesUnresolved

__all__ = ["app", "main"]

# Importing a command module registers its commands; --help lists them in this order.
COMMAND_MODULES = (
    "session_commands",
    "batch_commands",
    "tracking_commands",
    "report_commands",
    "web_commands",
)
for _name in COMMAND_MODULES:
    importlib.import_module(f"mendline.cli.{_name}")


def _describe_roles(exc: RolesUnresolved) -> None:
    err(f"error: {exc}")
    err("Speakers in this transcript:")
    for label, sample in exc.speakers.items():
        err(f"  {label!r}: “{sample}”")
    names = list(exc.speakers)
    if len(names) >= 2:
        err(f"For example: --therapist {names[0]!r} --client {names[1]!r}")


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the app and turn errors into one line and an exit code.

    Click (inside Typer) handles usage errors and ``--help`` itself and exits; everything
    else that escapes a command is turned into one line here.
    """
    logging.basicConfig(level=os.environ.get("MENDLINE_LOG", "WARNING").upper(), stream=sys.stderr)
    run: Callable[..., Any] = app
    try:
        run(args=list(argv) if argv is not None else None, standalone_mode=True)
    except RolesUnresolved as exc:
        _describe_roles(exc)
        sys.exit(EXIT_INPUT)
    except MendlineError as exc:
        err(f"error: {exc}")
        sys.exit(EXIT_INPUT)
    except OSError as exc:  # a file that vanished or cannot be written: name it, no traceback
        err(f"error: {exc.filename or 'file'}: {exc.strerror or type(exc).__name__}")
        sys.exit(EXIT_INPUT)
    except Exception as exc:  # the last line of defence: no traceback reaches the user
        if os.environ.get("MENDLINE_DEBUG"):
            raise
        err(
            f"error: Mendline stopped unexpectedly ({type(exc).__name__}). Nothing was "
            "half-written. Set MENDLINE_DEBUG=1 to see details, and please report it."
        )
        sys.exit(EXIT_INTERNAL)
