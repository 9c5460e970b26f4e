"""Other programs on a test desktop's session bus (tests/desktop.py): a peer that forges the notification
server's signals, a witness that proves the bus delivered them, a monitor that sees every Notify call, and
dunst restarted with a new unique name. Each is its own jeepney connection, as another program's would be."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from jeepney import DBusAddress, HeaderFields, MatchRule, Message, MessageType, new_signal
from jeepney.bus_messages import Monitoring, message_bus
from jeepney.io.blocking import DBusConnection, open_dbus_connection
from jeepney.wrappers import DBusErrorResponse, unwrap_msg

from tests.desktop import Desktop, wait_for

NOTIFICATIONS = "org.freedesktop.Notifications"
SERVER = DBusAddress("/org/freedesktop/Notifications", interface=NOTIFICATIONS)
BUS_DAEMON = DBusAddress("/org/freedesktop/DBus", interface="org.freedesktop.DBus")


class Peer:
    """A connection of another program on the bus: nobody special, but free to send any signal."""

    def __init__(self, rig: Desktop) -> None:
        self.conn: DBusConnection = open_dbus_connection(rig.env["DBUS_SESSION_BUS_ADDRESS"])

    @property
    def unique_name(self) -> str:
        return str(self.conn.unique_name)

    def owner(self, name: str = NOTIFICATIONS) -> str | None:
        """The unique name that owns `name`; None while nobody does."""
        try:
            (owner,) = unwrap_msg(self.conn.send_and_get_reply(message_bus.GetNameOwner(name), timeout=5))
        except DBusErrorResponse:
            return None
        return str(owner)

    def pid_of(self, name: str) -> int:
        (pid,) = unwrap_msg(self.conn.send_and_get_reply(message_bus.GetConnectionUnixProcessID(name), timeout=5))
        return int(pid)

    def names_of(self, pid: int) -> list[str]:
        """The unique names of the connections process `pid` holds on this bus."""
        (names,) = unwrap_msg(self.conn.send_and_get_reply(message_bus.ListNames(), timeout=5))
        return [name for name in names if name.startswith(":") and self.pid_of(name) == pid]

    def signal(self, address: DBusAddress, member: str, signature: str, body: tuple[Any, ...],
               to: str | None = None) -> None:
        """Broadcast to whoever subscribed, or, `to` a unique name, sent to that connection alone, where the
        bus applies no match rule."""
        message = new_signal(address, member, signature, body)
        if to is not None:
            message.header.fields[HeaderFields.destination] = to
        self.conn.send(message)

    def action_invoked(self, server_id: int, key: str, to: str | None = None) -> None:
        self.signal(SERVER, "ActionInvoked", "us", (server_id, key), to)

    def notification_closed(self, server_id: int, reason: int = 2, to: str | None = None) -> None:
        self.signal(SERVER, "NotificationClosed", "uu", (server_id, reason), to)

    def name_owner_changed(self, name: str, old: str, new: str, to: str | None = None) -> None:
        """What the bus daemon says when a name changes hands; from a peer, a lie."""
        self.signal(BUS_DAEMON, "NameOwnerChanged", "sss", (name, old, new), to)

    def close(self) -> None:
        self.conn.close()


class Witness(Peer):
    """Subscribes as handhabit does, to show that the bus delivered a forged signal to subscribers: a test
    that handhabit ignored it proves nothing if it never arrived."""

    def __init__(self, rig: Desktop) -> None:
        super().__init__(rig)
        for rule in (MatchRule(type="signal", interface=NOTIFICATIONS, path=SERVER.object_path),
                     MatchRule(type="signal", interface=BUS_DAEMON.interface, member="NameOwnerChanged")):
            self.conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=5)
        self.seen: list[tuple[str, str, tuple[Any, ...]]] = []  # (sender, member, body)

    def saw(self, sender: str, member: str, count: int, seconds: float = 5) -> None:
        """Waits until `count` signals `member` from `sender` have reached this connection."""
        def arrived() -> bool:
            self._drain(0.1)
            return sum(s == sender and m == member for s, m, _ in self.seen) >= count

        wait_for(arrived, seconds, f"{count} {member} from {sender} delivered by the bus")

    def _drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self.conn.receive(timeout=left)
            except TimeoutError:
                return
            if message.header.message_type is MessageType.signal:
                fields = message.header.fields
                self.seen.append((fields.get(HeaderFields.sender, ""), fields.get(HeaderFields.member, ""),
                                  message.body))


class Monitor(Peer):
    """Sees every Notify call on the bus, in the order the bus passed them on (dbus-monitor does the same)."""

    def __init__(self, rig: Desktop) -> None:
        super().__init__(rig)
        rule = MatchRule(type="method_call", interface=NOTIFICATIONS, member="Notify")
        self.conn.send_and_get_reply(Monitoring().BecomeMonitor([rule.serialise()]), timeout=5)
        self.notifies: list[tuple[Any, ...]] = []  # each call's body: app, replaces_id, icon, summary, body, ...

    def wait_for_notifies(self, count: int, seconds: float = 10) -> list[tuple[Any, ...]]:
        def enough() -> bool:
            try:
                message: Message = self.conn.receive(timeout=0.1)
            except TimeoutError:
                return False
            if message.header.fields.get(HeaderFields.member) == "Notify":
                self.notifies.append(message.body)
            return len(self.notifies) >= count

        wait_for(enough, seconds, f"{count} Notify calls on the bus")
        return self.notifies


@contextmanager
def peer(rig: Desktop, kind: type[Peer] = Peer) -> Iterator[Any]:
    connection = kind(rig)
    try:
        yield connection
    finally:
        connection.close()


@contextmanager
def dunst_restarted(rig: Desktop) -> Iterator[str]:
    """dunst killed and started again on the same bus with the same dunstrc, as after a crash or a config
    change; yields the new dunst's unique name. The rig's own dunst is the one killed (the rig's cleanup then
    finds it gone); this one is ended here."""
    with peer(rig) as bus:
        old = bus.owner()
        os.kill(bus.pid_of(NOTIFICATIONS), signal.SIGTERM)
        wait_for(lambda: bus.owner() is None, 5, "the old dunst to leave the bus")
        with (rig.folder / "dunst.log").open("ab") as dunst_log:
            dunst = subprocess.Popen(["dunst", "-config", str(rig.folder / "dunstrc")], env=rig.env, cwd=rig.folder,
                                     stdout=subprocess.DEVNULL, stderr=dunst_log)
        try:
            new = wait_for(bus.owner, 10, "the new dunst on the bus")
            assert new != old
            yield new
        finally:
            dunst.terminate()
            dunst.wait(timeout=10)
