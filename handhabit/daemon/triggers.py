"""APScheduler's view of a reminder: a trigger that asks the pure schedule for the next time.

APScheduler's own cron and interval triggers fire twice in a repeated DST hour and drift across DST
and restarts; this one only ever answers what `schedule.next_fire` says.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from handhabit.config.model import Reminder
from handhabit.core.schedule import next_fire

Lookup = Callable[[], "datetime | None"]


class ReminderTrigger(BaseTrigger):  # type: ignore[misc]
    def __init__(self, reminder: Reminder, zone: ZoneInfo, last_session: Lookup, last_fire: Lookup) -> None:
        self.reminder, self.zone = reminder, zone
        self.last_session, self.last_fire = last_session, last_fire

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        # After a run APScheduler asks from the previous fire time, not from now, so that times passed
        # while the machine slept come back to it as misfires, which it judges against the grace.
        fires = [t for t in (previous_fire_time, self.last_fire()) if t is not None]
        return next_fire(
            self.reminder, self.zone, previous_fire_time or now, self.last_session(), max(fires, default=None)
        )

    def __str__(self) -> str:
        return f"reminder {self.reminder.id}"
