"""The records in SQLite: the shared state of the CLI and the daemon.

One connection per thread (sqlite3 connections must not cross threads), WAL so the CLI can write while
the daemon reads, and a generous busy timeout so neither fails on "database is locked". Every write takes
the write lock first (BEGIN IMMEDIATE), checks the record (`records.flaws`) and is one transaction: all
of it or none. A read-only store never writes a byte. Nothing is ever erased: undo marks a session.
Reads and writes go through the stdlib connection; sqlite-utils only creates and migrates the schema
(`migrations`), so a command pays for it once in a database's life rather than at every start. An older
database read without writing keeps its older tables, so the queries a column was added for ask the
schema first (`_schema`).
"""

from __future__ import annotations

import functools
import re
import shlex
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from handhabit.core.excusing import TakeBack
from handhabit.core.records import (
    FIRST_DAY,
    LAST_DAY,
    MAX_MINUTES,
    TABLE_OF,
    DayTotal,
    Deletion,
    Event,
    Excuse,
    Record,
    Session,
    flaws,
    parse_utc,
    utc_text,
)
from handhabit.interchange.rows import R, Row, Rows, UnreadableRow, from_row, to_row
from handhabit.store.errors import InvalidRecord, StoreError, translate
from handhabit.store.opening import open_for_reading, open_for_writing

if TYPE_CHECKING:
    from handhabit.interchange.journal import Change, Position
    from handhabit.store.restoring import Deleted

# The newest live session of a habit (twice the habit): among the four days before its latest logical date.
# A date SQLite cannot read gives '', and so every session of the habit: the bad one is named when read.
# Sessions done after `until` are left out: another device's clock may run ahead (`last_session_times`).
_LATEST_SESSION = """SELECT * FROM sessions WHERE habit = ? AND deleted_utc IS NULL AND at_utc <= ? AND
    logical_date >= coalesce((SELECT date(logical_date, '-4 days') FROM sessions WHERE habit = ? AND
    deleted_utc IS NULL AND at_utc <= ? ORDER BY logical_date DESC LIMIT 1), '') ORDER BY at_utc DESC LIMIT 1"""
