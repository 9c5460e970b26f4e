"""Away and back: a break reminder due while the person is away is held, and comes once when they are back
if its window is still open (`holding` decides). The DBus conversations that tell presence live in
`desktop/`; here is only what the daemon does with their answers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from apscheduler.schedulers.base import BaseScheduler

from handhabit.config.model import Reminder
from handhabit.core import holding
from handhabit.daemon.live_config import LiveConfig
from handhabit.daemon.recorder import Recorder
from handhabit.host.clock import utc_now

if TYPE_CHECKING:
    from handhabit.desktop.buses import Buses

BACK_PREFIX = "back:"


class Presence(Protocol):
    """Whether the person is at the machine (`desktop.presence.watcher`)."""

    def away(self) -> str | None: ...

    def watch_for_return(self, wanted: bool) -> None: ...

    def set_away_after(self, away_after: timedelta) -> None: ...

    def close(self) -> None: ...


class AlwaysPresent:
    """Where nothing tells presence (no desktop, or `hold_while_away = false`): nothing is ever held."""

    def away(self) -> str | None:
        return None

    def watch_for_return(self, wanted: bool) -> None:
        pass

    def set_away_after(self, away_after: timedelta) -> None:
        pass

    def close(self) -> None:
        pass


class Away:
    def __init__(self, live: LiveConfig, recorder: Recorder, scheduler: BaseScheduler, lock: threading.Lock,
                 fire: Callable[[str, str], None]) -> None:
        """`lock` is the daemon's, shared by the threads that fire, answer and come back; `fire` is the
        daemon's, which a held reminder goes through again on return."""
        self.live, self.recorder, self.scheduler, self.lock, self.fire = live, recorder, scheduler, lock, fire
        self.presence: Presence = AlwaysPresent()
        self.held: dict[str, datetime] = {}  # reminder id -> when it was first held

    def watch(self, buses: Buses | None) -> None:
        """Starts watching presence where the buses offer it and break reminders are to be held."""
        if buses is None or not self.live.config.notify.hold_while_away or not isinstance(self.presence, AlwaysPresent):
            return
        from handhabit.desktop.presence.watcher import PresenceWatcher

        presence = PresenceWatcher(buses.session(), buses.system(), self.live.config.notify.away_after,
                                   on_back=self.on_back)
        presence.start()
        self.presence = presence

    def hold(self, reminder: Reminder, why: str | None, now: datetime) -> None:
        """Recorded once however many of its slots pass while the person is away; it comes once on return."""
        with self.lock:
            first = reminder.id not in self.held
            self.held.setdefault(reminder.id, now)
        if first:
            self.recorder.record(reminder, "held", why, now)
        self.presence.watch_for_return(True)

    def on_back(self) -> None:
        """The person is back (unlocked, active again): each held reminder comes once, if still in time."""
        now = utc_now()
        with self.lock:
            held, self.held = self.held, {}
        if not held:
            return
        self.presence.watch_for_return(False)
        for reminder_id, since in held.items():
            reminder = self.live.reminder(reminder_id)
            if reminder is None:
                continue
            verdict = holding.when_back(reminder, self.live.zone, since, now)
            if verdict.outcome is holding.Outcome.MISSED:
                self.recorder.record(reminder, "missed", verdict.reason, now)
            else:
                self.scheduler.add_job(self.fire, args=[reminder.id, "back"], id=f"{BACK_PREFIX}{reminder.id}",
                                       replace_existing=True, misfire_grace_time=None)
