"""What every part of the store stands on: one connection per thread, the schema it was opened at, rows
read as records (a row no command can use is named with its fix), the write transaction, the check every
record passes on its way in, and the journal line every change leaves while sync is on."""

from __future__ import annotations

import functools
import re
import shlex
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from handhabit.core.records import TABLE_OF, Deletion, Event, Excuse, Record, Session, flaws, utc_text
from handhabit.interchange.journal import Change
from handhabit.interchange.rows import R, Row, UnreadableRow, from_row, to_row
from handhabit.store import journaling
from handhabit.store.errors import InvalidRecord, StoreError, translate
from handhabit.store.opening import open_for_reading, open_for_writing

P = ParamSpec("P")
T = TypeVar("T")
S = TypeVar("S", bound="StoreBase")
EXCUSES_MARKED = 4  # the schema whose excuses have `deleted_utc` (m004): older ones were never taken back
CHECK_IN = 6  # the schema whose sessions have `feel` and `discomfort` (m006)
# A row no command can read is put out of the way as undo and unskip do it, marked deleted, in the tables
# that have the mark: table -> (the first schema with it, how the fix is said). Other rows are removed.
_MARKS = {"sessions": (1, "mark it undone"), "excuses": (EXCUSES_MARKED, "mark it taken back")}


def guarded(method: Callable[Concatenate[S, P], T]) -> Callable[Concatenate[S, P], T]:
    """Every way the database can fail ends as one StoreError line naming what happened."""

    def guarded(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.Error, OSError) as exc:
            raise translate(exc, self.path) from exc

    functools.update_wrapper(guarded, method)
    return guarded


def _sql_text(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _shell_text(text: str) -> str:
    """In double quotes, safe to paste into a shell whatever a hand edit left in the id."""
    return '"' + re.sub(r'(["$`\\])', r"\\\1", text) + '"'


def _sql_id(value: object) -> str:
    """The condition that finds a row by its id as a hand edit may have left it: NULL or a BLOB too."""
    if value is None:
        return "IS NULL"
    return f"= x'{value.hex()}'" if isinstance(value, bytes) else f"= {_sql_text(value)}"


class StoreBase:
    def __init__(self, path: Path, *, writable: bool = True, journaling: bool = False) -> None:
        """`writable=False` is for the commands that only read (streak, status, log, export): they work on
        a read-only folder or a full disk, and a missing database reads as one without records.
        `journaling` (a sync folder is set): every change made here also leaves its journal line in the
        outbox, in the same transaction, for `handhabit.sync` to carry to the other devices."""
        self.path = path
        self.writable = writable
        self.journaling = journaling
        self._local = threading.local()

    @property
    def conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = open_for_writing(self.path) if self.writable else open_for_reading(self.path)
            self._local.schema = int(conn.execute("PRAGMA user_version").fetchone()[0])
            self._local.conn = conn
        return conn

    @property
    def _schema(self) -> int:
        """The schema of the database as opened: the current one once written to, maybe older when only read."""
        self.conn  # noqa: B018 (opening reads the schema)
        return int(self._local.schema)

    @property
    def _order(self) -> str:
        """A schema-1 database read without writing has no `seq`: its insertion order stands in."""
        return "seq" if self._schema >= 2 else "rowid"

    def close(self) -> None:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> Iterator[Row]:
        cursor = self.conn.execute(sql, list(params))
        names = [column[0] for column in cursor.description]
        return (dict(zip(names, row, strict=True)) for row in cursor)

    def _records(self, kind: type[R], rows: Iterable[Row]) -> list[R]:
        records = []
        for row in rows:
            try:
                records.append(from_row(kind, row))
            except UnreadableRow as bad:
                raise StoreError(self._bad_row_line(TABLE_OF[kind], bad)) from None
        return records

    def _bad_row_line(self, table: str, bad: UnreadableRow) -> str:
        where = f"WHERE id {_sql_id(bad.record_id)}"
        marked = _MARKS.get(table)
        if marked and self._schema >= marked[0]:
            how, sql = marked[1], f"UPDATE {table} SET deleted_utc = {_sql_text(utc_text(now()))} {where}"
        else:
            how, sql = "remove it", f"DELETE FROM {table} {where}"
        fix = f"{how}: sqlite3 {shlex.quote(str(self.path))} {_shell_text(sql)}"
        return (f"{self.path}: {table} row {bad}: no command can use it (`handhabit export` still saves a backup; "
                f"then {fix})")

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """The write lock first, then the reads the write depends on: no "locked" half way through."""
        if not self.writable:
            raise StoreError(f"{self.path} was opened read-only")  # a bug in a command, never a person's doing
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.execute("COMMIT")

    def _check(self, record: Record | Deletion) -> None:
        wrong = flaws(record, now())
        if wrong:
            kind = "deletion mark" if isinstance(record, Deletion) else TABLE_OF[type(record)][:-1]
            raise InvalidRecord(f"not recorded: the {kind}'s {wrong[0]}")

    def _add(self, record: Record, counted: bool = True) -> None:
        self._check(record)
        table = TABLE_OF[type(record)]
        row = to_row(record)
        with self._writing() as conn:
            conn.execute(insert_sql(table, row, counted), list(row.values()))
            self._journal(conn, [record])

    # the journal of sync
    def _journal(self, conn: sqlite3.Connection, changes: Sequence[Change]) -> None:
        """The first change after sync was set up takes the whole history along, itself included."""
        if self.journaling and changes:
            if journaling.meta(conn, journaling.HISTORY) is None:
                self._queue_history(conn)
            else:
                journaling.queue(conn, changes)

    def _queue_history(self, conn: sqlite3.Connection) -> int:
        records: list[Change] = [*self._records(Session, self._rows("SELECT * FROM sessions ORDER BY rowid")),
                                 *self._records(Excuse, self._rows("SELECT * FROM excuses ORDER BY rowid")),
                                 *self._records(Event, self._rows("SELECT * FROM events ORDER BY rowid"))]
        journaling.queue(conn, records)
        conn.execute("INSERT INTO sync_meta (key, value) VALUES (?, ?)", [journaling.HISTORY, utc_text(now())])
        return len(records)


def insert_sql(table: str, row: Row, counted: bool) -> str:
    """`counted`: numbered in the order of recording here (`seq`), which undo, pause and resume go by."""
    names, marks = ", ".join(row), ", ".join("?" for _ in row)
    if counted:
        names += ", seq"
        marks += f", (SELECT coalesce(max(seq), 0) + 1 FROM {table})"
    return f"INSERT INTO {table} ({names}) VALUES ({marks})"


def now() -> datetime:
    return datetime.now(timezone.utc)
