"""Fake desktop services on private dbus-daemons, for tests: logind, the GNOME and freedesktop (KDE)
screensavers and Mutter's idle monitor, each a jeepney connection on a thread of the test process.

They speak real DBus through a real dbus-daemon, so what talks to them (handhabit's `Bus`, or a whole
`handhabit run` pointed at the bus through DBUS_SESSION_BUS_ADDRESS / DBUS_SYSTEM_BUS_ADDRESS) cannot tell
them from the real services for the calls and signals they offer; they know nothing of handhabit.

    with PrivateBus() as system, PrivateBus() as session, FakeLogind(system.address) as logind, \\
            FakeIdleMonitor(session.address) as mutter:
        env = {"DBUS_SYSTEM_BUS_ADDRESS": system.address, "DBUS_SESSION_BUS_ADDRESS": session.address}
        ...
        logind.lock()                    # LockedHint = true, PropertiesChanged
        mutter.go_idle(10 * 60_000)      # WatchFired for the idle watches of up to 10 min
        system.restart()                 # every client loses the bus; the fakes connect again by themselves

Every fake:
- owns its well-known name when `start()` (or `with`) returns, and raises if it cannot;
- answers the method calls it knows, org.freedesktop.DBus.Properties Get/GetAll for its properties and
  org.freedesktop.DBus.Peer.Ping, and any other call with an UnknownMethod error;
- records every method call it gets (`calls()`, `count()`, `forget_calls()`);
- connects again by itself when its dbus-daemon restarts (within `reconnect_within` seconds), and owns its
  name again: like a real service, with a new unique name;
- `restart()`: the service restarts, a new connection owning the same name (the old one's name goes away).

The fakes' methods are safe to call from any thread.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from jeepney import DBusAddress, HeaderFields, Message, MessageFlag, MessageType, new_error, new_method_return
from jeepney import new_signal as jeepney_signal
from jeepney.bus_messages import MatchRule, message_bus
from jeepney.io.threading import DBusConnection, ReceiveStopped, open_dbus_connection

from tests.rig import entering_rig

log = logging.getLogger(__name__)

HAVE_DBUS_DAEMON = shutil.which("dbus-daemon") is not None

UNKNOWN_METHOD = "org.freedesktop.DBus.Error.UnknownMethod"
UNKNOWN_PROPERTY = "org.freedesktop.DBus.Error.UnknownProperty"
INVALID_ARGS = "org.freedesktop.DBus.Error.InvalidArgs"
NOT_SUPPORTED = "org.freedesktop.DBus.Error.NotSupported"
PROPERTIES = "org.freedesktop.DBus.Properties"

# No <servicedir>: a call to a name nobody owns fails at once instead of starting a real service of
# this machine. The policy lets anyone own any name, as a stand-in system bus needs.
_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>{listen}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


# the bus
class PrivateBus:
    """A dbus-daemon of its own at a fixed socket path, so that `restart()` brings it back at the same
    address: every client's connection drops, and a client that reconnects finds an empty bus again.

    Session-bus config (serves as a stand-in system bus too), without service activation.
    """

    def __init__(self) -> None:
        # A unix socket path has ~107 bytes: pytest's tmp_path can be longer, so this is under /tmp.
        self.folder = Path(tempfile.mkdtemp(prefix="hh-bus-"))
        self.address = f"unix:path={self.folder / 'bus'}"
        (self.folder / "bus.conf").write_text(_CONFIG.format(listen=self.address), encoding="utf-8")
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> PrivateBus:
        if self._process is not None:
            return self
        entering_rig("a private dbus-daemon")
        process = subprocess.Popen(
            ["dbus-daemon", "--nofork", "--print-address=1", f"--config-file={self.folder / 'bus.conf'}"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert process.stdout is not None
        printed = process.stdout.readline().strip()  # printed once it listens
        if not printed:
            process.kill()
            process.wait(timeout=5)
            raise RuntimeError(f"dbus-daemon did not start (exit status {process.poll()})")
        self._process = process
        return self

    def stop(self) -> None:
        """Ends the daemon (SIGTERM): every connection to it drops."""
        process, self._process = self._process, None
        if process is None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        if process.stdout is not None:
            process.stdout.close()

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PrivateBus:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


@contextmanager
def private_bus() -> Iterator[str]:
    """A private dbus-daemon for the block; yields its address. (`PrivateBus` for one that restarts.)"""
    with PrivateBus() as bus:
        yield bus.address


# the services
class DBusFault(Exception):
    """Raised by a method handler: the caller gets this error reply."""

    def __init__(self, name: str, text: str = "") -> None:
        super().__init__(f"{name}: {text}")
        self.name, self.text = name, text


@dataclass(frozen=True)
class Call:
    path: str
    interface: str
    member: str
    body: tuple[Any, ...]
    sender: str


Reply = tuple[str | None, tuple[Any, ...]]  # the reply's signature and body
MethodHandler = Callable[[Message], Reply]


class FakeService:
    """One connection that owns `name` and serves the objects exposed with `expose_method` and
    `expose_properties`. Subclasses add the behaviour of a real service."""

    def __init__(self, address: str, name: str, *, reconnect_within: float = 30.0) -> None:
        self.address, self.name = address, name
        self.reconnect_within = reconnect_within
        self.unique_name: str | None = None
        self._methods: dict[tuple[str, str, str], tuple[str, MethodHandler]] = {}
        self._properties: dict[tuple[str, str], dict[str, tuple[str, Any]]] = {}
        self._lock = threading.RLock()
        self._calls: list[Call] = []
        self._conn: DBusConnection | None = None
        self._pending: dict[int, Future[Message]] = {}
        self._after_reply: list[Callable[[], None]] = []
        self._owned = threading.Event()
        self._stop = threading.Event()
        self._restart = threading.Event()
        self._thread: threading.Thread | None = None

    # life
    def start(self) -> FakeService:
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._run, name=f"fake {self.name}", daemon=True)
        self._thread.start()
        if not self._owned.wait(5):
            self.stop()
            raise RuntimeError(f"{self.name} could not own its name on {self.address}")
        return self

    def stop(self) -> None:
        """Disconnects: the name goes away. The fake cannot start again."""
        self._stop.set()
        conn = self._conn
        if conn is not None:
            conn.interrupt()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._owned.clear()

    def restart(self) -> None:
        """The service restarts: it drops its connection and owns its name again from a new one. Calls
        `reset()` in between, where a subclass forgets what a real restart forgets."""
        self._owned.clear()
        self._restart.set()
        conn = self._conn
        if conn is not None:
            conn.interrupt()
        if not self._owned.wait(5):
            raise RuntimeError(f"{self.name} did not come back after its restart")

    def reset(self) -> None:
        """What a restart of the real service forgets; nothing here."""

    def on_signal(self, message: Message) -> None:
        """Signals the fake subscribed to with `add_match`; nothing here."""

    def connected(self) -> None:
        """Runs on the fake's thread after each connection, once the name is asked for."""

    @property
    def owned(self) -> bool:
        return self._owned.is_set()

    def wait_owned(self, seconds: float = 5) -> None:
        if not self._owned.wait(seconds):
            raise AssertionError(f"{self.name} does not own its name on {self.address}")

    def __enter__(self) -> Any:  # the subclass itself, for `with FakeLogind(...) as logind`
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # what the fake serves
    def expose_method(self, path: str, interface: str, member: str, signature: str, handler: MethodHandler) -> None:
        """`handler(message)` returns the reply's (signature, body) or raises DBusFault; a call whose body
        has another signature than `signature` gets InvalidArgs."""
        with self._lock:
            self._methods[(path, interface, member)] = (signature, handler)

    def expose_properties(self, path: str, interface: str, properties: dict[str, tuple[str, Any]]) -> None:
        """`properties`: name -> (signature, value); the dict is shared, so exposing it at two paths makes
        an alias (logind's ".../session/auto")."""
        with self._lock:
            self._properties[(path, interface)] = properties

    def property(self, path: str, interface: str, name: str) -> Any:
        with self._lock:
            return self._properties[(path, interface)][name][1]

    def set_properties(self, path: str, interface: str, values: dict[str, Any], *, invalidate_only: bool = False,
                       emit: bool = True) -> None:
        """Changes property values and sends PropertiesChanged, with the new values or (invalidate_only)
        with the names alone, as sd-bus does for properties that "emit invalidation". `emit=False`: silently."""
        with self._lock:
            properties = self._properties[(path, interface)]
            for name, value in values.items():
                properties[name] = (properties[name][0], value)
            changed = {name: properties[name] for name in values}
        if emit:
            body = (interface, {}, sorted(values)) if invalidate_only else (interface, changed, [])
            self.announce(path, PROPERTIES, "PropertiesChanged", "sa{sv}as", body)

    def emit(self, path: str, interface: str, member: str, signature: str | None = None, body: tuple[Any, ...] = (),
             destination: str | None = None) -> None:
        """Sends a signal; `destination` makes it unicast (as Mutter's WatchFired). Waits up to 5 s for the
        fake to own its name (after a restart of the bus), and raises if it does not."""
        if threading.current_thread() is not self._thread:
            self.wait_owned()
        conn = self._conn
        if conn is None:
            raise RuntimeError(f"{self.name} is not connected")
        message = jeepney_signal(DBusAddress(path, interface=interface), member, signature, body)
        if destination is not None:
            message.header.fields[HeaderFields.destination] = destination
        conn.send(message)

    def announce(self, path: str, interface: str, member: str, signature: str | None = None,
                 body: tuple[Any, ...] = (), destination: str | None = None) -> None:
        """A signal of a change: sent when the fake is on the bus, dropped while it is not (a bus that
        restarts), as a real service's would be."""
        if self.owned or threading.current_thread() is self._thread:
            self.emit(path, interface, member, signature, body, destination)

    def add_match(self, rule: MatchRule) -> None:
        """Subscribes the fake to signals, which go to `on_signal`; call from `connected()`."""
        self._bus_call(message_bus.AddMatch(rule))

    # what the fake was asked
    def calls(self, member: str | None = None) -> list[Call]:
        with self._lock:
            return [call for call in self._calls if member is None or call.member == member]

    def count(self, member: str) -> int:
        return len(self.calls(member))

    def forget_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def after_reply(self, action: Callable[[], None]) -> None:
        """From a method handler: runs `action` once the reply is sent (a signal that follows the reply)."""
        self._after_reply.append(action)

    # the thread
    def _run(self) -> None:
        conn: DBusConnection | None = None
        try:
            while not self._stop.is_set():
                if conn is None:
                    conn = self._connect()
                    if conn is None:
                        return
                try:
                    message = conn.receive()
                except ReceiveStopped:
                    if self._stop.is_set():
                        return
                    self._restart.clear()
                    self._drop(conn)
                    conn = None
                    self.reset()
                    continue
                except (OSError, ValueError) as exc:
                    if self._stop.is_set():
                        return
                    log.debug("%s lost its bus (%s); connecting again", self.name, exc)
                    self._drop(conn)
                    conn = None
                    self.reset_after_bus_loss()
                    continue
                self._dispatch(conn, message)
        finally:
            if conn is not None:
                self._drop(conn)

    def reset_after_bus_loss(self) -> None:
        """The bus restarted: every client's connection went with it. Nothing here."""

    def _connect(self) -> DBusConnection | None:
        deadline = time.monotonic() + self.reconnect_within
        while not self._stop.is_set():
            try:
                conn = open_dbus_connection(self.address)
            except Exception as exc:
                if time.monotonic() > deadline:
                    log.warning("%s gave up connecting to %s: %s", self.name, self.address, exc)
                    return None
                self._stop.wait(0.05)
                continue
            self._conn, self.unique_name = conn, conn.unique_name
            future = self._bus_call(message_bus.RequestName(self.name, 4))  # 4: do not queue
            future.add_done_callback(self._name_answer)
            self.connected()
            return conn
        return None

    def _name_answer(self, future: Future[Message]) -> None:
        try:
            code = future.result().body[0]
        except Exception as exc:
            log.error("%s: RequestName failed: %s", self.name, exc)
            return
        if code in (1, 4):  # the primary owner, or already it
            self._owned.set()
        else:
            log.error("%s: RequestName answered %s: someone else owns the name", self.name, code)

    def _drop(self, conn: DBusConnection) -> None:
        self._owned.clear()
        self._conn = None
        with self._lock:
            pending, self._pending = self._pending, {}
        for future in pending.values():
            future.set_exception(ConnectionError("the connection was lost"))
        with suppress(OSError):
            conn.close()

    def _bus_call(self, message: Message) -> Future[Message]:
        """Sends a call to the bus daemon; the answer resolves the future on the fake's thread."""
        conn = self._conn
        if conn is None:
            raise RuntimeError(f"{self.name} is not connected")
        serial = next(conn.outgoing_serial)
        future: Future[Message] = Future()
        with self._lock:
            self._pending[serial] = future
        conn.send(message, serial=serial)
        return future

    def _dispatch(self, conn: DBusConnection, message: Message) -> None:
        kind = message.header.message_type
        if kind in (MessageType.method_return, MessageType.error):
            with self._lock:
                future = self._pending.pop(message.header.fields.get(HeaderFields.reply_serial, -1), None)
            if future is not None:
                future.set_result(message)
            return
        if kind is MessageType.signal:
            self.on_signal(message)
            return
        if kind is not MessageType.method_call:
            return
        fields = message.header.fields
        path, interface = fields.get(HeaderFields.path, ""), fields.get(HeaderFields.interface, "")
        member, signature = fields.get(HeaderFields.member, ""), fields.get(HeaderFields.signature, "")
        with self._lock:
            self._calls.append(Call(path, interface, member, tuple(message.body),
                                    fields.get(HeaderFields.sender, "")))
        self._after_reply = []
        try:
            reply_signature, body = self._answer(message, path, interface, member, signature)
            reply = new_method_return(message, reply_signature, body)
        except DBusFault as fault:
            reply = new_error(message, fault.name, "s", (fault.text,))
        except Exception as exc:
            log.exception("%s: %s.%s failed", self.name, interface, member)
            reply = new_error(message, "org.freedesktop.DBus.Error.Failed", "s", (repr(exc),))
        if not message.header.flags & MessageFlag.no_reply_expected:
            conn.send(reply)
        actions, self._after_reply = self._after_reply, []
        for action in actions:
            action()

    def _answer(self, message: Message, path: str, interface: str, member: str, signature: str) -> Reply:
        if interface == "org.freedesktop.DBus.Peer" and member == "Ping":
            return None, ()
        if interface == PROPERTIES:
            return self._properties_call(path, member, signature, message.body)
        with self._lock:
            found = self._methods.get((path, interface, member))
            if found is None and not interface:  # the interface is optional in a call
                found = next((entry for (p, _, m), entry in self._methods.items() if p == path and m == member), None)
        if found is None:
            raise DBusFault(UNKNOWN_METHOD, f"no method {interface}.{member} at {path} in this fake {self.name}")
        wanted, handler = found
        if signature != wanted:
            raise DBusFault(INVALID_ARGS, f"{member} takes ({wanted}), not ({signature})")
        return handler(message)

    def _properties_call(self, path: str, member: str, signature: str, body: tuple[Any, ...]) -> Reply:
        with self._lock:
            if member == "Get" and signature == "ss":
                properties = self._properties.get((path, body[0]))
                if properties is None or body[1] not in properties:
                    raise DBusFault(UNKNOWN_PROPERTY, f"no property {body[0]}.{body[1]} at {path}")
                return "v", (properties[body[1]],)
            if member == "GetAll" and signature == "s":
                properties = self._properties.get((path, body[0]))
                if properties is None:
                    raise DBusFault(UNKNOWN_METHOD, f"no interface {body[0]} at {path}")
                return "a{sv}", (dict(properties),)
        if member == "Set":
            raise DBusFault("org.freedesktop.DBus.Error.PropertyReadOnly", "this fake's properties are read-only")
        raise DBusFault(UNKNOWN_METHOD, f"no method {PROPERTIES}.{member}({signature})")


