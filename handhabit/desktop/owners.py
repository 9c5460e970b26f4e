"""Who owns a service's well-known name on a bus, on the bus daemon's word alone.

Any program on the bus may broadcast a signal with a service's interface and path, and the bus stamps it
with that program's own unique name as sender. So a service's signal counts only when its sender is the
unique name that owns the service's name now: asked of the bus (GetNameOwner) at the start and after
every reconnection, and followed through NameOwnerChanged, which counts only from the bus daemon itself,
since a peer can broadcast a NameOwnerChanged as easily as anything else.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from jeepney import HeaderFields, MatchRule, Message
from jeepney.bus_messages import message_bus

from handhabit.desktop.bus import Bus, BusError

BUS_DAEMON = "org.freedesktop.DBus"


def owner_changes(name: str) -> MatchRule:
    """NameOwnerChanged for `name`, sent by the bus daemon: the sender is part of the rule, so the bus does
    not pass on a peer's forgery, and the Bus, which matches each signal against the rules itself, drops
    one sent straight to this connection."""
    rule = MatchRule(type="signal", sender=BUS_DAEMON, interface=BUS_DAEMON, member="NameOwnerChanged",
                     path="/org/freedesktop/DBus")
    rule.add_arg_condition(0, name)
    return rule


class NameOwner:
    def __init__(self, bus: Bus, name: str, on_change: Callable[[str | None], None]) -> None:
        """Follows the owner of `name` from now on. `on_change` gets the new owner (None: nobody) on the
        bus's handler thread when the name changes hands and after every reconnection, when it may be
        another program; ids and state kept for the last owner mean nothing to the next. Raises BusError
        when the bus does not take the subscription."""
        self.bus, self.name = bus, name
        self._on_change = on_change
        self._lock = threading.Lock()
        self._owner: str | None = None
        self._changes = 0  # NameOwnerChanged signals taken: a GetNameOwner answer older than one is stale
        bus.subscribe(owner_changes(name), self._changed)
        self._ask()
        bus.when_connected(self._reconnected)

    @property
    def owner(self) -> str | None:
        with self._lock:
            return self._owner

    def sent(self, message: Message) -> bool:
        """Whether `message` comes from the owner of the name now."""
        owner = self.owner
        return owner is not None and message.header.fields.get(HeaderFields.sender) == owner

    def _ask(self) -> str | None:
        """Asks the bus, from any thread: the answer is kept unless a NameOwnerChanged was taken meanwhile,
        which says at least as much and maybe more (the answer may have left the bus before that signal)."""
        with self._lock:
            asked = self._changes
        try:
            (owner,) = self.bus.call(message_bus.GetNameOwner(self.name))
        except BusError:  # nobody owns it (an error reply), or the bus is gone: then nobody's signals count
            owner = None
        with self._lock:
            if self._changes == asked:
                self._owner = str(owner) if owner else None
            return self._owner

    def _reconnected(self) -> None:
        self._on_change(self._ask())

    def _changed(self, message: Message) -> None:
        owner = message.body[2] or None
        with self._lock:
            self._changes += 1
            before, self._owner = self._owner, owner
        if owner != before:
            self._on_change(owner)
