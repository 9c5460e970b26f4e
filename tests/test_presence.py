"""Presence and suspend against fake desktop services on private dbus-daemons, through real `Bus`es."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from jeepney import DBusAddress, new_signal
from jeepney.io.blocking import open_dbus_connection

from handhabit.desktop.bus import Bus
from handhabit.desktop.presence.seen import LOCKED, changed_properties, reason, span
from handhabit.desktop.presence.watcher import PresenceWatcher
from handhabit.desktop.sleep import watch_sleep
from tests.desktop import wait_for
from tests.fake_desktop import HAVE_DBUS_DAEMON, FakeIdleMonitor, FakeLogind, FakeScreenSaver, PrivateBus

needs_dbus = pytest.mark.skipif(not HAVE_DBUS_DAEMON, reason="dbus-daemon is not installed")
MINUTE = timedelta(minutes=1)
PRESENCE_LOG = "handhabit.desktop.presence"


class Counter:
    """Counts calls from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0

    def __call__(self) -> None:
        with self._lock:
            self._count += 1

    @property
    def count(self) -> int:
        with self._lock:
            return self._count


@pytest.fixture
def system_bus() -> Iterator[PrivateBus]:
    with PrivateBus() as bus:
        yield bus


@pytest.fixture
def session_bus() -> Iterator[PrivateBus]:
    with PrivateBus() as bus:
        yield bus


@pytest.fixture
def connect() -> Iterator[Callable[[PrivateBus, str], Bus]]:
    opened: list[Bus] = []

    def connect(bus: PrivateBus, label: str) -> Bus:
        opened.append(Bus(bus.address, label).connect())
        return opened[-1]

    yield connect
    for bus in opened:
        bus.close()


@pytest.fixture
def watch() -> Iterator[Callable[..., tuple[PresenceWatcher, Counter]]]:
    """Starts a PresenceWatcher with an on_back counter; closes it after the test."""
    made: list[PresenceWatcher] = []

    def watch(session: Bus | None, system: Bus | None, away_after: timedelta = MINUTE,
              poll_every: float = 15.0) -> tuple[PresenceWatcher, Counter]:
        backs = Counter()
        presence = PresenceWatcher(session, system, away_after, backs, poll_every=poll_every)
        made.append(presence)
        presence.start()
        return presence, backs

    yield watch
    for presence in made:
        presence.close()


def impostor(bus: PrivateBus, path: str, interface: str, member: str, signature: str, body: tuple[object, ...]) -> None:
    """A signal with a service's interface and path, from another client than the service."""
    with open_dbus_connection(bus.address) as conn:
        conn.send(new_signal(DBusAddress(path, interface=interface), member, signature, body))


