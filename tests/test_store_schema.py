"""Databases of earlier releases: schema 1 (before the file was marked as handhabit's, no order of
recording) and schema 3 (before excuses could be taken back), each read as it is by the commands that only
read, and brought up to date by the first one that writes."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlite_utils import Database

from handhabit.core.records import Event, Excuse, Session
from handhabit.interchange.rows import to_row
from handhabit.store.migrations import migrations
from handhabit.store.schema import APPLICATION_ID, SCHEMA_VERSION
from tests.builders import ROOT, stored

pytestmark = pytest.mark.process

UTC = timezone.utc


def before_check_in(row: dict[str, object]) -> dict[str, object]:
    """A session's row as a schema before 6 held it: no `feel`, no `discomfort`."""
    return {key: value for key, value in row.items() if key not in ("feel", "discomfort")}


def schema_one(path: Path) -> None:
    """As the previous release left it: its one migration applied, user_version 1, WAL, rows in the order
    they were recorded (C last, though its time is the earliest: the clock was set back)."""
    db = Database(path)
    migrations.apply(db, stop_before="m002_order_of_recording")
    db.execute("PRAGMA user_version = 1")
    db.enable_wal()
    for note, hour in (("A", 14), ("B", 15), ("C", 13)):
        at = datetime(2025, 3, 10, hour, tzinfo=UTC)
        db["sessions"].insert(before_check_in(to_row(Session(  # type: ignore[union-attr]
            note, "hand-massage", at, "Europe/Berlin", date(2025, 3, 10), None, "cli", note, at))))
    for kind, detail in (("paused", "2999-01-01T00:00:00Z"), ("resumed", None)):
        db["events"].insert(to_row(Event(kind, datetime(2025, 3, 10, 12, tzinfo=UTC), None, None, kind, detail)))  # type: ignore[union-attr]
    db.close()


def hh(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HANDHABIT_DB": str(db),
           "HANDHABIT_CONFIG": str(db.parent / "none.toml"), "XDG_RUNTIME_DIR": str(db.parent), "TZ": "UTC"}
    return subprocess.run([sys.executable, "-m", "handhabit", *args], env=env, capture_output=True, text=True,
                          timeout=60)


def pragma(db: Path, name: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"PRAGMA {name}").fetchone()[0])


def test_an_older_database_is_read_as_it_is_and_migrated_by_the_first_write(tmp_path: Path) -> None:
    db = tmp_path / "hh.db"
    schema_one(db)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    for command in (["streak", "--json"], ["status"], ["log", "--days", "3660"], ["export"]):
        result = hh(db, *command)
        assert (result.returncode, result.stderr) == (0, ""), command
    assert hh(db, "status").stdout.splitlines()[2] == "Not paused."  # the resume came after the pause
    assert json.loads(hh(db, "export").stdout)["sessions"][0]["note"] == "C"
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before  # reading wrote nothing
    assert (pragma(db, "application_id"), pragma(db, "user_version")) == (0, 1)

    undone = hh(db, "undo")  # the first write: migrated, then the session recorded last is undone
    assert undone.returncode == 0, undone.stderr
    assert undone.stdout.startswith("Undid Hand massage at Mon 2025-03-10 13:00 ")  # C: recorded last
    assert (pragma(db, "application_id"), pragma(db, "user_version")) == (APPLICATION_ID, SCHEMA_VERSION)
    assert [row[7] for row in stored(db, "sessions") if row[9] is None] == ["A", "B"]
    assert hh(db, "undo").stdout.startswith("Undid Hand massage at Mon 2025-03-10 15:00 ")  # then B


def schema_three(path: Path) -> None:
    """As the release before `unskip` left it: marked, user_version 3, excuses without `deleted_utc`, and
    one excuse on Tue 2025-03-11 between two days done."""
    db = Database(path)
    migrations.apply(db, stop_before="m004_excuses_taken_back")
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute("PRAGMA user_version = 3")
    db.enable_wal()
    for day in (10, 12):
        at = datetime(2025, 3, day, 19, tzinfo=UTC)
        db["sessions"].insert({**before_check_in(to_row(Session(  # type: ignore[union-attr]
            f"s{day}", "hand-massage", at, "UTC", at.date(), None, "cli", None, at))), "seq": day})
    row = to_row(Excuse("x", "hand-massage", date(2025, 3, 11), date(2025, 3, 11), "sick"))
    del row["deleted_utc"]
    db["excuses"].insert(row)  # type: ignore[union-attr]
    db.close()


def test_a_schema_3_database_has_every_excuse_counting_until_the_first_write_adds_deleted_utc(tmp_path: Path) -> None:
    db = tmp_path / "hh.db"
    schema_three(db)
    before = hashlib.sha256(db.read_bytes()).hexdigest()

    def tuesday() -> dict[str, object]:
        shown = hh(db, "streak", "--json", "--week", "2025-03-10")
        assert (shown.returncode, shown.stderr) == (0, "")
        return dict(json.loads(shown.stdout)["habits"][0]["days"][1])

    assert tuesday()["excused"] is True
    assert "excused" in hh(db, "log", "--days", "3660").stdout
    assert json.loads(hh(db, "export").stdout)["excuses"][0]["deleted_utc"] is None
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before  # reading wrote nothing
    assert pragma(db, "user_version") == 3

    taken = hh(db, "unskip", "--date", "2025-03-11")  # the first write: migrated, then the excuse marked
    assert (taken.returncode, taken.stderr) == (0, "")
    assert taken.stdout.startswith("Took back the excuse of Hand massage on Tue 2025-03-11 (sick).\n")
    assert pragma(db, "user_version") == SCHEMA_VERSION
    assert tuesday()["excused"] is False
    assert [row[5] is not None for row in stored(db, "excuses")] == [True]


def test_a_bad_excuse_in_a_schema_3_database_is_to_be_removed_as_it_has_no_mark_yet(tmp_path: Path) -> None:
    db = tmp_path / "hh.db"
    schema_three(db)
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO excuses VALUES ('bad', '*', '2025-03-12', '2025-03-10', NULL)")
    shown = hh(db, "streak", "--json")
    assert shown.returncode == 1
    assert shown.stderr.endswith(f'''then remove it: sqlite3 {db} "DELETE FROM excuses WHERE id = 'bad'")\n''')
    assert pragma(db, "user_version") == 3
