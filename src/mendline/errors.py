"""The one error hierarchy of Mendline.

    MendlineError                 anything a user can act on; the CLI prints it as one line
    ├── IngestError               a transcript could not be read (names file, line/cue/JSON path)
    │   └── RolesUnresolved       speakers found, but who is therapist/client is not clear enough
    ├── InputError                an attendance/measures/feedback file or form field is invalid
    ├── StoreError                the database could not be opened, migrated or written
    └── NotFound                  a client, session or item does not exist (or is not yours)

Messages never contain transcript text: they name the place (file, line, field) and
what was expected, so they are safe to print and to log.
"""

from __future__ import annotations

__all__ = [
    "MendlineError",
    "IngestError",
    "RolesUnresolved",
    "InputError",
    "StoreError",
    "NotFound",
    "UnknownDetector",
]


class MendlineError(Exception):
    """Base class: its message is shown to the user as it is."""


class IngestError(MendlineError):
    """A transcript file could not be turned into a Transcript.

    ``source`` is the file name (``<stdin>`` for standard input); ``where`` is the line,
    cue number or JSON path, when known.
    """

    def __init__(self, source: str, detail: str, *, where: str | None = None) -> None:
        self.source = source
        self.detail = detail
        self.where = where
        place = f"{source}, {where}" if where else source
        super().__init__(f"{place}: {detail}")


class RolesUnresolved(IngestError):
    """Raised by callers (CLI, web) when speaker roles are below the confidence threshold.

    ``speakers`` maps each speaker label to one short sample line; it is shown to the
    clinician who owns the file, never logged.
    """

    def __init__(self, source: str, detail: str, speakers: dict[str, str]) -> None:
        super().__init__(source, detail)
        self.speakers = speakers


class InputError(MendlineError):
    """A CSV, FHIR or form input is invalid; the message names the file and line or field."""


class StoreError(MendlineError):
    """The database could not be used."""


class NotFound(MendlineError):
    """The thing asked for does not exist, or belongs to someone else."""


class UnknownDetector(MendlineError, KeyError):
    """A detector was asked for by a name this installation does not have.

    Also a ``KeyError`` (a name not found in the registry), so callers that looked names up
    keep working; the message lists the names known here.
    """

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""
