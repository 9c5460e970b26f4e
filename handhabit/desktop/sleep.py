"""Suspend and resume, from logind's PrepareForSleep: a reminder timer that slept through its time must
learn that the machine woke, not guess it from a clock jump.

Only logind's own signals count: on the system bus any client may send a signal with logind's interface
and path, or a NameOwnerChanged claiming logind's name, and a forged "woke" must not set reminders off
(`owners`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from jeepney import Message

from handhabit.desktop.bus import Bus, BusError, Service
from handhabit.desktop.owners import NameOwner

log = logging.getLogger(__name__)

LOGIND_MANAGER = Service("org.freedesktop.login1", "/org/freedesktop/login1", "org.freedesktop.login1.Manager")


def watch_sleep(system: Bus, on_sleep: Callable[[], None], on_wake: Callable[[], None]) -> bool:
    """Calls `on_sleep` before a suspend and `on_wake` after it, on the bus's handler thread. Returns
    whether logind is there; the subscription stays either way, so a logind that starts later is heard."""

    def on_prepare(message: Message) -> None:
        if owner.sent(message) and message.body:
            (on_sleep if message.body[0] else on_wake)()

    try:
        owner = NameOwner(system, LOGIND_MANAGER.name, on_change=lambda _owner: None)
        system.subscribe(LOGIND_MANAGER.signal("PrepareForSleep"), on_prepare)
    except BusError as exc:
        log.info("cannot watch for suspend and resume (%s)", exc)
        return False
    if owner.owner is not None:
        log.info("watching logind for suspend and resume")
    else:
        log.info("%s is not on the system bus: suspend and resume go unnoticed", LOGIND_MANAGER.name)
    return owner.owner is not None
