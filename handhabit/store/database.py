"""The records in SQLite through sqlite-utils: the shared state of the CLI and the daemon.

One connection per thread (sqlite3 connections must not cross threads), WAL so the CLI can write while
the daemon reads, and a generous busy timeout so neither fails on "database is locked". Every write takes
the write lock first (BEGIN IMMEDIATE), checks the record (`records.flaws`) and is one transaction: all
of it or none. A read-only store never writes a byte. Nothing is ever erased: undo marks a session.
"""

from __future__ import annotations

import functools
import re
import shlex
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlite_utils import Database

from handhabit.interchange import R, Row, Rows, UnreadableRow, from_row, to_row
from handhabit.records import Event, Excuse, Record, Session, flaws, utc_text
from handhabit.store.errors import InvalidRecord, StoreError, translate
from handhabit.store.opening import open_for_reading, open_for_writing
from handhabit.store.schema import Verdict

P = ParamSpec("P")
T = TypeVar("T")
TABLE_OF: dict[type[Record], str] = {Session: "sessions", Excuse: "excuses", Event: "events"}


def _guarded(method: Callable[Concatenate[Store, P], T]) -> Callable[Concatenate[Store, P], T]:
    """Every way the database can fail ends as one StoreError line naming what happened."""

    def guarded(self: Store, /, *args: P.args, **kwargs: P.kwargs) -> T:
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


