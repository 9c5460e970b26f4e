"""What every part of the daemon records, and how a store call fails there: one line in the log, and the
daemon goes on. A locked, corrupt or full database must not stop the reminders, so no part calls the store
without `guarded`."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from handhabit.config.model import Reminder
from handhabit.core.records import Event
from handhabit.host.clock import utc_now
from handhabit.store import Store, StoreError

log = logging.getLogger(__name__)
T = TypeVar("T")
F = TypeVar("F")


class Recorder:
    def __init__(self, store: Store) -> None:
        self.store = store

    def record(self, reminder: Reminder, kind: str, detail: str | None, now: datetime) -> None:
        self.event(reminder.id, reminder.habit, kind, detail, now)

    def event(self, reminder_id: str, habit_id: str, kind: str, detail: str | None, now: datetime) -> None:
        log.info("%s: %s (%s)", reminder_id, kind, detail)
        event = Event(str(uuid.uuid4()), now, reminder_id, habit_id, kind, detail)
        self.guarded(lambda: self.store.add_event(event), None)

    def record_daemon(self, kind: str, detail: str | None) -> None:
        event = Event(str(uuid.uuid4()), utc_now(), None, None, kind, detail)
        self.guarded(lambda: self.store.add_event(event), None)

    def guarded(self, call: Callable[[], T], fallback: F) -> T | F:
        """Runs a store call, a read or a write; a locked, corrupt or full database is logged, never fatal
        to the daemon."""
        try:
            return call()
        except StoreError as exc:
            log.error("%s", exc)
            return fallback
