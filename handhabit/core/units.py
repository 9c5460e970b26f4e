"""Parsing of the small value types the config and the CLI share: durations, clock times, weekdays.

Each parser raises ValueError with the hint a person needs to fix the value; callers add where it was.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_SHORTHANDS = {"daily": frozenset(range(7)), "weekdays": frozenset(range(5))}
DAY = timedelta(days=1)
# Habit, reminder and routine ids: stable names that sessions keep for years.
IDENTIFIER = re.compile(r"[a-z0-9-]+")
MOST_NAME = 64  # characters of such an id: longer ones are refused in the config and in new records
_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


def parse_duration(text: str, *, least: timedelta = timedelta(seconds=1), most: timedelta = DAY) -> timedelta:
    """A duration within [least, most]; the bounds are checked on whole seconds before a timedelta exists,
    so "999999999999999999h" is an error line, not an OverflowError."""
    match = _DURATION.fullmatch(text.strip())
    if not text.strip() or match is None:
        hint = f' (try "{text.strip()}m")' if text.strip().isdigit() else ' (e.g. "45s", "10m", "1h30m")'
        raise ValueError(f'"{text}" is not a duration{hint}')
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if not total:
        raise ValueError(f'"{text}" is zero (a duration must be longer than 0s)')
    if total < least.total_seconds():
        raise ValueError(f'"{text}" is too short (at least {duration_words(least)})')
    if total > most.total_seconds():
        raise ValueError(f'"{text}" is too long (at most {duration_words(most)})')
    return timedelta(seconds=total)


def duration_words(duration: timedelta) -> str:
    """A bound as a person says it: "5m", "24h", "366 days"."""
    if duration >= 2 * DAY and not duration % DAY:
        return f"{duration // DAY} days"
    return format_duration(duration)


def _hours_minutes_seconds(duration: timedelta) -> tuple[int, int, int]:
    hours, rest = divmod(int(duration.total_seconds()), 3600)
    minutes, seconds = divmod(rest, 60)
    return hours, minutes, seconds


def format_duration(duration: timedelta) -> str:
    """The inverse of parse_duration, so messages echo durations as the person wrote them."""
    parts = zip(_hours_minutes_seconds(duration), ("h", "m", "s"), strict=True)
    return "".join(f"{n}{unit}" for n, unit in parts if n) or "0s"


def spoken(duration: timedelta) -> str:
    """A duration as a button or a sentence says it: "10 min", "1 h 30 min", "45 s"."""
    parts = zip(_hours_minutes_seconds(duration), ("h", "min", "s"), strict=True)
    return " ".join(f"{n} {unit}" for n, unit in parts if n) or "0 s"


def parse_clock(text: str) -> time:
    match = _CLOCK.fullmatch(text.strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f'"{text}" is not a time of day (use "HH:MM", e.g. "09:00")')
    return time(int(match[1]), int(match[2]))


def parse_weekday(text: str) -> int:
    name = text.strip().lower()
    if name in WEEKDAYS:
        return WEEKDAYS.index(name)
    for short in WEEKDAYS:
        if len(name) > 3 and name.startswith(short):
            raise ValueError(f'"{text}" is not a weekday (use "{short}")')
    raise ValueError(f'"{text}" is not a weekday (use one of {", ".join(WEEKDAYS)})')


def weekday_names(days: frozenset[int]) -> str:
    if days == DAY_SHORTHANDS["daily"]:
        return "daily"
    if days == DAY_SHORTHANDS["weekdays"]:
        return "weekdays"
    return ", ".join(WEEKDAYS[d] for d in sorted(days))


def counted(number: int, noun: str) -> str:
    """"1 reminder", "3 reminders": here, not in the CLI, so the daemon's log says it the same way."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def length_words(seconds: float) -> str:
    """"19 s", "1 min 40 s", "1 h 30 min": how long a routine, a session, a snooze or a pause lasts, in the
    words of the buttons, never "0.31 min". Whole seconds: a session's minutes are kept to two decimals,
    which a person does not read as seconds."""
    return spoken(timedelta(seconds=round(seconds)))

DEVICE_NAME_MOST = 64  # a name to tell machines apart in a line of `status`, not a description


def device_name(text: str) -> str:
    """`[sync] device`, and the name another device's device.json gives it in the sync folder: shown in one
    line of `status` and `sync`, so held to the same rules wherever it comes from."""
    one_line(text, "laptop")
    if not text.strip():
        raise ValueError('is empty (name this machine, e.g. "laptop")')
    if len(text) > DEVICE_NAME_MOST:
        raise ValueError(f'is {len(text)} characters long (use at most {DEVICE_NAME_MOST}, e.g. "laptop")')
    return text


def one_line(text: str, example: str) -> None:
    """A line break or other control character would break the one-line messages the value appears in."""
    if any(ord(char) < 32 or ord(char) == 127 for char in text):
        raise ValueError(f'holds a line break or control character (write it on one line, e.g. "{example}")')


@lru_cache(maxsize=1024)
def known_zone(key: str) -> bool:
    """A zone this machine's tz database has. ZoneInfo refuses absolute keys and keys with `..` itself
    (ValueError); a folder or a file that is not TZif ends in other errors, all of which mean "not a zone"."""
    try:
        ZoneInfo(key)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True
