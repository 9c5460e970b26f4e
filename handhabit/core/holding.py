"""Whether a due break reminder is shown now or held until the person is back, and whether it still
comes when they are: pure functions of (reminder, zone, presence, times). A reminder late after a
suspend is APScheduler's misfire case, judged against the reminder's grace in the daemon.

A break reminder at an empty desk or a locked screen helps nobody and, shown later, would be stale under
a pile of others; so it waits, and comes once when the person is back, if its window is still open. Time
away is not a hand-care session: holding records nothing as done. A fixed-time reminder (`at`) is an
appointment the person chose, so it is never held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from zoneinfo import ZoneInfo

from handhabit.config.model import Reminder
from handhabit.core.records import UTC
from handhabit.core.schedule import wall_instant


class Outcome(Enum):
    FIRE = "fired"
    HOLD = "held"
    MISSED = "missed"


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    reason: str | None = None


FIRE = Verdict(Outcome.FIRE)


def when_due(reminder: Reminder, away: str | None, hold_while_away: bool) -> Verdict:
    """`away` says why the person is not at the machine ("the screen is locked"), None when they are."""
    if away is None or not hold_while_away or reminder.every is None:
        return FIRE
    return Verdict(Outcome.HOLD, away)


def window_end(reminder: Reminder, zone: ZoneInfo, instant: datetime) -> datetime | None:
    """The end of the break window on the day of `instant`: None for a fixed-time reminder."""
    if reminder.between is None:
        return None
    return wall_instant(instant.astimezone(zone).date(), reminder.between[1], zone)


def when_back(reminder: Reminder, zone: ZoneInfo, held_since: datetime, now: datetime) -> Verdict:
    """A held reminder comes once on return while its window is open; after that the day's breaks are
    over and it is recorded as missed, so a person who comes back at night gets no afternoon reminder."""
    end = window_end(reminder, zone, held_since)
    if end is None or now.astimezone(UTC) <= end:
        return FIRE
    return Verdict(Outcome.MISSED, f"held while away until after its window closed at {end.astimezone(zone):%H:%M}")

