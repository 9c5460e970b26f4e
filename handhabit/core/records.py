"""The three kinds of record the database holds (habits.md), and what makes one valid.

Everything else is derived from these records, for years, so each is checked on its way into the store,
wherever it comes from (a command, a guided routine, the daemon, an import), against one set of bounds:
a record the store accepts is one that every command can read back. The same checks find a bad row that
an older version or a hand edit left behind, so it can be named instead of crashing a report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import NamedTuple

from handhabit.core.units import IDENTIFIER, MOST_NAME, known_zone

UTC = timezone.utc
# Year 9999 ends a week early: a day's end, a week's last day or a local time east of UTC must still be
# a date Python can hold when a report works it out.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9999, 12, 24)
FIRST_INSTANT = datetime(1970, 1, 1, tzinfo=UTC)
LAST_INSTANT = datetime(9999, 12, 24, tzinfo=UTC)
YEARS = f"a year from {FIRST_DAY.year} to {LAST_DAY.year}"
MAX_MINUTES = 24 * 60
# Another machine's clock (an import, later a sync) may run a little ahead of this one's.
AHEAD = timedelta(days=1)
SOURCES = ("cli", "guide", "notification", "backfill", "import")
# The longest text a new record may hold, wherever it comes from (a command, an import, another device):
# a note or reason of a few paragraphs, an event's detail, ids like a UUID. Rows stored before are read as
# they are. What a journal line may hold follows from these (`sync.journal.MOST_LINE`).
MOST_TEXT = {"id": 128, "habit": MOST_NAME, "reminder": MOST_NAME, "note": 10_000, "reason": 1_000,
             "kind": 40, "detail": 4_000}
PAUSED, RESUMED = "paused", "resumed"
SNOOZED = "snoozed"  # a reminder put off: `reminder` names it, `detail` holds when it comes back
FIRED, SKIPPED = "fired", "skipped"  # a reminder shown; one not shown (paused, met), or skipped from its notification


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
    # The check-in (habits.md): how the hands feel after the session, and the discomfort 0-10 at its time.
    feel: str | None = None
    discomfort: int | None = None


@dataclass(frozen=True)
class Excuse:
    """Days (inclusive range) that count neither for nor against a habit; `habit` "*" means all.
    `unskip` marks one deleted (never erases or edits it), as undo marks a session."""

    id: str
    habit: str
    from_date: date
    to_date: date
    reason: str | None
    deleted_utc: datetime | None = None


@dataclass(frozen=True)
class Event:
    """What the daemon did, so `handhabit log` can explain a reminder that did or did not appear.
    A pause keeps the instant it ends in `detail`, a snooze the instant its reminder comes back."""

    id: str
    at_utc: datetime
    reminder: str | None
    habit: str | None
    kind: str
    detail: str | None


Record = Session | Excuse | Event
TABLE_OF: dict[type[Record], str] = {Session: "sessions", Excuse: "excuses", Event: "events"}
# The tables whose records carry `deleted_utc`: events are never taken back.
DELETABLE = ("sessions", "excuses")


@dataclass(frozen=True)
class Deletion:
    """A session undone or an excuse taken back, as a sync journal carries it to the other machines: by
    table and id alone, so it applies to whichever copy of the record a machine has, even one yet to come."""

    table: str
    id: str
    deleted_utc: datetime


class DayTotal(NamedTuple):
    """A habit's live sessions on one logical date: all the habit maths needs of them. Ten years of
    sessions are some thousands of these, which SQLite sums (`GROUP BY habit, logical_date`) faster than
    Python can build the sessions; a tuple, not a dataclass, because a report reads one per day."""

    habit: str
    logical_date: date
    sessions: int
    minutes: float  # the sum of the minutes recorded
    unrated: int  # sessions recorded without minutes: each counts as long as its habit's routine


@dataclass(frozen=True)
class Flaw:
    """What is wrong, where, and how to put it right: a field of a record, or in an import file a JSON
    path (empty for the whole file)."""

    field: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.field + ': ' if self.field else ''}{self.problem} ({self.fix})"


def utc_text(instant: datetime) -> str:
    """ISO instant with a Z, four-digit year and whole seconds: fixed width, so text order is time order in SQL."""
    return instant.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def parse_utc(text: str) -> datetime:
    """Reads what `utc_text` wrote; Python 3.10's fromisoformat does not know the Z."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _instant(name: str, value: datetime, now: datetime | None) -> list[Flaw]:
    if not FIRST_INSTANT <= value <= LAST_INSTANT:
        return [Flaw(name, f"{utc_text(value)} is out of range", f"use {YEARS}")]
    if now is not None and value > now + AHEAD:
        return [Flaw(name, f"{utc_text(value)} is in the future", "record what has happened, not what will")]
    return []


