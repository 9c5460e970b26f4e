"""What a person notices when things go wrong around the database: real processes on real SQLite files.

Processes racing to create the database and writing next to a running daemon, `kill -9` half way through
a write, a file that is not handhabit's, a full disk, a read-only mount, an export aimed at the
database itself, a row no command can read, files created under `umask 000`. Each test checks what a
user would see: the exit status and the one `handhabit: ` line, that no record is lost, that nothing
that is not handhabit's is touched, and that the way out a message names really works.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from handhabit.core.records import Event
from handhabit.store import Store
from handhabit.store.schema import APPLICATION_ID, SCHEMA_VERSION
from tests.builders import Running, daemon_env, due_soon, needs_root, read_only, write_config
from tests.desktop import wait_for

pytestmark = pytest.mark.process

ROOT = Path(__file__).parent.parent
BACKUP = "`handhabit export` still makes a backup"


@dataclass(frozen=True)
class Outcome:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def error(self) -> str:
        """The one error line, without its `handhabit: `; fails unless there is exactly that one line."""
        assert "Traceback" not in self.stderr, self.stderr
        lines = self.stderr.split("\n")
        assert len(lines) == 2 and lines[1] == "" and lines[0].startswith("handhabit: "), (self.args, self.stderr)
        return lines[0].removeprefix("handhabit: ")


def user(tmp_path: Path, db: Path | None = None, **variables: str) -> dict[str, str]:
    """A user of its own: database and config in the test's folder (no config file: the built-in default,
    in UTC so no zone has to be guessed), nothing of the machine's desktop, service manager or XDG dirs."""
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    prefixes = ("DBUS_", "DISPLAY", "HANDHABIT_", "NOTIFY_", "JOURNAL_", "WATCHDOG_", "XDG_")
    base = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return {**base, "PYTHONPATH": str(ROOT), "TZ": "UTC", "HOME": str(tmp_path),
            "HANDHABIT_DB": str(db or tmp_path / "data" / "hh.db"), "HANDHABIT_CONFIG": str(tmp_path / "config.toml"),
            "XDG_RUNTIME_DIR": str(runtime), "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
            "XDG_DATA_HOME": str(tmp_path / "xdg-data"), **variables}


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "handhabit", *args]


def hh(env: dict[str, str], *args: str, umask: int | None = None) -> Outcome:
    done = subprocess.run(command(*args), env=env, capture_output=True, text=True, timeout=60,
                          preexec_fn=None if umask is None else lambda: os.umask(umask))
    return Outcome(args, done.returncode, done.stdout, done.stderr)


def start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(command(*args), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen[str], args: Sequence[str]) -> Outcome:
    out, err = process.communicate(timeout=60)
    return Outcome(tuple(args), process.returncode, out, err)


def at_once(env: dict[str, str], commands: Sequence[Sequence[str]]) -> list[Outcome]:
    """All the commands started together, then waited for."""
    processes = [start(env, *args) for args in commands]
    return [finish(process, args) for process, args in zip(processes, commands, strict=True)]


