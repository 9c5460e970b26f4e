"""Records, configs, clock changes and running daemons the tests build again and again, made one way."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from time import monotonic
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from handhabit.config.loading import builtin
from handhabit.config.model import MIN_EVERY, Config, General, Habit, Notify, Reminder, Target
from handhabit.core.habits import logical_date
from handhabit.core.records import Event, Session
from handhabit.core.units import format_duration
from handhabit.daemon.coordinator import Daemon
from handhabit.notify.note import Note, NotifyError
from handhabit.store import Store
from tests.desktop import wait_for

UTC = timezone.utc
DAY_START = time(4, 0)
MESSAGE = "Hand break: warm up, palm circles, finger pulls."
ROOT = Path(__file__).parent.parent
BERLIN = ZoneInfo("Europe/Berlin")
HABIT = Habit("hand-massage", "Hand massage", Target("day", sessions=2), frozenset(range(7)), "classic")
BEDTIME = Reminder("bedtime", "hand-massage", "Bedtime hand massage.", frozenset(range(7)), at=(time(22, 30),),
                   grace=timedelta(minutes=30))
BREAK = Reminder("work-break", "hand-massage", "Hand break.", frozenset(range(7)), every=timedelta(minutes=90),
                 between=(time(9), time(17, 30)), routine="desk-break")


def recorded(
    at: datetime,
    tz: str = "Europe/Berlin",
    day_start: time = DAY_START,
    *,
    habit: str = "hand-massage",
    minutes: float | None = None,
    deleted: bool = False,
) -> Session:
    """A session done at instant `at` on a machine in `tz`; its logical date fixed then, as `done` does."""
    at_utc = at.astimezone(UTC)
    return Session(
        id=str(uuid4()),
        habit=habit,
        at_utc=at_utc,
        tz=tz,
        logical_date=logical_date(at_utc, ZoneInfo(tz), day_start),
        minutes=minutes,
        source="cli",
        note=None,
        recorded_utc=at_utc + timedelta(seconds=2),
        deleted_utc=at_utc + timedelta(minutes=1) if deleted else None,
    )


def done_on(
    day: date,
    at: time = time(19, 0),
    *,
    tz: str = "Europe/Berlin",
    habit: str = "hand-massage",
    minutes: float | None = None,
    deleted: bool = False,
) -> Session:
    """A session at local wall time `at` on calendar day `day` (early hours belong to the day before)."""
    return recorded(datetime.combine(day, at, tzinfo=ZoneInfo(tz)), tz, habit=habit, minutes=minutes,
                    deleted=deleted)


def clock_changes(tz: str, year: int) -> list[tuple[datetime, timedelta, timedelta]]:
    """(UTC instant, offset before, offset after) of every change of the zone's offset in `year`, found
    by scanning the zone database (a day at a time, then the minute) rather than typed in."""
    zone = ZoneInfo(tz)
    minute = timedelta(minutes=1)

    def offset(instant: datetime) -> timedelta:
        value = instant.astimezone(zone).utcoffset()
        assert value is not None
        return value

    found = []
    day = datetime(year, 1, 1, tzinfo=UTC)
    while day.year == year:
        following = day + timedelta(days=1)
        if offset(day) != offset(following):
            instant = day
            while offset(instant) == offset(day):
                instant += minute
            found.append((instant, offset(instant - minute), offset(instant)))
        day = following
    return found


def daytime_zone() -> str:
    """A zone where it is now well inside the day, so a window of 00:00-23:59 is open for the test."""
    now = datetime.now(timezone.utc)
    for name in ("UTC", "Asia/Tokyo", "America/New_York"):
        if 1 <= now.astimezone(ZoneInfo(name)).hour <= 21:
            return name
    raise AssertionError("unreachable: the zones are 9 and 14 hours apart")


def write_config(
    folder: Path, every: str = format_duration(MIN_EVERY), backend: str = "auto", message: str = MESSAGE,
    reminders: tuple[str, ...] = ("work-break",), habit_name: str = "Hand massage", reminded: str = "hand-massage",
    snooze: str = "10m",
) -> Path:
    """Break reminders at the shortest rhythm all day long, for the tests that run the daemon; `due_soon`
    brings each one within seconds. `reminded` names a second habit for them, whose reminders the
    sessions of the first do not put off."""
    path = folder / "config.toml"
    path.write_text(f"""
[general]
timezone = "{daytime_zone()}"

[notify]
backend = "{backend}"
snooze = "{snooze}"

[[habits]]
id = "hand-massage"
name = "{habit_name}"
target = {{ sessions = 2, per = "day" }}
""" + ("" if reminded == "hand-massage" else f'\n[[habits]]\nid = "{reminded}"\n') + "".join(f"""
[[reminders]]
id = "{reminder}"
habit = "{reminded}"
every = "{every}"
between = ["00:00", "23:59"]
message = "{message}"
routine = "desk-break"
""" for reminder in reminders))
    return path


def due_soon(db: Path, reminders: tuple[str, ...] = ("work-break",), first: float = 3, apart: float = 3) -> None:
    """Records that each reminder fired a little less than the break rhythm ago, as an earlier run of the
    daemon would have. The rhythm counts from the last fire, so a daemon started now fires the first
    reminder `first` seconds from now and each next one `apart` seconds later, instead of in five
    minutes; `first` leaves the daemon time to start."""
    now = datetime.now(UTC)
    store = Store(db)
    try:
        for n, reminder in enumerate(reminders):
            at = now - MIN_EVERY + timedelta(seconds=first + n * apart)
            store.add_event(Event(str(uuid4()), at, reminder, "hand-massage", "fired", "an earlier run"))
    finally:
        store.close()


def daemon_env(tmp_path: Path, config: Path) -> dict[str, str]:
    """A user of its own for `handhabit run` and the CLI: config, database and runtime folder in the test's
    folder, and nothing of the machine's desktop or service manager (buses, display, systemd): the system
