"""The daemon's side of presence: the sources started on their buses, whether the person is away now, and a
watch for their return while a reminder is held."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from jeepney import Message

from handhabit.desktop.bus import Bus
from handhabit.desktop.presence.hub import Hub, owner_changes
from handhabit.desktop.presence.kde import KdeIdle
from handhabit.desktop.presence.logind import Logind
from handhabit.desktop.presence.mutter import MutterIdle
from handhabit.desktop.presence.screensavers import Screensavers
from handhabit.desktop.presence.services import GNOME_SAVER, KDE_SAVER, LOGIND, MUTTER, SAVERS

log = logging.getLogger(__name__)

# How long start() waits for both buses' first probes before it says what answers.
START_WAIT = 10.0


class PresenceWatcher:
    def __init__(self, session: Bus | None, system: Bus | None, away_after: timedelta,
                 on_back: Callable[[], None], *, poll_every: float = 15.0) -> None:
        """`on_back` runs on a bus handler thread or the poll thread whenever the person turns from away to
        present; `poll_every` (seconds) paces asking KDE's idle time while a reminder is held."""
        self._hub = hub = Hub(session, system, away_after, on_back)
        self._savers, self._mutter = Screensavers(hub), MutterIdle(hub)
        self._kde, self._logind = KdeIdle(hub, poll_every), Logind(hub)
        self._started = False

    def start(self) -> None:
        """Subscribes before probing, so that no change between the two goes amiss; the probes run on the
        handler threads like everything later, and this waits for them to say what answers."""
        hub = self._hub
        with hub.lock:
            if self._started or hub.closed:
                return
            self._started = True
        probes: list[threading.Event] = []
        session, system = hub.session, hub.system
        if session is not None:
            rules = [*self._savers.rules(), *self._mutter.rules()]
            rules += [(owner_changes(name), self._on_session_owner) for name in (GNOME_SAVER.name, KDE_SAVER.name,
                                                                                 MUTTER.name)]
            hub.subscribe(session, rules)
            session.when_connected(lambda: self._probe_session(reconnected=True))
            probes.append(hub.run_on(session, lambda: self._probe_session(reconnected=False)))
        if system is not None:
            self._logind.subscribe(system)
            system.when_connected(self._logind.probe)
            probes.append(hub.run_on(system, self._logind.probe))
        deadline = time.monotonic() + START_WAIT
        for done in probes:
            done.wait(max(0.0, deadline - time.monotonic()))
        self._log_sources()

    def away(self) -> str | None:
        try:
            if self._hub.closed:
                return None
            if self._kde.in_use():
                self._kde.ask(deliver=self._hub.later)
            return self._hub.reason_now()
        except Exception:  # presence must never stop a reminder
            log.debug("the presence check failed; counting as present", exc_info=True)
            return None

    def watch_for_return(self, wanted: bool) -> None:
        self._kde.watch_for_return(wanted)

    def set_away_after(self, away_after: timedelta) -> None:
        self._hub.change(lambda seen: setattr(seen, "away_after", away_after), deliver=self._hub.later)
        session = self._hub.session
        if session is not None and not self._hub.closed:
            session.later(self._mutter.arm)

    def close(self) -> None:
        with self._hub.lock:
            self._hub.closed = True
            self._kde.stop_locked()
            watches = self._mutter.forget_watches()
        self._mutter.remove(watches)

    def _probe_session(self, reconnected: bool) -> None:
        session = self._hub.session
        if session is None or self._hub.closed:
            return
        for saver in SAVERS:
            self._savers.probe(session, saver)
        self._mutter.arm(fresh=reconnected)

    def _on_session_owner(self, message: Message) -> None:
        session = self._hub.session
        if session is None or self._hub.closed or not message.body:
            return
        name = message.body[0]
        if name == MUTTER.name:  # this signal may come after the new owner's GetNameOwner already told
            self._mutter.arm()
        for saver in SAVERS:
            if name == saver.name:
                self._savers.probe(session, saver)

    def _log_sources(self) -> None:
        with self._hub.lock:
            locks, idle = self._hub.seen.lock_sources(), self._hub.seen.idle_source()
        if not locks and idle is None:
            log.info("no presence service answers (%s): you count as present", self._nothing_answers())
            return
        said = []
        if locks:
            said.append(f"screen lock from {', '.join(locks)}")
        if idle is not None:
            said.append(f"idle time from {idle}")
        log.info("presence: %s", "; ".join(said))

    def _nothing_answers(self) -> str:
        names = ", ".join(service.name for service in (*SAVERS, MUTTER))
        session = "no session bus" if self._hub.session is None else f"none of {names} on the session bus"
        system = "no system bus" if self._hub.system is None else f"no {LOGIND} on the system bus"
        return f"{session}; {system}"
