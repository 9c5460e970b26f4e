"""Records and clock changes the tests build again and again, made one way."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from uuid import uuid4
from zoneinfo import ZoneInfo

from handhabit.habits import logical_date
from handhabit.records import Session

UTC = timezone.utc
DAY_START = time(4, 0)
MESSAGE = "Hand break: warm up, palm circles, finger pulls."


def recorded(
    at: datetime,
    tz: str = "Europe/Berlin",
    day_start: time = DAY_START,
    *,
    habit: str = "hand-massage",
    minutes: float | None = None,
    deleted: bool = False,
) -> Session:
    """A session done at instant `at` on a machine in `tz`; its logical date fixed then, as `done` does."""
    at_utc = at.astimezone(UTC)
    return Session(
        id=str(uuid4()),
        habit=habit,
        at_utc=at_utc,
        tz=tz,
        logical_date=logical_date(at_utc, ZoneInfo(tz), day_start),
        minutes=minutes,
        source="cli",
        note=None,
        recorded_utc=at_utc + timedelta(seconds=2),
        deleted_utc=at_utc + timedelta(minutes=1) if deleted else None,
    )


def done_on(
    day: date,
    at: time = time(19, 0),
    *,
    tz: str = "Europe/Berlin",
    habit: str = "hand-massage",
    minutes: float | None = None,
    deleted: bool = False,
) -> Session:
    """A session at local wall time `at` on calendar day `day` (early hours belong to the day before)."""
    return recorded(datetime.combine(day, at, tzinfo=ZoneInfo(tz)), tz, habit=habit, minutes=minutes,
                    deleted=deleted)


def clock_changes(tz: str, year: int) -> list[tuple[datetime, timedelta, timedelta]]:
    """(UTC instant, offset before, offset after) of every change of the zone's offset in `year`, found
    by scanning the zone database (a day at a time, then the minute) rather than typed in."""
    zone = ZoneInfo(tz)
    minute = timedelta(minutes=1)

    def offset(instant: datetime) -> timedelta:
        value = instant.astimezone(zone).utcoffset()
        assert value is not None
        return value

    found = []
    day = datetime(year, 1, 1, tzinfo=UTC)
    while day.year == year:
        following = day + timedelta(days=1)
        if offset(day) != offset(following):
            instant = day
            while offset(instant) == offset(day):
                instant += minute
            found.append((instant, offset(instant - minute), offset(instant)))
        day = following
    return found


def daytime_zone() -> str:
    """A zone where it is now well inside the day, so a window of 00:00-23:59 is open for the test."""
    now = datetime.now(timezone.utc)
    for name in ("UTC", "Asia/Tokyo", "America/New_York"):
        if 1 <= now.astimezone(ZoneInfo(name)).hour <= 21:
            return name
    raise AssertionError("unreachable: the zones are 9 and 14 hours apart")


def write_config(folder: Path, every: str = "3s", backend: str = "auto", message: str = MESSAGE) -> Path:
    """A break reminder every few seconds all day long, for the tests that run the daemon."""
    path = folder / "config.toml"
    path.write_text(f"""
[general]
timezone = "{daytime_zone()}"

[notify]
backend = "{backend}"

[[habits]]
id = "hand-massage"
name = "Hand massage"
target = {{ sessions = 2, per = "day" }}

[[reminders]]
id = "work-break"
habit = "hand-massage"
every = "{every}"
between = ["00:00", "23:59"]
message = "{message}"
routine = "desk-break"
""")
    return path