def read(db: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Plain sqlite3, so a check does not trust the code it checks."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def integrity(db: Path) -> str:
    return str(read(db, "PRAGMA integrity_check")[0][0])


def live_notes(db: Path) -> list[str]:
    return sorted(note for (note,) in read(db, "SELECT note FROM sessions WHERE deleted_utc IS NULL"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def exported(outcome: Outcome) -> dict[str, Any]:
    assert (outcome.returncode, outcome.stderr) == (0, ""), outcome.stderr
    document: dict[str, Any] = json.loads(outcome.stdout)
    return document


# --- many writers at once ------------------------------------------------------------------------------


def test_twenty_first_uses_at_once_create_one_database(tmp_path: Path) -> None:
    db = tmp_path / "new" / "folder" / "hh.db"  # the folders race to be made, too
    env = user(tmp_path, db)
    outcomes = at_once(env, [("done", "--note", f"n{n:02}") for n in range(20)])
    assert [o.returncode for o in outcomes] == [0] * 20, [o.stderr for o in outcomes if o.returncode]
    assert all(o.stdout.startswith("Recorded Hand massage at ") and o.stderr == "" for o in outcomes)
    assert live_notes(db) == [f"n{n:02}" for n in range(20)]
    assert integrity(db) == "ok"
    assert read(db, "PRAGMA application_id") == [(APPLICATION_ID,)]
    assert read(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert read(db, "SELECT count(DISTINCT seq) FROM sessions") == [(20,)]  # each its own place for undo


REMINDERS = tuple(f"stretch-{n}" for n in range(6))
RECORDED = re.compile(r"(stretch-\d+): (fired|skipped) \(")  # the daemon's log line for an event it records


def test_writers_at_once_next_to_a_running_daemon_lose_nothing(tmp_path: Path) -> None:
    """20 `done` at once, a loop of `pause`/`resume`, and the daemon recording its reminders meanwhile."""
    env = daemon_env(tmp_path, write_config(tmp_path, backend="log", reminders=REMINDERS, reminded="stretch"))
    db = Path(env["HANDHABIT_DB"])
    due_soon(db, REMINDERS, first=2.5, apart=0.5)  # all six come due while the writers run
    daemon = Running(env, tmp_path / "daemon.log")
    try:
        wait_for(lambda: "handhabit is running" in daemon.log, 15, "the daemon to start")
        writing = threading.Event()
        toggles: list[Outcome] = []

        def pause_and_resume() -> None:
            while writing.is_set() or len(toggles) < 6:
                toggles.append(hh(env, "pause", "1h"))
                toggles.append(hh(env, "resume"))

        writing.set()
        toggler = threading.Thread(target=pause_and_resume)
        toggler.start()
        try:
            dones = at_once(env, [("done", "hand-massage", "--note", f"n{n:02}") for n in range(20)])
        finally:
            writing.clear()
            toggler.join(timeout=60)
        wait_for(lambda: len(RECORDED.findall(daemon.log)) == len(REMINDERS), 20, "every reminder to come due")
    finally:
        assert daemon.stop() == 0, daemon.log
    assert [o.returncode for o in dones] == [0] * 20, [o.stderr for o in dones if o.returncode]
    assert live_notes(db) == [f"n{n:02}" for n in range(20)]
    assert [o.returncode for o in toggles] == [0] * len(toggles), [o.stderr for o in toggles if o.returncode]
    kinds = Counter(kind for (kind,) in read(db, "SELECT kind FROM events WHERE reminder IS NULL"))
    assert kinds["paused"] == sum(o.args[0] == "pause" for o in toggles)
    assert kinds["resumed"] == sum(o.stdout.startswith("Resumed") for o in toggles)
    # Every reminder the daemon says it fired or held (while paused) is a row.
    logged = Counter(RECORDED.findall(daemon.log))
    assert sum(logged.values()) == len(REMINDERS), daemon.log
    rows = read(db, "SELECT reminder, kind FROM events WHERE reminder IS NOT NULL AND detail != 'an earlier run'")
    assert Counter(rows) == logged
    assert "ERROR" not in daemon.log, daemon.log  # no "locked", no write that failed
    assert integrity(db) == "ok"


def test_a_database_the_daemon_created_loses_nothing_to_its_threads_and_a_command_beside_it(tmp_path: Path) -> None:
    """The daemon makes the database on its first start, then records from more than one thread. Reading
    the file's header in a second thread would close a descriptor of the file, which drops every lock
    SQLite holds on it in the process: a command's exit then took the write-ahead log away from under the
    daemon, and what it recorded next went into a deleted file."""
    db = tmp_path / "data" / "hh.db"
    store = Store(db)
    fired = [Event(f"e{n}", datetime.now(timezone.utc), "bedtime", "hand-massage", "fired", None) for n in range(3)]
    store.add_event(fired[0])
    second = threading.Thread(target=store.add_event, args=(fired[1],))
    second.start()
    second.join()
    assert hh(user(tmp_path, db), "pause", "1h").returncode == 0  # a command opens and closes the database
    store.add_event(fired[2])
    store.close()
    assert read(db, "SELECT id FROM events WHERE kind = 'fired' ORDER BY id") == [("e0",), ("e1",), ("e2",)]
    assert integrity(db) == "ok"


def test_kill_9_in_the_middle_of_done_loses_nothing_that_was_reported(tmp_path: Path) -> None:
    env = user(tmp_path)
    db = Path(env["HANDHABIT_DB"])
    began = time.monotonic()
    assert hh(env, "done", "--note", "first").returncode == 0
    took = time.monotonic() - began  # a whole `done`, start-up included: the kills land all over it
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    started, reported = ["first"], {"first"}
    for round_ in range(12):
        notes = [f"r{round_:02}-{n}" for n in range(3)]
        processes = [start(env, "done", "--note", note) for note in notes]
        if round_ % 4 == 3:  # now and then a round that runs to its end
            outcomes = [finish(p, ("done",)) for p in processes]
            assert [o.returncode for o in outcomes] == [0, 0, 0], [o.stderr for o in outcomes]
        else:
            for process in sorted(processes, key=lambda _: rng.random()):
                time.sleep(rng.uniform(0, took / 3))
                process.kill()
            outcomes = [finish(p, ("done",)) for p in processes]
        started += notes
        for note, outcome in zip(notes, outcomes, strict=True):
            assert outcome.returncode in (0, -9), (seed, outcome)
            if outcome.returncode == 0:
                assert outcome.stdout.startswith("Recorded Hand massage"), (seed, outcome)
                reported.add(note)
    assert integrity(db) == "ok", seed
    present = live_notes(db)
    assert len(present) == len(set(present)), seed  # none twice
    assert reported <= set(present) <= set(started), seed
    assert hh(env, "streak", "--json").returncode == 0
    assert sorted(s["note"] for s in exported(hh(env, "export"))["sessions"]) == present
    assert hh(env, "done", "--note", "after").returncode == 0  # still handhabit's, still writable
    assert read(db, "PRAGMA application_id") == [(APPLICATION_ID,)]
    assert "after" in live_notes(db)


# --- files that are not handhabit's ---------------------------------------------------------------------


def another_apps(path: Path) -> str:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE foo(x)")
    conn.execute("INSERT INTO foo VALUES (1)")
    conn.commit()
    conn.close()
    return (f"{path} is not a handhabit database (tables: foo): it was left as it is (give --db your handhabit "
            "database, or a new file)")


def a_newer_handhabits(path: Path) -> str:
    assert hh(user(path.parent, path), "done").returncode == 0
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    return (f"{path} was written by a newer handhabit (schema 99; this one knows {SCHEMA_VERSION}): it was left "
            "as it is (upgrade handhabit to use it)")


def random_bytes(path: Path) -> str:
    path.write_bytes(random.Random(9).randbytes(6000))
    return (f"{path} is not a handhabit database (nor any SQLite database): it was left as it is (give --db your "
            "handhabit database, or a new file)")


EVERY_COMMAND = (("done",), ("streak",), ("export",), ("export", "-o", "x.json"), ("import", "valid.json"),
                 ("undo",), ("skip",), ("pause",), ("status",), ("log",))
VALID_EXPORT = {"format": "handhabit-export", "version": 1, "sessions": [{
    "id": "0b7a3e0c-2d7e-4a52-9c36-5d1f0c6b1a11", "habit": "hand-massage", "at_utc": "2025-03-10T19:00:00Z",
    "tz": "Europe/Berlin", "logical_date": "2025-03-10", "minutes": 5.0, "source": "cli", "note": None,
    "recorded_utc": "2025-03-10T19:00:02Z", "deleted_utc": None}], "excuses": [], "events": []}


@pytest.mark.parametrize("make", [another_apps, a_newer_handhabits, random_bytes],
                         ids=["another app's SQLite file", "a newer handhabit's database", "random bytes"])
def test_a_file_that_is_not_handhabits_is_refused_and_left_as_it_is(
    tmp_path: Path, make: Callable[[Path], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "theirs.db"
    message = make(db)
    env = user(tmp_path, db)
    work = tmp_path / "work"
    work.mkdir()
    (work / "valid.json").write_text(json.dumps(VALID_EXPORT))
    monkeypatch.chdir(work)  # `export -o x.json` and `import valid.json` relative to here
    before, files = sha256(db), sorted(p.name for p in tmp_path.iterdir())
    outcomes = at_once(env, EVERY_COMMAND)  # none of them may write, so all at once
    for outcome in outcomes:
        assert (outcome.returncode, outcome.error) == (1, message), outcome.args
    assert sha256(db) == before
    assert not (work / "x.json").exists()  # no backup of nothing, not even half of one
    if make is not a_newer_handhabits:  # a rollback-journal file: SQLite's companions would be our doing
        assert sorted(p.name for p in tmp_path.iterdir()) == files
        assert not [p for p in tmp_path.iterdir() if p.name.endswith(("-wal", "-shm", "-journal"))]


def test_an_empty_file_is_a_new_database(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    db.touch()
    env = user(tmp_path, db)
    for args in (("streak", "--json"), ("export",), ("log",), ("status",)):
        outcome = hh(env, *args)
        assert (outcome.returncode, outcome.stderr) == (0, ""), args
    assert db.stat().st_size == 0  # reading wrote nothing
    assert hh(env, "done", "--note", "first").returncode == 0
    assert read(db, "PRAGMA application_id") == [(APPLICATION_ID,)]
    assert live_notes(db) == ["first"]


# --- a full disk, a read-only mount ------------------------------------------------------------------------


def fill(folder: Path) -> Path:
    """Writes a file until the disk is full to the last byte."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (64 * 1024, 4096, 1):
            try:
                while True:
                    os.write(fd, b"x" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    assert os.statvfs(folder).f_bavail == 0
    return filler


def sessions_logged(outcome: Outcome) -> int:
    assert (outcome.returncode, outcome.stderr) == (0, ""), outcome.stderr
    return sum(" done " in line for line in outcome.stdout.splitlines())


@needs_root
def test_a_full_disk_refuses_a_session_in_one_line_and_keeps_every_record_readable(
    tmp_path: Path, small_disk: Path
) -> None:
    db = small_disk / "hh.db"
    env = user(tmp_path, db)
    for n in range(3):
        assert hh(env, "done", "--note", f"before-{n}").returncode == 0
    per_day = dict(read(db, "SELECT logical_date, count(*) FROM sessions GROUP BY logical_date"))
    filler = fill(small_disk)
    full = hh(env, "done", "--note", "while-full")
    assert (full.returncode, full.error) == (
        1, f"the disk holding {db} is full: nothing was written (free some space; {BACKUP})")
    document = exported(hh(env, "export"))
    assert sorted(s["note"] for s in document["sessions"]) == ["before-0", "before-1", "before-2"]
    backup = tmp_path / "backup.json"  # on another disk
    assert hh(env, "export", "-o", str(backup)).returncode == 0
    assert json.loads(backup.read_text()) == document
    on_the_full_disk = hh(env, "export", "-o", str(small_disk / "backup.json"))
    assert on_the_full_disk.returncode == 1
    assert on_the_full_disk.error.startswith(f"cannot write {small_disk / 'backup.json'}: No space left on device")
    assert sorted(p.name for p in small_disk.iterdir() if "backup" in p.name) == []  # no half backup
    streak = hh(env, "streak", "--json")
    assert (streak.returncode, streak.stderr) == (0, "")
    week = {day["date"]: day["sessions"] for day in json.loads(streak.stdout)["habits"][0]["days"]}
    assert {day: week[day] for day in per_day if day in week} == {day: n for day, n in per_day.items() if day in week}
    assert set(per_day) & set(week)  # this week's sessions are shown
    assert sessions_logged(hh(env, "log", "--days", "1")) == 3
    status = hh(env, "status")
    assert (status.returncode, status.stderr) == (0, "")
    filler.unlink()
    assert hh(env, "done", "--note", "after").returncode == 0
    assert live_notes(db) == ["after", "before-0", "before-1", "before-2"]
    assert integrity(db) == "ok"


@needs_root
def test_a_read_only_mount_refuses_changes_and_still_shows_everything(tmp_path: Path, small_disk: Path) -> None:
    db = small_disk / "hh.db"
    env = user(tmp_path, db)
    for n in range(2):
        assert hh(env, "done", "--note", f"before-{n}").returncode == 0
    assert hh(env, "pause", "1h").returncode == 0
    with read_only(small_disk):
        refusal = f"cannot write {db}: the file system holding {small_disk} is mounted read-only (nothing was " \
                  f"written; {BACKUP})"
        for args in (("done",), ("undo",), ("skip",), ("pause",), ("resume",)):
            outcome = hh(env, *args)
            assert (outcome.returncode, outcome.error) == (1, refusal), args
        assert sorted(s["note"] for s in exported(hh(env, "export"))["sessions"]) == ["before-0", "before-1"]
        streak = hh(env, "streak")
        assert (streak.returncode, streak.stderr) == (0, "")
        assert "Hand massage" in streak.stdout
        assert sessions_logged(hh(env, "log", "--days", "1")) == 2
        status = hh(env, "status")
        assert (status.returncode, status.stderr) == (0, "")
        assert "Paused until " in status.stdout
    assert live_notes(db) == ["before-0", "before-1"]


# --- export -o at what it backs up ---------------------------------------------------------------------


def test_export_never_replaces_the_database_or_the_config(tmp_path: Path) -> None:
    env = user(tmp_path)
    db, config = Path(env["HANDHABIT_DB"]), Path(env["HANDHABIT_CONFIG"])
    assert hh(env, "init").returncode == 0
    assert hh(env, "done").returncode == 0
    os.link(db, tmp_path / "hard.db")
    (tmp_path / "link.db").symlink_to(db)
    (tmp_path / "folder").mkdir()
    before = {path: sha256(path) for path in (db, config)}
    own = "is handhabit's own database or config: the export would replace what it backs up (give another file)"
    irregular = ("is not a regular file: export writes a new file and renames it into place (give a file path, or "
                 "leave out -o for standard output)")
    cases = [(str(db), own), (f"{db}-wal", own), (str(tmp_path / "hard.db"), own), (str(tmp_path / "link.db"), own),
             (str(config), own), (os.devnull, irregular), (str(tmp_path / "folder"), irregular)]
    outcomes = at_once(env, [("export", "-o", target) for target, _ in cases])
    for (target, why), outcome in zip(cases, outcomes, strict=True):
        assert (outcome.returncode, outcome.error) == (2, f"-o {target} {why}")
    assert {path: sha256(path) for path in (db, config)} == before
    assert (tmp_path / "hard.db").stat().st_ino == db.stat().st_ino and (tmp_path / "link.db").is_symlink()
    backup = tmp_path / "backup.json"
    assert hh(env, "export", "-o", str(backup), umask=0).returncode == 0
    assert backup.stat().st_mode & 0o777 == 0o600
    assert len(json.loads(backup.read_text())["sessions"]) == 1


# --- a row no command can read ---------------------------------------------------------------------------

SESSION_COLUMNS = "id, habit, at_utc, tz, logical_date, minutes, source, note, recorded_utc, seq"
NOW = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"  # SQLite's now is UTC
LATER = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+5 minutes')"


@dataclass(frozen=True)
class Poison:
    table: str
    row_id: str
    sql: str
    field: str
    value: object  # as the export must still hold it
    failing: tuple[tuple[str, ...], ...]  # the commands that read the row, in an order that keeps it readable
    working: tuple[tuple[str, ...], ...] = ()  # commands that never read it


POISONS = [
    # streak and done read a session's habit, day and minutes only (summed by SQLite): a bad time stops neither
    Poison("sessions", "bad-year", f"INSERT INTO sessions ({SESSION_COLUMNS}) VALUES ('bad-year', 'hand-massage', "
           f"'226-11-23T12:00:00Z', 'UTC', date('now'), NULL, 'cli', NULL, {NOW}, "
           "(SELECT max(seq) + 1 FROM sessions))", "at_utc", "226-11-23T12:00:00Z",
           (("status",), ("log",), ("undo",)), (("streak",), ("done",))),
    # the newest session, as a hand edit may leave it: status reads it as the last one done
    Poison("sessions", "bad-minutes", f"INSERT INTO sessions ({SESSION_COLUMNS}) VALUES ('bad-minutes', "
           f"'hand-massage', {LATER}, 'UTC', date('now', '+5 minutes'), 1e308, 'cli', NULL, {LATER}, "
           "(SELECT max(seq) + 1 FROM sessions))", "minutes", 1e308,
           (("status",), ("log",), ("streak",), ("undo",), ("done",))),
    # a time with an offset, as no version of handhabit writes it, that is past year 9999 in UTC
    Poison("sessions", "bad-offset", f"INSERT INTO sessions ({SESSION_COLUMNS}) VALUES ('bad-offset', "
           "'hand-massage', '9999-12-31T23:00:00-05:00', 'UTC', date('now'), NULL, 'cli', NULL, "
           f"{NOW}, NULL)", "at_utc", "9999-12-31T23:00:00-05:00", (("log",),), (("streak", "--json"),)),
    Poison("excuses", "bad-range", "INSERT INTO excuses (id, habit, from_date, to_date) VALUES ('bad-range', '*', "
           "'2026-11-20', '2026-11-10')",
           "to_date", "2026-11-10", (("log",), ("streak",), ("skip",), ("unskip",), ("undo",), ("done",)),
           (("status",),)),
    Poison("events", "bad-pause", f"INSERT INTO events (id, at_utc, kind, detail, seq) VALUES ('bad-pause', {NOW}, "
           "'paused', 'garbage', (SELECT max(seq) + 1 FROM events))",
           "detail", "garbage", (("status",), ("log",), ("resume",)), (("streak",), ("done",), ("undo",))),
]
FIX = re.compile(r'`handhabit export` still saves a backup; then (?:mark it undone|mark it taken back|remove it): '
                 r'sqlite3 (\S+) "(.+)"\)$')


@pytest.mark.parametrize("poison", POISONS, ids=[p.row_id for p in POISONS])
def test_a_row_no_command_can_read_is_named_backed_up_and_fixed_as_the_message_says(
    tmp_path: Path, poison: Poison
) -> None:
    env = user(tmp_path)
    db = Path(env["HANDHABIT_DB"])
    assert hh(env, "done", "--minutes", "5").returncode == 0
    assert hh(env, "done").returncode == 0
    assert hh(env, "pause", "1h").returncode == 0
    conn = sqlite3.connect(db)
    conn.execute(poison.sql)
    conn.commit()
    conn.close()
    lines = []
    for args in poison.failing:
        outcome = hh(env, *args)
        assert outcome.returncode == 1, (args, outcome)
        assert outcome.error.startswith(f'{db}: {poison.table} row "{poison.row_id}": '), (args, outcome.error)
        assert "no command can use it" in outcome.error
        lines.append(outcome.error)
    for args in poison.working:
        outcome = hh(env, *args)
        assert (outcome.returncode, outcome.stderr) == (0, ""), (args, outcome.stderr)
    rows = exported(hh(env, "export"))[poison.table]  # a backup is always possible
    assert [row[poison.field] for row in rows if row["id"] == poison.row_id] == [poison.value]
    fix = FIX.search(lines[0])
    assert fix is not None, lines[0]
    assert fix[1] == str(db)
    conn = sqlite3.connect(db)
    conn.execute(fix[2])
    conn.commit()
    conn.close()
    for args in poison.failing:
        outcome = hh(env, *args)
        assert (outcome.returncode, outcome.stderr) == (0, ""), (args, outcome.stderr)


# --- what handhabit creates is private -------------------------------------------------------------------


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_folders_and_files_handhabit_creates_are_private_whatever_the_umask(tmp_path: Path) -> None:
    chosen = tmp_path / "a" / "b" / "hh.db"
    assert hh(user(tmp_path, chosen), "done", umask=0).returncode == 0
    assert (mode(tmp_path / "a"), mode(tmp_path / "a" / "b"), mode(chosen)) == (0o700, 0o700, 0o600)

    config = tmp_path / "c" / "d" / "config.toml"
    assert hh(user(tmp_path, HANDHABIT_CONFIG=str(config)), "init", umask=0).returncode == 0
    assert (mode(tmp_path / "c"), mode(config.parent), mode(config)) == (0o700, 0o700, 0o600)

    # handhabit's own data folder, made 0755 by an older version, is narrowed on the next use
    data = tmp_path / "xdg-data"
    (data / "handhabit").mkdir(parents=True)
    for folder in (data, data / "handhabit"):
        folder.chmod(0o755)
    env = user(tmp_path)
    del env["HANDHABIT_DB"]
    assert hh(env, "done", umask=0).returncode == 0
    assert (mode(data / "handhabit"), mode(data / "handhabit" / "handhabit.db")) == (0o700, 0o600)
    assert mode(data) == 0o755  # the XDG folder is not handhabit's

    # a folder the person chose for --db is theirs to set
    mine = tmp_path / "mine"
    mine.mkdir()
    mine.chmod(0o755)
    assert hh(user(tmp_path, mine / "hh.db"), "done", umask=0).returncode == 0
    assert (mode(mine), mode(mine / "hh.db")) == (0o755, 0o600)
