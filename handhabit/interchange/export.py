"""Records as export files: the JSON document (habits.md's interchange format) and the CSV of sessions.

Pure: the CLI writes the files. Written from the database's rows (`rows`), ordered by content, so two
databases with the same records export the same bytes, and an export read back into a fresh database
(`importing`) exports to the same bytes again.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import fields
from zoneinfo import ZoneInfo

from handhabit.core.records import Event, Excuse, Record, Session, parse_utc
from handhabit.core.units import known_zone
from handhabit.interchange.rows import Row, Rows, as_text

FORMAT = "handhabit-export"
# 2: excuses carry `deleted_utc` (`unskip`). Version 1 files are still read: their excuses all count.
# 3: sessions carry the check-in, `feel` and `discomfort`. Older files are read: their sessions have none.
VERSION = 3
READS = f"versions 1 to {VERSION}"
CSV_COLUMNS = ("id", "habit", "logical_date", "at_local", "at_utc", "tz", "minutes", "source", "note",
               "recorded_utc")
REEXPORT = "import a file written by `handhabit export --format json`"

def _fields(kind: type[Record]) -> tuple[str, ...]:
    return tuple(item.name for item in fields(kind))


def _exported(rows: Iterable[Row], kind: type[Record], *order: str) -> list[Row]:
    """Ordered by content, never by rowid, so two databases with the same records export the same bytes;
    only the record's fields, not the database's own bookkeeping (its order of recording)."""
    names = _fields(kind)
    ordered = sorted(rows, key=lambda row: tuple("" if row.get(key) is None else str(row[key]) for key in order))
    return [{name: row.get(name) for name in names} for row in ordered]


def _session_rows(rows: Iterable[Row]) -> list[Row]:
    exported = _exported(rows, Session, "at_utc", "id")
    for row in exported:
        minutes = row["minutes"]
        if isinstance(minutes, int) and not isinstance(minutes, bool):  # would read back as a float: other bytes
            row["minutes"] = float(minutes)
    return exported


def json_document(rows: Rows) -> str:
    """The interchange document; UTF-8 text as written (ensure_ascii off) so notes stay readable in a backup."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "sessions": _session_rows(rows.sessions),
        "excuses": _exported(rows.excuses, Excuse, "from_date", "to_date", "habit", "id"),
        "events": _exported(rows.events, Event, "at_utc", "id"),
    }
    return json.dumps(document, indent=2, ensure_ascii=False, default=as_text) + "\n"


def _local_text(row: Row) -> str:
    """The session's wall-clock time where it was done, which is what a person scanning a spreadsheet expects.
    A row whose time cannot be read keeps its text: the backup matters more than the column."""
    try:
        instant = parse_utc(row["at_utc"])
    except (ValueError, TypeError, AttributeError):
        return str(row["at_utc"])
    if isinstance(row["tz"], str) and known_zone(row["tz"]):  # else UTC beats no export at all
        instant = instant.astimezone(ZoneInfo(row["tz"]))
    return instant.isoformat(timespec="seconds")


def live(sessions: Iterable[Row]) -> list[Row]:
    """The sessions a spreadsheet gets: spreadsheets sum rows, and an undone session must add nothing to a sum."""
    return [row for row in sessions if row.get("deleted_utc") is None]


def csv_document(sessions: Iterable[Row]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in _session_rows(live(sessions)):
        row["at_local"] = _local_text(row)
        writer.writerow(["" if row[column] is None else row[column] for column in CSV_COLUMNS])
    return out.getvalue()
