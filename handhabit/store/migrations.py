"""How the tables came to be, step by step, through sqlite-utils' migrations: a new database runs all of
them, an older one the steps it has not had. Only creating or upgrading a database loads this module."""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

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


@migrations()
def m002_order_of_recording(db: Database) -> None:
    """`seq` counts what was recorded here, so "the newest" (for undo, pause and resume) does not depend on
    a wall clock that NTP or a person may set back. Imported rows have none: a backup's old pause or
    session never becomes the newest. Rows so far keep the order they were inserted in."""
    for table in ("sessions", "events"):
        db[table].add_column("seq", int)  # type: ignore[union-attr]
        db.execute(f"UPDATE {table} SET seq = rowid")
    db["sessions"].create_index(["seq"])  # type: ignore[union-attr]
    db["events"].create_index(["kind", "seq"])  # type: ignore[union-attr]


@migrations()
def m003_day_totals(db: Database) -> None:
    """Reports sum each habit's live sessions per logical date (`Store.day_totals`). With `deleted_utc` and
    `minutes` in the index SQLite reads ten years of them from the index alone, never visiting a row; the
    old index is dropped, as its columns lead the new one."""
    db["sessions"].create_index(["habit", "logical_date", "deleted_utc", "minutes"])  # type: ignore[union-attr]
    db.execute("DROP INDEX idx_sessions_habit_logical_date")


@migrations()
def m004_excuses_taken_back(db: Database) -> None:
    """`unskip` marks an excuse deleted, as undo marks a session, instead of erasing or editing it: a backup
    restores the mark, and records merged by id and deletion mark never bring a taken-back excuse back."""
    db["excuses"].add_column("deleted_utc", str)  # type: ignore[union-attr]


@migrations()
def m005_sync(db: Database) -> None:
    """Sync through a folder (`handhabit.sync`): this installation's random id (`sync_meta`); the journal
    lines not yet in the folder (`sync_outbox`), written in the transaction of their record so a folder that
    is missing for a while loses none; how far each file of the other devices has been read
    (`sync_files`); and deletion marks whose record has not arrived yet (`sync_pending`)."""
    db["sync_meta"].create({"key": str, "value": str}, pk="key")  # type: ignore[union-attr]
    db["sync_outbox"].create({"n": int, "line": bytes}, pk="n", not_null={"line"})  # type: ignore[union-attr]
    db["sync_files"].create(  # type: ignore[union-attr]
        {"path": str, "offset": int, "line": int}, pk="path", not_null={"offset", "line"},
    )
    db["sync_pending"].create(  # type: ignore[union-attr]
        {"tbl": str, "id": str, "deleted_utc": str}, pk=("tbl", "id"), not_null={"deleted_utc"},
    )


@migrations()
def m006_check_in(db: Database) -> None:
    """The check-in: how the hands feel after a session (`feel`) and the discomfort 0-10 at its time.
    Both optional, so every older session stays as it was."""
    db["sessions"].add_column("feel", str)  # type: ignore[union-attr]
    db["sessions"].add_column("discomfort", int)  # type: ignore[union-attr]


def apply(conn: sqlite3.Connection) -> None:
    migrations.apply(Database(conn, execute_plugins=False))