def stays(condition: Callable[[], bool], seconds: float = 0.3) -> bool:
    """`condition` holds all along a short while: for what must not happen."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not condition():
            return False
        time.sleep(0.02)
    return True


# the thinking
def test_reason_prefers_the_lock_and_says_idle_time_in_words() -> None:
    assert reason(True, None, MINUTE) == LOCKED
    assert reason(True, timedelta(minutes=9), MINUTE) == LOCKED
    assert reason(False, timedelta(minutes=7, seconds=40), timedelta(minutes=5)) == "idle for 7 min"
    assert reason(False, timedelta(minutes=4), timedelta(minutes=5)) is None
    assert reason(False, None, MINUTE) is None
    assert [span(timedelta(seconds=s)) for s in (45, 60, 3600, 5400)] == ["45 s", "1 min", "1 h", "1 h 30 min"]


def test_properties_changed_carries_values_or_only_names() -> None:
    body = ("org.freedesktop.login1.Session", {"LockedHint": ("b", True), "Active": ("b", True)}, ["IdleHint"])
    assert changed_properties(body, ("LockedHint", "IdleHint")) == ({"LockedHint": True}, ["IdleHint"])
    assert changed_properties(("broken",), ("LockedHint",)) == ({}, [])


# locked
@needs_dbus
@pytest.mark.desktop
def test_logind_lock_of_the_users_display_session(system_bus: PrivateBus, connect: Callable[[PrivateBus, str], Bus],
                                                  watch: Callable[..., tuple[PresenceWatcher, Counter]]) -> None:
    with FakeLogind(system_bus.address, session_id="7") as logind:
        presence, backs = watch(None, connect(system_bus, "system bus"))
        assert [call.body for call in logind.calls("Get")] == [("org.freedesktop.login1.User", "Display")]
        assert logind.count("GetSession") == 0  # Display named the session
        assert presence.away() is None

        logind.lock()
        wait_for(lambda: presence.away() == LOCKED, 5, "the lock to count")
        logind.unlock()
        wait_for(lambda: backs.count == 1, 5, "on_back after the unlock")
        assert presence.away() is None
        logind.unlock()  # no change, no call
        impostor(system_bus, logind.session_path, "org.freedesktop.DBus.Properties", "PropertiesChanged",
                 "sa{sv}as", ("org.freedesktop.login1.Session", {"LockedHint": ("b", True)}, []))
        assert stays(lambda: backs.count == 1 and presence.away() is None)


@needs_dbus
@pytest.mark.desktop
def test_logind_auto_session_where_no_display_and_only_names_change(
        system_bus: PrivateBus, connect: Callable[[PrivateBus, str], Bus],
        watch: Callable[..., tuple[PresenceWatcher, Counter]]) -> None:
    with FakeLogind(system_bus.address, graphical=False, locked=True, invalidate_only=True) as logind:
        presence, backs = watch(None, connect(system_bus, "system bus"))
        assert [call.body for call in logind.calls("GetSession")] == [("auto",)]
        assert presence.away() == LOCKED

        logind.unlock()
        wait_for(lambda: backs.count == 1, 5, "on_back after the unlock")
        assert presence.away() is None


@needs_dbus
@pytest.mark.parametrize("name", ["org.gnome.ScreenSaver", "org.freedesktop.ScreenSaver"])
@pytest.mark.desktop
def test_screensaver_active_changed(name: str, session_bus: PrivateBus, connect: Callable[[PrivateBus, str], Bus],
                                    watch: Callable[..., tuple[PresenceWatcher, Counter]]) -> None:
    with FakeScreenSaver(session_bus.address, name) as saver:
        presence, backs = watch(connect(session_bus, "session bus"), None)
        assert saver.count("GetActive") == 1
        assert presence.away() is None

        saver.lock()
        wait_for(lambda: presence.away() == LOCKED, 5, "the lock to count")
        saver.unlock()
        wait_for(lambda: backs.count == 1, 5, "on_back after the unlock")
        assert stays(lambda: backs.count == 1 and presence.away() is None)


# idle
@needs_dbus
@pytest.mark.desktop
def test_mutter_idle_watch_then_user_active_and_rearmed_after_a_restart(
        session_bus: PrivateBus, connect: Callable[[PrivateBus, str], Bus],
        watch: Callable[..., tuple[PresenceWatcher, Counter]]) -> None:
    with FakeIdleMonitor(session_bus.address) as mutter:
        bus = connect(session_bus, "session bus")
        presence, backs = watch(bus, None)
        assert [w.interval_ms for w in mutter.watches.values()] == [60_000]
        assert presence.away() is None

        mutter.go_idle(7 * 60_000)
        wait_for(lambda: presence.away() == "idle for 7 min", 5, "the idle watch to count")
        wait_for(mutter.active_watches, 5, "a user-active watch")
        mutter.come_back()
        wait_for(lambda: backs.count == 1, 5, "on_back after activity")
        assert presence.away() is None

        mutter.restart()  # its watches are gone: ours must come again
        wait_for(lambda: [w.owner for w in mutter.idle_watches()] == [bus.unique_name], 5, "the idle watch again")
        mutter.go_idle(60_000)
        wait_for(lambda: presence.away() == "idle for 1 min", 5, "the new idle watch to count")
        wait_for(mutter.active_watches, 5, "a user-active watch")
        mutter.come_back()
        wait_for(lambda: backs.count == 2, 5, "on_back after activity")

        presence.set_away_after(timedelta(minutes=5))
        wait_for(lambda: [w.interval_ms for w in mutter.watches.values()] == [300_000], 5, "the watch for 5 min")
        mutter.go_idle(4 * 60_000)
        assert stays(lambda: presence.away() is None)
        presence.close()
        assert mutter.watches == {}
        assert backs.count == 2


@needs_dbus
@pytest.mark.desktop
def test_kde_idle_time_is_polled_only_while_a_reminder_waits(
        session_bus: PrivateBus, connect: Callable[[PrivateBus, str], Bus],
        watch: Callable[..., tuple[PresenceWatcher, Counter]]) -> None:
    with FakeScreenSaver(session_bus.address, "org.freedesktop.ScreenSaver", idle_seconds=5) as kde:
        presence, backs = watch(connect(session_bus, "session bus"), None, poll_every=0.05)
        assert presence.away() is None
        kde.idle_seconds = 120
        assert presence.away() == "idle for 2 min"
        kde.forget_calls()
        assert stays(lambda: kde.count("GetSessionIdleTime") == 0)  # nothing held: nothing asked

        presence.watch_for_return(True)
        wait_for(lambda: kde.count("GetSessionIdleTime") >= 2, 5, "the poll")
        kde.idle_seconds = 1
        wait_for(lambda: backs.count == 1, 5, "on_back when the idle time drops")
        asked = kde.count("GetSessionIdleTime")
        assert stays(lambda: kde.count("GetSessionIdleTime") == asked)  # back: the poll ended by itself

        kde.idle_seconds = 300
        assert presence.away() == "idle for 5 min"
        presence.watch_for_return(True)
        wait_for(lambda: kde.count("GetSessionIdleTime") > asked + 2, 5, "the poll")
        presence.watch_for_return(False)
        time.sleep(0.1)  # a poll under way ends
        asked = kde.count("GetSessionIdleTime")
        assert stays(lambda: kde.count("GetSessionIdleTime") == asked)

        kde.stop()  # a call that fails counts as present
        wait_for(lambda: presence.away() is None, 5, "a silent service to count as present")


@needs_dbus
@pytest.mark.desktop
def test_logind_idle_hint_where_nothing_else_tells_idleness(
        system_bus: PrivateBus, connect: Callable[[PrivateBus, str], Bus],
        watch: Callable[..., tuple[PresenceWatcher, Counter]]) -> None:
    with FakeLogind(system_bus.address) as logind:
        presence, backs = watch(None, connect(system_bus, "system bus"))
        now = time.time_ns() // 1000
        logind.set_idle(True, since_usec=now - 10_000_000)
        logind.lock()  # the signals come in order: once the lock and unlock count, so did the hint
        wait_for(lambda: presence.away() == LOCKED, 5, "the lock to count")
        logind.unlock()
        wait_for(lambda: backs.count == 1, 5, "on_back after the unlock")
        assert presence.away() is None  # idle for 10 s: not away after 1 min

        logind.set_idle(True, since_usec=now - 150_000_000)
        wait_for(lambda: presence.away() == "idle for 2 min", 5, "the hint to count")
        logind.set_idle(False)
        wait_for(lambda: backs.count == 2, 5, "on_back when the hint clears")
        assert presence.away() is None


# nothing answers
def test_no_buses_count_as_present_said_once(caplog: pytest.LogCaptureFixture,
                                             watch: Callable[..., tuple[PresenceWatcher, Counter]]) -> None:
    with caplog.at_level(logging.DEBUG, logger=PRESENCE_LOG):
        presence, _ = watch(None, None)
        assert presence.away() is None
        presence.watch_for_return(True)
        assert presence.away() is None
    said = [record for record in caplog.records if record.name.startswith(PRESENCE_LOG)]
    assert [(r.levelno, r.getMessage()) for r in said] == [
        (logging.INFO, "no presence service answers (no session bus; no system bus): you count as present")]
    assert not [thread for thread in threading.enumerate() if thread.name == "presence poll"]


@needs_dbus
@pytest.mark.desktop
def test_empty_buses_count_as_present_said_once(caplog: pytest.LogCaptureFixture, system_bus: PrivateBus,
                                                session_bus: PrivateBus, connect: Callable[[PrivateBus, str], Bus],
                                                watch: Callable[..., tuple[PresenceWatcher, Counter]]) -> None:
    with caplog.at_level(logging.INFO, logger=PRESENCE_LOG):
        presence, _ = watch(connect(session_bus, "session bus"), connect(system_bus, "system bus"))
        assert presence.away() is None
        presence.watch_for_return(True)
    said = [record.getMessage() for record in caplog.records if record.name.startswith(PRESENCE_LOG)]
    assert len(said) == 1
    assert said[0].startswith("no presence service answers (none of org.gnome.ScreenSaver")
    assert said[0].endswith("no org.freedesktop.login1 on the system bus): you count as present")


# the buses come and go
@needs_dbus
@pytest.mark.desktop
def test_subscriptions_work_again_after_the_bus_restarts(
        system_bus: PrivateBus, session_bus: PrivateBus, connect: Callable[[PrivateBus, str], Bus],
        watch: Callable[..., tuple[PresenceWatcher, Counter]]) -> None:
    with FakeLogind(system_bus.address) as logind, FakeIdleMonitor(session_bus.address) as mutter:
        session, system = connect(session_bus, "session bus"), connect(system_bus, "system bus")
        presence, backs = watch(session, system)
        assert mutter.idle_watches()

        system_bus.restart()
        session_bus.restart()
        logind.wait_owned()
        logind.lock()  # maybe before our Bus is back: then its first look tells
        wait_for(lambda: presence.away() == LOCKED, 8, "the lock, once connected again")
        wait_for(lambda: [w.owner for w in mutter.idle_watches()] == [session.unique_name], 8, "the idle watch again")

        logind.unlock()
        wait_for(lambda: backs.count == 1, 5, "on_back after the unlock")
        mutter.go_idle(60_000)
        wait_for(lambda: presence.away() == "idle for 1 min", 5, "the idle watch to count")


# suspend
@needs_dbus
@pytest.mark.desktop
def test_watch_sleep_hears_logind_and_nobody_else(system_bus: PrivateBus,
                                                  connect: Callable[[PrivateBus, str], Bus]) -> None:
    with FakeLogind(system_bus.address) as logind:
        sleeps, wakes = Counter(), Counter()
        assert watch_sleep(connect(system_bus, "system bus"), sleeps, wakes) is True

        logind.prepare_for_sleep(True)
        wait_for(lambda: sleeps.count == 1, 5, "on_sleep")
        logind.prepare_for_sleep(False)
        wait_for(lambda: wakes.count == 1, 5, "on_wake")
        impostor(system_bus, "/org/freedesktop/login1", "org.freedesktop.login1.Manager", "PrepareForSleep", "b",
                 (False,))
        assert stays(lambda: (sleeps.count, wakes.count) == (1, 1))
        with open_dbus_connection(system_bus.address) as forger:  # claims logind's name, then "wakes" the machine
            forger.send(new_signal(DBusAddress("/org/freedesktop/DBus", interface="org.freedesktop.DBus"),
                                   "NameOwnerChanged", "sss", ("org.freedesktop.login1", "", forger.unique_name)))
            forger.send(new_signal(DBusAddress("/org/freedesktop/login1", interface="org.freedesktop.login1.Manager"),
                                   "PrepareForSleep", "b", (False,)))
            assert stays(lambda: (sleeps.count, wakes.count) == (1, 1))
        logind.prepare_for_sleep(True)  # and logind itself is still heard
        wait_for(lambda: sleeps.count == 2, 5, "on_sleep from logind after the forgery")


@needs_dbus
@pytest.mark.desktop
def test_watch_sleep_without_logind(caplog: pytest.LogCaptureFixture, system_bus: PrivateBus,
                                    connect: Callable[[PrivateBus, str], Bus]) -> None:
    with caplog.at_level(logging.INFO, logger="handhabit.desktop.sleep"):
        assert watch_sleep(connect(system_bus, "system bus"), Counter(), Counter()) is False
    assert "org.freedesktop.login1 is not on the system bus" in caplog.text
