"""The one text form of a record, as the database keeps it in its rows, the export writes it and the sync
journal carries it: shared, so none can drift. Pure; the store below it talks to SQLite."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any, TypeVar

from handhabit.core.records import Deletion, Event, Excuse, Record, Session, flaws, parse_utc, utc_text

R = TypeVar("R", Session, Excuse, Event)
Row = dict[str, Any]


def as_text(value: object) -> str:
    """A BLOB that a hand edit put where text belongs still goes into the backup."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else repr(value)


def show(value: object) -> str:
    """A value as it looked in the file, cut short so one bad note cannot flood the error line."""
    text = json.dumps(value, ensure_ascii=False, default=as_text)  # default: a BLOB a hand edit left in a row
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate cannot be printed: show it escaped, as the file has it
        text = json.dumps(value, default=as_text)
    return text if len(text) <= 40 else text[:39] + "…"


def to_row(record: Record | Deletion) -> Row:
    """The one text form of a record, shared by the database, the export and the sync journal so none can drift."""
    row = {item.name: getattr(record, item.name) for item in fields(record)}  # asdict's deep copy is 5x slower
    for key, value in row.items():
        if isinstance(value, datetime):
            row[key] = utc_text(value)
        elif isinstance(value, date):
            row[key] = value.isoformat()
    return row


class UnreadableRow(ValueError):
    """A stored row no command can use (an older version or a hand edit wrote it), named for the fix."""

    def __init__(self, record_id: object, flaw: str) -> None:
        super().__init__(f"{show(record_id)}: {flaw}")
        self.record_id, self.flaw = record_id, flaw


def _readers(kind: type[Record]) -> tuple[tuple[str, Callable[[str], object] | None], ...]:
    read: dict[str, Callable[[str], object]] = {"datetime": parse_utc, "datetime | None": parse_utc,
                                                "date": date.fromisoformat}
    return tuple((item.name, read.get(str(item.type))) for item in fields(kind))


# How each field of a kind is read from its text: worked out once, not for each of 25,000 rows.
_READERS = {kind: _readers(kind) for kind in (Session, Excuse, Event)}


def from_row(kind: type[R], row: Row) -> R:
    """A database row as a record, checked by the same rules as a record on its way in."""
    values: Row = {}
    for name, read in _READERS[kind]:
        value = row.get(name)
        if value is not None and read is not None:
            try:
                value = read(value)
            except (ValueError, TypeError, AttributeError, OverflowError):  # "9999-12-31T23:00:00-05:00"
                raise UnreadableRow(row.get("id"), f"{name}: {show(value)} cannot be read") from None
        values[name] = value
    try:
        wrong = flaws(record := kind(**values))
    except (TypeError, AttributeError, ValueError) as exc:  # e.g. a number where text belongs
        raise UnreadableRow(row.get("id"), f"a value of the wrong type ({exc})") from None
    if wrong:
        raise UnreadableRow(row.get("id"), str(wrong[0]))
    return record


@dataclass(frozen=True)
class Rows:
    """The same as the database keeps it: a backup needs no row to be readable as a record, so even a
    database with a bad row can be saved."""

    sessions: list[Row] = field(default_factory=list)
    excuses: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)