def _day(name: str, value: date) -> list[Flaw]:
    if not FIRST_DAY <= value <= LAST_DAY:
        return [Flaw(name, f"{value} is out of range", f"use {YEARS}")]
    return []


def _name(name: str, value: str | None, example: str, star: bool = False) -> list[Flaw]:
    if value is None or IDENTIFIER.fullmatch(value) or (star and value == "*"):
        return []
    also = ' or "*" for every habit' if star else ""
    shown = value if len(value) <= 40 else f"{value[:40]}…"
    return [Flaw(name, f'"{shown}" is not an id', f"ids hold only a-z, 0-9 and \"-\", e.g. {example}{also}")]


def _lengths(now: datetime | None, **texts: str | None) -> list[Flaw]:
    """New records only (`now` given): a row stored before these bounds is still read as it is."""
    if now is None:
        return []
    return [Flaw(name, f"is {len(value):,} characters long", f"use at most {MOST_TEXT[name]:,}")
            for name, value in texts.items() if value is not None and len(value) > MOST_TEXT[name]]


def _record_id(value: str) -> list[Flaw]:
    """Any text, as long as there is some: an export names records by it, and an import needs it."""
    if not value.strip():
        return [Flaw("id", "is empty", "give every record an id of its own, e.g. a UUID")]
    return _text("id", value)


def _text(name: str, value: str | None) -> list[Flaw]:
    if value is None:
        return []
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: SQLite and every export would choke on it
        return [Flaw(name, "holds a lone surrogate", "remove the \\ud800-\\udfff character")]
    return []


MINUTES_RANGE = f"use a number above 0 and at most {MAX_MINUTES}"
FEELS = ("better", "same", "worse")
# The numeric rating scale of pain research: 0 none, 10 the worst imaginable.
DISCOMFORT_LEAST, DISCOMFORT_MOST = 0, 10


def check_in_flaws(feel: str | None, discomfort: int | None) -> list[Flaw]:
    """The two optional answers of a session; neither is ever required."""
    flaws = []
    if feel is not None and feel not in FEELS:
        flaws.append(Flaw("feel", f"{feel[:40]!r} is not how hands feel", f"use one of {', '.join(FEELS)}, or null"))
    if discomfort is not None and (isinstance(discomfort, bool) or not isinstance(discomfort, int)
                                   or not DISCOMFORT_LEAST <= discomfort <= DISCOMFORT_MOST):
        flaws.append(Flaw("discomfort", f"{discomfort!r} is not a rating",
                          f"use a whole number from {DISCOMFORT_LEAST} (none) to {DISCOMFORT_MOST}, or null"))
    return flaws


def minutes_flaw(minutes: float) -> str | None:
    """What is wrong with a session length, one rule for `done --minutes`, guided routines and imports."""
    if not math.isfinite(minutes) or not 0 < minutes <= MAX_MINUTES:
        return f"{minutes:g} is not a number of minutes a session can last"
    return None


def session_flaws(session: Session, now: datetime | None = None) -> list[Flaw]:
    """`now` bounds how far ahead a new record may be; rows already stored are read without it."""
    flaws = [
        *_record_id(session.id),
        *_name("habit", session.habit, '"hand-massage"'),
        *_instant("at_utc", session.at_utc, now),
        *_instant("recorded_utc", session.recorded_utc, now),
        *_day("logical_date", session.logical_date),
        *_text("note", session.note),
        *_lengths(now, id=session.id, habit=session.habit, note=session.note),
    ]
    if session.deleted_utc is not None:
        flaws += _instant("deleted_utc", session.deleted_utc, now)
    if not known_zone(session.tz):
        flaws.append(Flaw("tz", f'"{session.tz}" is not a time zone', 'use an IANA name such as "Europe/Berlin"'))
    if session.minutes is not None and (problem := minutes_flaw(session.minutes)):
        flaws.append(Flaw("minutes", problem, f"{MINUTES_RANGE}, or null"))
    flaws += check_in_flaws(session.feel, session.discomfort)
    if session.source not in SOURCES:
        flaws.append(Flaw("source", f'"{session.source}" is not a source', f"use one of {', '.join(SOURCES)}"))
    if not flaws and abs(session.logical_date - session.at_utc.date()) > timedelta(days=2):
        flaws.append(Flaw("logical_date", f"{session.logical_date} is not the day of at_utc {utc_text(session.at_utc)}",
                          "a session counts for the day it was done on, where it was done"))
    return flaws


