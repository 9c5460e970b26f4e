"""Snoozing a reminder (the notification's Snooze button, `handhabit snooze`), as events in the database,
like a pause: a `snoozed` event names the reminder and keeps the instant it comes back in `detail`. The
daemon reads the snoozes still to come (`pending`) when it starts and when `handhabit snooze` pokes it;
`snoozable` decides what `handhabit snooze` acts on. Pure: events and instants in, no store, no clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from handhabit.config.model import SNOOZE_MOST, Reminder
from handhabit.core.habits import logical_date
from handhabit.core.records import FIRED, SKIPPED, SNOOZED, Event, parse_utc, utc_text
from handhabit.core.visible import visible

__all__ = ["LOOKBACK", "SNOOZED", "NothingToSnooze", "pending", "snoozable", "snooze_event"]

# A snooze lasts at most this long, so the events since `now - LOOKBACK` hold every snooze still to come.
LOOKBACK = SNOOZE_MOST


def snooze_event(event_id: str, now: datetime, reminder_id: str, habit_id: str | None, until: datetime) -> Event:
    return Event(event_id, now, reminder_id, habit_id, SNOOZED, utc_text(until))


def pending(events: Iterable[Event], now: datetime) -> dict[str, datetime]:
    """Reminder id -> when it comes back, for each reminder whose newest snooze ends after `now` and has not
    fired since it was snoozed (a snooze that fired is done; a newer snooze replaces an older one). Reminders
    no longer in the config are in it too: the daemon leaves those out. Events at the same instant count in
    the order given (the store's order of recording)."""
    snoozed: dict[str, Event] = {}
    fired: dict[str, datetime] = {}
    for event in events:
        if event.reminder is None:
            continue
        if event.kind == SNOOZED:
            newest = snoozed.get(event.reminder)
            if newest is None or event.at_utc >= newest.at_utc:
                snoozed[event.reminder] = event
        elif event.kind == FIRED:
            fired[event.reminder] = max(event.at_utc, fired.get(event.reminder, event.at_utc))
    coming: dict[str, datetime] = {}
    for reminder_id, event in snoozed.items():
        last_fire = fired.get(reminder_id)
        if last_fire is not None and last_fire > event.at_utc:
            continue
        until = _until(event)
        if until is not None and until > now:
            coming[reminder_id] = until
    return coming


@dataclass(frozen=True)
class NothingToSnooze:
    """Why `handhabit snooze` has nothing to act on, as the end of a sentence: "no reminder has fired yet"."""

    reason: str


def snoozable(
    events: Iterable[Event],
    reminders: Iterable[Reminder],
    last_sessions: Mapping[str, datetime],
    now: datetime,
    zone: ZoneInfo,
    day_starts_at: time,
) -> Event | NothingToSnooze:
    """The `fired` event `handhabit snooze` puts off: the most recent one, unless it fired before the
    current logical day, its reminder has left the config, a session of its habit was recorded after it
    (`last_sessions`: the newest session's instant per habit), or it was skipped after it fired. A
    reminder snoozed already may be snoozed again: the newer snooze replaces the older.

    `events` must hold the newest fire and every event since (e.g. the store's events since its last fire)."""
    events = list(events)
    fire: Event | None = None
    for event in events:
        if event.kind == FIRED and event.reminder is not None and (fire is None or event.at_utc >= fire.at_utc):
            fire = event
    if fire is None or fire.reminder is None:
        return NothingToSnooze("no reminder has fired yet")
    name, fired_at = visible(fire.reminder), _clock(fire.at_utc, zone)  # an id a hand edit may have left long
    if logical_date(fire.at_utc, zone, day_starts_at) < logical_date(now, zone, day_starts_at):
        when = fire.at_utc.astimezone(zone).strftime("%a %Y-%m-%d %H:%M")
        return NothingToSnooze(f"no reminder has fired today (the last was {name}, on {when})")
    reminder = next((r for r in reminders if r.id == fire.reminder), None)
    if reminder is None:
        return NothingToSnooze(f"{name}, the last reminder to fire (at {fired_at}), is no longer in the config")
    session = last_sessions.get(reminder.habit)
    if session is not None and session > fire.at_utc:
        return NothingToSnooze(f"{name} fired at {fired_at}, and you recorded a session at "
                               f"{_clock(session, zone)} after it")
    skips = [e.at_utc for e in events if e.kind == SKIPPED and e.reminder == fire.reminder and e.at_utc > fire.at_utc]
    if skips:
        return NothingToSnooze(f"{name} fired at {fired_at}, and it was skipped at {_clock(min(skips), zone)}")
    return fire


def _until(event: Event) -> datetime | None:
    """A stored snooze's end; the store checks it, so only events made up elsewhere can lack one."""
    try:
        return parse_utc(event.detail or "")
    except ValueError:
        return None


def _clock(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%H:%M")
