"""The SQLite database through sqlite-utils: the shared state of the CLI and the daemon.

One connection per thread (sqlite3 connections must not cross threads), WAL so the CLI can write
while the daemon reads, and a generous busy timeout so neither ever fails on "database is locked".
Nothing is ever erased: undo marks a session deleted.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

# The text form of records lives with the export, so a round trip through a fresh database is byte-identical.
from handhabit.interchange import from_row, parse_utc, to_row, utc_text
from handhabit.records import Event, Excuse, Session

BUSY_TIMEOUT_SECONDS = 10.0
SCHEMA_VERSION = 1
migrations = Migrations("handhabit")


@migrations()
def m001_records(db: Database) -> None:
    db["sessions"].create(  # type: ignore[union-attr]
        {"id": str, "habit": str, "at_utc": str, "tz": str, "logical_date": str, "minutes": float,
         "source": str, "note": str, "recorded_utc": str, "deleted_utc": str},
        pk="id", not_null={"habit", "at_utc", "tz", "logical_date", "source", "recorded_utc"},
    )
    db["sessions"].create_index(["habit", "logical_date"])  # type: ignore[union-attr]
    db["sessions"].create_index(["recorded_utc"])  # type: ignore[union-attr]
    db["excuses"].create(  # type: ignore[union-attr]
        {"id": str, "habit": str, "from_date": str, "to_date": str, "reason": str},
        pk="id", not_null={"habit", "from_date", "to_date"},
    )
    db["events"].create(  # type: ignore[union-attr]
        {"id": str, "at_utc": str, "reminder": str, "habit": str, "kind": str, "detail": str},
        pk="id", not_null={"at_utc", "kind"},
    )
    db["events"].create_index(["at_utc"])  # type: ignore[union-attr]
    db["events"].create_index(["reminder", "kind", "at_utc"])  # type: ignore[union-attr]


def _private_file(path: Path) -> None:
    """The database holds health habits: readable by its owner only, in a folder only they can enter."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._migrate_lock = threading.Lock()
        self._migrated = False

    @property
    def db(self) -> Database:
        db: Database | None = getattr(self._local, "db", None)
        if db is None:
            _private_file(self.path)
            conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_SECONDS)
            db = Database(conn, execute_plugins=False)
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
            db.execute("PRAGMA foreign_keys = ON")
            with self._migrate_lock:
                if not self._migrated:
                    self._migrate(db)
            self._local.db = db
        return db

    def _migrate(self, db: Database) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(
                f"{self.path} was written by a newer handhabit (schema {version}); upgrade handhabit"
            )
        db.enable_wal()
        if version < SCHEMA_VERSION:
            migrations.apply(db)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        self._migrated = True

    def close(self) -> None:
        db: Database | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> Iterator[dict[str, Any]]:
        return self.db.query(sql, list(params))

    # sessions
    def add_session(self, session: Session) -> None:
        self.db["sessions"].insert(to_row(session))  # type: ignore[union-attr]

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
        return [from_row(Session, row) for row in rows]

    def last_session_times(self) -> dict[str, datetime]:
        """The latest session per habit: what break reminders count from."""
        rows = self._rows(
            "SELECT habit, max(at_utc) AS at FROM sessions WHERE deleted_utc IS NULL GROUP BY habit"
        )
        return {row["habit"]: parse_utc(row["at"]) for row in rows}

    def undo_last(self, now: datetime) -> Session | None:
        """Marks the most recently recorded live session deleted; repeated calls walk back in time."""
        db = self.db
        with db.atomic():
            rows = list(self._rows(
                "SELECT * FROM sessions WHERE deleted_utc IS NULL ORDER BY recorded_utc DESC, rowid DESC LIMIT 1"
            ))
            if not rows:
                return None
            db.execute("UPDATE sessions SET deleted_utc = ? WHERE id = ?", [utc_text(now), rows[0]["id"]])
        return from_row(Session, {**rows[0], "deleted_utc": utc_text(now)})

    # excuses
    def add_excuse(self, excuse: Excuse) -> None:
        self.db["excuses"].insert(to_row(excuse))  # type: ignore[union-attr]

    def excuses(self) -> list[Excuse]:
        return [from_row(Excuse, row) for row in self._rows("SELECT * FROM excuses ORDER BY from_date")]

    # events
    def add_event(self, event: Event) -> None:
        self.db["events"].insert(to_row(event))  # type: ignore[union-attr]

    def events(self, since: datetime | None = None) -> list[Event]:
        rows = self._rows(
            "SELECT * FROM events WHERE at_utc >= ? ORDER BY at_utc, rowid",
            [utc_text(since) if since else ""],
        )
        return [from_row(Event, row) for row in rows]

    def last_fired(self) -> dict[str, datetime]:
        """When each reminder last fired, so break reminders keep their rhythm across restarts."""
        rows = self._rows(
            "SELECT reminder, max(at_utc) AS at FROM events WHERE kind = 'fired' GROUP BY reminder"
        )
        return {row["reminder"]: parse_utc(row["at"]) for row in rows if row["reminder"]}

    def latest_of(self, *kinds: str) -> Event | None:
        """The newest event of these kinds: the pause in force is the newest pause or resume."""
        marks = ", ".join("?" for _ in kinds)
        rows = list(self._rows(
            f"SELECT * FROM events WHERE kind IN ({marks}) ORDER BY at_utc DESC, rowid DESC LIMIT 1", kinds
        ))
        return from_row(Event, rows[0]) if rows else None

    def fired_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM events WHERE kind = 'fired'").fetchone()[0])

    # export and import
    def all_records(self) -> tuple[list[Session], list[Excuse], list[Event]]:
        """Everything, undone sessions included: a backup without them could not restore what `undo` marked."""
        return (
            [from_row(Session, row) for row in self._rows("SELECT * FROM sessions")],
            [from_row(Excuse, row) for row in self._rows("SELECT * FROM excuses")],
            [from_row(Event, row) for row in self._rows("SELECT * FROM events")],
        )

    def import_records(
        self, sessions: Sequence[Session], excuses: Sequence[Excuse], events: Sequence[Event]
    ) -> dict[str, int]:
        """Adds the records whose ids are new, in one transaction: all or nothing, and importing twice adds nothing.

        Returns how many were added per table. BEGIN IMMEDIATE takes the write lock before the ids are read,
        so a daemon writing meanwhile waits (busy timeout) instead of failing the import with "locked".
        """
        db = self.db
        added: dict[str, int] = {}
        db.execute("BEGIN IMMEDIATE")
        try:
            for table, records in (("sessions", sessions), ("excuses", excuses), ("events", events)):
                present = {row[0] for row in db.execute(f"SELECT id FROM {table}")}
                rows = [to_row(record) for record in records if record.id not in present]
                db.table(table).insert_all(rows, batch_size=1000)
                added[table] = len(rows)
            db.execute("COMMIT")
        except BaseException:
            db.rollback()
            raise
        return added