def excuse_flaws(excuse: Excuse, now: datetime | None = None) -> list[Flaw]:
    """`now` bounds how far ahead a new deletion mark may be, as for a session's."""
    flaws = [
        *_record_id(excuse.id),
        *_name("habit", excuse.habit, '"hand-massage"', star=True),
        *_day("from_date", excuse.from_date),
        *_day("to_date", excuse.to_date),
        *_text("reason", excuse.reason),
        *_lengths(now, id=excuse.id, habit=excuse.habit, reason=excuse.reason),
    ]
    if excuse.deleted_utc is not None:
        flaws += _instant("deleted_utc", excuse.deleted_utc, now)
    if excuse.from_date > excuse.to_date:
        flaws.append(Flaw("from_date", f"{excuse.from_date} is after to_date {excuse.to_date}", "swap the two dates"))
    return flaws


def event_flaws(event: Event, now: datetime | None = None) -> list[Flaw]:
    flaws = [
        *_record_id(event.id),
        *_instant("at_utc", event.at_utc, now),
        *_name("reminder", event.reminder, '"bedtime"'),
        *_name("habit", event.habit, '"hand-massage"'),
        *_text("kind", event.kind),
        *_text("detail", event.detail),
        *_lengths(now, id=event.id, reminder=event.reminder, habit=event.habit, kind=event.kind,
                  detail=event.detail),
    ]
    if not event.kind.strip():
        flaws.append(Flaw("kind", "is empty", 'name what happened, e.g. "fired"'))
    if event.kind == PAUSED:  # the pause in force is read from it at every reminder
        flaws += _until(event.detail, "the pause ends", "a pause keeps when it ends")
    if event.kind == SNOOZED:  # the daemon schedules the reminder again from it
        flaws += _until(event.detail, "the reminder comes back", "a snooze keeps when the reminder comes back")
        if event.reminder is None:
            flaws.append(Flaw("reminder", "is missing", 'a snooze names the reminder it puts off, e.g. "bedtime"'))
    return flaws


def _until(detail: str | None, what: str, keeps: str) -> list[Flaw]:
    """The instant an event keeps in its detail: when a pause ends, when a snoozed reminder comes back."""
    try:
        until = parse_utc(detail or "")
    except ValueError:
        return [Flaw("detail", f'"{detail}" is not when {what}', f'{keeps}, e.g. "2025-03-10T23:00:00Z"')]
    return _instant("detail", until, None)


def deletion_flaws(mark: Deletion, now: datetime | None = None) -> list[Flaw]:
    """`now` bounds how far ahead the mark may be, as for the `deleted_utc` of a record."""
    flaws = [*_record_id(mark.id), *_instant("deleted_utc", mark.deleted_utc, now), *_lengths(now, id=mark.id)]
    if mark.table not in DELETABLE:
        flaws.append(Flaw("table", f'"{mark.table}" is not a table records are deleted from',
                          f"use one of {', '.join(DELETABLE)}"))
    return flaws


def flaws(record: Record | Deletion, now: datetime | None = None) -> list[Flaw]:
    if isinstance(record, Session):
        return session_flaws(record, now)
    if isinstance(record, Excuse):
        return excuse_flaws(record, now)
    if isinstance(record, Deletion):
        return deletion_flaws(record, now)
    return event_flaws(record, now)


def honest(done_at: datetime | None, deleted: datetime) -> bool:
    """Whether a record can have been deleted at `deleted`: a session not more than the clock bound before
    it was done (`done_at`); an excuse (None) may be taken back any time, also long before its days."""
    return done_at is None or deleted >= done_at - AHEAD
