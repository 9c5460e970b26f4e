"""KDE's idle time (`GetSessionIdleTime` of the freedesktop screensaver): it has no signal, so it is asked
when the daemon asks whether the person is away, and polled only while a reminder is held for them."""

from __future__ import annotations

import logging
import threading

from handhabit.desktop.presence.hub import Deliver, Hub
from handhabit.desktop.presence.services import KDE_SAVER

log = logging.getLogger(__name__)


class KdeIdle:
    def __init__(self, hub: Hub, poll_every: float) -> None:
        """`poll_every` (seconds) paces asking while a reminder is held."""
        self.hub = hub
        self._poll_every = poll_every
        self._poll_stop: threading.Event | None = None

    def ask(self, deliver: Deliver | None = None) -> None:
        session = self.hub.session
        idle = self.hub.ask(session, KDE_SAVER.method("GetSessionIdleTime")) if session is not None else None
        seconds = int(idle[0]) if idle is not None else None
        self.hub.change(lambda seen: setattr(seen, "kde_idle_seconds", seconds), deliver=deliver)

    def in_use(self) -> bool:
        with self.hub.lock:
            return self.in_use_locked()

    def in_use_locked(self) -> bool:
        return self.hub.seen.kde_idle and not self.hub.seen.mutter

    def watch_for_return(self, wanted: bool) -> None:
        hub = self.hub
        with hub.lock:
            if not wanted:
                self.stop_locked()
                return
            if hub.closed or self._poll_stop is not None or not self.in_use_locked():
                return  # the other sources tell of a return by themselves
            stop = self._poll_stop = threading.Event()
        threading.Thread(target=self._poll, args=(stop,), name="presence poll", daemon=True).start()

    def stop_locked(self) -> None:
        if self._poll_stop is not None:
            self._poll_stop.set()
            self._poll_stop = None

    def _poll(self, stop: threading.Event) -> None:
        try:
            while not stop.wait(self._poll_every):
                if self.hub.closed or not self.in_use():
                    break
                self.ask()
                if self.hub.reason_now() is None:
                    break  # back: nothing to wait for
        except Exception:  # the poll thread has nobody else to log it
            log.exception("the presence poll failed")
        finally:
            with self.hub.lock:
                if self._poll_stop is stop:
                    self._poll_stop = None
