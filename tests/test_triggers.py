"""The trigger as APScheduler drives it: asked from the previous fire time after each run."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from handhabit.config.model import Reminder
from handhabit.daemon.triggers import ReminderTrigger

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def trigger(reminder: Reminder, zone: ZoneInfo, last_session: datetime | None = None) -> ReminderTrigger:
    return ReminderTrigger(reminder, zone, last_session=lambda: last_session, last_fire=lambda: None)


def run_times(t: ReminderTrigger, start: datetime, end: datetime) -> list[str]:
    """What a scheduler running from `start` to `end` would fire, in local wall time."""
    fired, previous = [], None
    now = start
    while True:
        nxt = t.get_next_fire_time(previous, now)
        if nxt is None or nxt > end:
            return fired
        fired.append(nxt.astimezone(t.zone).strftime("%m-%d %H:%M %Z"))
        previous = now = nxt


def test_fixed_time_in_the_repeated_hour_fires_once() -> None:
    night = Reminder("night", "h", "m", frozenset(range(7)), at=(time(2, 30),))
    start = datetime(2025, 10, 25, 12, tzinfo=timezone.utc)
    assert run_times(trigger(night, BERLIN), start, start + timedelta(days=2)) == [
        "10-26 02:30 CEST", "10-27 02:30 CET"]


def test_fixed_time_in_the_spring_gap_fires_at_the_next_valid_minute() -> None:
    night = Reminder("night", "h", "m", frozenset(range(7)), at=(time(2, 30),))
    start = datetime(2025, 3, 8, 12, tzinfo=timezone.utc)
    assert run_times(trigger(night, NEW_YORK), start, start + timedelta(days=2)) == [
        "03-09 03:00 EDT", "03-10 02:30 EDT"]


def test_break_trigger_counts_from_the_last_session() -> None:
    work = Reminder("work", "h", "m", frozenset(range(7)), every=timedelta(minutes=90), between=(time(9), time(17)))
    session = datetime(2025, 3, 10, 11, 0, tzinfo=BERLIN)
    start = datetime(2025, 3, 10, 11, 5, tzinfo=BERLIN).astimezone(timezone.utc)
    fired = run_times(trigger(work, BERLIN, session), start, start + timedelta(hours=8))
    assert fired == ["03-10 12:30 CET", "03-10 14:00 CET", "03-10 15:30 CET", "03-10 17:00 CET"]
    assert str(trigger(work, BERLIN)) == "reminder work"