bus points where none listens, so the host's logind never holds a test's reminder."""
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    prefixes = ("DBUS_", "DISPLAY", "HANDHABIT_", "NOTIFY_", "JOURNAL_", "WATCHDOG_")
    base = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return {**base, "HANDHABIT_CONFIG": str(config), "HANDHABIT_DB": str(tmp_path / "data" / "hh.db"),
            "XDG_RUNTIME_DIR": str(runtime), "PYTHONPATH": str(ROOT),
            "DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={runtime / 'no-system-bus'}"}


def handhabit(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "handhabit", *args], env=env, capture_output=True, text=True,
                          timeout=60)


needs_faketime = pytest.mark.skipif(shutil.which("faketime") is None,
                                    reason="faketime is not installed (apt-get install faketime; .ci/run does)")


def handhabit_at(env: dict[str, str], at: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`handhabit ARGS` with the wall clock frozen at `at` (as TZ reads it): libfaketime's -f without "@"
    stands still."""
    return subprocess.run(["faketime", "-f", at, sys.executable, "-m", "handhabit", *args], env=env,
                          capture_output=True, text=True, timeout=60)


def imported(env: dict[str, str], *args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """A command run with Python's import log on: its result, and the top-level packages it loaded."""
    result = handhabit({**env, "PYTHONPROFILEIMPORTTIME": "1"}, *args)
    packages = {row.rsplit("|", 1)[-1].strip().split(".")[0] for row in result.stderr.splitlines()
                if row.startswith("import time:")}
    assert "click" in packages  # the import log is there to read
    return result, packages


class Running:
    """`handhabit run` as a child process, its log in a file the test reads as it grows."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log_path = log
        with log.open("wb") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "handhabit", "run"], env=env, stderr=out,
                                            stdout=subprocess.DEVNULL)

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def count(self, text: str) -> int:
        return self.log.count(text)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=10)


def receive(sock: socket.socket, wanted: str, seconds: float) -> list[str]:
    """Messages to a $NOTIFY_SOCKET until one holds the line `wanted`; fails after `seconds`."""
    got: list[str] = []
    deadline = monotonic() + seconds
    while monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - monotonic()))
        try:
            message = sock.recv(4096).decode()
        except TimeoutError:
            break
        got.append(message)
        if wanted in message.splitlines():
            return got
    raise AssertionError(f"no {wanted} within {seconds} s; got {got}")


class FakeNotifier:
    name = "fake"

    def __init__(self, fail: bool = False) -> None:
        self.notes: list[Note] = []
        self.fail = fail

    def send(self, note: Note) -> None:
        if self.fail:
            raise NotifyError("the notification server went away")
        self.notes.append(note)


def config_of(*reminders: Reminder) -> Config:
    """One habit, the built-in routines, and the reminders a test needs."""
    return Config(General(), Notify(), (HABIT,), reminders, builtin().routines)


def at_berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


@contextmanager
def scheduler_running(daemon: Daemon) -> Iterator[None]:
    """The daemon's jobs in its real scheduler loop, on a thread so the test can move the clock meanwhile."""
    daemon.schedule_jobs()
    runner = threading.Thread(target=daemon.scheduler.start, daemon=True)
    runner.start()
    try:
        wait_for(lambda: daemon.scheduler.running, 5, "the scheduler to start")  # started, not just spawned
        yield
    finally:
        daemon.scheduler.shutdown(wait=False)
        runner.join(timeout=5)


def kinds(store: Store) -> list[tuple[str | None, str, str | None]]:
    """(reminder, kind, detail) of each event, in the order recorded."""
    return [(e.reminder, e.kind, e.detail) for e in store.events()]


def stored(db: Path, table: str, order: str = "rowid") -> list[tuple[object, ...]]:
    """A table's records as stored, read with plain sqlite3 so a check does not trust the code it checks;
    only the records' fields, not the store's bookkeeping (its order of recording)."""
    import sqlite3
    from dataclasses import fields

    from handhabit.core.records import TABLE_OF

    names = next(", ".join(item.name for item in fields(kind)) for kind, name in TABLE_OF.items() if name == table)
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT {names} FROM {table} ORDER BY {order}").fetchall()


# Mounting a tmpfs of its own needs root; CI runs as root, where a mount that fails is a failure.
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to mount a tmpfs (CI runs as root)")


@contextmanager
def read_only(mount: Path) -> Iterator[None]:
    """The tmpfs of `small_disk` remounted read-only for a while: what no file mode does to root."""
    subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
    try:
        yield
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(mount)], check=True)
