"""Pausing reminders (`handhabit pause` / `resume`), as events in the database: the daemon reads them at
fire time, so the CLI needs no line to the daemon, the history shows in `handhabit log`, and an
export keeps it."""

from __future__ import annotations

from datetime import datetime

from handhabit.core.records import PAUSED, RESUMED, Event, parse_utc, utc_text

__all__ = ["PAUSED", "RESUMED", "pause_event", "paused_until", "resume_event"]


def pause_event(event_id: str, now: datetime, until: datetime) -> Event:
    return Event(event_id, now, None, None, PAUSED, utc_text(until))


def resume_event(event_id: str, now: datetime) -> Event:
    return Event(event_id, now, None, None, RESUMED, None)


def paused_until(latest: Event | None, now: datetime) -> datetime | None:
    """When the pause in force at `now` ends; `latest` is the newest pause or resume event."""
    if latest is None or latest.kind != PAUSED or latest.detail is None:
        return None
    until = parse_utc(latest.detail)
    return until if until > now else None
