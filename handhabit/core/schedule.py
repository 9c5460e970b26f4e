"""When reminders fire: pure functions of (reminder, zone, last session, last fire, now).

All instants returned are UTC. Aware datetimes that share a tzinfo compare by wall time and ignore
`fold`, which gets the repeated DST hour wrong, so every comparison and every addition of an elapsed
duration happens in UTC; the zone is used only to turn a wall-clock time on a date into an instant.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handhabit.config.model import Reminder
from handhabit.core.records import UTC

_LOOKAHEAD_DAYS = 9  # one full week of days plus the partial days at both ends


def wall_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant a clock in `zone` shows `at` on `day`.

    In the repeated autumn hour it is the first of the two instants, so a reminder fires once; in the
    spring gap, where the time does not exist, it is the next minute that does.
    """
    naive = datetime.combine(day, at)
    for _ in range(2 * 24 * 60):  # a whole date can be missing (Pacific/Apia skipped 2011-12-30)
        instant = naive.replace(tzinfo=zone).astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == naive:
            return instant
        naive += timedelta(minutes=1)
    raise ValueError(f"no valid wall time at or after {day} {at} in {zone.key}")  # pragma: no cover


def _utc(instant: datetime | None) -> datetime | None:
    return None if instant is None else instant.astimezone(UTC)


def _days_from(instant: datetime, zone: ZoneInfo, back: int = 1) -> Iterator[date]:
    first = instant.astimezone(zone).date() - timedelta(days=back)
    return (first + timedelta(days=n) for n in range(_LOOKAHEAD_DAYS + back))


def next_fixed(reminder: Reminder, zone: ZoneInfo, after: datetime) -> datetime | None:
    """The first of the reminder's clock times on its days strictly after `after`."""
    after = after.astimezone(UTC)
    for day in _days_from(after, zone):
        if day.weekday() in reminder.days:
            for at in sorted(reminder.at):
                instant = wall_instant(day, at, zone)
                if instant > after:
                    return instant
    return None


def next_break(
    reminder: Reminder,
    zone: ZoneInfo,
    after: datetime,
    last_session: datetime | None = None,
    last_fire: datetime | None = None,
) -> datetime | None:
    """The first break slot strictly after `after`.

    Slots lie `every` apart, counted from the later of the window's start, the last fire and the last
    session, so doing a session resets the break clock and a restart does not drift. A slot past the
    window's end moves to the next due day.
    """
    assert reminder.every is not None and reminder.between is not None
    every = reminder.every
    after, last_session, last_fire = after.astimezone(UTC), _utc(last_session), _utc(last_fire)
    for day in _days_from(after, zone):
        if day.weekday() not in reminder.days:
            continue
        start, end = (wall_instant(day, t, zone) for t in reminder.between)
        base = max([start, *(t for t in (last_session, last_fire) if t is not None)])
        steps = max(1, (after - base) // every + 1) if after >= base else 1
        slot = base + every * steps
        if slot <= end:
            return slot
    return None


def next_fire(
    reminder: Reminder,
    zone: ZoneInfo,
    after: datetime,
    last_session: datetime | None = None,
    last_fire: datetime | None = None,
) -> datetime | None:
    if reminder.every is not None:
        return next_break(reminder, zone, after, last_session, last_fire)
    return next_fixed(reminder, zone, after)


def upcoming(reminder: Reminder, zone: ZoneInfo, now: datetime, count: int) -> list[datetime]:
    """The next `count` fire times if nothing else happens (no sessions): what `check` shows."""
    times: list[datetime] = []
    after, last_fire = now, None
    while len(times) < count:
        instant = next_fire(reminder, zone, after, last_fire=last_fire)
        if instant is None:
            break
        times.append(instant)
        after = last_fire = instant
    return times


def break_still_due(every: timedelta, last_session: datetime | None, now: datetime) -> bool:
    """A session since the slot was planned makes the break reminder pointless until `every` later."""
    return last_session is None or now.astimezone(UTC) - last_session.astimezone(UTC) >= every
