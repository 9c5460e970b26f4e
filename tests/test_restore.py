"""`handhabit restore` through the real CLI on real SQLite files: a record hidden by a deletion mark from
1970 (what a merge leaves when another device sends one, written here with plain sqlite3) is listed, comes
back as a copy that counts, that `undo` takes back and that reaches the other device through sync; an id
that names nothing, or too much, is one line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.builders import daemon_env, handhabit
from tests.test_sync import Home

pytestmark = pytest.mark.process

CONFIG = """[general]
timezone = "Europe/Berlin"

[[habits]]
id = "hand-massage"
name = "Hand massage"
target = { sessions = 2, per = "day" }
"""
EPOCH = "1970-01-01T00:00:00Z"
# What every session and excuse of these tests is said as; the day after is no day of theirs.
SESSION = "Hand massage, 5 min, at Tue 2025-03-11 21:00 (counts for Tue 2025-03-11), note: left hand"
EXCUSE = "the excuse of all habits for 2 days, Sat 2025-03-01 to Sun 2025-03-02 (holiday)"
STANDING = "Hand massage: 1 of 2 on Tue 2025-03-11 · 0 of 2 today · streak 0 days"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    return daemon_env(tmp_path, config)


def ok(env: dict[str, str], *args: str) -> str:
    result = handhabit(env, *args)
    assert (result.returncode, result.stderr) == (0, ""), (args, result.stderr)
    return result.stdout


def failed(env: dict[str, str], *args: str) -> tuple[int, str]:
    """The exit status and the one error line of a command that must fail."""
    result = handhabit(env, *args)
    assert result.stdout == "" and result.stderr.count("\n") == 1, (args, result.stdout, result.stderr)
    return result.returncode, result.stderr.removeprefix("handhabit: ").rstrip("\n")


def sql(db: Path | str, statement: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(statement, params).fetchall()


def mark_all_deleted(db: Path | str, table: str) -> list[str]:
    """Every record of `table` deleted on the first day of 1970, as a merge leaves another device's mark."""
    sql(db, f"UPDATE {table} SET deleted_utc = ?", EPOCH)
    return [str(row[0]) for row in sql(db, f"SELECT id FROM {table}")]


def day(env: dict[str, str], when: str) -> tuple[int, bool]:
    """Sessions and whether excused, on day `when`, as `streak --json` shows them."""
    report = json.loads(ok(env, "streak", "hand-massage", "--json", "--week", when))
    shown = next(d for d in report["habits"][0]["days"] if d["date"] == when)
    return shown["sessions"], shown["excused"]


def test_a_session_marked_deleted_in_1970_is_listed_restored_counted_and_undoable(env: dict[str, str]) -> None:
    db = env["HANDHABIT_DB"]
    ok(env, "done", "--at", "2025-03-11T21:00", "--minutes", "5", "--note", "left hand")
    (original,) = mark_all_deleted(db, "sessions")
    assert ok(env, "undo").startswith("Nothing to undo: ")
    assert day(env, "2025-03-11") == (0, False)

    assert ok(env, "restore").splitlines() == [
        "Deleted, newest first (`handhabit restore ID` brings one back):",
        f"  {original[:8]}  deleted Thu 1970-01-01 01:00  {SESSION}",
    ]
    assert ok(env, "restore", original[:4]).splitlines() == [f"Restored {SESSION}.", STANDING]
    assert day(env, "2025-03-11") == (1, False)
    fields = "habit, at_utc, tz, logical_date, minutes, source, note"
    rows = sql(db, f"SELECT id, deleted_utc, recorded_utc > (SELECT recorded_utc FROM sessions WHERE id = ?1), "
                   f"{fields} FROM sessions WHERE id != ?1", original)
    (copy,) = rows
    assert copy[0] != original and copy[1:3] == (None, 1)
    assert copy[3:] == sql(db, f"SELECT {fields} FROM sessions WHERE id = ?", original)[0]
    assert sql(db, "SELECT deleted_utc FROM sessions WHERE id = ?", original) == [(EPOCH,)]  # the mark stays

    assert ok(env, "restore") == "Nothing to restore: every session and excuse counts.\n"
    assert ok(env, "restore", original[:8]) == f"Already live: {SESSION}; nothing changed.\n"
    assert day(env, "2025-03-11") == (1, False)
    assert ok(env, "undo").splitlines()[0] == "Undid Hand massage at Tue 2025-03-11 21:00 (counted for 2025-03-11)."
    assert day(env, "2025-03-11") == (0, False)


