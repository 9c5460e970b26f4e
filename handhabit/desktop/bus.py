"""One long-lived connection to a DBus message bus that keeps itself connected.

jeepney's threading router drops a signal when its filter queue (one message by default) is full, and
its receiver thread ends silently when the bus goes away. Here one thread receives, replies go to the
caller waiting for them (jeepney's ReplyMatcher), and every signal goes into an unbounded queue that a
second thread hands to its handler, so a handler may call the bus itself. When the connection drops,
the receiver connects again with a growing pause, adds its match rules again and tells the subscribers,
who re-arm what the bus forgot (idle watches, properties read afresh). Idle, both threads sleep in the
kernel: no polling.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from jeepney import DBusAddress, HeaderFields, MatchRule, Message, MessageType, Properties, new_method_call
from jeepney.bus_messages import message_bus
from jeepney.io.common import ReplyMatcher, RouterClosed
from jeepney.io.threading import DBusConnection, ReceiveStopped, open_dbus_connection
from jeepney.wrappers import DBusErrorResponse, unwrap_msg

log = logging.getLogger(__name__)
# A desktop service answers in milliseconds; one that hangs must not hold a reminder for long.
CALL_TIMEOUT = 5.0
FIRST_RETRY, LAST_RETRY = 1.0, 60.0

Handler = Callable[[Message], None]


class BusError(Exception):
    """The bus or the service did not answer as hoped: no connection, no such service, an error reply."""


@dataclass(frozen=True)
class Service:
    """An object of a service on the bus: where method calls and property reads go."""

    name: str
    path: str
    interface: str

    def address(self, interface: str | None = None) -> DBusAddress:
        return DBusAddress(self.path, bus_name=self.name, interface=interface or self.interface)

    def method(self, member: str, signature: str | None = None, body: tuple[Any, ...] = ()) -> Message:
        return new_method_call(self.address(), member, signature, body)

    def get_property(self, name: str) -> Message:
        return Properties(self.address()).get(name)

    def signal(self, member: str | None = None, path: str | None = None) -> MatchRule:
        """A match rule for this interface's signals; not by sender name, which a signal carries as the
        unique name of its owner: whoever needs a signal from the service itself checks that unique name
        (`owners.NameOwner`), since any program on the bus can send one with this interface and path."""
        return MatchRule(type="signal", interface=self.interface, member=member, path=path or self.path)


class Bus:
    def __init__(self, address: str, label: str) -> None:
        """`label` names the bus in the log ("session bus", "system bus")."""
        self.address, self.label = address, label
        self._rules: list[tuple[MatchRule, Handler]] = []
        self._on_connect: list[Callable[[], None]] = []
        self._replies = ReplyMatcher()
        self._inbox: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._conn: DBusConnection | None = None
        self._closed = threading.Event()
        self._receiver: threading.Thread | None = None
        self._dispatcher = threading.Thread(target=self._dispatch_loop, name=f"{label} handlers", daemon=True)

    @property
    def unique_name(self) -> str | None:
        conn = self._conn
        return conn.unique_name if conn is not None else None

    def connect(self) -> Bus:
        """The first connection; raises BusError when there is no bus to connect to. Later losses of
        the connection are mended in the background."""
        self._conn = self._open()
        self._dispatcher.start()
        self._receiver = threading.Thread(target=self._receive_loop, name=f"{self.label} receiver", daemon=True)
        self._receiver.start()
        return self

    def _open(self) -> DBusConnection:
        try:
            return open_dbus_connection(self.address)
        except (OSError, RuntimeError, ValueError, TimeoutError, DBusErrorResponse, RouterClosed) as exc:
            raise BusError(f"cannot connect to the {self.label} at {self.address}: {exc}") from exc

    def call(self, message: Message, timeout: float = CALL_TIMEOUT) -> tuple[Any, ...]:
        """Sends a method call and waits for its reply's body; an error reply or no reply is BusError."""
        conn = self._conn
        if conn is None:
            raise BusError(f"not connected to the {self.label}")
        serial = next(conn.outgoing_serial)
        with self._replies.catch(serial, Future()) as reply:
            try:
                conn.send(message, serial=serial)
                answer: Message = reply.result(timeout=timeout)
            except FutureTimeout:
                raise BusError(f"{_member(message)}: no answer within {timeout:g}s") from None
            except (OSError, RouterClosed) as exc:
                raise BusError(f"{_member(message)}: the {self.label} connection was lost ({exc})") from None
        try:
            return tuple(unwrap_msg(answer))
        except DBusErrorResponse as exc:
            raise BusError(f"{_member(message)}: {exc.name}: {' '.join(map(str, exc.data))}".strip()) from None

    def subscribe(self, rule: MatchRule, handler: Handler) -> None:
        """`handler` gets every signal matching `rule`, in order, on the handler thread."""
        with self._lock:
            self._rules.append((rule, handler))
        self.call(message_bus.AddMatch(rule))

    def when_connected(self, callback: Callable[[], None]) -> None:
        """`callback` runs on the handler thread after every reconnection."""
        self._on_connect.append(callback)

    def later(self, callback: Callable[[], None]) -> None:
        """Runs `callback` on the handler thread, after the signals already queued."""
        self._inbox.put(callback)

    def close(self) -> None:
        self._closed.set()
        conn = self._conn
        if conn is not None:
            conn.close()
        self._inbox.put(None)

    # threads
    def _receive_loop(self) -> None:
        retry = FIRST_RETRY
        while not self._closed.is_set():
            conn = self._conn
            try:
                if conn is None:
                    conn = self._reconnect()
                    retry = FIRST_RETRY
                self._deliver(conn.receive())
            except ReceiveStopped:
                return
            except (OSError, ValueError, BusError) as exc:
                if self._closed.is_set():
                    return
                if conn is not None:
                    log.warning("lost the %s (%s); connecting again", self.label, exc)
                    self._drop(conn)
                elif self._closed.wait(retry):
                    return
                else:
                    log.debug("%s still unreachable: %s", self.label, exc)
                    retry = min(retry * 2, LAST_RETRY)

    def _drop(self, conn: DBusConnection) -> None:
        self._conn = None
        self._replies.drop_all(RouterClosed(f"the {self.label} connection was lost"))
        conn.close()

    def _reconnect(self) -> DBusConnection:
        conn = self._open()
        with self._lock:
            rules = [rule for rule, _ in self._rules]
        for rule in rules:  # no reply awaited: the receiver is this thread
            conn.send(message_bus.AddMatch(rule))
        self._conn = conn
        log.info("connected to the %s again", self.label)
        for callback in self._on_connect:
            self._inbox.put(callback)
        return conn

    def _deliver(self, message: Message) -> None:
        if self._replies.dispatch(message) or message.header.message_type is not MessageType.signal:
            return
        with self._lock:
            handlers = [handler for rule, handler in self._rules if rule.matches(message)]
        for handler in handlers:
            self._inbox.put(lambda handler=handler: handler(message))  # type: ignore[misc]

    def _dispatch_loop(self) -> None:
        while (job := self._inbox.get()) is not None:
            try:
                job()
            except Exception:  # one broken handler must not end every later one
                log.exception("a DBus signal handler failed")


def _member(message: Message) -> str:
    fields = message.header.fields
    return f"{fields.get(HeaderFields.interface, '')}.{fields.get(HeaderFields.member, '')}".lstrip(".")