P = ParamSpec("P")
T = TypeVar("T")
EXCUSES_MARKED = 4  # the schema whose excuses have `deleted_utc` (m004): older ones were never taken back
# A row no command can read is put out of the way as undo and unskip do it, marked deleted, in the tables
# that have the mark: table -> (the first schema with it, how the fix is said). Other rows are removed.
_MARKS = {"sessions": (1, "mark it undone"), "excuses": (EXCUSES_MARKED, "mark it taken back")}


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
            how, sql = marked[1], f"UPDATE {table} SET deleted_utc = {_sql_text(utc_text(_now()))} {where}"
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
        wrong = flaws(record, _now())
        if wrong:
            kind = "deletion mark" if isinstance(record, Deletion) else TABLE_OF[type(record)][:-1]
            raise InvalidRecord(f"not recorded: the {kind}'s {wrong[0]}")

    def _add(self, record: Record, counted: bool = True) -> None:
        self._check(record)
        table = TABLE_OF[type(record)]
        row = to_row(record)
        with self._writing() as conn:
            conn.execute(_insert(table, row, counted), list(row.values()))
            self._journal(conn, [record])

    # sessions
    @_guarded
    def add_session(self, session: Session) -> None:
        self._add(session)

    @_guarded
    def sessions(self, habit: str | None = None, since: date | None = None) -> list[Session]:
        """Live sessions in time order; `since` (a logical date) keeps a fire-time check cheap on a long history."""
        where, params = _live(habit, since)
        return self._records(Session, self._rows(f"SELECT * FROM sessions WHERE {where} ORDER BY at_utc", params))

    @_guarded
    def day_totals(self, habit: str, since: date | None = None) -> list[DayTotal]:
        """A habit's live sessions summed per logical date by SQLite, from the covering index alone: what
        streaks, scores and the week table need, without reading years of sessions as records. A row whose
        date or minutes no command could read is named, as `sessions` names it."""
        where, params = _live(habit, since)
        flawed = self.conn.execute(
            f"SELECT DISTINCT logical_date FROM sessions WHERE {where} AND NOT (minutes > 0 AND minutes <= ?)",
            [*params, MAX_MINUTES],
        ).fetchall()
        for (text,) in flawed:
            self._day_of(habit, text)
        totals = []
        for text, count, minutes, rated in self.conn.execute(
            f"SELECT logical_date, count(*), total(minutes), count(minutes) FROM sessions WHERE {where}"
            " GROUP BY logical_date", params,
        ):
            try:
                day = date.fromisoformat(text)
            except (TypeError, ValueError):
                day = self._day_of(habit, text)
            if not FIRST_DAY <= day <= LAST_DAY:
                day = self._day_of(habit, text)
            totals.append(DayTotal(habit, day, count, minutes, count - rated))
        return totals

    def _day_of(self, habit: str, text: str) -> date:
        """The sessions behind a day total read as records: the first one no command can use is named."""
        rows = self._rows("SELECT * FROM sessions WHERE deleted_utc IS NULL AND habit IS ? AND logical_date IS ?",
                          [habit, text])
        return self._records(Session, rows)[0].logical_date

    @_guarded
    def last_session_times(self, until: datetime | None = None) -> dict[str, datetime]:
        """The latest live session per habit done by `until` (default: the end of time): what break
        reminders count from. A session from another device whose clock runs ahead counts for its day, but
        must not put this machine's breaks off past their time, so the daemon asks for those done by now.
        Read as a record, so a bad row is named, not a crash. A session's day is within two days of its
        instant (`records`), so the latest one is among its habit's last four days: a few index lookups,
        not a scan of years."""
        habits = [row[0] for row in self.conn.execute("SELECT DISTINCT habit FROM sessions")]
        bound = "9999-12-31T23:59:59Z" if until is None else utc_text(until)
        rows = [row for habit in habits for row in self._rows(_LATEST_SESSION, [habit, bound, habit, bound])]
        return {session.habit: session.at_utc for session in self._records(Session, rows)}

    @_guarded
    def undo_last(self, now: datetime) -> Session | None:
        """Marks the most recently recorded live session deleted; repeated calls walk back in the order of
        recording, whatever the wall clock did meanwhile. Imported sessions are history, not for undo."""
        with self._writing() as conn:
            rows = list(self._rows(
                "SELECT * FROM sessions WHERE deleted_utc IS NULL AND seq IS NOT NULL ORDER BY seq DESC LIMIT 1"
            ))
            if not rows:
                return None
            self._records(Session, rows)  # a row no command can read is named, and left as it is (rolled back)
            conn.execute("UPDATE sessions SET deleted_utc = ? WHERE id = ?", [utc_text(now), rows[0]["id"]])
            self._journal(conn, [Deletion("sessions", rows[0]["id"], parse_utc(utc_text(now)))])
        return self._records(Session, [{**rows[0], "deleted_utc": utc_text(now)}])[0]

    @_guarded
    def deleted(self) -> list[Deleted]:
        """Every deleted session and excuse, newest deletion first: what `restore` lists."""
        from handhabit.store import restoring

        return restoring.deleted(self.conn, excuses=self._schema >= EXCUSES_MARKED)

    @_guarded
    def restore(self, prefix: str, new_id: str, now: datetime) -> tuple[list[Deleted], Session | Excuse | None]:
        """Brings back the deleted record `prefix` names as a copy (`store.restoring` says why), checked and
        journaled as every new record is. Returns the deleted records `prefix` names, and the copy when it
        names one with no live copy yet."""
        from handhabit.store import restoring

        with self._writing() as conn:
            found = restoring.named(conn, prefix)
            if len(found) != 1 or found[0].live_again:
                return found, None
            copy = restoring.copy_of(found[0].record, new_id, now)
            self._check(copy)
            row = to_row(copy)
            conn.execute(_insert(TABLE_OF[type(copy)], row, counted=isinstance(copy, Session)), list(row.values()))
            self._journal(conn, [copy])
        return found, copy

    # excuses
    @_guarded
    def add_excuse(self, excuse: Excuse) -> None:
        self._add(excuse, counted=False)

    @_guarded
    def excuses(self) -> list[Excuse]:
        """The live excuses: what the habit maths, `log` and `skip` go by."""
        return self._live_excuses()

    def _live_excuses(self) -> list[Excuse]:
        live = "WHERE deleted_utc IS NULL " if self._schema >= EXCUSES_MARKED else ""
        return self._records(Excuse, self._rows(f"SELECT * FROM excuses {live}ORDER BY from_date"))

    @_guarded
    def take_back_excuses(self, plan: Callable[[list[Excuse]], TakeBack], now: datetime) -> TakeBack:
        """Marks `plan`'s taken excuses deleted at `now` and adds its kept ones, in one transaction. The plan
        is made from the live excuses as they are under the write lock, so two `unskip`s at once cannot
        both split one excuse. Returns what was done, the taken excuses with their mark."""
        with self._writing() as conn:
            change = plan(self._live_excuses())
            for excuse in change.kept:
                self._check(excuse)
            mark = utc_text(now)
            conn.executemany("UPDATE excuses SET deleted_utc = ? WHERE id = ?", [[mark, e.id] for e in change.taken])
            rows = [to_row(excuse) for excuse in change.kept]
            if rows:
                conn.executemany(_insert("excuses", rows[0], counted=False), [list(row.values()) for row in rows])
            self._journal(conn, [*(Deletion("excuses", e.id, parse_utc(mark)) for e in change.taken), *change.kept])
        return replace(change, taken=tuple(replace(e, deleted_utc=parse_utc(mark)) for e in change.taken))

    # events
    @_guarded
    def add_event(self, event: Event) -> None:
        self._add(event)

    @_guarded
    def events(self, since: datetime | None = None, *, local_only: bool = False) -> list[Event]:
        """The events from `since` on, in time order. `local_only`: only those recorded here, none merged
        from another device or imported: what drives this machine's reminders (its snoozes) must be its own."""
        rows = self._rows(
            f"SELECT * FROM events WHERE {self._here(local_only)}at_utc >= ? ORDER BY at_utc, rowid",
            [utc_text(since) if since else ""],
        )
        return self._records(Event, rows)

    @_guarded
    def last_fired(self, *, local_only: bool = False) -> dict[str, datetime]:
        """When each reminder last fired, so break reminders keep their rhythm across restarts: one lookup
        per reminder on the (reminder, kind, at_utc) index. `local_only`: fired here (as `events`), so
        another machine's reminder does not set this one's rhythm."""
        reminders = [row[0] for row in self.conn.execute("SELECT DISTINCT reminder FROM events")]  # the index alone
        local = self._here(local_only)
        rows = [row for reminder in reminders for row in self._rows(
            f"SELECT * FROM events WHERE {local}reminder IS ? AND kind = 'fired' ORDER BY at_utc DESC LIMIT 1",
            [reminder],
        )]
        return {event.reminder: event.at_utc for event in self._records(Event, rows) if event.reminder}

    @_guarded
    def latest_of(self, *kinds: str) -> Event | None:
        """The newest event of these kinds recorded here: the pause in force is the newest pause or resume,
        by order of recording (a clock set back must not revive an ended pause), never an imported one."""
        marks = ", ".join("?" for _ in kinds)
        rows = list(self._rows(
            f"SELECT * FROM events WHERE {self._here(True)}kind IN ({marks}) ORDER BY {self._order} DESC LIMIT 1",
            kinds,
        ))
        return self._records(Event, rows)[0] if rows else None

    def _here(self, wanted: bool) -> str:
        """The condition (with its AND) that keeps the rows recorded here: merged and imported ones have no
        `seq`. A schema-1 database has no `seq`, and no sync either: all of it was recorded here."""
        return "seq IS NOT NULL AND " if wanted and self._order == "seq" else ""

    @_guarded
    def fired_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM events WHERE kind = 'fired'").fetchone()[0])

    # export and import
    @_guarded
    def all_rows(self) -> Rows:
        """Every row as stored, undone sessions and taken-back excuses included (a backup without them could
        not restore what `undo` and `unskip` marked), unread as records: a bad row must not stop the backup
        that lets one fix it."""
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
        with self._writing() as conn:
            for table, records in (("sessions", sessions), ("excuses", excuses), ("events", events)):
                present = {row[0] for row in conn.execute(f"SELECT id FROM {table}")}
                new = [record for record in records if record.id not in present]
                rows = [to_row(record) for record in new]
                if rows:
                    conn.executemany(_insert(table, rows[0], counted=False), [list(row.values()) for row in rows])
                self._journal(conn, new)
                added[table] = len(rows)
        return added

    # sync
    def _journal(self, conn: sqlite3.Connection, changes: Sequence[Change]) -> None:
        """The first change after sync was set up takes the whole history along, itself included."""
        if self.journaling and changes:
            from handhabit.store import journaling

            if journaling.meta(conn, journaling.HISTORY) is None:
                self._queue_history(conn)
            else:
                journaling.queue(conn, changes)

    def _queue_history(self, conn: sqlite3.Connection) -> int:
        from handhabit.store import journaling

        records: list[Change] = [*self._records(Session, self._rows("SELECT * FROM sessions ORDER BY rowid")),
                                 *self._records(Excuse, self._rows("SELECT * FROM excuses ORDER BY rowid")),
                                 *self._records(Event, self._rows("SELECT * FROM events ORDER BY rowid"))]
        journaling.queue(conn, records)
        conn.execute("INSERT INTO sync_meta (key, value) VALUES (?, ?)", [journaling.HISTORY, utc_text(_now())])
        return len(records)

    @_guarded
    def device_id(self) -> str:
        from handhabit.store import journaling

        with self._writing() as conn:
            return journaling.device_id(conn)

    @_guarded
    def new_device_id(self) -> tuple[str | None, str]:
        """This installation's id made anew (`handhabit sync --new-id`): the old id, and the new one."""
        from handhabit.store import journaling

        with self._writing() as conn:
            return journaling.new_device_id(conn)

    @_guarded
    def known_device_id(self) -> str | None:
        """This installation's id if it has synced: read only, for `status`."""
        if self._schema < 5:
            return None
        from handhabit.store import journaling

        return journaling.meta(self.conn, journaling.DEVICE)

    @_guarded
    def queue_history(self) -> int:
        """Once, when sync is first set up: every record from before goes to the outbox (the deletions with
        them, in their `deleted_utc`), so the other devices get the whole history. Returns how many."""
        from handhabit.store import journaling

        with self._writing() as conn:
            return 0 if journaling.meta(conn, journaling.HISTORY) is not None else self._queue_history(conn)

    @_guarded
    def outbox(self, limit: int = 10_000) -> list[tuple[int, bytes]]:
        """The journal lines not yet in the folder, oldest first, with their place to pass to `sent`."""
        return [(int(n), bytes(line)) for n, line in
                self.conn.execute("SELECT n, line FROM sync_outbox ORDER BY n LIMIT ?", [limit])]

    @_guarded
    def sent(self, batch: Sequence[tuple[int, bytes]]) -> None:
        """Takes exactly these lines out of the outbox. Not "all up to the last place": two commands of this
        device may send at once, and when one empties the outbox SQLite gives the next line the place of
        one the other is still writing out, which "up to" would delete unsent. A line sent twice is merged
        once."""
        with self._writing() as conn:
            conn.executemany("DELETE FROM sync_outbox WHERE n = ? AND line = ?", batch)

    @_guarded
    def position(self, path: str) -> Position:
        from handhabit.store import journaling

        return journaling.position(self.conn, path)

    @_guarded
    def merge(self, path: str, changes: Sequence[Change], end: Position) -> Counter[str]:
        """Another device's changes read from `path` (relative to the sync folder) up to `end`: applied and
        the place saved in one transaction, so a crash neither loses nor doubles any."""
        from handhabit.store import journaling

        for change in changes:
            self._check(change)
        with self._writing() as conn:
            counts = journaling.merge(conn, changes)
            journaling.save_position(conn, path, end)
        return counts


def _insert(table: str, row: Row, counted: bool) -> str:
    """`counted`: numbered in the order of recording here (`seq`), which undo, pause and resume go by."""
    names, marks = ", ".join(row), ", ".join("?" for _ in row)
    if counted:
        names += ", seq"
        marks += f", (SELECT coalesce(max(seq), 0) + 1 FROM {table})"
    return f"INSERT INTO {table} ({names}) VALUES ({marks})"


def _live(habit: str | None, since: date | None) -> tuple[str, list[str]]:
    """The WHERE of the live sessions, of one habit and from a logical date on if asked."""
    where, params = ["deleted_utc IS NULL"], []
    if habit:
        where.append("habit = ?")
        params.append(habit)
    elif since:  # every habit: so that the (habit, logical_date) index finds the days, not a scan of years
        where.append("habit IN (SELECT DISTINCT habit FROM sessions)")
    if since:
        where.append("logical_date >= ?")
        params.append(since.isoformat())
    return " AND ".join(where), params


def _now() -> datetime:
    return datetime.now(timezone.utc)
