"""Bringing back a deleted session or excuse (`handhabit restore`), on the caller's connection and open
transaction, as `journaling` works.

Not by clearing its deletion mark: sync merges a record as deleted at the earliest mark any device saw,
and a record never comes back, so every device that has the mark would delete it again. A copy with an id
of its own is a new record that every device takes, whoever marked the first one, and whenever.

A copy is live when a live record holds what the deleted one held: for a session its habit, time and
minutes (the day follows from the time), for an excuse its habit and days. Restoring once more would count
that session or excuse twice, so a record with a live copy is not copied again.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from handhabit.core.records import FIRST_INSTANT, TABLE_OF, Excuse, Session
from handhabit.interchange.rows import UnreadableRow, from_row, to_row
from handhabit.store.base import EXCUSES_MARKED, StoreBase, guarded, insert_sql

D = TypeVar("D", Session, Excuse)
LEAST_PREFIX = 4  # the shortest start of an id that `restore` takes for the whole
# The live row `l` that stands for the deleted row `d`; habit and day first, as the sessions' index has them.
_SAME = {
    "sessions": "l.habit = d.habit AND l.logical_date = d.logical_date AND l.at_utc = d.at_utc "
                "AND l.minutes IS d.minutes",
    "excuses": "l.habit = d.habit AND l.from_date = d.from_date AND l.to_date = d.to_date",
}


@dataclass(frozen=True)
class Deleted:
    """A deleted record, and whether a live copy of it is there (restored before, or recorded again)."""

    record: Session | Excuse
    live_again: bool


def all_deleted(conn: sqlite3.Connection, prefix: str = "", *, excuses: bool = True) -> list[Deleted]:
    """The deleted sessions (and excuses, unless the schema is older than their mark) whose id starts with
    `prefix`, newest deletion first (and of those deleted at once, the last recorded first). A row no command
    can read is left out: its copy could not be read either."""
    found = _deleted(conn, Session, prefix) + (_deleted(conn, Excuse, prefix) if excuses else [])
    return sorted(found, key=lambda item: item.record.deleted_utc or FIRST_INSTANT, reverse=True)


def _deleted(conn: sqlite3.Connection, kind: type[D], prefix: str) -> list[Deleted]:
    table = TABLE_OF[kind]
    cursor = conn.execute(
        f"SELECT d.*, EXISTS (SELECT 1 FROM {table} AS l WHERE l.deleted_utc IS NULL AND {_SAME[table]}) "
        f"FROM {table} AS d WHERE d.deleted_utc IS NOT NULL AND substr(d.id, 1, length(?1)) = ?1 "
        "ORDER BY d.deleted_utc DESC, d.rowid DESC",
        [prefix],
    )
    names = [column[0] for column in cursor.description][:-1]
    found = []
    for *values, live in cursor:
        try:
            found.append(Deleted(from_row(kind, dict(zip(names, values, strict=True))), bool(live)))
        except UnreadableRow:
            continue
    return found


def named(conn: sqlite3.Connection, prefix: str) -> list[Deleted]:
    """The deleted records a typed id names: the one with exactly that id, else every one it begins, when it
    is LEAST_PREFIX characters or more (fewer would too easily name a record the person did not mean)."""
    found = all_deleted(conn, prefix)
    exact = [item for item in found if item.record.id == prefix]
    return exact or (found if len(prefix) >= LEAST_PREFIX else [])


def copy_of(record: Session | Excuse, new_id: str, now: datetime) -> Session | Excuse:
    """A session copy is recorded now, so it takes its place in the order of recording and `undo` takes
    it back first; it keeps when it was done and the day it counts for."""
    if isinstance(record, Session):
        return replace(record, id=new_id, recorded_utc=now, deleted_utc=None)
    return replace(record, id=new_id, deleted_utc=None)


class Restoring(StoreBase):
    """The store's part in `restore`: the deleted records listed, and one brought back as a copy."""

    @guarded
    def deleted(self) -> list[Deleted]:
        """Every deleted session and excuse, newest deletion first: what `restore` lists."""
        return all_deleted(self.conn, excuses=self._schema >= EXCUSES_MARKED)

    @guarded
    def restore(self, prefix: str, new_id: str, now: datetime) -> tuple[list[Deleted], Session | Excuse | None]:
        """Brings back the deleted record `prefix` names as a copy (`store.restoring` says why), checked and
        journaled as every new record is. Returns the deleted records `prefix` names, and the copy when it
        names one with no live copy yet."""
        with self._writing() as conn:
            found = named(conn, prefix)
            if len(found) != 1 or found[0].live_again:
                return found, None
            copy = copy_of(found[0].record, new_id, now)
            self._check(copy)
            row = to_row(copy)
            conn.execute(insert_sql(TABLE_OF[type(copy)], row, counted=isinstance(copy, Session)), list(row.values()))
            self._journal(conn, [copy])
        return found, copy
