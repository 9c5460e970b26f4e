"""The three kinds of record the database holds (habits.md). Everything else is derived from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Session:
    """One hand-care session done. `logical_date` is fixed when written so travel never moves it."""

    id: str
    habit: str
    at_utc: datetime
    tz: str
    logical_date: date
    minutes: float | None
    source: str
    note: str | None
    recorded_utc: datetime
    deleted_utc: datetime | None = None


@dataclass(frozen=True)
class Excuse:
    """Days (inclusive range) that count neither for nor against a habit; `habit` "*" means all."""

    id: str
    habit: str
    from_date: date
    to_date: date
    reason: str | None


@dataclass(frozen=True)
class Event:
    """What the daemon did, so `handhabit log` can explain a reminder that did or did not appear."""

    id: str
    at_utc: datetime
    reminder: str | None
    habit: str | None
    kind: str
    detail: str | None
