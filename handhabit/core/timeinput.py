"""TIME and DATE as a person types them on the command line (cli.md). Pure: "today" and the zone are
parameters. Both are bounded here, where they are typed, so a slip of the finger ("0226" for "2026")
ends in one line saying the range instead of a record no report can read."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from handhabit.core.records import FIRST_DAY, FIRST_INSTANT, LAST_DAY, LAST_INSTANT

# The furthest ahead a typed date may be: a planned holiday for `skip`, a week for `streak --week`.
YEAR = timedelta(days=366)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_FORMS = "YYYY-MM-DD, today or yesterday"  # what every DATE option's help says it takes


class NoTimeOfDay(ValueError):
    """A date where a date and time was asked for: the command can point to its option for whole days."""


def latest_date(today: date) -> date:
    return today + YEAR if today <= LAST_DAY - YEAR else LAST_DAY


def parse_date(text: str, today: date) -> date:
    """`YYYY-MM-DD`, `today` or `yesterday`; today is the logical today, so 00:30 still says yesterday."""
    word = text.strip().lower()
    if word == "today":
        return today
    if word == "yesterday":
        return today - timedelta(days=1)
    try:
        if not _DATE.fullmatch(word):
            raise ValueError
        day = date.fromisoformat(word)
    except ValueError:
        raise ValueError(f'"{text}" is not a date (use YYYY-MM-DD, "today" or "yesterday")') from None
    if not FIRST_DAY <= day <= latest_date(today):
        raise ValueError(f'"{text}" is out of range (use a date from {FIRST_DAY} to a year from today)')
    return day


def parse_instant(text: str, zone: ZoneInfo) -> datetime:
    """ISO 8601 (`2025-03-11T21:00`) in the configured zone unless it carries an offset; returned in UTC."""
    cleaned = text.strip().replace(" ", "T", 1)
    if _DATE.fullmatch(cleaned):
        raise NoTimeOfDay(f'"{text}" has no time of day (e.g. {cleaned}T21:00)')
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(f'"{text}" is not a date and time (use e.g. 2025-03-11T21:00)') from None
    try:
        instant = (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(timezone.utc)
    except OverflowError:  # year 1 with an offset east of UTC
        instant = FIRST_INSTANT - timedelta(days=1)
    if not FIRST_INSTANT <= instant <= LAST_INSTANT:
        raise ValueError(f'"{text}" is out of range (use a time from {FIRST_DAY.year} to {LAST_DAY.year})')
    return instant
