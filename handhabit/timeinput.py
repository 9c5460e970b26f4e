"""TIME and DATE as a person types them on the command line (cli.md). Pure: "today" is a parameter."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


def parse_date(text: str, today: date) -> date:
    """`YYYY-MM-DD`, `today` or `yesterday`; today is the logical today, so 00:30 still says yesterday."""
    word = text.strip().lower()
    if word == "today":
        return today
    if word == "yesterday":
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise ValueError(f'"{text}" is not a date (use YYYY-MM-DD, "today" or "yesterday")') from None


def parse_instant(text: str, zone: ZoneInfo) -> datetime:
    """ISO 8601 (`2025-03-11T21:00`) in the configured zone unless it carries an offset."""
    cleaned = text.strip().replace(" ", "T", 1)
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(f'"{text}" is not a date and time (use e.g. 2025-03-11T21:00)') from None
    return value if value.tzinfo else value.replace(tzinfo=zone)
