"""The config and zone in force, one object the daemon's parts share: a reload replaces both at once (under
the daemon's lock), and each part reads them at the moment it acts, so none acts on a config it kept."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from handhabit.config.model import Config, Reminder


@dataclass
class LiveConfig:
    config: Config
    zone: ZoneInfo

    def reminder(self, reminder_id: str) -> Reminder | None:
        """None for a reminder a reload removed while one of its jobs was on its way."""
        return next((r for r in self.config.reminders if r.id == reminder_id), None)