def test_an_excuse_marked_deleted_in_1970_comes_back(env: dict[str, str]) -> None:
    ok(env, "skip", "--from", "2025-03-01", "--to", "2025-03-02", "--reason", "holiday")
    (original,) = mark_all_deleted(env["HANDHABIT_DB"], "excuses")
    assert day(env, "2025-03-01") == (0, False)
    assert ok(env, "restore").splitlines()[1] == f"  {original[:8]}  deleted Thu 1970-01-01 01:00  {EXCUSE}"
    assert ok(env, "restore", original).splitlines() == [f"Restored {EXCUSE}.",
                                                          "Hand massage: 0 of 2 today · streak 0 days"]
    assert day(env, "2025-03-01") == (0, True)
    assert ok(env, "restore", original) == f"Already live: {EXCUSE}; nothing changed.\n"


def test_the_newest_deletion_comes_first_and_the_rest_is_a_line_away(env: dict[str, str]) -> None:
    db = env["HANDHABIT_DB"]
    for hour in range(21):
        ok(env, "done", "--at", f"2025-03-11T{hour:02}:30")
    sql(db, "UPDATE sessions SET deleted_utc = printf('2025-03-12T%02d:00:00Z', rowid - 1)")
    sql(db, "UPDATE sessions SET deleted_utc = ? WHERE rowid = 1", EPOCH)
    listed = ok(env, "restore").splitlines()
    assert len(listed) == 22
    assert "deleted Wed 2025-03-12 21:00  Hand massage at Tue 2025-03-11 20:30 " in listed[1]
    assert "deleted Wed 2025-03-12 02:00  Hand massage at Tue 2025-03-11 01:30 " in listed[20]
    assert listed[21] == "and 1 deleted earlier (`handhabit restore --all` lists them)."
    every = ok(env, "restore", "--all").splitlines()
    assert every[:21] == listed[:21]
    assert every[21].endswith(
        "deleted Thu 1970-01-01 01:00  Hand massage at Tue 2025-03-11 00:30 (counts for Mon 2025-03-10)")
    assert len(every) == 22


def test_an_id_that_names_nothing_or_more_than_one_is_one_line(env: dict[str, str]) -> None:
    db = env["HANDHABIT_DB"]
    for hour in range(4):
        ok(env, "done", "--at", f"2025-03-11T{hour + 18}:00")
    for rowid, record_id in enumerate(("abcd1111-aaaa", "abcd1111-bbbb", "s1", "s10"), start=1):
        sql(db, "UPDATE sessions SET id = ? WHERE rowid = ?", record_id, rowid)
    mark_all_deleted(db, "sessions")
    shown = [line.split()[0] for line in ok(env, "restore").splitlines()[1:]]
    assert shown == ["s10", "s1", "abcd1111-b", "abcd1111-a"]  # enough of each id to tell it from the others
    assert failed(env, "restore", "abcd") == (
        2, "\"abcd\" begins 2 deleted records' ids (abcd1111-a, abcd1111-b): give more of the id")
    assert failed(env, "restore", "zzzz") == (
        1, 'no deleted session or excuse has an id beginning "zzzz" (`handhabit restore` lists them)')
    assert failed(env, "restore", "ab") == (
        2, '"ab" is too short: give at least 4 characters of the id (`handhabit restore` lists them)')
    assert failed(env, "restore", "abcd1111-b", "--all") == (2, "give an ID or --all, not both")
    assert sql(db, "SELECT count(*) FROM sessions WHERE deleted_utc IS NULL") == [(0,)]
    assert ok(env, "restore", "s1").startswith("Restored Hand massage at Tue 2025-03-11 20:00 ")  # the whole id wins
    assert ok(env, "restore", "abcd1111-b").startswith("Restored Hand massage at Tue 2025-03-11 19:00 ")
    assert day(env, "2025-03-11") == (2, False)


def test_a_restored_session_reaches_the_other_device(tmp_path: Path) -> None:
    folder = tmp_path / "Sync"
    folder.mkdir()
    laptop, desk = Home(tmp_path, "laptop", folder), Home(tmp_path, "desk", folder)
    laptop.ok("done", "hand-massage", "--at", "2025-03-11T21:00")
    assert "From laptop: 1 session." in desk.ok("sync")
    for home in (laptop, desk):
        (original,) = mark_all_deleted(home.env["HANDHABIT_DB"], "sessions")
    assert day(desk.env, "2025-03-11") == (0, False)
    assert laptop.ok("restore", original[:8]).startswith("Restored hand-massage at Tue 2025-03-11 21:00 ")
    assert "From laptop: 1 session." in desk.ok("sync")
    assert day(desk.env, "2025-03-11") == (1, False)
    assert desk.ok("restore") == "Nothing to restore: every session and excuse counts.\n"