# logind
LOGIND = "org.freedesktop.login1"
LOGIND_PATH = "/org/freedesktop/login1"
MANAGER = "org.freedesktop.login1.Manager"
USER = "org.freedesktop.login1.User"
SESSION = "org.freedesktop.login1.Session"


def _now_usec() -> int:
    return time.time_ns() // 1000


class FakeLogind(FakeService):
    """systemd-logind with one user and one session.

    - `/org/freedesktop/login1/user/self` (User): Display = (session id, session path), or ("", "/") when
      not `graphical`; also Name, UID, State.
    - the session object `session_path` (Session) and its alias `/org/freedesktop/login1/session/auto`:
      Id, Active, Type, LockedHint, IdleHint, IdleSinceHint (µs realtime), IdleSinceHintMonotonic;
      methods SetLockedHint(b), SetIdleHint(b). PropertiesChanged comes from `session_path` only, as
      logind sends it, with values or (`invalidate_only`) names alone.
    - `/org/freedesktop/login1` (Manager): GetSession(s) -> o for "auto", "self" and the id ("" and "self"
      fail unless `caller_in_session`, as for a user service outside the session); PrepareForSleep(b).
    """

    def __init__(self, address: str, *, session_id: str = "c1", graphical: bool = True, locked: bool = False,
                 invalidate_only: bool = False, caller_in_session: bool = False,
                 reconnect_within: float = 30.0) -> None:
        super().__init__(address, LOGIND, reconnect_within=reconnect_within)
        self.session_id = session_id
        self.session_path = f"{LOGIND_PATH}/session/{session_id}"
        self.invalidate_only = invalidate_only
        self.caller_in_session = caller_in_session
        display = (session_id, self.session_path) if graphical else ("", "/")
        self.expose_properties(f"{LOGIND_PATH}/user/self", USER, {
            "Name": ("s", "tester"), "UID": ("u", os.getuid()), "State": ("s", "active"),
            "Display": ("(so)", display)})
        session = {
            "Id": ("s", session_id), "Active": ("b", True), "Type": ("s", "wayland" if graphical else "tty"),
            "LockedHint": ("b", locked), "IdleHint": ("b", False), "IdleSinceHint": ("t", 0),
            "IdleSinceHintMonotonic": ("t", 0)}
        self.expose_properties(self.session_path, SESSION, session)
        self.expose_properties(f"{LOGIND_PATH}/session/auto", SESSION, session)
        self.expose_method(LOGIND_PATH, MANAGER, "GetSession", "s", self._get_session)
        for path in (self.session_path, f"{LOGIND_PATH}/session/auto"):
            self.expose_method(path, SESSION, "SetLockedHint", "b", self._set_locked_hint)
            self.expose_method(path, SESSION, "SetIdleHint", "b", self._set_idle_hint)

    def __enter__(self) -> FakeLogind:
        self.start()
        return self

    # what tests do
    def lock(self) -> None:
        self.set_locked(True)

    def unlock(self) -> None:
        self.set_locked(False)

    def set_locked(self, locked: bool) -> None:
        self._change({"LockedHint": locked})

    def set_idle(self, idle: bool, since_usec: int | None = None) -> None:
        """IdleHint, and IdleSinceHint: `since_usec` (µs since the epoch), by default now when turning idle."""
        since = since_usec if since_usec is not None else (_now_usec() if idle else 0)
        monotonic = max(0, time.monotonic_ns() // 1000 - (_now_usec() - since)) if since else 0
        self._change({"IdleHint": idle, "IdleSinceHint": since, "IdleSinceHintMonotonic": monotonic})

    def prepare_for_sleep(self, going: bool) -> None:
        """PrepareForSleep(true) before a suspend, (false) after the resume."""
        self.emit(LOGIND_PATH, MANAGER, "PrepareForSleep", "b", (going,))

    @property
    def locked(self) -> bool:
        return bool(self.property(self.session_path, SESSION, "LockedHint"))

    @property
    def idle(self) -> bool:
        return bool(self.property(self.session_path, SESSION, "IdleHint"))

    # the service
    def _change(self, values: dict[str, Any]) -> None:
        self.set_properties(self.session_path, SESSION, values, invalidate_only=self.invalidate_only)

    def _get_session(self, message: Message) -> Reply:
        (wanted,) = message.body
        if wanted in ("", "self") and not self.caller_in_session:
            raise DBusFault("org.freedesktop.login1.NoSessionForPID", "Caller does not belong to any known session.")
        if wanted not in ("", "self", "auto", self.session_id):
            raise DBusFault("org.freedesktop.login1.NoSuchSession", f"No session '{wanted}' known")
        return "o", (self.session_path,)

    def _set_locked_hint(self, message: Message) -> Reply:
        self.after_reply(lambda: self.set_locked(bool(message.body[0])))
        return None, ()

    def _set_idle_hint(self, message: Message) -> Reply:
        self.after_reply(lambda: self.set_idle(bool(message.body[0])))
        return None, ()


# screensavers
class FakeScreenSaver(FakeService):
    """org.gnome.ScreenSaver (path /org/gnome/ScreenSaver) or org.freedesktop.ScreenSaver (KDE, path
    /org/freedesktop/ScreenSaver), the interface named as the service.

    GetActive -> b, SetActive(b), GetActiveTime -> u, signal ActiveChanged(b); the freedesktop one also
    GetSessionIdleTime -> u seconds, from `idle_seconds` (None: it answers NotSupported).
    """

    def __init__(self, address: str, name: str = "org.freedesktop.ScreenSaver", *, active: bool = False,
                 idle_seconds: int | None = 0, reconnect_within: float = 30.0) -> None:
        if name not in ("org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver"):
            raise ValueError(f"not a screensaver this fake knows: {name}")
        super().__init__(address, name, reconnect_within=reconnect_within)
        self.path, self.interface = "/" + name.replace(".", "/"), name
        self._active, self._active_since = active, time.monotonic()
        self._idle_seconds = idle_seconds
        self.expose_method(self.path, name, "GetActive", "", lambda message: ("b", (self.active,)))
        self.expose_method(self.path, name, "GetActiveTime", "", self._active_time)
        if name == "org.freedesktop.ScreenSaver":
            self.expose_method(self.path, name, "SetActive", "b", self._set_active_returning)
            self.expose_method(self.path, name, "GetSessionIdleTime", "", self._session_idle_time)
        else:
            self.expose_method(self.path, name, "SetActive", "b", self._set_active)

    def __enter__(self) -> FakeScreenSaver:
        self.start()
        return self

    # what tests do
    def lock(self) -> None:
        self.set_active(True)

    def unlock(self) -> None:
        self.set_active(False)

    def set_active(self, active: bool) -> None:
        """Sets the state and sends ActiveChanged when it changed."""
        with self._lock:
            changed, self._active = self._active != active, active
            if changed:
                self._active_since = time.monotonic()
        if changed:
            self.announce(self.path, self.interface, "ActiveChanged", "b", (active,))

    @property
    def active(self) -> bool:
        with self._lock:
            return self._active

    @property
    def idle_seconds(self) -> int | None:
        with self._lock:
            return self._idle_seconds

    @idle_seconds.setter
    def idle_seconds(self, seconds: int | None) -> None:
        with self._lock:
            self._idle_seconds = seconds

    # the service
    def _active_time(self, message: Message) -> Reply:
        with self._lock:
            seconds = int(time.monotonic() - self._active_since) if self._active else 0
        return "u", (seconds,)

    def _session_idle_time(self, message: Message) -> Reply:
        seconds = self.idle_seconds
        if seconds is None:
            raise DBusFault(NOT_SUPPORTED, "GetSessionIdleTime is not supported")
        return "u", (seconds,)

    def _set_active(self, message: Message) -> Reply:
        self.after_reply(lambda: self.set_active(bool(message.body[0])))
        return None, ()

    def _set_active_returning(self, message: Message) -> Reply:
        self.after_reply(lambda: self.set_active(bool(message.body[0])))
        return "b", (True,)


# Mutter's idle monitor
MUTTER = "org.gnome.Mutter.IdleMonitor"
MUTTER_PATH = "/org/gnome/Mutter/IdleMonitor/Core"


@dataclass(frozen=True)
class Watch:
    id: int
    interval_ms: int  # 0: a user-active watch
    owner: str  # the unique name of the client that added it


class FakeIdleMonitor(FakeService):
    """org.gnome.Mutter.IdleMonitor at /org/gnome/Mutter/IdleMonitor/Core, as Mutter behaves:

    - GetIdletime -> t (ms), AddIdleWatch(t interval ms) -> u, AddUserActiveWatch -> u, RemoveWatch(u);
      ResetIdletime answers UnknownMethod, as Mutter does without MUTTER_DEBUG_RESET_IDLETIME;
    - WatchFired(u) is unicast to the client that added the watch;
    - an idle watch fires once each time the idle time reaches its interval, and at once when added while
      the person is idle longer already; a user-active watch fires at the next activity and is removed;
    - a client's watches go when the client leaves the bus;
    - `restart()` forgets every watch and numbers them from 1 again.
    """

    def __init__(self, address: str, *, reconnect_within: float = 30.0) -> None:
        super().__init__(address, MUTTER, reconnect_within=reconnect_within)
        self._watches: dict[int, Watch] = {}
        self._fired: set[int] = set()  # idle watches fired in this idle spell
        self._next_id = 1
        self._idletime_ms = 0
        self.expose_method(MUTTER_PATH, MUTTER, "GetIdletime", "", lambda message: ("t", (self.idletime_ms,)))
        self.expose_method(MUTTER_PATH, MUTTER, "AddIdleWatch", "t", self._add_idle_watch)
        self.expose_method(MUTTER_PATH, MUTTER, "AddUserActiveWatch", "", self._add_user_active_watch)
        self.expose_method(MUTTER_PATH, MUTTER, "RemoveWatch", "u", self._remove_watch)

    def __enter__(self) -> FakeIdleMonitor:
        self.start()
        return self

    # what tests do
    def go_idle(self, ms: int) -> None:
        """The person has been idle for `ms`: fires each idle watch of up to `ms` not fired yet in this spell."""
        with self._lock:
            self._idletime_ms = ms
            due = [w for w in self._watches.values() if 0 < w.interval_ms <= ms and w.id not in self._fired]
            self._fired.update(w.id for w in due)
        for watch in due:
            self._fire(watch)

    def come_back(self) -> None:
        """Activity: the idle time is 0 again, and the user-active watches fire and go."""
        with self._lock:
            self._idletime_ms = 0
            self._fired.clear()
            due = [w for w in self._watches.values() if w.interval_ms == 0]
            for watch in due:
                del self._watches[watch.id]
        for watch in due:
            self._fire(watch)

    @property
    def idletime_ms(self) -> int:
        with self._lock:
            return self._idletime_ms

    @property
    def watches(self) -> dict[int, Watch]:
        with self._lock:
            return dict(self._watches)

    def idle_watches(self) -> list[Watch]:
        return [watch for watch in self.watches.values() if watch.interval_ms > 0]

    def active_watches(self) -> list[Watch]:
        return [watch for watch in self.watches.values() if watch.interval_ms == 0]

    # the service
    def reset(self) -> None:
        with self._lock:
            self._watches.clear()
            self._fired.clear()
            self._next_id = 1

    def reset_after_bus_loss(self) -> None:
        self.reset()

    def connected(self) -> None:
        rule = MatchRule(type="signal", interface="org.freedesktop.DBus", member="NameOwnerChanged")
        self.add_match(rule)

    def on_signal(self, message: Message) -> None:
        if message.header.fields.get(HeaderFields.member) != "NameOwnerChanged":
            return
        name, _, new = message.body
        if name.startswith(":") and not new:  # a client left: its watches go
            with self._lock:
                for watch in [w for w in self._watches.values() if w.owner == name]:
                    del self._watches[watch.id]

    def _add(self, message: Message, interval_ms: int) -> Watch:
        with self._lock:
            watch = Watch(self._next_id, interval_ms, message.header.fields.get(HeaderFields.sender, ""))
            self._next_id += 1
            self._watches[watch.id] = watch
        return watch

    def _add_idle_watch(self, message: Message) -> Reply:
        (interval,) = message.body
        if interval <= 0:
            raise DBusFault(INVALID_ARGS, "the interval must be above 0")
        watch = self._add(message, interval)
        with self._lock:
            due = self._idletime_ms > 0 and interval <= self._idletime_ms
            if due:
                self._fired.add(watch.id)
        if due:
            self.after_reply(lambda: self._fire(watch))
        return "u", (watch.id,)

    def _add_user_active_watch(self, message: Message) -> Reply:
        return "u", (self._add(message, 0).id,)

    def _remove_watch(self, message: Message) -> Reply:
        with self._lock:
            self._watches.pop(message.body[0], None)
        return None, ()

    def _fire(self, watch: Watch) -> None:
        self.announce(MUTTER_PATH, MUTTER, "WatchFired", "u", (watch.id,), destination=watch.owner)

