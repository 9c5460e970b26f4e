"""GNOME's Mutter idle monitor: an idle watch fires after `away_after` without input, and a user-active
watch, armed only while the person is idle, fires when they are back. No polling at all."""

from __future__ import annotations

import time

from jeepney import Message

from handhabit.desktop.bus import Bus
from handhabit.desktop.presence.hub import Hub, Rules
from handhabit.desktop.presence.seen import Seen
from handhabit.desktop.presence.services import MUTTER


class MutterIdle:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._idle_watch: int | None = None
        self._active_watch: int | None = None
        self._watch_owner: str | None = None  # the unique name that gave those ids

    def rules(self) -> Rules:
        return [(MUTTER.signal("WatchFired"), self._on_watch_fired)]

    def arm(self, fresh: bool = False) -> None:
        """(Re)arms the idle watch for `away_after`, and the user-active watch when the person is idle
        already. Watches from another owner of the name died with it, so their ids mean nothing, and
        removing them could remove another client's watch. `fresh`: our connection is new, and unique
        names start again on a new bus, so even the same owner's name says nothing of our old watches."""
        hub, session = self.hub, self.hub.session
        if session is None or hub.closed:
            return
        owner = hub.owner(session, MUTTER.name)
        with hub.lock:
            mine = not fresh and owner is not None and owner == self._watch_owner
            old = [watch for watch in (self._idle_watch, self._active_watch) if watch is not None and mine]
            self._idle_watch = self._active_watch = None
            self._watch_owner = owner
            interval = max(1, int(hub.seen.away_after.total_seconds() * 1000))
        for watch in old:
            hub.ask(session, MUTTER.method("RemoveWatch", "u", (watch,)))
        added = hub.ask(session, MUTTER.method("AddIdleWatch", "t", (interval,))) if owner is not None else None
        if added is None:
            hub.change(lambda seen: setattr(seen, "mutter", False))
            return
        with hub.lock:
            closed = hub.closed  # close() ran meanwhile: it could not see this watch
            if not closed:
                self._idle_watch = int(added[0])
        if closed:
            hub.ask(session, MUTTER.method("RemoveWatch", "u", (int(added[0]),)))
            return
        idle_ms = self._idle_ms(session)
        since = time.monotonic() - idle_ms / 1000 if idle_ms is not None and idle_ms >= interval else None
        if since is not None:
            self._arm_user_active(session)

        def update(seen: Seen) -> None:
            seen.mutter, seen.mutter_idle_since = True, since

        hub.change(update)

    def forget_watches(self) -> list[int]:
        """At close, under the hub's lock: the watches to remove."""
        watches = [watch for watch in (self._idle_watch, self._active_watch) if watch is not None]
        self._idle_watch = self._active_watch = None
        return watches

    def remove(self, watches: list[int]) -> None:
        session = self.hub.session
        if session is not None:
            for watch in watches:  # Mutter drops them when we disconnect; this is for a bus that stays
                self.hub.ask(session, MUTTER.method("RemoveWatch", "u", (watch,)), timeout=0.5)

    def _idle_ms(self, session: Bus) -> int | None:
        idle = self.hub.ask(session, MUTTER.method("GetIdletime"))
        return int(idle[0]) if idle is not None else None

    def _arm_user_active(self, session: Bus) -> None:
        with self.hub.lock:
            if self._active_watch is not None:
                return
        added = self.hub.ask(session, MUTTER.method("AddUserActiveWatch"))
        if added is not None:
            with self.hub.lock:
                self._active_watch = int(added[0])

    def _on_watch_fired(self, message: Message) -> None:
        hub, session = self.hub, self.hub.session
        if session is None or hub.closed or not message.body or not hub.from_owner(message, MUTTER.name):
            return
        watch = message.body[0]
        with hub.lock:
            idle, active = watch == self._idle_watch, watch == self._active_watch
            if active:
                self._active_watch = None
            interval = hub.seen.away_after.total_seconds()
            already = hub.seen.mutter_idle_since is not None
        if idle:
            self._arm_user_active(session)
            if not already:
                idle_ms = self._idle_ms(session)
                since = time.monotonic() - max(interval, (idle_ms or 0) / 1000)
                hub.change(lambda seen: setattr(seen, "mutter_idle_since", since))
        elif active:
            hub.change(lambda seen: setattr(seen, "mutter_idle_since", None))
