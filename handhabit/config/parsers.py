"""The parsers of single config values: each turns the text of one key into its value, or raises
ValueError with the line a person reads (what is wrong, and an example of right)."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from handhabit.config.checker import closest, show
from handhabit.config.model import (
    BACKENDS,
    MIN_EVERY,
    SNOOZE_LEAST,
    SNOOZE_MOST,
    Backend,
)
from handhabit.core.units import (
    WEEKDAY_NAMES,
    one_line,
    parse_clock,
    parse_duration,
)


def parse_day_start(text: str) -> time:
    value = parse_clock(text)
    if value > time(12, 0):
        raise ValueError(f'"{text}" is out of range (use "00:00".."12:00")')
    return value


def parse_week_start(text: str) -> int:
    name = text.strip().lower()
    for index, long in enumerate(WEEKDAY_NAMES):
        if name in (long, long[:3]):
            return index
    raise ValueError(f'"{text}" is not a weekday (use e.g. "monday" or "sunday")')


def parse_zone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder such as "Europe"
        close = closest(text, sorted(available_timezones()))
        hint = f'did you mean "{close}"?' if close else 'use an IANA name like "Europe/Berlin"'
        raise ValueError(f'"{text}" is not a known time zone ({hint})') from None
    return text


def at_least_a_minute(text: str) -> timedelta:
    return parse_duration(text, least=timedelta(minutes=1))


def snooze_length(text: str) -> timedelta:
    """`notify.snooze` and `handhabit snooze DURATION`: one rule, 5s to 24h."""
    return parse_duration(text, least=SNOOZE_LEAST, most=SNOOZE_MOST)


def break_interval(text: str) -> timedelta:
    """Five minutes at least: a shorter break rhythm is a typo ("1s" for "1h"), and would nag every second."""
    return parse_duration(text, least=MIN_EVERY)


def parse_backend(text: str) -> Backend:
    for backend in BACKENDS:
        if text == backend:
            return backend
    raise ValueError(f'"{text}" is not a backend (use one of {", ".join(BACKENDS)})')


def sync_folder(text: str) -> Path:
    """Absolute only: the CLI and the service run in different working folders, and a relative path would
    name a different folder for each."""
    one_line(text, "~/Sync/handhabit")
    if not text.strip():
        raise ValueError('is empty (name the synced folder, e.g. "~/Sync/handhabit", or leave folder out)')
    folder = Path(text).expanduser()
    if not folder.is_absolute():
        raise ValueError(f'{show(text)} is a relative path (start it with "~/" or "/", e.g. "~/Sync/handhabit")')
    return folder
