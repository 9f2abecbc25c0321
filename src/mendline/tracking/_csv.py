"""Shared CSV helpers: decode a file, read rows with their line numbers, parse dates.

Every parse error becomes ``InputError("file, line N: what was expected")``; no cell
content is echoed beyond the offending status or number, which is record data, never
transcript text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator, Sequence

from mendline.errors import InputError

__all__ = ["decode", "rows", "parse_date", "fail"]


def fail(source: str, where: str, detail: str) -> InputError:
    return InputError(f"{source}, {where}: {detail}")


def decode(data: bytes | str, source: str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(
            f"{source}: not UTF-8 text (byte {e.start}); save the file as CSV UTF-8"
        ) from None


def rows(text: str, source: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row by stripped header) for each non-blank data row."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{source}: the file is empty; expected a header row") from None
    except csv.Error as e:
        raise fail(source, "line 1", f"not valid CSV ({e})") from None
    names = [h.strip() for h in header]
    line = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise fail(source, f"line {reader.line_num}", f"not valid CSV ({e})") from None
        line, start = reader.line_num, line + 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(names):
            raise fail(
                source,
                f"line {start}",
                f"{len(row)} cells but the header has {len(names)} columns",
            )
        yield start, {n: (row[i].strip() if i < len(row) else "") for i, n in enumerate(names)}


def parse_date(value: str, formats: Sequence[str]) -> dt.date | None:
    """The date in ``value``: tried whole, then its first word (a time may follow)."""
    for candidate in (value, value.split(" ")[0].split("T")[0]):
        for fmt in formats:
            try:
                return dt.datetime.strptime(candidate, fmt).date()
            except ValueError:
                continue
    return None
