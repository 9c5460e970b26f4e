"""Which backend carries the reminders, and what happens when it fails: against private dbus-daemons with a
stand-in notification server where the server must misbehave (dunst never does), and a real `handhabit run`
where the daemon must choose."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import pytest
from jeepney import Message

from handhabit.daemon.coordinator import Daemon
from handhabit.desktop.bus import Bus
from handhabit.desktop.buses import Buses
from handhabit.desktop.notifications import DBusNotifier
from handhabit.notify.backends import LogNotifier, choose
from handhabit.notify.note import Answer
from handhabit.store import Store
from tests.builders import BEDTIME, BERLIN, Running, config_of, daemon_env, due_soon, write_config
from tests.desktop import wait_for
from tests.fake_desktop import DBusFault, FakeService, PrivateBus, private_bus

pytestmark = [
    pytest.mark.skipif(shutil.which("dbus-daemon") is None, reason="dbus-daemon is not installed"),
    pytest.mark.desktop,
]
NOTIFICATIONS = ("/org/freedesktop/Notifications", "org.freedesktop.Notifications")


class FakeNotificationServer(FakeService):
    """A notification server with buttons that numbers its notifications and, when told, fails every Notify."""

    def __init__(self, address: str, *, failing: bool = False) -> None:
        super().__init__(address, "org.freedesktop.Notifications")
        self.failing, self.next_id = failing, 1
        path, interface = NOTIFICATIONS
        self.expose_method(path, interface, "GetCapabilities", "", lambda _m: ("as", (["actions", "body"],)))
        self.expose_method(path, interface, "GetServerInformation", "",
                           lambda _m: ("ssss", ("fake", "handhabit tests", "1", "1.2")))
        self.expose_method(path, interface, "Notify", "susssasa{sv}i", self._notify)
        self.expose_method(path, interface, "CloseNotification", "u", lambda _m: (None, ()))

    def _notify(self, message: Message) -> tuple[str, tuple[Any, ...]]:
        if self.failing:
            raise DBusFault("org.freedesktop.DBus.Error.Failed", "the server is broken")
        self.next_id += 1
        return "u", (self.next_id,)

    def press(self, server_id: int, action: str) -> None:
        self.emit(*NOTIFICATIONS, "ActionInvoked", "us", (server_id, action))


def names(chain: list[Any]) -> list[str]:
    return [notifier.name for notifier in chain]


@pytest.mark.skipif(shutil.which("notify-send") is None, reason="notify-send is not installed (.ci/run installs "
                                                                  "libnotify-bin)")
def test_a_bus_without_a_notification_server_leaves_it_to_plyer(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    with private_bus() as address, caplog.at_level(logging.INFO):
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        buses = Buses({"DBUS_SESSION_BUS_ADDRESS": address})
        try:
            assert names(choose("auto", buses)) == ["plyer", "log"]
        finally:
            buses.close()
    assert "notification backend dbus skipped: no notification server answers on the session bus" in caplog.text
    assert "notifications go through the plyer backend" in caplog.text


@pytest.mark.parametrize("backend", ["auto", "dbus", "plyer"])
def test_without_a_session_bus_reminders_go_to_the_log(backend: str, caplog: pytest.LogCaptureFixture,
                                                       tmp_path: Path) -> None:
    with caplog.at_level(logging.INFO):
        chain = choose(backend, Buses({"XDG_RUNTIME_DIR": str(tmp_path)}))
    assert names(chain) == ["log"]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    if backend == "auto":
        assert errors == []
    else:  # the chosen one failing is one clear line; the rest is information
        assert errors == [f"notification backend {backend} is not usable: " + (
            "no DBus session bus to reach (DBUS_SESSION_BUS_ADDRESS is unset or nobody listens there, and "
            "$XDG_RUNTIME_DIR/bus is missing); choosing another" if backend == "dbus" else
            "no DBus session bus (DBUS_SESSION_BUS_ADDRESS is unset); choosing another")]
    assert "no desktop notifications here: reminders go to the log" in caplog.text


def test_backend_dbus_without_a_bus_says_so_once_and_the_daemon_reminds_through_the_log(tmp_path: Path) -> None:
    env = daemon_env(tmp_path, write_config(tmp_path, backend="dbus", reminders=("work-break", "stretch")))
    due_soon(Path(env["HANDHABIT_DB"]), ("work-break", "stretch"))
    daemon = Running(env, tmp_path / "daemon.log")
    try:
        wait_for(lambda: daemon.count("reminder: Hand massage") >= 2, 20, "two reminders in the log")
    finally:
        assert daemon.stop() == 0, daemon.log
    assert daemon.count("notification backend dbus is not usable") == 1
    assert daemon.count("work-break: fired (log)") == 1
    assert "Traceback" not in daemon.log


def test_a_server_failing_at_a_reminder_hands_it_to_the_next_backend(store: Store) -> None:
    with private_bus() as address, FakeNotificationServer(address, failing=True):
        bus = Bus(address, "session bus").connect()
        try:
            daemon = Daemon(config_of(BEDTIME), store, [DBusNotifier(bus), LogNotifier()], BERLIN)
            daemon.fire("bedtime")
        finally:
            bus.close()
    ((kind, detail),) = [(e.kind, e.detail) for e in store.events()]
    assert kind == "fired"
    assert detail == ("dbus failed: org.freedesktop.Notifications.Notify: org.freedesktop.DBus.Error.Failed: "
                      "the server is broken; log")


def test_answers_are_heard_after_the_bus_comes_back(store: Store) -> None:
    """The bus restarts (the session's dbus-daemon, or the connection breaks): the notifier connects again,
    adds its match rules again and takes the answers to what it sends from then on."""
    answers: list[Answer] = []
    with PrivateBus() as private:
        server = FakeNotificationServer(private.address).start()
        bus = Bus(private.address, "session bus").connect()
        try:
            notifier = DBusNotifier(bus)
            notifier.answers_to(answers.append)
            private.restart()
            server.wait_owned(10)
            # connected again, it asks the server what it offers: it may be another server now
            wait_for(lambda: server.count("GetCapabilities") == 2, 10, "the notifier to connect again")
            daemon = Daemon(config_of(BEDTIME), store, notifier, BERLIN)
            daemon.fire("bedtime")
            server.press(server.next_id, "done")
            server.press(999, "done")  # another program's notification: not ours to answer
            wait_for(lambda: answers, 5, "the answer")
        finally:
            bus.close()
            server.stop()
    assert [(a.action, a.note.reminder) for a in answers] == [("done", "bedtime")]
