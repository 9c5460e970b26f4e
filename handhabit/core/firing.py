"""Whether a reminder whose time came is shown: a pure function of what the daemon read at that moment.

The gates go in a fixed order, and the order is part of what the person sees in `handhabit log`: a pause
wins over everything (nothing nags during a pause, and the log says so); a break reminder with a session
since its slot was planned says nothing at all (its clock restarted, the next break comes `every` after
that session); a day excused with `handhabit skip` is skipped whatever `skip_if_met` says; a target met
skips a reminder that asks for it; only then is a break reminder held while the person is away
(`holding`), so a reminder held and shown on return is one that would have been shown then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from zoneinfo import ZoneInfo

from handhabit.config.model import Reminder
from handhabit.core import holding
from handhabit.core.progress import Progress
from handhabit.core.schedule import break_still_due
from handhabit.core.units import format_duration


class Action(Enum):
    FIRE = "fire"
    SKIP = "skip"  # recorded as `skipped`, with the text as its detail
    QUIET = "quiet"  # recorded nowhere: the text is the log line's reason
    HOLD = "hold"  # held until the person is back: the text says why they count as away


@dataclass(frozen=True)
class Decision:
    action: Action
    text: str | None = None


FIRE = Decision(Action.FIRE)


def decide(
    reminder: Reminder, progress: Progress | None, paused_until: datetime | None, last_session: datetime | None,
    away: str | None, hold_while_away: bool, now: datetime, zone: ZoneInfo,
) -> Decision:
    """`progress` is None when the database could not tell it (then no target gate applies);
    `paused_until` is when the pause in force ends; `away` why the person is not at the machine."""
    if paused_until is not None:
        return Decision(Action.SKIP, f"paused until {paused_until.astimezone(zone):%a %H:%M}")
    if reminder.every and not break_still_due(reminder.every, last_session, now):
        every = format_duration(reminder.every)
        return Decision(Action.QUIET, f"a session since the last break; the next break is {every} after it")
    if progress is not None and progress.excused:  # `handhabit skip`: no nagging, whatever skip_if_met says
        return Decision(Action.SKIP, f"excused: {progress.text}")
    if reminder.skip_if_met and progress is not None and progress.met:
        return Decision(Action.SKIP, f"target met: {progress.text}")
    held = holding.when_due(reminder, away, hold_while_away)
    if held.outcome is holding.Outcome.HOLD:
        return Decision(Action.HOLD, held.reason)
    return FIRE
