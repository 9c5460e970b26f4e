"""Fire latency of `handhabit run`: from the second a reminder is scheduled for to its Notify call reaching a
real notification server (dunst under Xvfb, on a private session bus), over several fires.

The scheduled instants come from the daemon's own paths, each known to the second:
- the first fire is a fixed-time reminder at the next whole minute (`at = "HH:MM"`, zone UTC), the path of
  every fixed-time reminder; waiting for it costs up to a minute, which `--no-fixed` saves by importing a
  fire "of an earlier run" (`handhabit import`) to snooze instead;
- each further fire is `handhabit snooze 5s` of the one before: the CLI records a `snoozed` event, pokes
  the daemon (SIGUSR1) and the daemon fires it with a date job at the event's until-instant, which the
  benchmark reads from the database. 5 s is the shortest snooze, so several fires take seconds each.
Break reminders are left out: their instants count from the last fire or session, which the daemon
records at a moment of its own choosing, so they are not known to the second in advance.

The arrival is seen by a monitor on the bus (BecomeMonitor on a connection of its own), which gets each
Notify as the bus routes it to dunst; the time dunst took to answer it is shown beside, to show that a real
server took each one. Both clocks are the machine's wall clock, so the figures need no clock sync.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from desktop import NOTIFICATIONS, daemon, daemon_env, desktop
from jeepney import HeaderFields, Message, MessageType
from jeepney.bus_messages import MatchRule, Monitoring
from jeepney.io.blocking import open_dbus_connection

UTC = timezone.utc
REMINDER = "bench"
SNOOZE = "5s"
TARGET = 1.0  # seconds
# Time for the daemon to start before a fixed-time reminder is due.
STARTUP = timedelta(seconds=5)
LATE = 10.0  # seconds past its instant after which a fire counts as lost
CONFIG = """[general]
timezone = "UTC"
[notify]
backend = "dbus"
[[habits]]
id = "hand-massage"
[[reminders]]
id = "{reminder}"
habit = "hand-massage"
at = "{at:%H:%M}"
skip_if_met = false
"""


class Failed(Exception):
    """The daemon or the CLI did not do its part: the benchmark stops and says what happened."""


class NotifyMonitor:
    """Each Notify call on the bus with the wall-clock time it passed, and when the server answered it."""

    def __init__(self, address: str) -> None:
        self.conn = open_dbus_connection(address)
        rules = [MatchRule(type="method_call", interface=NOTIFICATIONS, member="Notify"),
                 MatchRule(type="method_return")]
        self.conn.send_and_get_reply(Monitoring().BecomeMonitor([rule.serialise() for rule in rules]))
        self.calls: list[tuple[float, tuple[str, int]]] = []  # (arrival, (sender, serial))
        self.answers: dict[tuple[str, int], float] = {}
        self.changed = threading.Condition()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._listen, name="monitor", daemon=True)
        self.thread.start()

    def _listen(self) -> None:
        while not self.stopping.is_set():
            try:
                message = self.conn.receive(timeout=0.2)
            except TimeoutError:
                continue
            self._note(time.time(), message)

    def _note(self, at: float, message: Message) -> None:
        fields, kind = message.header.fields, message.header.message_type
        with self.changed:
            if kind is MessageType.method_call:
                self.calls.append((at, (fields[HeaderFields.sender], message.header.serial)))
            elif kind is MessageType.method_return:
                self.answers[(fields.get(HeaderFields.destination, ""), fields[HeaderFields.reply_serial])] = at
            self.changed.notify_all()

    def wait_for_call(self, number: int, deadline: float) -> tuple[float, float | None] | None:
        """The arrival of the `number`th Notify (from 1) and of its answer (None when there was none within
        a second), or None when the call has not come by wall-clock time `deadline`."""
        with self.changed:
            if not self.changed.wait_for(lambda: len(self.calls) >= number, timeout=max(0, deadline - time.time())):
                return None
            arrival, key = self.calls[number - 1]
            self.changed.wait_for(lambda: key in self.answers, timeout=1)
            return arrival, self.answers.get(key)

    def close(self) -> None:
        self.stopping.set()
        self.thread.join()
        self.conn.close()


def handhabit(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "handhabit", *args], env=env, capture_output=True, text=True,
                          timeout=60)
    if done.returncode != 0:
        raise Failed(f"handhabit {' '.join(args)} exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def import_earlier_fire(env: dict[str, str], folder: Path) -> None:
    """A fire of the reminder a second ago, as an earlier run would have recorded it: something to snooze."""
    at = (datetime.now(UTC) - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    event = {"id": str(uuid.uuid4()), "at_utc": at, "reminder": REMINDER, "habit": "hand-massage", "kind": "fired",
             "detail": "an earlier run"}
    export = folder / "export.json"
    export.write_text(json.dumps({"format": "handhabit-export", "version": 1, "sessions": [], "events": [event]}))
    handhabit(env, "import", str(export))


def query(db: Path, sql: str) -> object:
    """One value from the daemon's database, read-only: the benchmark never holds a write lock the daemon waits on."""
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
        return conn.execute(sql).fetchone()[0]


