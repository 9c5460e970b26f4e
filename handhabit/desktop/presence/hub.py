"""What the presence sources share: the two buses, what was seen under one lock, whose signals count, and
the one way a change is made, which tells the daemon when the person turned from away to present."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from jeepney import HeaderFields, MatchRule, Message
from jeepney.bus_messages import message_bus

from handhabit.desktop.bus import Bus, BusError
from handhabit.desktop.presence.seen import Seen
from handhabit.desktop.presence.services import PROPERTIES, SESSION_INTERFACE

log = logging.getLogger(__name__)

# Probes run while the daemon starts and on the handler threads: a hung service must not hold them long.
PROBE_TIMEOUT = 2.0

Deliver = Callable[[Callable[[], None]], None]
Rules = list[tuple[MatchRule, Callable[[Message], None]]]


def owner_changes(name: str) -> MatchRule:
    rule = MatchRule(type="signal", interface="org.freedesktop.DBus", member="NameOwnerChanged",
                     path="/org/freedesktop/DBus")
    rule.add_arg_condition(0, name)
    return rule


def session_changes(path: str) -> MatchRule:
    rule = MatchRule(type="signal", interface=PROPERTIES, member="PropertiesChanged", path=path)
    rule.add_arg_condition(0, SESSION_INTERFACE)
    return rule


def header(message: Message, name: HeaderFields) -> str | None:
    value = message.header.fields.get(name)
    return value if isinstance(value, str) else None


class Hub:
    def __init__(self, session: Bus | None, system: Bus | None, away_after: timedelta,
                 on_back: Callable[[], None]) -> None:
        self.session, self.system = session, system
        self.on_back = on_back
        self.lock = threading.Lock()
        self.seen = Seen(away_after)
        self.closed = False
        self._owners: dict[str, str | None] = {}  # well-known name -> unique name: signals count from there only

    def change(self, mutate: Callable[[Seen], None], deliver: Deliver | None = None) -> None:
        """Applies `mutate`, and tells `on_back` when that turned the person from away to present."""
        with self.lock:
            monotonic, wall = time.monotonic(), time.time()
            before = self.seen.reason(monotonic, wall)
            mutate(self.seen)
            after = self.seen.reason(monotonic, wall)
            back = before is not None and after is None and not self.closed
        if back:
            log.debug("back at the machine (was away: %s)", before)
            (deliver or _call)(self.on_back)

    def later(self, callback: Callable[[], None]) -> None:
        """From the daemon's own thread `on_back` goes to a handler thread: the daemon may hold its lock
        while it asks."""
        bus = self.session or self.system
        if bus is not None:
            bus.later(callback)

    def reason_now(self) -> str | None:
        with self.lock:
            return self.seen.reason(time.monotonic(), time.time())

    def from_owner(self, message: Message, name: str) -> bool:
        """Anyone may send a signal with a service's interface and path; only its owner's count."""
        with self.lock:
            owner = self._owners.get(name)
        return owner is not None and header(message, HeaderFields.sender) == owner

    def owner(self, bus: Bus, name: str) -> str | None:
        """Who owns `name` now: only their signals count."""
        reply = self.ask(bus, message_bus.GetNameOwner(name))
        owner = str(reply[0]) if reply is not None else None
        with self.lock:
            self._owners[name] = owner
        return owner

    def ask(self, bus: Bus, message: Message, timeout: float = PROBE_TIMEOUT) -> tuple[Any, ...] | None:
        try:
            return bus.call(message, timeout=timeout)
        except BusError as exc:
            log.debug("%s", exc)
            return None

    def subscribe(self, bus: Bus, rules: Rules) -> None:
        for rule, handler in rules:
            try:
                bus.subscribe(rule, handler)
            except BusError as exc:  # the rule stays with the bus, which adds it again when it reconnects
                log.debug("subscribing on the %s: %s", bus.label, exc)

    def run_on(self, bus: Bus, job: Callable[[], None]) -> threading.Event:
        done = threading.Event()

        def run() -> None:
            try:
                job()
            finally:
                done.set()

        bus.later(run)
        return done


def _call(callback: Callable[[], None]) -> None:
    try:
        callback()
    except Exception:  # on the poll thread nobody else would log it
        log.exception("the back-at-the-machine handler failed")
