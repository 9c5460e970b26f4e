"""The database's side of sync (`handhabit.sync`), on the caller's open transaction: the outbox of journal
lines a local change leaves, this installation's id, and the merge of other devices' changes by the rules
of `sync.merge` (insert or ignore by id; deleted at the earliest mark seen, also a mark that came first).

Merged sessions are numbered (`seq`) as they arrive, so `undo` here can take back what was just done there;
merged events are not, like imported ones, so another machine's pause or snooze never acts here.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections import Counter
from collections.abc import Iterable

from handhabit.interchange import to_row
from handhabit.records import TABLE_OF, Deletion, Event, Record, Session, utc_text
from handhabit.sync.journal import Change, Position, encode

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


def position(conn: sqlite3.Connection, path: str) -> Position:
    row = conn.execute('SELECT "offset", line FROM sync_files WHERE path = ?', [path]).fetchone()
    return Position() if row is None else Position(int(row[0]), int(row[1]))


def save_position(conn: sqlite3.Connection, path: str, at: Position) -> None:
    conn.execute('INSERT INTO sync_files (path, "offset", line) VALUES (?, ?, ?) ON CONFLICT (path) DO UPDATE '
                 'SET "offset" = excluded."offset", line = excluded.line', [path, at.offset, at.line])


def merge(conn: sqlite3.Connection, changes: Iterable[Change]) -> Counter[str]:
    """Applies other devices' changes; counts what they added ("sessions", ...) and took back ("deleted")."""
    counts: Counter[str] = Counter()
    for change in changes:
        if isinstance(change, Deletion):
            if _delete(conn, change.table, change.id, utc_text(change.deleted_utc)):
                counts["deleted"] += 1
        else:
            counts[TABLE_OF[type(change)]] += _insert(conn, change)
    return counts


def _insert(conn: sqlite3.Connection, record: Record) -> int:
    """A session takes its place in the order of recording here as it arrives, so `undo` on this machine
    takes back the session just done on the other; an event does not, so another machine's pause or snooze
    never becomes this machine's (`latest_of`, the pending snoozes)."""
    table, row = TABLE_OF[type(record)], to_row(record)
    names, marks = ", ".join(row), ", ".join("?" for _ in row)
    if isinstance(record, Session):
        names, marks = names + ", seq", marks + ", (SELECT coalesce(max(seq), 0) + 1 FROM sessions)"
    added = conn.execute(f"INSERT OR IGNORE INTO {table} ({names}) VALUES ({marks})", list(row.values())).rowcount
    if not isinstance(record, Event):
        waiting = conn.execute("DELETE FROM sync_pending WHERE tbl = ? AND id = ? RETURNING deleted_utc",
                               [table, record.id]).fetchone()
        for mark in (row["deleted_utc"], waiting[0] if waiting else None):
            if mark is not None:
                _delete(conn, table, record.id, str(mark))
    return int(added)


def _delete(conn: sqlite3.Connection, table: str, record_id: str, mark: str) -> bool:
    """Sets the earliest deletion; a mark for a record not here yet waits for it. True when it changed a row."""
    changed = conn.execute(f"UPDATE {table} SET deleted_utc = ? WHERE id = ? AND (deleted_utc IS NULL OR "
                           "deleted_utc > ?)", [mark, record_id, mark]).rowcount
    if not changed and conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", [record_id]).fetchone() is None:
        conn.execute("INSERT INTO sync_pending (tbl, id, deleted_utc) VALUES (?, ?, ?) ON CONFLICT (tbl, id) "
                     "DO UPDATE SET deleted_utc = min(deleted_utc, excluded.deleted_utc)", [table, record_id, mark])
    return bool(changed)
