"""The database's side of sync (`handhabit.sync`), on the caller's open transaction: the outbox of journal
lines a local change leaves, this installation's id, and the merge of other devices' changes by two rules
(insert or ignore by id; deleted at the earliest mark seen, also a mark that came first), which
tests/merge_oracle.py states as plain values for the property tests to hold this merge to.

Merged sessions are numbered (`seq`) as they arrive, so `undo` here can take back what was just done there;
merged events are not, like imported ones, so another machine's pause or snooze never acts here. A deletion
`records.honest` refuses, and a mark beyond the `MOST_PENDING` waiting for their records, are counted as
"refused" for the caller to name the device that sent them; the record stays as it was.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from handhabit.core.records import TABLE_OF, Deletion, Event, Record, Session, honest, parse_utc, utc_text
from handhabit.interchange.journal import Change, Position, encode
from handhabit.interchange.rows import to_row

# Deletion marks whose record has not come may wait here; a device that sends more (for ids no device ever
# recorded) is refused, so it cannot fill the database. An honest history has a handful at a time.
MOST_PENDING = 10_000

DEVICE = "device"  # the sync_meta key of this installation's id
HISTORY = "history"  # set once the records from before sync was set up are in the outbox


def queue(conn: sqlite3.Connection, changes: Iterable[Change]) -> None:
    conn.executemany("INSERT INTO sync_outbox (line) VALUES (?)", [(encode(change),) for change in changes])


def meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM sync_meta WHERE key = ?", [key]).fetchone()
    return None if row is None else str(row[0])


def device_id(conn: sqlite3.Connection) -> str:
    """A random id made once, never the host name: two machines with one name stay two devices."""
    known = meta(conn, DEVICE)
    if known is None:
        known = str(uuid.uuid4())
        conn.execute("INSERT INTO sync_meta (key, value) VALUES (?, ?)", [DEVICE, known])
    return known


def new_device_id(conn: sqlite3.Connection) -> tuple[str | None, str]:
    """A fresh id for an installation that shares its id with another (a copied database). The whole
    history goes out again under it, since the other installation keeps writing the old folder; that
    folder is then another device's, read on from where this one's own lines were read to."""
    old = meta(conn, DEVICE)
    conn.execute("DELETE FROM sync_meta WHERE key IN (?, ?)", [DEVICE, HISTORY])
    return old, device_id(conn)


def position(conn: sqlite3.Connection, path: str) -> Position:
    row = conn.execute('SELECT "offset", line FROM sync_files WHERE path = ?', [path]).fetchone()
    return Position() if row is None else Position(int(row[0]), int(row[1]))


def save_position(conn: sqlite3.Connection, path: str, at: Position) -> None:
    conn.execute('INSERT INTO sync_files (path, "offset", line) VALUES (?, ?, ?) ON CONFLICT (path) DO UPDATE '
                 'SET "offset" = excluded."offset", line = excluded.line', [path, at.offset, at.line])


@dataclass
class _Waiting:
    """How many deletion marks wait for their record: counted once a merge, then kept as marks come and go,
    so a device that sends thousands costs no count of the table per mark."""

    marks: int


def merge(conn: sqlite3.Connection, changes: Iterable[Change]) -> Counter[str]:
    """Applies other devices' changes; counts what they added ("sessions", ...), took back ("deleted") and
    what was refused ("refused")."""
    counts: Counter[str] = Counter()
    waiting = _Waiting(int(conn.execute("SELECT count(*) FROM sync_pending").fetchone()[0]))
    for change in changes:
        if isinstance(change, Deletion):
            counts[_delete(conn, change.table, change.id, utc_text(change.deleted_utc), waiting)] += 1
        else:
            added, refused = _insert(conn, change, waiting)
            counts[TABLE_OF[type(change)]] += added
            counts["refused"] += refused
    del counts[""]
    return +counts


def _insert(conn: sqlite3.Connection, record: Record, waiting: _Waiting) -> tuple[int, bool]:
    """A session takes its place in the order of recording here as it arrives, so `undo` on this machine
    takes back the session just done on the other; an event does not, so another machine's pause or snooze
    never becomes this machine's (`latest_of`, the pending snoozes). Returns whether it was added, and
    whether a deletion it came with, or that waited for it, was refused."""
    table, row = TABLE_OF[type(record)], to_row(record)
    names, marks = ", ".join(row), ", ".join("?" for _ in row)
    if isinstance(record, Session):
        names, marks = names + ", seq", marks + ", (SELECT coalesce(max(seq), 0) + 1 FROM sessions)"
    added = conn.execute(f"INSERT OR IGNORE INTO {table} ({names}) VALUES ({marks})", list(row.values())).rowcount
    refused = False
    if not isinstance(record, Event):
        pending = conn.execute("DELETE FROM sync_pending WHERE tbl = ? AND id = ? RETURNING deleted_utc",
                               [table, record.id]).fetchone()
        waiting.marks -= pending is not None
        for mark in (row["deleted_utc"], pending[0] if pending else None):
            if mark is not None:
                refused |= _delete(conn, table, record.id, str(mark), waiting) == "refused"
    return int(added), refused


def _delete(conn: sqlite3.Connection, table: str, record_id: str, mark: str, waiting: _Waiting) -> str:
    """Sets the earliest honest deletion; a mark for a record not here yet waits for it (up to
    MOST_PENDING). Returns "deleted" when it changed a row, "refused", or "" when it changed nothing."""
    done_at = "at_utc" if table == "sessions" else "NULL"
    row = conn.execute(f"SELECT {done_at} FROM {table} WHERE id = ?", [record_id]).fetchone()
    if row is None:
        known = conn.execute("SELECT 1 FROM sync_pending WHERE tbl = ? AND id = ?", [table, record_id]).fetchone()
        if known is None and waiting.marks >= MOST_PENDING:
            return "refused"
        waiting.marks += known is None
        conn.execute("INSERT INTO sync_pending (tbl, id, deleted_utc) VALUES (?, ?, ?) ON CONFLICT (tbl, id) "
                     "DO UPDATE SET deleted_utc = min(deleted_utc, excluded.deleted_utc)", [table, record_id, mark])
        return ""
    if not honest(_instant(row[0]), parse_utc(mark)):
        return "refused"
    changed = conn.execute(f"UPDATE {table} SET deleted_utc = ? WHERE id = ? AND (deleted_utc IS NULL OR "
                           "deleted_utc > ?)", [mark, record_id, mark]).rowcount
    return "deleted" if changed else ""


def _instant(text: object) -> datetime | None:
    """A stored session's instant; None for an excuse, or a row a hand edit left unreadable (named where it
    is read as a record, not here)."""
    try:
        return parse_utc(str(text)) if text is not None else None
    except ValueError:
        return None