class Store:
    def __init__(self, path: Path, *, writable: bool = True) -> None:
        """`writable=False` is for the commands that only read (streak, status, log, export): they work on
        a read-only folder or a full disk, and a missing database reads as one without records."""
        self.path = path
        self.writable = writable
        self._local = threading.local()

    @property
    def db(self) -> Database:
        db: Database | None = getattr(self._local, "db", None)
        if db is None:
            if self.writable:
                db, verdict = open_for_writing(self.path), Verdict.CURRENT
            else:
                db, verdict = open_for_reading(self.path)
            # A schema-1 database read without writing has no `seq`: its insertion order stands in.
            self._local.order = "seq" if verdict is Verdict.CURRENT else "rowid"
            self._local.db = db
        return db

    @property
    def _order(self) -> str:
        self.db  # noqa: B018 (opening decides the order column)
        return str(self._local.order)

    def close(self) -> None:
        db: Database | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> Iterator[Row]:
        return self.db.query(sql, list(params))

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
        if table == "sessions":
            how, sql = "mark it undone", f"UPDATE sessions SET deleted_utc = {_sql_text(utc_text(_now()))} {where}"
        else:
            how, sql = "remove it", f"DELETE FROM {table} {where}"
        fix = f"{how}: sqlite3 {shlex.quote(str(self.path))} {_shell_text(sql)}"
        return (f"{self.path}: {table} row {bad}: no command can use it (`handhabit export` still saves a backup; "
                f"then {fix})")

    @contextmanager
    def _writing(self) -> Iterator[Database]:
        """The write lock first, then the reads the write depends on: no "locked" half way through."""
        if not self.writable:
            raise StoreError(f"{self.path} was opened read-only")  # a bug in a command, never a person's doing
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.conn.rollback()
            raise
        db.execute("COMMIT")

    def _check(self, record: Record) -> None:
        wrong = flaws(record, _now())
        if wrong:
            kind = TABLE_OF[type(record)][:-1]
            raise InvalidRecord(f"not recorded: the {kind}'s {wrong[0]}")

    def _add(self, record: Record, counted: bool = True) -> None:
        """`counted`: numbered in the order of recording here (`seq`), which undo, pause and resume go by."""
        self._check(record)
        table = TABLE_OF[type(record)]
        row = to_row(record)
        names, marks = ", ".join(row), ", ".join("?" for _ in row)
        if counted:
            names += ", seq"
            marks += f", (SELECT coalesce(max(seq), 0) + 1 FROM {table})"
        with self._writing() as db:
            db.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(row.values()))

    # sessions
    @_guarded
    def add_session(self, session: Session) -> None:
        self._add(session)

    @_guarded
    def sessions(self, habit: str | None = None, since: date | None = None) -> list[Session]:
        """Live sessions in time order; `since` (a logical date) keeps a fire-time check cheap on a long history."""
        where, params = ["deleted_utc IS NULL"], []
        if habit:
            where.append("habit = ?")
            params.append(habit)
        if since:
            where.append("logical_date >= ?")
            params.append(since.isoformat())
        rows = self._rows(f"SELECT * FROM sessions WHERE {' AND '.join(where)} ORDER BY at_utc", params)
        return self._records(Session, rows)

    @_guarded
    def last_session_times(self) -> dict[str, datetime]:
        """The latest session per habit: what break reminders count from. The whole row (SQLite's bare
        columns come from the row holding the max) is read as a record, so a bad one is named, not a crash."""
        rows = self._rows("SELECT *, max(at_utc) FROM sessions WHERE deleted_utc IS NULL GROUP BY habit")
        return {session.habit: session.at_utc for session in self._records(Session, rows)}

    @_guarded
    def undo_last(self, now: datetime) -> Session | None:
        """Marks the most recently recorded live session deleted; repeated calls walk back in the order of
        recording, whatever the wall clock did meanwhile. Imported sessions are history, not for undo."""
        with self._writing() as db:
            rows = list(self._rows(
                "SELECT * FROM sessions WHERE deleted_utc IS NULL AND seq IS NOT NULL ORDER BY seq DESC LIMIT 1"
            ))
            if not rows:
                return None
            self._records(Session, rows)  # a row no command can read is named, and left as it is (rolled back)
            db.execute("UPDATE sessions SET deleted_utc = ? WHERE id = ?", [utc_text(now), rows[0]["id"]])
        return self._records(Session, [{**rows[0], "deleted_utc": utc_text(now)}])[0]

    # excuses
    @_guarded
    def add_excuse(self, excuse: Excuse) -> None:
        self._add(excuse, counted=False)

    @_guarded
    def excuses(self) -> list[Excuse]:
        return self._records(Excuse, self._rows("SELECT * FROM excuses ORDER BY from_date"))

    # events
    @_guarded
    def add_event(self, event: Event) -> None:
        self._add(event)

    @_guarded
    def events(self, since: datetime | None = None) -> list[Event]:
        rows = self._rows(
            "SELECT * FROM events WHERE at_utc >= ? ORDER BY at_utc, rowid",
            [utc_text(since) if since else ""],
        )
        return self._records(Event, rows)

    @_guarded
    def last_fired(self) -> dict[str, datetime]:
        """When each reminder last fired, so break reminders keep their rhythm across restarts."""
        rows = self._rows("SELECT *, max(at_utc) FROM events WHERE kind = 'fired' GROUP BY reminder")
        return {event.reminder: event.at_utc for event in self._records(Event, rows) if event.reminder}

    @_guarded
    def latest_of(self, *kinds: str) -> Event | None:
        """The newest event of these kinds recorded here: the pause in force is the newest pause or resume,
        by order of recording (a clock set back must not revive an ended pause), never an imported one."""
        marks = ", ".join("?" for _ in kinds)
        local = "seq IS NOT NULL AND " if self._order == "seq" else ""
        rows = list(self._rows(
            f"SELECT * FROM events WHERE {local}kind IN ({marks}) ORDER BY {self._order} DESC LIMIT 1", kinds
        ))
        return self._records(Event, rows)[0] if rows else None

    @_guarded
    def fired_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM events WHERE kind = 'fired'").fetchone()[0])

    # export and import
    @_guarded
    def all_rows(self) -> Rows:
        """Every row as stored, undone sessions included (a backup without them could not restore what
        `undo` marked), unread as records: a bad row must not stop the backup that lets one fix it."""
        return Rows(*(list(self._rows(f"SELECT * FROM {table}")) for table in ("sessions", "excuses", "events")))

    @_guarded
    def import_records(
        self, sessions: Sequence[Session], excuses: Sequence[Excuse], events: Sequence[Event]
    ) -> dict[str, int]:
        """Adds the records whose ids are new, in one transaction: all or nothing, and importing twice adds
        nothing. Returns how many were added per table. Imported rows get no place in the order of recording."""
        every: tuple[Record, ...] = (*sessions, *excuses, *events)
        for record in every:
            self._check(record)
        added: dict[str, int] = {}
        with self._writing() as db:
            for table, records in (("sessions", sessions), ("excuses", excuses), ("events", events)):
                present = {row[0] for row in db.execute(f"SELECT id FROM {table}")}
                rows = [to_row(record) for record in records if record.id not in present]
                db.table(table).insert_all(rows, batch_size=1000)
                added[table] = len(rows)
        return added


def _now() -> datetime:
    return datetime.now(timezone.utc)
