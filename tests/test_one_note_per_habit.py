"""One notification per habit on screen, whatever the timing: two reminders of one habit that come due in
the same instant fire on two scheduler threads, and the second Notify must replace the first one's
notification, not go out beside it before the first one's id is known. Through the real dunst, with a
monitor on the bus to see which Notify went out last."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from handhabit.desktop.bus import CALL_TIMEOUT, Bus
from handhabit.desktop.notifications import DBusNotifier
from handhabit.notify.note import Note, NotifyError
from tests.builders import MESSAGE, Running, daemon_env, due_soon, write_config
from tests.bus_peers import NOTIFICATIONS, Monitor, peer
from tests.desktop import Desktop, desktop, needs_desktop, wait_for
from tests.test_buttons import events

pytestmark = [needs_desktop, pytest.mark.desktop]
BOTH = ("work-break", "stretch")


def handhabit_notes(rig: Desktop) -> list[dict[str, str]]:
    return [note for note in rig.history() if note["appname"] == "handhabit"]


def fired(env: dict[str, str]) -> list[tuple[str, str]]:
    """This daemon's fires, less the earlier run's that `due_soon` recorded."""
    return [(reminder, detail) for reminder, detail in events(env, "fired") if detail != "an earlier run"]


def test_two_reminders_of_a_habit_due_at_once_leave_one_notification_the_last_sent(tmp_path: Path) -> None:
    env = daemon_env(tmp_path, write_config(tmp_path, reminders=BOTH))
    due_soon(Path(env["HANDHABIT_DB"]), BOTH, apart=0)
    with desktop(env) as rig, peer(rig, Monitor) as monitor:
        daemon = Running(rig.env, tmp_path / "daemon.log")
        try:
            wait_for(lambda: len(fired(env)) == 2, 20, "both reminders fired")
            notifies = monitor.wait_for_notifies(2)
            displayed = rig.displayed()
            notes = handhabit_notes(rig)
        finally:
            assert daemon.stop() == 0, daemon.log
    assert "Traceback" not in daemon.log, daemon.log
    assert sorted(fired(env)) == [("stretch", "dbus"), ("work-break", "dbus")]
    assert (displayed, len(notes)) == (1, 1), notes
    last = notifies[-1]
    assert (notes[0]["summary"], notes[0]["body"]) == (last[3], last[4])


@contextmanager
def notifier_on(rig: Desktop) -> Iterator[DBusNotifier]:
    bus = Bus(rig.env["DBUS_SESSION_BUS_ADDRESS"], "session bus").connect()
    try:
        yield DBusNotifier(bus)
    finally:
        bus.close()


def note(habit: str, text: str) -> Note:
    return Note("Hand massage", f"{MESSAGE} ({text})", "a tip", None, "classic", "work-break", habit)


def at_once(notifier: DBusNotifier, notes: list[Note]) -> list[float]:
    """Sends each note on a thread of its own, all let go together; how long each send took (seconds)."""
    start = threading.Barrier(len(notes))
    took = [0.0] * len(notes)

    def send(n: int) -> None:
        start.wait()
        began = time.monotonic()
        with suppress(NotifyError):
            notifier.send(notes[n])
        took[n] = time.monotonic() - began

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(notes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return took


def test_one_habit_sent_from_many_threads_at_once_shows_one_notification(tmp_path: Path) -> None:
    """The notifier itself, without the scheduler's timing: eight threads send one habit's reminder at the
    same moment, five times over."""
    with desktop(daemon_env(tmp_path, write_config(tmp_path))) as rig, notifier_on(rig) as notifier:
        for round_ in range(5):
            at_once(notifier, [note("hand-massage", f"{round_}.{n}") for n in range(8)])
            assert rig.displayed() == 1, f"round {round_}: {rig.displayed()} notifications of one habit shown"
        other = at_once(notifier, [note("stretching", "other"), note("hand-massage", "again")])
        assert rig.displayed() == 2 and max(other) < 1  # another habit's reminder shows beside it


def test_a_hung_server_holds_another_habits_reminder_no_longer_than_the_call_timeout(tmp_path: Path) -> None:
    """dunst stopped (SIGSTOP) answers nothing: each habit's send gives up after the call timeout, and one
    habit's hung send never makes another habit's wait for it on top of its own."""
    with desktop(daemon_env(tmp_path, write_config(tmp_path))) as rig, notifier_on(rig) as notifier, \
            peer(rig) as bus:
        dunst = bus.pid_of(NOTIFICATIONS)
        os.kill(dunst, signal.SIGSTOP)
        try:
            took = at_once(notifier, [note("hand-massage", "hung"), note("stretching", "hung too")])
        finally:
            os.kill(dunst, signal.SIGCONT)
    assert all(CALL_TIMEOUT - 0.5 < seconds < CALL_TIMEOUT + 1 for seconds in took), took