def wait_for_fired(db: Path, count: int, seconds: float = 10) -> None:
    """Until the daemon has recorded `count` fires: `handhabit snooze` acts on the newest one recorded."""
    deadline = time.monotonic() + seconds
    sql = f"SELECT count(*) FROM events WHERE kind = 'fired' AND reminder = '{REMINDER}'"
    while query(db, sql) != count:
        if time.monotonic() > deadline:
            raise Failed(f"the daemon recorded {query(db, sql)} fires, not {count}, {seconds:g} s after its Notify")
        time.sleep(0.02)


def snooze(env: dict[str, str], db: Path) -> datetime:
    """`handhabit snooze 5s`; the instant the snooze ends, as recorded for the daemon."""
    said = handhabit(env, "snooze", SNOOZE)
    if not said.startswith("Snoozed:"):
        raise Failed(f"handhabit snooze {SNOOZE}: {said.strip()}")
    until = query(db, "SELECT max(detail) FROM events WHERE kind = 'snoozed'")
    return datetime.fromisoformat(str(until).replace("Z", "+00:00"))


def next_minute(now: datetime) -> datetime:
    """The first whole minute that leaves the daemon time to start."""
    return (now + STARTUP + timedelta(minutes=1)).replace(second=0, microsecond=0)


def catch(monitor: NotifyMonitor, process: subprocess.Popen[bytes], number: int, due: datetime, how: str) -> float:
    """Seconds from `due` to the `number`th Notify passing the bus; fails when it does not come or the
    daemon has ended."""
    seen = monitor.wait_for_call(number, due.timestamp() + LATE)
    if seen is None:
        ended = f" (the daemon exited {process.returncode})" if process.poll() is not None else ""
        raise Failed(f"no Notify for fire {number} ({how}) within {LATE:g} s of {due:%H:%M:%S}{ended}")
    arrival, answer = seen
    latency = arrival - due.timestamp()
    answered = "no answer" if answer is None else f"dunst answered in {1000 * (answer - arrival):.1f} ms"
    print(f"fire {number}: due {due:%H:%M:%S} ({how}): Notify {1000 * latency:.1f} ms after; {answered}")
    return latency


def fires(env: dict[str, str], folder: Path, address: str, count: int, fixed: bool) -> list[float]:
    """Runs the daemon and times `count` fires: the fixed-time one first (when `fixed`), then snoozes."""
    db = folder / "hh.db"
    first = next_minute(datetime.now(UTC))
    at = first if fixed else first + timedelta(hours=12)  # without it: out of the way, the next day
    (folder / "config.toml").write_text(CONFIG.format(reminder=REMINDER, at=at))
    if not fixed:
        import_earlier_fire(env, folder)
    timed: list[float] = []
    monitor = NotifyMonitor(address)
    with contextlib.closing(monitor), daemon(env, folder / "daemon.log") as process:
        if fixed:
            print(f"waiting for the fixed-time reminder at {first:%H:%M} UTC")
            timed.append(catch(monitor, process, 1, first, "fixed time"))
        while len(timed) < count:
            wait_for_fired(db, len(timed) + (not fixed))
            timed.append(catch(monitor, process, len(timed) + 1, snooze(env, db), f"snooze {SNOOZE}"))
    return timed


def report(latencies: list[float]) -> None:
    median, worst = statistics.median(latencies), max(latencies)
    print(f"over {len(latencies)} fires: median {1000 * median:.1f} ms, worst {1000 * worst:.1f} ms")
    print(f"  target: under {TARGET:g} s: {'PASS' if worst < TARGET else 'MISS'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fires", type=int, default=6, help="how many fires to time (default 6)")
    parser.add_argument("--no-fixed", dest="fixed", action="store_false",
                        help="start with a snooze rather than wait up to a minute for a fixed-time reminder")
    args = parser.parse_args()
    if args.fires < 1:
        parser.error("--fires must be at least 1")
    with tempfile.TemporaryDirectory() as name, desktop() as bus:
        folder = Path(name)
        env = {**daemon_env(folder, folder / "config.toml"), **bus}
        try:
            report(fires(env, folder, bus["DBUS_SESSION_BUS_ADDRESS"], args.fires, args.fixed))
        except Failed as exc:
            log = (folder / "daemon.log").read_text() if (folder / "daemon.log").exists() else ""
            sys.exit(f"{exc}\n--- the daemon's log ---\n{log[-3000:]}")


if __name__ == "__main__":
    main()
