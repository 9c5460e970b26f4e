"""Presence and suspend through the daemon: a real `handhabit run` (or, where the clock must jump, the
daemon in process) against fake logind, screen saver and Mutter idle monitor on private dbus-daemons, one
standing in for the session bus and one for the system bus."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import time, timedelta
from functools import partial
from pathlib import Path

import pytest
import time_machine

from handhabit.daemon.coordinator import Daemon
from handhabit.daemon.steady import SteadyScheduler
from handhabit.desktop.buses import Buses
from handhabit.store import Store
from tests.builders import (
    BEDTIME,
    BERLIN,
    FakeNotifier,
    Running,
    at_berlin,
    config_of,
    daemon_env,
    due_soon,
    scheduler_running,
    write_config,
)
from tests.desktop import wait_for
from tests.fake_desktop import HAVE_DBUS_DAEMON, FakeIdleMonitor, FakeLogind, PrivateBus
from tests.test_daemon import Machine

pytestmark = [
    pytest.mark.skipif(not HAVE_DBUS_DAEMON, reason="dbus-daemon is not installed"),
    pytest.mark.desktop,
]


@pytest.fixture
def buses() -> Iterator[tuple[PrivateBus, PrivateBus]]:
    """(session, system): two private dbus-daemons."""
    with PrivateBus() as session, PrivateBus() as system:
        yield session, system


def events(db: str) -> list[tuple[str, str]]:
    if not Path(db).exists():
        return []
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT kind, detail FROM events WHERE reminder = 'work-break' "
                            "AND detail != 'an earlier run' ORDER BY seq").fetchall()  # not due_soon's


def on_buses(tmp_path: Path, session: PrivateBus, system: PrivateBus) -> dict[str, str]:
    env = daemon_env(tmp_path, write_config(tmp_path, backend="log"))
    return {**env, "DBUS_SESSION_BUS_ADDRESS": session.address, "DBUS_SYSTEM_BUS_ADDRESS": system.address}


def test_a_break_due_while_locked_is_held_and_fires_once_on_unlock(
    tmp_path: Path, buses: tuple[PrivateBus, PrivateBus]
) -> None:
    session, system = buses
    env = on_buses(tmp_path, session, system)
    with FakeLogind(system.address, locked=True) as logind:
        due_soon(Path(env["HANDHABIT_DB"]))
        daemon = Running(env, tmp_path / "daemon.log")
        try:
            wait_for(lambda: events(env["HANDHABIT_DB"]), 20, "the reminder to come due")
            assert events(env["HANDHABIT_DB"]) == [("held", "the screen is locked")]
            assert daemon.count("reminder: Hand massage") == 0
            logind.unlock()
            wait_for(lambda: daemon.count("reminder: Hand massage") == 1, 10, "the held reminder on unlock")
        finally:
            assert daemon.stop() == 0, daemon.log
    assert events(env["HANDHABIT_DB"]) == [("held", "the screen is locked"), ("fired", "log (back)")]
    assert "presence: screen lock from logind session c1" in daemon.log
    assert "Traceback" not in daemon.log


def test_idle_past_away_after_holds_a_break_and_user_active_releases_it(
    tmp_path: Path, buses: tuple[PrivateBus, PrivateBus]
) -> None:
    session, system = buses
    env = on_buses(tmp_path, session, system)
    with FakeIdleMonitor(session.address) as monitor:
        due_soon(Path(env["HANDHABIT_DB"]), first=8)  # time to start, and for the person to walk away
        daemon = Running(env, tmp_path / "daemon.log")
        try:
            wait_for(monitor.idle_watches, 10, "the daemon's idle watch")
            assert [w.interval_ms for w in monitor.idle_watches()] == [5 * 60 * 1000]  # away_after
            monitor.go_idle(6 * 60 * 1000)
            wait_for(lambda: events(env["HANDHABIT_DB"]), 20, "the reminder to come due")
            assert events(env["HANDHABIT_DB"]) == [("held", "idle for 6 min")]
            monitor.come_back()
            wait_for(lambda: daemon.count("reminder: Hand massage") == 1, 10, "the reminder on return")
        finally:
            assert daemon.stop() == 0, daemon.log
    assert events(env["HANDHABIT_DB"]) == [("held", "idle for 6 min"), ("fired", "log (back)")]
    assert "Traceback" not in daemon.log


def test_on_waking_a_reminder_within_grace_fires_once_and_one_past_it_is_missed(
    store: Store, buses: tuple[PrivateBus, PrivateBus]
) -> None:
    """The scheduler waits up to an hour, so only logind's PrepareForSleep(false) can wake it in time."""
    _, system = buses
    early = replace(BEDTIME, id="evening", at=(time(22, 0),), grace=timedelta(minutes=10))
    notifier = FakeNotifier()
    with FakeLogind(system.address) as logind, \
            time_machine.travel(at_berlin(2025, 3, 10, 21, 55), tick=True) as traveller:
        machine = Machine(traveller)
        scheduler = partial(SteadyScheduler, cap=3600, clocks=machine.read)
        desktop = Buses({"DBUS_SYSTEM_BUS_ADDRESS": system.address})
        daemon = Daemon(config_of(BEDTIME, early), store, notifier, BERLIN, scheduler, buses=desktop)
        try:
            daemon.watch_desktop()
            with scheduler_running(daemon):
                logind.prepare_for_sleep(True)
                machine.suspend(timedelta(minutes=40))  # asleep 21:55 to 22:35
                logind.prepare_for_sleep(False)
                wait_for(lambda: len(store.events()) == 2, 5, "the reminders caught up on waking")
                threading.Event().wait(0.5)
        finally:
            desktop.close()
    assert sorted((e.reminder, e.kind, e.detail) for e in store.events()) == [
        ("bedtime", "fired", "fake"),  # due 22:30, woke 22:35: within its 30 min grace
        ("evening", "missed", "due 22:00, later than its grace of 10m"),
    ]
    assert len(notifier.notes) == 1

