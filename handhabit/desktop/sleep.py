"""Suspend and resume, from logind's PrepareForSleep: a reminder timer that slept through its time must
learn that the machine woke, not guess it from a clock jump.

Only logind's own signals count: on the system bus any client may send a signal with logind's interface
and path, and a forged "woke" must not set reminders off.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from jeepney import HeaderFields, MatchRule, Message
from jeepney.bus_messages import message_bus

from handhabit.desktop.bus import Bus, BusError, Service

log = logging.getLogger(__name__)

LOGIND_MANAGER = Service("org.freedesktop.login1", "/org/freedesktop/login1", "org.freedesktop.login1.Manager")


def watch_sleep(system: Bus, on_sleep: Callable[[], None], on_wake: Callable[[], None]) -> bool:
    """Calls `on_sleep` before a suspend and `on_wake` after it, on the bus's handler thread. Returns
    whether logind is there; the subscription stays either way, so a logind that starts later is heard."""
    owner = _Owner()
    name = LOGIND_MANAGER.name

    def on_owner(message: Message) -> None:
        owner.set(message.body[2] or None)

    def on_prepare(message: Message) -> None:
        if message.header.fields.get(HeaderFields.sender) != owner.get() or not message.body:
            return
        (on_sleep if message.body[0] else on_wake)()

    def read_owner() -> None:  # after a reconnection, logind may have come back before our rule did
        try:
            owner.set(str(system.call(message_bus.GetNameOwner(name))[0]))
        except BusError:
            owner.set(None)

    rule = MatchRule(type="signal", interface="org.freedesktop.DBus", member="NameOwnerChanged",
                     path="/org/freedesktop/DBus")
    rule.add_arg_condition(0, name)
    try:
        system.subscribe(rule, on_owner)
        system.subscribe(LOGIND_MANAGER.signal("PrepareForSleep"), on_prepare)
        (there,) = system.call(message_bus.NameHasOwner(name))
        if there:
            owner.set(str(system.call(message_bus.GetNameOwner(name))[0]))
        system.when_connected(read_owner)
    except BusError as exc:
        log.info("cannot watch for suspend and resume (%s)", exc)
        return False
    if there:
        log.info("watching logind for suspend and resume")
    else:
        log.info("%s is not on the system bus: suspend and resume go unnoticed", name)
    return bool(there)


class _Owner:
    """logind's unique name, read on the caller's thread and updated on the handler thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._name: str | None = None

    def get(self) -> str | None:
        with self._lock:
            return self._name

    def set(self, name: str | None) -> None:
        with self._lock:
            self._name = name
